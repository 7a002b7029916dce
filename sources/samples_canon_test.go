package sources

import (
	"strconv"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// TestSamplesCanonical runs canon.NormaliseRow on every sample row and
// compares every column of expected.csv.
func TestSamplesCanonical(t *testing.T) {
	want := loadExpected(t)
	tables := map[string]*Table{}
	rows := map[string]map[int]canon.RawRow{}
	for _, e := range want {
		if tables[e.file] != nil {
			continue
		}
		tab, rr, _ := readSample(t, e.file)
		tables[e.file] = tab
		rows[e.file] = map[int]canon.RawRow{}
		for _, r := range rr {
			rows[e.file][r.Row] = r
		}
	}
	now := time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range want {
		t.Run(e.file+"/"+strconv.Itoa(e.row), func(t *testing.T) {
			tab := tables[e.file]
			raw, ok := rows[e.file][e.row]
			if !ok {
				t.Fatalf("row %d not read", e.row)
			}
			rc := &canon.RowContext{
				ProvinceCode: "CR", SourceFile: e.file, Sheet: tab.Sheet,
				Date1904: tab.Date1904, Columns: tab.Columns, Now: now,
			}
			en, _, rej := canon.NormaliseRow(rc, raw)
			if rej != nil {
				t.Fatalf("rejected: %+v", *rej)
			}
			got := map[string]string{
				"sheet":          en.Sheet,
				"source_row":     strconv.Itoa(en.SourceRow),
				"surname":        en.Surname,
				"given_name":     en.GivenName,
				"sex":            en.Sex,
				"birth_date":     isoDate(en.BirthDate),
				"tax_code":       en.TaxCode,
				"organisation":   en.Organisation,
				"module":         en.ModuleTitle,
				"status":         en.Status,
				"hours_attended": number(en.HoursAttended),
				"satisfaction":   number(en.Satisfaction),
			}
			for col, g := range got {
				if w := e.values[col]; g != w {
					t.Errorf("%s = %q, want %q", col, g, w)
				}
			}
		})
	}
}

func isoDate(d *time.Time) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

func number(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
