package sources

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
)

// sheetSpec describes one worksheet of a workbook written for a test.
type sheetSpec struct {
	name   string
	rows   [][]any  // from row 1; nil rows stay empty
	merges []string // "A1:C1"
	hidden []int    // hidden row numbers
}

// writeXLSX writes a workbook with excelize into a temp dir.
func writeXLSX(t testing.TB, sheets ...sheetSpec) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := x.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			if row == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := x.SetSheetRow(s.name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range s.merges {
			a, b, _ := strings.Cut(m, ":")
			if err := x.MergeCell(s.name, a, b); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range s.hidden {
			if err := x.SetRowVisible(s.name, r, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "test.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// openPath opens a file on disk with Open.
func openPath(t testing.TB, path string, opt Options) (*File, error) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	fi, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(context.Background(), filepath.Base(path), fh, fi.Size(), opt)
	if f != nil {
		t.Cleanup(func() { f.Close() })
	}
	return f, err
}

// openText opens CSV text with Open.
func openText(t testing.TB, name, text string, opt Options) (*File, error) {
	t.Helper()
	f, err := Open(context.Background(), name, strings.NewReader(text), int64(len(text)), opt)
	if f != nil {
		t.Cleanup(func() { f.Close() })
	}
	return f, err
}

// readTable reads every row of a table.
func readTable(t testing.TB, tab *Table) []canon.RawRow {
	t.Helper()
	var out []canon.RawRow
	for {
		r, err := tab.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, r)
	}
}

func headers(cols []canon.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Header
	}
	return out
}

func fieldsOf(cols []canon.Column) []canon.Field {
	out := make([]canon.Field, len(cols))
	for i, c := range cols {
		out[i] = c.Field
	}
	return out
}

func TestHeaderDetection(t *testing.T) {
	const (
		S  = canon.FieldSurname
		G  = canon.FieldGivenName
		N  = canon.FieldNone
		O  = canon.FieldOrganisation
		M  = canon.FieldModule
		TC = canon.FieldTaxCode
	)
	tests := []struct {
		name       string
		sheet      sheetSpec
		opt        Options
		wantRow    int
		wantKind   TableKind
		wantHeader []string
		wantFields []canon.Field
		wantFirst  int // row number of the first data row
	}{
		{
			name: "title rows above",
			sheet: sheetSpec{rows: [][]any{
				{"Provincia di Cremona"}, {"Elenco iscritti 2013"}, nil,
				{"Cognome", "Nome", "Ente"}, {"ROSSI", "Maria", "Comune"},
			}},
			wantRow: 4, wantKind: Enrolments,
			wantHeader: []string{"Cognome", "Nome", "Ente"}, wantFields: []canon.Field{S, G, O}, wantFirst: 5,
		},
		{
			name: "header on row 3 under a logo row",
			sheet: sheetSpec{rows: [][]any{
				nil, {"CORRELARE - iscrizioni"},
				{"COGNOME:", "NOME *", "Cod. Fisc.", "Modulo"}, {"ROSSI", "Maria", "RSSMRA75D43D150D", "Salute"},
			}},
			wantRow: 3, wantKind: Enrolments,
			wantHeader: []string{"COGNOME:", "NOME *", "Cod. Fisc.", "Modulo"}, wantFields: []canon.Field{S, G, TC, M}, wantFirst: 4,
		},
		{
			name: "two-level merged header",
			sheet: sheetSpec{
				rows: [][]any{
					{"Elenco iscritti"},
					{"Anagrafica", nil, nil, "Corso"},
					{"Cognome", "Nome", "CF", "Modulo", "Sede", "Esito"},
					{"ROSSI", "Maria", "X", "Salute", "Cremona", "ammessa"},
				},
				merges: []string{"A1:F1", "A2:C2", "D2:F2"},
			},
			wantRow: 3, wantKind: Enrolments,
			wantHeader: []string{"Anagrafica / Cognome", "Anagrafica / Nome", "Anagrafica / CF",
				"Corso / Modulo", "Corso / Sede", "Corso / Esito"},
			wantFields: []canon.Field{S, G, TC, M, canon.FieldSite, canon.FieldStatus}, wantFirst: 4,
		},
		{
			name: "vertically merged header cells",
			sheet: sheetSpec{
				rows: [][]any{
					{"Cognome", "Nome", "Recapiti"},
					{nil, nil, "Telefono", "E-mail"},
					{"ROSSI", "Maria", "0372 1", "a@b.it"},
				},
				merges: []string{"A1:A2", "B1:B2", "C1:D1"},
			},
			wantRow: 2, wantKind: Enrolments,
			wantHeader: []string{"Cognome", "Nome", "Recapiti / Telefono", "Recapiti / E-mail"},
			wantFields: []canon.Field{S, G, canon.FieldPhone, canon.FieldEmail}, wantFirst: 3,
		},
		{
			name: "blank header cell under a horizontal merge",
			sheet: sheetSpec{
				rows: [][]any{
					{"Cognome", "Nome", "Telefono", nil, "Ente"},
					{"ROSSI", "Maria", "0372 1", "333 1", "ASL"},
				},
				merges: []string{"C1:D1"},
			},
			wantRow: 1, wantKind: Enrolments,
			wantHeader: []string{"Cognome", "Nome", "Telefono", "Telefono (2)", "Ente"},
			wantFields: []canon.Field{S, G, canon.FieldPhone, N, O}, wantFirst: 2,
		},
		{
			name: "English headers",
			sheet: sheetSpec{rows: [][]any{{
				"Surname", "First name", "Tax code", "Sex", "Date of birth", "Organisation", "Role",
				"Course", "Site", "Status", "Hours attended", "Satisfaction",
			}, {"Rossi"}}},
			wantRow: 1, wantKind: Enrolments,
			wantHeader: []string{"Surname", "First name", "Tax code", "Sex", "Date of birth", "Organisation", "Role",
				"Course", "Site", "Status", "Hours attended", "Satisfaction"},
			wantFields: []canon.Field{S, G, TC, canon.FieldSex, canon.FieldBirthDate, O, canon.FieldRole,
				M, canon.FieldSite, canon.FieldStatus, canon.FieldHoursAttended, canon.FieldSatisfaction},
			wantFirst: 2,
		},
		{
			name: "province overrides",
			sheet: sheetSpec{rows: [][]any{
				{"Cognome", "Nome", "Denominazione", "Ente", "Note", "Note"},
				{"ROSSI", "Maria", "Comune di Crema", "x", "a", "b"},
			}},
			opt:     Options{Headers: map[string]canon.Field{"DENOMINAZIONE": O, "ente": canon.FieldNone}},
			wantRow: 1, wantKind: Enrolments,
			wantHeader: []string{"Cognome", "Nome", "Denominazione", "Ente", "Note", "Note (2)"},
			wantFields: []canon.Field{S, G, O, N, N, N}, wantFirst: 2,
		},
		{
			name: "first column claims a field",
			sheet: sheetSpec{rows: [][]any{
				{"Nominativo", "Telefono", "Cellulare", "Ente"},
				{"ROSSI Maria", "0372 1", "333 1", "ASL"},
			}},
			wantRow: 1, wantKind: Enrolments,
			wantHeader: []string{"Nominativo", "Telefono", "Cellulare", "Ente"},
			wantFields: []canon.Field{canon.FieldFullName, canon.FieldPhone, N, O}, wantFirst: 2,
		},
		{
			name: "modules catalogue",
			sheet: sheetSpec{rows: [][]any{
				{"Catalogo moduli"},
				{"Cod. modulo", "Titolo modulo", "Asse", "Sede", "Ore previste", "N. incontri"},
				{"CR01", "Salute e immigrazione", "IV", "Cremona", 16, 4},
			}},
			wantRow: 2, wantKind: Modules,
			wantHeader: []string{"Cod. modulo", "Titolo modulo", "Asse", "Sede", "Ore previste", "N. incontri"},
			wantFields: []canon.Field{canon.FieldModuleCode, M, canon.FieldAxis, canon.FieldSite,
				canon.FieldPlannedHours, canon.FieldSessions},
			wantFirst: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.sheet.name = "Foglio1"
			f, err := openPath(t, writeXLSX(t, tc.sheet), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			tab, err := f.NextTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tab.HeaderRow != tc.wantRow || tab.Kind != tc.wantKind || tab.Sheet != "Foglio1" {
				t.Errorf("header row %d kind %v sheet %q, want %d %v", tab.HeaderRow, tab.Kind, tab.Sheet, tc.wantRow, tc.wantKind)
			}
			if got := headers(tab.Columns); strings.Join(got, "|") != strings.Join(tc.wantHeader, "|") {
				t.Errorf("headers %q, want %q", got, tc.wantHeader)
			}
			got := fieldsOf(tab.Columns)
			if len(got) != len(tc.wantFields) {
				t.Fatalf("fields %v, want %v", got, tc.wantFields)
			}
			for i := range got {
				if got[i] != tc.wantFields[i] {
					t.Errorf("fields %v, want %v", got, tc.wantFields)
					break
				}
			}
			rows := readTable(t, tab)
			if len(rows) == 0 || rows[0].Row != tc.wantFirst {
				t.Errorf("rows %+v, want first at %d", rows, tc.wantFirst)
			}
		})
	}
}

func TestHeaderMissing(t *testing.T) {
	instructions := sheetSpec{name: "Istruzioni", rows: [][]any{{"Compilare il foglio Iscritti."}, {"Una riga per domanda."}}}
	empty := sheetSpec{name: "Vuoto"}
	data := sheetSpec{name: "Iscritti", rows: [][]any{{"Cognome", "Nome", "Modulo"}, {"ROSSI", "Maria", "Salute"}}}
	tests := []struct {
		name      string
		sheets    []sheetSpec
		wantErr   error  // from the first NextTable; nil when a table is found
		wantSheet string // in the error, or the table's sheet
		skipped   int
	}{
		{"no header", []sheetSpec{instructions}, ErrNoHeader, "Istruzioni", 1},
		{"empty sheet", []sheetSpec{empty}, ErrEmptySheet, "Vuoto", 1},
		{"no table in any sheet", []sheetSpec{instructions, empty}, ErrNoTable, "", 2},
		{"instructions then data", []sheetSpec{instructions, empty, data}, nil, "Iscritti", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openPath(t, writeXLSX(t, tc.sheets...), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tab, err := f.NextTable(context.Background())
			if tc.wantErr == nil {
				if err != nil || tab.Sheet != tc.wantSheet {
					t.Fatalf("NextTable = %v, %v", tab, err)
				}
				if _, err := f.NextTable(context.Background()); err != io.EOF {
					t.Errorf("second NextTable = %v", err)
				}
			} else {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("NextTable error %v, want %v", err, tc.wantErr)
				}
				var e *Error
				if !errors.As(err, &e) || e.File != "test.xlsx" || e.Sheet != tc.wantSheet {
					t.Errorf("error %#v, want sheet %q", err, tc.wantSheet)
				}
				if _, err := f.NextTable(context.Background()); err != io.EOF {
					t.Errorf("NextTable after the error = %v", err)
				}
			}
			if got := len(f.SkippedSheets()); got != tc.skipped {
				t.Errorf("skipped sheets %+v", f.SkippedSheets())
			}
		})
	}
}

