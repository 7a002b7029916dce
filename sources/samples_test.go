package sources

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
)

// samplesDir holds workbooks written by other programs (see its README).
const samplesDir = "../testdata/samples"

// expectedRow is one line of samples/expected.csv.
type expectedRow struct {
	file, sheet string
	row         int
	values      map[string]string // column name → value
}

func loadExpected(t *testing.T) []expectedRow {
	t.Helper()
	fh, err := os.Open(filepath.Join(samplesDir, "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	var out []expectedRow
	for _, rec := range recs[1:] {
		e := expectedRow{file: rec[0], sheet: rec[1], values: map[string]string{}}
		if e.row, err = strconv.Atoi(rec[2]); err != nil {
			t.Fatal(err)
		}
		for i, h := range head {
			e.values[h] = rec[i]
		}
		out = append(out, e)
	}
	return out
}

// readSample opens a sample and reads its one table completely.
func readSample(t *testing.T, name string) (*Table, []canon.RawRow, *File) {
	t.Helper()
	ctx := context.Background()
	fh, err := os.Open(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	fi, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(ctx, name, fh, fi.Size(), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	tab, err := f.NextTable(ctx)
	if err != nil {
		t.Fatalf("NextTable: %v", err)
	}
	var rows []canon.RawRow
	for {
		r, err := tab.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, r)
	}
	if _, err := f.NextTable(ctx); err != io.EOF {
		t.Errorf("second NextTable = %v, want io.EOF", err)
	}
	return tab, rows, f
}

func colOf(t *testing.T, tab *Table, f canon.Field) int {
	t.Helper()
	for _, c := range tab.Columns {
		if c.Field == f {
			return c.Index
		}
	}
	t.Fatalf("%s: no column for %s in %+v", tab.File, f, tab.Columns)
	return -1
}

func TestSamples(t *testing.T) {
	want := loadExpected(t)
	byFile := map[string][]expectedRow{}
	var files []string
	for _, e := range want {
		if byFile[e.file] == nil {
			files = append(files, e.file)
		}
		byFile[e.file] = append(byFile[e.file], e)
	}
	headerRow := map[string]int{"libreoffice_title_two_level_header.xlsx": 4}
	// Raw cells other than the surname, as stored: date serials, formulas'
	// cached values, text dates, decimal commas.
	rawCells := map[string]map[string]string{
		"libreoffice_title_two_level_header.xlsx": {"D5": "27487", "I6": "12.5", "B6": "Nicolò"},
		"openpyxl_1904_dates.xlsx":                {"D2": "26025", "I3": "12.5"},
		"xlsxwriter_rich_text_formulas.xlsx":      {"I2": "16", "I3": "12.5", "D2": "3/4/1975", "J7": "2"},
		"openpyxl_hidden_blank_totals.xlsx":       {"B3": "Nicolò", "D3": "29556"},
		"csv_semicolon_cp1252.csv":                {"B3": "Nicolò", "I3": "12,5", "D2": "3/4/75"},
		"csv_comma_utf8_bom.csv":                  {"F2": "Comune, sede di Cremona", "D2": "1975-04-03"},
		// The .xls keeps LibreOffice's 1904 date system (DATEMODE); the .ods
		// stores ISO dates, which come out as 1900-system serials.
		"legacy_format.xls": {"D2": "26025", "I3": "12.5", "B3": "Nicolò", "J7": "2"},
		// Its null date is 1904-01-01 (table:null-date): 1975-04-03 is 26025.
		"opendocument.ods": {"D2": "26025", "I3": "12.5", "B3": "Nicolò", "J7": "2"},
	}
	date1904 := map[string]bool{"openpyxl_1904_dates.xlsx": true, "legacy_format.xls": true, "opendocument.ods": true}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			tab, rows, f := readSample(t, name)
			exp := byFile[name]
			if tab.Sheet != exp[0].sheet {
				t.Errorf("sheet = %q, want %q", tab.Sheet, exp[0].sheet)
			}
			wantHeader := 1
			if h, ok := headerRow[name]; ok {
				wantHeader = h
			}
			if tab.HeaderRow != wantHeader {
				t.Errorf("header row = %d, want %d", tab.HeaderRow, wantHeader)
			}
			if tab.Kind != Enrolments {
				t.Errorf("kind = %v", tab.Kind)
			}
			if tab.Date1904 != date1904[name] {
				t.Errorf("Date1904 = %v, want %v", tab.Date1904, date1904[name])
			}
			if len(rows) != len(exp) {
				t.Fatalf("%d rows, want %d", len(rows), len(exp))
			}
			surname := colOf(t, tab, canon.FieldSurname)
			byRow := map[int]canon.RawRow{}
			for i, r := range rows {
				byRow[r.Row] = r
				if r.Row != exp[i].row {
					t.Errorf("row %d: source row %d, want %d", i, r.Row, exp[i].row)
				}
				if got := r.Cell(surname); got != exp[i].values["surname"] {
					t.Errorf("row %d: surname %q, want %q", r.Row, got, exp[i].values["surname"])
				}
			}
			for ref, want := range rawCells[name] {
				col := int(ref[0] - 'A')
				n, _ := strconv.Atoi(ref[1:])
				if got := byRow[n].Cell(col); got != want {
					t.Errorf("%s = %q, want %q", ref, got, want)
				}
			}
			if len(f.SkippedSheets()) != strings.Count(name, "hidden_blank") {
				t.Errorf("skipped sheets %+v", f.SkippedSheets())
			}
		})
	}
}

