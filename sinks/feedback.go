package sinks

import (
	"archive/zip"
	"compress/flate"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
	queries "github.com/lombardia-orim/correlare/sql"
)

// feedbackSheet is the sheet of a feedback workbook.
const feedbackSheet = "Segnalazioni"

// FeedbackHeader is the header row of a feedback workbook.
// "Righe" is filled on a column-level line: how many rows it stands for.
var FeedbackHeader = []string{"File", "Foglio", "Riga", "Cella", "Righe", "Valore", "Problema", "Cosa fare"}

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
	canon.FlagStatusUnreadable:       "Indicare l'esito: ammesso/a, non ammesso/a oppure ritirato/a (anche abbreviati: amm., non amm., rit.)",
	canon.FlagStatusMissing:          "Indicare l'esito: ammesso/a, non ammesso/a oppure ritirato/a",
	canon.FlagMissingSurname:         "Inserire il cognome",
	canon.FlagMissingGivenName:       "Inserire il nome",
	canon.FlagNameUnsplittable:       "Scrivere cognome e nome per esteso, meglio in due colonne",
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
	canon.ReasonMissingIdentity:      "Inserire cognome e nome (o almeno il codice fiscale) e inviare di nuovo il file",
	canon.ReasonMissingModule:        "Indicare il modulo a cui si riferisce la domanda e inviare di nuovo il file",
	"totals":                         "Nessuna azione se è davvero una riga di totali; se è un'iscrizione, completarla con cognome e nome",
	"note":                           "Nessuna azione se è una nota; altrimenti completare la riga come le altre iscrizioni",
}

// FeedbackRow is one line of a feedback workbook's "Segnalazioni" sheet:
// one problem on one row, or a column-level problem once for its column.
type FeedbackRow struct {
	File, Sheet string
	Row         int    // the row; a column-level line: the first row concerned
	LastRow     int    // a column-level line: the last row concerned; else 0
	Cell        string // e.g. B7; a column-level line: the column, e.g. B; "" when the problem concerns the whole row
	Rows        int    // rows concerned: 1, or how many a column-level line stands for
	Value       string
	Kind        string // quarantine, issue or skipped
	Code        string // the problem's code (Flag*, Reason*, or the skip reason)
	Problem     string // plain Italian
	Action      string // plain Italian
}

// columnLevel lists the problems that concern a whole column rather than the
// values typed on each row ("Cognome e nome" in one cell): the feedback
// workbook writes them once per column, with the number of rows.
var columnLevel = map[string]bool{
	canon.FlagNameSplitGuessed: true,
}

// FeedbackFile is one file of a province in the summary sheet.
type FeedbackFile struct {
	File                               string
	Read, Loaded, Quarantined, Skipped int64
}

// FeedbackKind is one kind of problem in the summary sheet.
type FeedbackKind struct {
	Kind, Code      string
	Rows            int // rows concerned
	Problem, Action string
}

// Feedback is what one province's feedback workbook holds.
type Feedback struct {
	Province, Name string
	Files          []FeedbackFile
	Kinds          []FeedbackKind // by decreasing rows, then quarantine, issue, skipped, then code
	Rows           []FeedbackRow
}

// kindOrder ranks kinds of problem with the same number of rows: a row not
// loaded first, then a flagged value, then a skipped row.
var kindOrder = map[string]int{"quarantine": 0, "issue": 1, "skipped": 2}

// TopKinds returns up to n kinds of problem worth fixing, those concerning
// the most rows first: quarantined rows and flagged values (a skipped totals
// or notes row needs no fixing).
func (fb *Feedback) TopKinds(n int) []FeedbackKind {
	var out []FeedbackKind
	for _, k := range fb.Kinds {
		if len(out) == n {
			break
		}
		if k.Kind != "skipped" {
			out = append(out, k)
		}
	}
	return out
}