func TestTwoTables(t *testing.T) {
	path := writeXLSX(t,
		sheetSpec{name: "Moduli", rows: [][]any{{"Modulo", "Asse", "Ore previste"}, {"Salute", "IV", 16}}},
		sheetSpec{name: "Iscritti", rows: [][]any{{"Cognome", "Nome", "Modulo"}, {"ROSSI", "Maria", "Salute"}}, hidden: []int{2}},
	)
	f, err := openPath(t, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m, err := f.NextTable(ctx)
	if err != nil || m.Kind != Modules || m.Sheet != "Moduli" {
		t.Fatalf("first table %+v, %v", m, err)
	}
	// Moving on without reading closes the first table.
	e, err := f.NextTable(ctx)
	if err != nil || e.Kind != Enrolments || e.Sheet != "Iscritti" {
		t.Fatalf("second table %+v, %v", e, err)
	}
	if _, err := m.Next(ctx); !errors.Is(err, errTableClosed) {
		t.Errorf("Next on a closed table = %v", err)
	}
	rows := readTable(t, e)
	if len(rows) != 1 || rows[0].Row != 2 || rows[0].Cell(0) != "ROSSI" {
		t.Errorf("rows %+v (the hidden row is data)", rows)
	}
	if _, err := f.NextTable(ctx); err != io.EOF {
		t.Errorf("third NextTable = %v", err)
	}
}

func TestBuildColumnsStreams(t *testing.T) {
	// A plain header, even under a title, must not make the reader parse
	// the whole sheet for merged cells.
	rows := []scannedRow{
		{n: 1, cells: []string{"Elenco iscritti"}},
		{n: 2, cells: []string{"Cognome", "Nome", "Ente", "Modulo"}},
	}
	hit, ok := findHeader(rows, newMatcher(nil))
	if !ok || hit.idx != 1 {
		t.Fatalf("findHeader = %+v, %v", hit, ok)
	}
	called := false
	cols, err := buildColumns(rows, hit, newMatcher(nil), func() ([]cellRange, error) {
		called = true
		return nil, nil
	})
	if err != nil || len(cols) != 4 {
		t.Fatalf("buildColumns = %+v, %v", cols, err)
	}
	if called {
		t.Error("merged cells loaded for a plain header")
	}
	// A blank cell between named ones needs them.
	rows[1].cells = []string{"Cognome", "", "Nome"}
	if _, err := buildColumns(rows, hit, newMatcher(nil), func() ([]cellRange, error) {
		called = true
		return nil, nil
	}); err != nil || !called {
		t.Errorf("merged cells not loaded for a header with a gap (err %v)", err)
	}
}

func TestSkipping(t *testing.T) {
	type skip struct {
		row    int
		reason string
	}
	tests := []struct {
		name     string
		text     string
		wantRows []int
		wantSkip []skip
	}{
		{
			name: "totals and notes at the bottom",
			text: "Cognome;Nome;Ore frequentate\nROSSI;Maria;16\n\nBIANCHI;Luca;8\n;;\nTotale iscritti;;24\n" +
				"Firma del responsabile\nNote: dati al 30/06\n\n\n",
			wantRows: []int{2, 4},
			wantSkip: []skip{{3, SkipBlank}, {5, SkipBlank}, {6, SkipTotals}, {7, SkipNote}, {8, SkipNote}},
		},
		{
			name:     "numbers only under empty names",
			text:     "N.;Cognome;Nome;Ore;Gradimento\n1;ROSSI;Maria;16;4\n2;;;16;4\n3;;;;\n;;;24,5;\n",
			wantRows: []int{2},
			wantSkip: []skip{{3, SkipTotals}, {4, SkipBlank}, {5, SkipTotals}},
		},
		{
			name:     "TOT. label",
			text:     "Cognome,Nome,Ore frequentate\nROSSI,Maria,16\nTOT.,,16\n",
			wantRows: []int{2},
			wantSkip: []skip{{3, SkipTotals}},
		},
		{
			name: "look-alike names are data",
			text: "Cognome;Nome;Ente\nTotaro;Anna;ASL\nNotari\nTOTALE\n",
			// "Notari" alone is kept (the normaliser will quarantine it).
			wantRows: []int{2, 3},
			wantSkip: []skip{{4, SkipTotals}},
		},
		{
			name:     "a sentence alone is a note",
			text:     "Cognome;Nome;Ente\nROSSI;Maria;ASL\nElenco trasmesso dalla segreteria il 30 giugno\nBIANCHI;Luca;ASL\nN.B. manca un modulo\n",
			wantRows: []int{2, 4},
			wantSkip: []skip{{3, SkipNote}, {5, SkipNote}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openText(t, "t.csv", tc.text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tab, err := f.NextTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, r := range readTable(t, tab) {
				got = append(got, r.Row)
			}
			if len(got) != len(tc.wantRows) {
				t.Fatalf("rows %v, want %v", got, tc.wantRows)
			}
			for i := range got {
				if got[i] != tc.wantRows[i] {
					t.Errorf("rows %v, want %v", got, tc.wantRows)
				}
			}
			var gotSkip []skip
			for _, s := range tab.Skipped() {
				gotSkip = append(gotSkip, skip{s.Row, s.Reason})
			}
			if len(gotSkip) != len(tc.wantSkip) {
				t.Fatalf("skipped %v, want %v", gotSkip, tc.wantSkip)
			}
			for i := range gotSkip {
				if gotSkip[i] != tc.wantSkip[i] {
					t.Fatalf("skipped %v, want %v", gotSkip, tc.wantSkip)
				}
			}
		})
	}
}

func TestNextCancelled(t *testing.T) {
	f, err := openText(t, "t.csv", "Cognome,Nome,Ente\nROSSI,Maria,ASL\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := f.NextTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tab.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next = %v, want context.Canceled", err)
	}
}

// FuzzFindHeader feeds rows of arbitrary strings (lines of tab-separated
// cells) to the header search and column naming.
func FuzzFindHeader(f *testing.F) {
	f.Add("Elenco\n\tAnagrafica\t\tCorso\nCognome\tNome\t\tModulo\tSede\nROSSI\tMaria")
	f.Add("Modulo\tAsse\tOre previste\nSalute\tIV\t16")
	f.Add("Nominativo\tTelefono\tTelefono\tNote\tNote")
	f.Add("\t\t\n\n\tCognome\t\t\tNome\tCF")
	f.Fuzz(func(t *testing.T, s string) {
		var rows []scannedRow
		for i, line := range strings.Split(s, "\n") {
			rows = append(rows, scannedRow{n: i + 1, cells: trimRow(strings.Split(line, "\t"))})
		}
		m := newMatcher(map[string]canon.Field{"x": canon.FieldNone, "denominazione": canon.FieldOrganisation})
		hit, ok := findHeader(rows, m)
		if !ok {
			return
		}
		// Merge every other pair of cells in the header and the row above.
		merges := func() ([]cellRange, error) {
			var out []cellRange
			for c := 0; c < 8; c += 2 {
				out = append(out, cellRange{c0: c, c1: c + 1, r0: max(1, rows[hit.idx].n-1), r1: rows[hit.idx].n})
			}
			return out, nil
		}
		cols, err := buildColumns(rows, hit, m, merges)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		fields := map[canon.Field]bool{}
		hasName := false
		for i, c := range cols {
			if i > 0 && c.Index <= cols[i-1].Index {
				t.Fatalf("columns out of order: %+v", cols)
			}
			if c.Header == "" || seen[c.Header] {
				t.Fatalf("empty or duplicate header %q in %+v", c.Header, cols)
			}
			seen[c.Header] = true
			if c.Field != canon.FieldNone {
				if fields[c.Field] {
					t.Fatalf("field %s twice in %+v", c.Field, cols)
				}
				fields[c.Field] = true
			}
			switch c.Field {
			case canon.FieldSurname, canon.FieldGivenName, canon.FieldFullName:
				hasName = true
			}
			if c.Letter != columnLetters(c.Index) {
				t.Fatalf("letter %q for index %d", c.Letter, c.Index)
			}
		}
		if hit.kind == Enrolments && !hasName {
			t.Fatalf("enrolments table without a name column: %+v", cols)
		}
	})
}
