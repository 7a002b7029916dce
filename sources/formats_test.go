package sources

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// layoutsDir holds workbooks written by LibreOffice from
// testdata/layouts/formats_source.fods (see gen_formats.sh there).
const layoutsDir = "../testdata/layouts"

// tableDump is everything a table yields.
type tableDump struct {
	Sheet     string
	HeaderRow int
	Kind      TableKind
	Date1904  bool
	NullDate  time.Time
	Columns   []string
	Rows      map[int][]string
	Skipped   []SkippedRow
	Sheets    []string // skipped sheets
}

func dumpFile(t *testing.T, path string) tableDump {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(t, filepath.Base(path), data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tab, err := f.NextTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := tableDump{Sheet: tab.Sheet, HeaderRow: tab.HeaderRow, Kind: tab.Kind, Date1904: tab.Date1904, NullDate: tab.NullDate, Rows: map[int][]string{}}
	for _, c := range tab.Columns {
		d.Columns = append(d.Columns, c.Letter+" "+c.Header+" → "+string(c.Field))
	}
	for {
		r, err := tab.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d.Rows[r.Row] = r.Cells
	}
	d.Skipped = tab.Skipped()
	if _, err := f.NextTable(ctx); err != io.EOF {
		t.Fatalf("second table: %v", err)
	}
	for _, s := range f.SkippedSheets() {
		d.Sheets = append(d.Sheets, s.Sheet+": "+sheetReason(s.Err))
	}
	return d
}

// TestLayoutFormatsReadAlike reads the same LibreOffice workbook saved as
// .xlsx, .ods and .xls: a title row, group labels merged over the header
// (one merged down over two rows), date cells, a formula, a totals row, a
// blank row, a notes line and an instructions sheet. The three must yield
// the same table, cell for cell.
func TestLayoutFormatsReadAlike(t *testing.T) {
	want := dumpFile(t, filepath.Join(layoutsDir, "libreoffice_title_merged.xlsx"))
	wantCols := []string{
		"A Partecipante / Cognome → surname", "B Partecipante / Nome → given_name",
		"C Partecipante / Data di nascita → birth_date", "D Partecipante / Codice fiscale → tax_code",
		"E Esito → status", "F Corso / Modulo → module", "G Corso / Sede → site",
		"H Frequenza / Ore frequentate → hours_attended", "I Frequenza / Gradimento → satisfaction",
	}
	if !reflect.DeepEqual(want.Columns, wantCols) || want.HeaderRow != 3 || want.Sheet != "Iscrizioni" || want.Date1904 {
		t.Fatalf("xlsx table %+v", want)
	}
	if len(want.Rows) != 5 || want.Rows[5][2] != "29556" || want.Rows[5][7] != "12.5" || want.Rows[4][0] != "ROSSI" {
		t.Errorf("xlsx rows %v", want.Rows)
	}
	var reasons []string
	for _, s := range want.Skipped {
		reasons = append(reasons, s.Reason)
	}
	if strings.Join(reasons, ",") != "totals,blank,note" || !reflect.DeepEqual(want.Sheets, []string{"Istruzioni: no header"}) {
		t.Errorf("skipped %v, sheets %v", reasons, want.Sheets)
	}
	for _, name := range []string{"libreoffice_title_merged.ods", "libreoffice_title_merged.xls"} {
		t.Run(name, func(t *testing.T) {
			got := dumpFile(t, filepath.Join(layoutsDir, name))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("reads differently from the .xlsx:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestNullDate1904: a spreadsheet whose null date is 1904-01-01, saved by
// LibreOffice as .ods (table:null-date) and as .xlsx (Excel's 1904 system),
// reads alike: the 1904 system, date cells as its serials, and a date typed
// as a bare number counted from 1904 (gen_nulldate.sh).
func TestNullDate1904(t *testing.T) {
	want := dumpFile(t, filepath.Join(layoutsDir, "nulldate_1904.xlsx"))
	if !want.Date1904 || len(want.Rows) != 2 || want.Rows[2][2] != "26025" || want.Rows[3][5] != "39847" {
		t.Fatalf("xlsx table %+v", want)
	}
	got := dumpFile(t, filepath.Join(layoutsDir, "nulldate_1904.ods"))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the .ods reads differently from the .xlsx:\n got %+v\nwant %+v", got, want)
	}
	dates := []struct {
		row, col int
		want     string
	}{{2, 2, "1975-04-03"}, {2, 5, "2013-01-15"}, {3, 2, "1988-02-29"}, {3, 5, "2013-02-04"}}
	for _, d := range dates {
		day, err := canon.ParseDate(got.Rows[d.row][d.col], got.Date1904)
		if err != nil || day.Format(time.DateOnly) != d.want {
			t.Errorf("row %d column %d: %q read as %v %v, want %s", d.row, d.col, got.Rows[d.row][d.col], day, err, d.want)
		}
	}
}

// TestNullDateStarCalc: an .ods saved by LibreOffice under the old StarCalc
// null date 1900-01-01 (gen_nulldate.sh). Its date cells read as the days
// typed, and the application date typed as the bare number 39847 reads as
// LibreOffice itself shows it: the file's "Verifica" column holds
// LibreOffice's =TEXT(F;"YYYY-MM-DD") of each row (2009-02-05, two days
// after Excel's 39847). The rows go through the normaliser as the pipeline
// hands them (canon.RowContext with the table's date system).
func TestNullDateStarCalc(t *testing.T) {
	got := dumpFile(t, filepath.Join(layoutsDir, "nulldate_1900.ods"))
	if got.Date1904 || !got.NullDate.Equal(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) || len(got.Rows) != 2 {
		t.Fatalf("table %+v", got)
	}
	if got.Rows[3][5] != "39847" || got.Rows[3][6] != "2009-02-05" {
		t.Fatalf("row 3 %q: the bare number and LibreOffice's reading of it", got.Rows[3])
	}
	data, err := os.ReadFile(filepath.Join(layoutsDir, "nulldate_1900.ods"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(t, "nulldate_1900.ods", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := f.NextTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rc := &canon.RowContext{Sheet: tab.Sheet, Date1904: tab.Date1904, NullDate: tab.NullDate, Columns: tab.Columns,
		Now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	norm := canon.NewNormaliser(rc)
	births := map[int]string{2: "1975-04-03", 3: "1988-02-29"}
	for row := 2; row <= 3; row++ {
		e, _, rej := norm.Row(canon.RawRow{Row: row, Cells: got.Rows[row]})
		if rej != nil || e.BirthDate == nil || e.ApplicationDate == nil {
			t.Fatalf("row %d: %+v, rejected %v", row, e, rej)
		}
		if b := e.BirthDate.Format(time.DateOnly); b != births[row] {
			t.Errorf("row %d: birth date %s, want %s", row, b, births[row])
		}
		if a, lo := e.ApplicationDate.Format(time.DateOnly), got.Rows[row][6]; a != lo {
			t.Errorf("row %d: application date %q read as %s, LibreOffice shows %s", row, got.Rows[row][5], a, lo)
		}
	}
}

// TestEncryptedRefused: a password-protected workbook, in each format, is
// refused with ErrEncrypted and a message in Italian and English.
func TestEncryptedRefused(t *testing.T) {
	for _, name := range []string{"protetto.xlsx", "protetto.xls", "protetto.ods"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(layoutsDir, name))
			if err != nil {
				t.Fatal(err)
			}
			_, err = openBytes(t, name, data, Options{})
			if !errors.Is(err, ErrEncrypted) {
				t.Fatalf("error %v, want ErrEncrypted", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != name {
				t.Errorf("error %#v does not name the file", err)
			}
			for _, s := range []string{"protetto da password", "senza password", "without a password"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err, s)
				}
			}
		})
	}
}