// WriteFeedback writes one workbook per province with problems into dir,
// named feedback_<sigla>.xlsx, for the province's own office: every
// quarantined row, every flagged value and every skipped (totals or notes)
// row of its files, with file, sheet, row, cell, the value as typed, the
// problem and what to do, in Italian, sorted by file and row. Workbooks of
// provinces that no longer have problems are removed. It returns the paths
// written, sorted. A province whose workbook cannot be read or written does
// not stop the others: its previous workbook is left in place and the error
// returned (joined with any other) names it. The workbooks hold the
// provinces' own personal data and are written with mode 0640.
func WriteFeedback(ctx context.Context, db *sql.DB, dir string) ([]string, error) {
	provs, err := feedbackProvinces(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating feedback directory %s: %w", dir, err)
	}
	var paths []string
	var errs []error
	written := map[string]bool{}
	for _, p := range provs {
		if err := ctx.Err(); err != nil {
			return paths, errors.Join(append(errs, err)...)
		}
		name := "feedback_" + p + ".xlsx"
		// A province whose workbook fails keeps the one it had (not removed
		// below as outdated); the others are written all the same.
		written[name] = true
		fb, err := ReadFeedback(ctx, db, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("feedback for %s: %w", p, err))
			continue
		}
		path := filepath.Join(dir, name)
		if err := writeFeedbackWorkbook(path, fb); err != nil {
			errs = append(errs, fmt.Errorf("writing feedback %s: %w", path, err))
			continue
		}
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
	return paths, errors.Join(errs...)
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

// ReadFeedback reads what one province's feedback workbook holds: its
// files with their counts, its problems by kind, and the problem lines.
func ReadFeedback(ctx context.Context, db *sql.DB, province string) (*Feedback, error) {
	fb := &Feedback{Province: province}
	err := db.QueryRowContext(ctx, queries.Query("report_feedback_province"), province).Scan(&fb.Name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading the name of %s: %w", province, err)
	}
	rows, err := db.QueryContext(ctx, queries.Query("report_feedback_files"), province)
	if err != nil {
		return nil, fmt.Errorf("reading files of %s: %w", province, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f FeedbackFile
		if err := rows.Scan(&f.File, &f.Read, &f.Loaded, &f.Quarantined, &f.Skipped); err != nil {
			return nil, fmt.Errorf("reading files of %s: %w", province, err)
		}
		fb.Files = append(fb.Files, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading files of %s: %w", province, err)
	}
	if fb.Rows, err = FeedbackRows(ctx, db, province); err != nil {
		return nil, err
	}
	kinds := map[[2]string]int{}
	for _, r := range fb.Rows {
		k := [2]string{r.Kind, r.Code}
		i, ok := kinds[k]
		if !ok {
			i = len(fb.Kinds)
			kinds[k] = i
			fb.Kinds = append(fb.Kinds, FeedbackKind{Kind: r.Kind, Code: r.Code, Problem: r.Problem, Action: r.Action})
		}
		fb.Kinds[i].Rows += r.Rows
	}
	sort.SliceStable(fb.Kinds, func(i, j int) bool {
		a, b := fb.Kinds[i], fb.Kinds[j]
		if a.Rows != b.Rows {
			return a.Rows > b.Rows
		}
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		return a.Code < b.Code
	})
	return fb, nil
}

// FeedbackRows returns the problems of one province's files, sorted by file,
// sheet, row and cell, with their Italian explanations. A column-level
// problem (see columnLevel) is one line per column, at its first row, with
// the number of rows it concerns: the query counts them, so they are not
// read one by one.
func FeedbackRows(ctx context.Context, db *sql.DB, province string) ([]FeedbackRow, error) {
	var codes []string
	for c := range columnLevel {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	rows, err := db.QueryContext(ctx, queries.Query("report_feedback"), province, codes)
	if err != nil {
		return nil, fmt.Errorf("reading problems of %s: %w", province, err)
	}
	defer rows.Close()
	var out []FeedbackRow
	for rows.Next() {
		var r FeedbackRow
		if err := rows.Scan(&r.File, &r.Sheet, &r.Row, &r.Cell, &r.Kind, &r.Code, &r.Value, &r.LastRow, &r.Rows); err != nil {
			return nil, fmt.Errorf("reading problems of %s: %w", province, err)
		}
		r.Problem, r.Action = explain(r.Kind, r.Code)
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

// The sheets of a feedback workbook.
const (
	summarySheet = "Riepilogo"
)

// feedbackStyles are the cell styles of a feedback workbook.
type feedbackStyles struct {
	title, header, section, wrap, text, number int
}

func newFeedbackStyles(f *excelize.File) (feedbackStyles, error) {
	var st feedbackStyles
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.section, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.text, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.number, &excelize.Style{NumFmt: 3, Alignment: &excelize.Alignment{Vertical: "top"}}}, // #,##0
	} {
		id, err := f.NewStyle(s.style)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

// kindTextIT names the three kinds of problem in the summary.
var kindTextIT = map[string]string{
	"quarantine": "Riga non caricata",
	"issue":      "Valore da controllare",
	"skipped":    "Riga ignorata",
}

// writeFeedbackWorkbook writes the workbook: the summary sheet "Riepilogo"
// first, then "Segnalazioni" with one line per problem. Both are written with
// excelize's StreamWriter (a province with 200,000 flagged values is written
// row by row, not held as cells), and both print landscape, fitted to the
// page width, with their header rows repeated on every page.
func writeFeedbackWorkbook(path string, fb *Feedback) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), summarySheet); err != nil {
		return err
	}
	if _, err := f.NewSheet(feedbackSheet); err != nil {
		return err
	}
	// Before the stream writers: afterwards excelize would parse each
	// streamed sheet back into memory to mark it (and then drop the result).
	f.SetActiveSheet(0)
	st, err := newFeedbackStyles(f)
	if err != nil {
		return err
	}
	if err := writeSummarySheet(f, st, fb); err != nil {
		return fmt.Errorf("writing sheet %s: %w", summarySheet, err)
	}
	if err := writeProblemsSheet(f, st, fb.Rows); err != nil {
		return fmt.Errorf("writing sheet %s: %w", feedbackSheet, err)
	}
	f.SetZipWriter(fastZip)
	return saveWorkbook(f, path, 0o640)
}

// fastZip is the zip writer of the feedback workbooks: Deflate at its
// fastest level. A province's problems sheet repeats the same texts on
// every line, so it compresses well even so, and the default level took a
// third of the time of writing 200,000 lines.
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return zw
}

// printSetup makes sheet print landscape on A4, fitted to one page wide (as
// many pages tall as needed), with rows titleRows (e.g. "$1:$1") repeated at
// the top of every page. It must run before the sheet's StreamWriter is
// created: the writer keeps these settings.
func printSetup(f *excelize.File, sheet, titleRows string) error {
	orientation, size, one, zero, fit := "landscape", 9, 1, 0, true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero,
	}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", Scope: sheet, RefersTo: "'" + sheet + "'!" + titleRows,
	})
}

