package sinks

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
	queries "github.com/lombardia-orim/correlare/sql"
)

// feedbackSheet is the sheet of a feedback workbook.
const feedbackSheet = "Segnalazioni"

// FeedbackHeader is the header row of a feedback workbook.
var FeedbackHeader = []string{"File", "Foglio", "Riga", "Cella", "Valore", "Problema", "Cosa fare"}

// feedbackName matches the workbooks WriteFeedback writes.
var feedbackName = regexp.MustCompile(`^feedback_[A-Z]{2}\.xlsx$`)

// skippedTextIT explains the rows a reader skipped on purpose.
var skippedTextIT = map[string]string{
	"totals": "Riga di totali: ignorata (non è un'iscrizione)",
	"note":   "Nota sotto la tabella: ignorata (non è un'iscrizione)",
}

// actionIT says what the office can do about each problem code.
var actionIT = map[string]string{
	canon.FlagTaxCodeInvalid:         "Controllare il codice fiscale su un documento e correggerlo",
	canon.FlagTaxCodeBadCheck:        "Controllare il codice fiscale su un documento e correggere il carattere sbagliato",
	canon.FlagTaxCodeSexConflict:     "Verificare se è giusto il sesso o il codice fiscale e correggere l'altro",
	canon.FlagTaxCodeBirthConflict:   "Verificare se è giusta la data di nascita o il codice fiscale e correggere l'altro",
	canon.FlagSexUnreadable:          "Scrivere F o M",
	canon.FlagBirthDateUnreadable:    "Scrivere la data di nascita come gg/mm/aaaa",
	canon.FlagBirthDateImplausible:   "Correggere la data di nascita (gg/mm/aaaa)",
	canon.FlagEmailInvalid:           "Correggere l'indirizzo e-mail o lasciare la cella vuota",
	canon.FlagPhoneInvalid:           "Correggere il numero (solo cifre, con il prefisso) o lasciare la cella vuota",
	canon.FlagStatusUnreadable:       "Indicare l'esito: ammesso/a, non ammesso/a oppure ritirato/a",
	canon.FlagHoursUnreadable:        "Scrivere le ore frequentate come numero, ad esempio 12 o 12,5",
	canon.FlagHoursOutOfRange:        "Correggere le ore frequentate: da 0 alle ore previste dal modulo",
	canon.FlagSatisfactionUnreadable: "Scrivere un voto da 1 a 5 o lasciare la cella vuota",
	canon.FlagSatisfactionOutOfRange: "Scrivere un voto da 1 a 5 o lasciare la cella vuota",
	canon.FlagAxisUnreadable:         "Indicare l'asse con un numero romano da I a V",
	canon.FlagNumberUnreadable:       "Scrivere solo il numero, ad esempio 16",
	canon.FlagDateUnreadable:         "Scrivere la data come gg/mm/aaaa",
	canon.FlagNameSplitGuessed:       "Mettere cognome e nome in due colonne separate",
	canon.FlagModuleNotInCatalogue:   "Scrivere il codice o il titolo del modulo come nel catalogo dei moduli, oppure aggiungere il modulo al catalogo",
	canon.FlagModuleAmbiguous:        "Indicare anche l'edizione o la sede del modulo, oppure il suo codice del catalogo",
	canon.ReasonMissingSurname:       "Inserire il cognome e inviare di nuovo il file",
	canon.ReasonMissingGivenName:     "Inserire il nome e inviare di nuovo il file",
	canon.ReasonMissingModule:        "Indicare il modulo a cui si riferisce la domanda e inviare di nuovo il file",
	canon.ReasonUnsplittableName:     "Scrivere cognome e nome per esteso, meglio in due colonne, e inviare di nuovo il file",
	"totals":                         "Nessuna azione se è davvero una riga di totali; se è un'iscrizione, completarla con cognome e nome",
	"note":                           "Nessuna azione se è una nota; altrimenti completare la riga come le altre iscrizioni",
}

// FeedbackRow is one line of a feedback workbook.
type FeedbackRow struct {
	File, Sheet string
	Row         int
	Cell        string // e.g. B7; "" when the problem concerns the whole row
	Value       string
	Problem     string // plain Italian
	Action      string // plain Italian
}