func TestSamplesSkipped(t *testing.T) {
	tab, _, f := readSample(t, "openpyxl_hidden_blank_totals.xlsx")
	type skip struct {
		row    int
		reason string
	}
	var got []skip
	for _, s := range tab.Skipped() {
		got = append(got, skip{s.Row, s.Reason})
		if (s.Reason == SkipBlank) != (s.Cells == nil) {
			t.Errorf("row %d %s: cells %q", s.Row, s.Reason, s.Cells)
		}
	}
	want := []skip{{5, SkipBlank}, {9, SkipBlank}, {10, SkipTotals}, {11, SkipNote}}
	if len(got) != len(want) {
		t.Fatalf("skipped %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("skipped %v, want %v", got, want)
			break
		}
	}
	notes := f.SkippedSheets()
	if len(notes) != 1 || notes[0].Sheet != "Istruzioni" || !errors.Is(notes[0].Err, ErrNoHeader) {
		t.Errorf("skipped sheets = %+v", notes)
	}
}

func TestSamplesTwoLevelHeader(t *testing.T) {
	tab, _, _ := readSample(t, "libreoffice_title_two_level_header.xlsx")
	want := []string{
		"Dati anagrafici / Cognome", "Dati anagrafici / Nome", "Dati anagrafici / Sesso",
		"Dati anagrafici / Data di nascita", "Dati anagrafici / Codice Fiscale",
		"Corso / Ente di appartenenza", "Corso / Modulo", "Corso / Esito",
		"Corso / Ore frequentate", "Corso / Gradimento",
	}
	fields := []canon.Field{
		canon.FieldSurname, canon.FieldGivenName, canon.FieldSex, canon.FieldBirthDate, canon.FieldTaxCode,
		canon.FieldOrganisation, canon.FieldModule, canon.FieldStatus, canon.FieldHoursAttended, canon.FieldSatisfaction,
	}
	if len(tab.Columns) != len(want) {
		t.Fatalf("columns %+v", tab.Columns)
	}
	for i, c := range tab.Columns {
		if c.Header != want[i] || c.Field != fields[i] || c.Index != i || c.Letter != string(rune('A'+i)) {
			t.Errorf("column %d = %+v, want %q %s", i, c, want[i], fields[i])
		}
	}
}

func TestSamplesRefused(t *testing.T) {
	tests := []struct {
		file string
		want error
		text string
	}{
		{"truncated.xlsx", ErrCorrupt, "send it again"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(samplesDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(context.Background(), tc.file, strings.NewReader(string(data)), int64(len(data)), Options{})
			if err == nil {
				f.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != tc.file {
				t.Errorf("error %#v does not name the file", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.file+": ") || !strings.Contains(msg, tc.text) {
				t.Errorf("message %q", msg)
			}
		})
	}
}