// rowWriter writes successive rows of a StreamWriter. A row with wrapped
// text (cells styled wrap) gets the height of its longest text: spreadsheet
// programs do not grow a streamed row to fit, and the lines would overlap.
type rowWriter struct {
	sw     *excelize.StreamWriter
	row    int
	widths []float64 // column widths, in characters
	wrap   map[int]bool
}

func (w *rowWriter) write(cells ...any) error {
	w.row++
	cell := "A" + strconv.Itoa(w.row)
	lines := 1
	for i, c := range cells {
		ec, ok := c.(excelize.Cell)
		if !ok || !w.wrap[ec.StyleID] || i >= len(w.widths) {
			continue
		}
		if text, ok := ec.Value.(string); ok {
			lines = max(lines, wrappedLines(text, w.widths[i]))
		}
	}
	if lines == 1 {
		return w.sw.SetRow(cell, cells)
	}
	return w.sw.SetRow(cell, cells, excelize.RowOpts{Height: 15 * float64(lines)})
}

// wrappedLines estimates how many lines text takes wrapped in a column
// width characters wide (words are not split; a little slack for
// proportional fonts). It runs on every cell of a feedback workbook, so it
// walks the text once without allocating.
func wrappedLines(text string, width float64) int {
	limit := max(int(width*0.95)-1, 4)
	lines, n, word := 1, 0, 0 // n: runes on the current line; word: runes of the current word
	endWord := func() {
		if word == 0 {
			return
		}
		if n > 0 && n+1+word > limit {
			lines++
			n = 0
		}
		if n > 0 {
			n++
		}
		n += word
		word = 0
	}
	for _, r := range text {
		switch {
		case r == '\n':
			endWord()
			lines++
			n = 0
		case unicode.IsSpace(r):
			endWord()
		default:
			word++
		}
	}
	endWord()
	return lines
}

func (w *rowWriter) skip() { w.row++ }