// WriteFeedback writes one workbook per province with problems into dir,
// named feedback_<sigla>.xlsx, for the province's own office: every
// quarantined row, every flagged value and every skipped (totals or notes)
// row of its files, with file, sheet, row, cell, the value as typed, the
// problem and what to do, in Italian, sorted by file and row. Workbooks of
// provinces that no longer have problems are removed. It returns the paths
// written, sorted. The workbooks hold the provinces' own personal data and
// are written with mode 0640.
func WriteFeedback(ctx context.Context, db *sql.DB, dir string) ([]string, error) {
	provs, err := feedbackProvinces(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating feedback directory %s: %w", dir, err)
	}
	var paths []string
	written := map[string]bool{}
	for _, p := range provs {
		if err := ctx.Err(); err != nil {
			return paths, err
		}
		rows, err := FeedbackRows(ctx, db, p)
		if err != nil {
			return paths, err
		}
		name := "feedback_" + p + ".xlsx"
		path := filepath.Join(dir, name)
		if err := writeFeedbackWorkbook(path, rows); err != nil {
			return paths, fmt.Errorf("writing feedback %s: %w", path, err)
		}
		written[name] = true
		paths = append(paths, path)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return paths, fmt.Errorf("listing feedback directory %s: %w", dir, err)
	}
	for _, e := range entries {
		if feedbackName.MatchString(e.Name()) && !written[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return paths, fmt.Errorf("removing outdated feedback: %w", err)
			}
		}
	}
	sort.Strings(paths)
	return paths, nil
}

func feedbackProvinces(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, queries.Query("report_feedback_provinces"))
	if err != nil {
		return nil, fmt.Errorf("listing provinces with problems: %w", err)
	}
	defer rows.Close()
	var ps []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("listing provinces with problems: %w", err)
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// FeedbackRows returns the problems of one province's files, sorted by file,
// sheet, row and cell, with their Italian explanations.
func FeedbackRows(ctx context.Context, db *sql.DB, province string) ([]FeedbackRow, error) {
	rows, err := db.QueryContext(ctx, queries.Query("report_feedback"), province)
	if err != nil {
		return nil, fmt.Errorf("reading problems of %s: %w", province, err)
	}
	defer rows.Close()
	var out []FeedbackRow
	for rows.Next() {
		var r FeedbackRow
		var kind, code string
		if err := rows.Scan(&r.File, &r.Sheet, &r.Row, &r.Cell, &kind, &code, &r.Value); err != nil {
			return nil, fmt.Errorf("reading problems of %s: %w", province, err)
		}
		r.Problem, r.Action = explain(kind, code)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading problems of %s: %w", province, err)
	}
	return out, nil
}

// explain gives the Italian problem text and action of a problem code.
func explain(kind, code string) (problem, action string) {
	var ok bool
	switch kind {
	case "quarantine":
		problem, ok = canon.ReasonTextIT[code]
		if !ok {
			problem = "Riga non caricata (" + code + ")"
		}
	case "issue":
		problem, ok = canon.FlagTextIT[code]
		if !ok {
			problem = "Valore da controllare (" + code + ")"
		}
	default:
		problem, ok = skippedTextIT[code]
		if !ok {
			problem = "Riga ignorata (" + code + ")"
		}
	}
	action, ok = actionIT[code]
	if !ok {
		action = "Verificare il valore e correggerlo nel file originale"
	}
	return problem, action
}

func writeFeedbackWorkbook(path string, rows []FeedbackRow) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), feedbackSheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	header := make([]any, len(FeedbackHeader))
	for i, h := range FeedbackHeader {
		header[i] = h
	}
	if err := f.SetSheetRow(feedbackSheet, "A1", &header); err != nil {
		return err
	}
	if err := f.SetCellStyle(feedbackSheet, "A1", "G1", bold); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		vals := []any{r.File, r.Sheet, r.Row, r.Cell, r.Value, r.Problem, r.Action}
		if err := f.SetSheetRow(feedbackSheet, cell, &vals); err != nil {
			return err
		}
	}
	last := len(rows) + 1
	if len(rows) > 0 {
		if err := f.SetCellStyle(feedbackSheet, "E2", fmt.Sprintf("G%d", last), wrap); err != nil {
			return err
		}
	}
	if err := f.SetPanes(feedbackSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := f.AutoFilter(feedbackSheet, fmt.Sprintf("A1:G%d", last), nil); err != nil {
		return err
	}
	for _, w := range []struct {
		col   string
		width float64
	}{{"A", 30}, {"B", 16}, {"C", 7}, {"D", 7}, {"E", 40}, {"F", 60}, {"G", 55}} {
		if err := f.SetColWidth(feedbackSheet, w.col, w.col, w.width); err != nil {
			return err
		}
	}
	return saveWorkbook(f, path, 0o640)
}
