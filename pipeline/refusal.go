package pipeline

import (
	"errors"

	"github.com/lombardia-orim/correlare/sources"
)

// refusals say, in Italian, why a whole file is refused, and what to do,
// for each sentinel of the readers; code is what validate prints in brackets.
var refusals = []struct {
	err     error
	code    string
	message string
}{
	{sources.ErrTooLarge, "file_too_large", "il file è troppo grande per essere letto: togliere i fogli e le colonne che non servono, oppure dividerlo in più file, e inviarlo di nuovo"},
	{sources.ErrEncrypted, "password_protected", "il file è protetto da password: salvarlo di nuovo senza password (Excel: File > Informazioni > Proteggi cartella di lavoro; LibreOffice: File > Salva con nome, senza \"Salva con password\") e inviarlo di nuovo"},
	{sources.ErrUnsupportedFormat, "unsupported_format", "formato di file non leggibile: aprirlo con Excel o LibreOffice, salvarlo come cartella di lavoro Excel (.xlsx) senza password e inviarlo di nuovo"},
	{sources.ErrCorrupt, "damaged_file", "file danneggiato o incompleto (probabilmente interrotto durante la copia o l'invio): aprirlo con Excel o LibreOffice, salvarlo di nuovo come .xlsx e inviarlo di nuovo"},
	{sources.ErrNoTable, "no_table", "nessun foglio contiene un elenco di iscrizioni o un catalogo dei moduli: la prima riga della tabella deve avere titoli di colonna come Cognome, Nome, Codice fiscale, Modulo"},
	{sources.ErrNoHeader, "no_header", "non si trova la riga dei titoli di colonna nelle prime 30 righe: servono titoli come Cognome, Nome, Codice fiscale, Modulo"},
	{sources.ErrEmptySheet, "empty_sheet", "il foglio è vuoto"},
	{ErrAllRejected, "all_rows_rejected", "nessuna riga si può caricare: il file non è stato caricato (vedere i problemi riga per riga)"},
}

// Refusal describes, in Italian, why a whole file is refused: the file (and
// sheet, row) it concerns, the reason and what to do, and a code. An error of
// no known kind gives "" (the caller prints it as it is).
func Refusal(err error) Problem {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			p := Problem{Code: r.code, Message: r.message, Quarantine: true}
			var se *sources.Error
			if errors.As(err, &se) {
				p.File, p.Sheet, p.Row, p.Column = se.File, se.Sheet, se.Row, se.Col
			}
			return p
		}
	}
	return Problem{}
}