func writeSummarySheet(f *excelize.File, st feedbackStyles, fb *Feedback) error {
	if err := printSetup(f, summarySheet, "$1:$1"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(summarySheet)
	if err != nil {
		return err
	}
	widths := []float64{58, 13, 13, 15, 15, 70}
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	c := func(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }
	w := &rowWriter{sw: sw, widths: widths, wrap: map[int]bool{st.wrap: true, st.header: true}}
	title := "Segnalazioni sui file della provincia"
	if fb.Name != "" {
		title = "Segnalazioni sui file della provincia di " + fb.Name
	}
	title += " (" + fb.Province + ")"
	if err := w.write(c(st.title, title)); err != nil {
		return err
	}
	if err := w.write(c(st.text, "Il foglio «Segnalazioni» elenca ogni problema con file, foglio, riga e cella. "+
		"Corretto il file, basta inviarlo di nuovo: la notte successiva sostituisce il precedente.")); err != nil {
		return err
	}
	w.skip()

	if top := fb.TopKinds(3); len(top) > 0 {
		if err := w.write(c(st.section, "Le tre cose più utili da correggere")); err != nil {
			return err
		}
		if err := w.write(c(st.header, "Problema"), c(st.header, "Righe"), c(st.header, ""), c(st.header, ""), c(st.header, ""), c(st.header, "Cosa fare")); err != nil {
			return err
		}
		for i, k := range top {
			if err := w.write(c(st.wrap, fmt.Sprintf("%d. %s", i+1, k.Problem)), c(st.number, k.Rows), nil, nil, nil, c(st.wrap, k.Action)); err != nil {
				return err
			}
		}
		w.skip()
	}

	if err := w.write(c(st.section, "File ricevuti")); err != nil {
		return err
	}
	if err := w.write(c(st.header, "File"), c(st.header, "Righe lette"), c(st.header, "Caricate"),
		c(st.header, "In quarantena (non caricate)"), c(st.header, "Ignorate (vuote, totali, note)")); err != nil {
		return err
	}
	for _, fl := range fb.Files {
		if err := w.write(c(st.text, fl.File), c(st.number, fl.Read), c(st.number, fl.Loaded), c(st.number, fl.Quarantined), c(st.number, fl.Skipped)); err != nil {
			return err
		}
	}
	w.skip()

	if err := w.write(c(st.section, "Problemi per tipo")); err != nil {
		return err
	}
	if err := w.write(c(st.header, "Problema"), c(st.header, "Righe"), c(st.header, "Tipo"), c(st.header, ""), c(st.header, ""), c(st.header, "Cosa fare")); err != nil {
		return err
	}
	for _, k := range fb.Kinds {
		if err := w.write(c(st.wrap, k.Problem), c(st.number, k.Rows), c(st.text, kindTextIT[k.Kind]), nil, nil, c(st.wrap, k.Action)); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeProblemsSheet(f *excelize.File, st feedbackStyles, rows []FeedbackRow) error {
	last := len(rows) + 1
	lastCol, _ := excelize.ColumnNumberToName(len(FeedbackHeader))
	if err := f.AutoFilter(feedbackSheet, fmt.Sprintf("A1:%s%d", lastCol, last), nil); err != nil {
		return err
	}
	if err := printSetup(f, feedbackSheet, "$1:$1"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(feedbackSheet)
	if err != nil {
		return err
	}
	widths := []float64{30, 16, 9, 7, 8, 40, 60, 55}
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(FeedbackHeader))
	for i, h := range FeedbackHeader {
		header[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	w := &rowWriter{sw: sw, widths: widths, wrap: map[int]bool{st.wrap: true, st.header: true}}
	if err := w.write(header...); err != nil {
		return err
	}
	vals := make([]any, len(FeedbackHeader))
	for _, r := range rows {
		var row, count any = r.Row, nil
		if r.LastRow > 0 {
			row, count = fmt.Sprintf("%d–%d", r.Row, r.LastRow), r.Rows
		}
		vals[0] = excelize.Cell{StyleID: st.text, Value: r.File}
		vals[1] = excelize.Cell{StyleID: st.text, Value: r.Sheet}
		vals[2] = excelize.Cell{StyleID: st.text, Value: row}
		vals[3] = excelize.Cell{StyleID: st.text, Value: r.Cell}
		vals[4] = excelize.Cell{StyleID: st.text, Value: count}
		vals[5] = excelize.Cell{StyleID: st.wrap, Value: r.Value}
		vals[6] = excelize.Cell{StyleID: st.wrap, Value: r.Problem}
		vals[7] = excelize.Cell{StyleID: st.wrap, Value: r.Action}
		if err := w.write(vals...); err != nil {
			return err
		}
	}
	return sw.Flush()
}
