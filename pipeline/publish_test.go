package pipeline

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// checkFunderReport reads the Cremona sheet of the funder report back and
// finds every figure of domain.md's table beside its label.
func checkFunderReport(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Cremona", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	value := func(label string) string {
		for _, r := range rows {
			for i, c := range r {
				if c == label && i+1 < len(r) {
					return r[i+1]
				}
			}
		}
		return ""
	}
	num := func(label string) float64 {
		v, err := strconv.ParseFloat(value(label), 64)
		if err != nil {
			t.Errorf("report: %q has no number beside it (%q)", label, value(label))
		}
		return v
	}
	for label, want := range map[string]float64{
		"Domande di iscrizione": 437, "Non accettate": 84, "Accettate": 353, "Ritirati": 39,
		"Partecipazioni effettive": 314, "Donne": 270, "Uomini": 44, "Persone distinte": 246,
		"Persone con più di un modulo": 52, "Moduli": 12, "Ore di formazione erogate": 192,
		"Incontri formativi": 45, "Frequenza media": 0.75,
		"Cremona": 7, "Crema": 2, "Casalmaggiore": 3,
		"I – Educazione e apprendimento: dalla lingua ai valori": 1, "II – Lavoro": 1,
		"IV – Accesso ai servizi essenziali": 10,
	} {
		if got := num(label); got != want {
			t.Errorf("report Cremona: %s = %v, want %v", label, got, want)
		}
	}
	if s := num("Gradimento medio (1–5)"); s < 3 || s > 4 {
		t.Errorf("report Cremona: satisfaction %v, want between 3 and 4", s)
	}
	charts := 0
	f.Pkg.Range(func(k, _ any) bool {
		if n, ok := k.(string); ok && strings.HasPrefix(n, "xl/charts/chart") {
			charts++
		}
		return true
	})
	if charts < 2 {
		t.Errorf("report holds %d charts, want the two pies at least", charts)
	}
}

// checkExportsHoldNoPersonalData searches every export file for the
// surnames, given names, tax codes, emails and phones in the warehouse.
func checkExportsHoldNoPersonalData(t *testing.T, db *sql.DB, dir string) {
	t.Helper()
	pii := map[string]bool{}  // whole-cell values (names)
	subs := map[string]bool{} // substrings (codes, emails, phones)
	rows, err := db.Query(`SELECT coalesce(surname, ''), coalesce(given_name, ''), coalesce(tax_code, ''), coalesce(email, ''), coalesce(phone, '') FROM enrolments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s, g, tc, em, ph string
		if err := rows.Scan(&s, &g, &tc, &em, &ph); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{s, g, s + " " + g, g + " " + s} {
			if v = strings.TrimSpace(v); v != "" { // a row may lack a name
				pii[strings.ToLower(v)] = true
			}
		}
		for _, v := range []string{tc, em, ph, strings.TrimPrefix(ph, "+39")} {
			if len(v) >= 6 {
				subs[strings.ToLower(v)] = true
			}
		}
	}
	rows.Close()
	// A surname can also be a place ("Cantù" is a course site): values of
	// columns the exports carry on purpose are not personal data.
	legit, err := db.Query(`SELECT DISTINCT lower(v) FROM (SELECT site AS v FROM enrolments UNION ALL SELECT module_title FROM enrolments
		UNION ALL SELECT organisation_type FROM enrolments UNION ALL SELECT name FROM provinces) WHERE v IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for legit.Next() {
		var v string
		legit.Scan(&v)
		delete(pii, v)
	}
	legit.Close()
	leaks := 0
	checked := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var cells []string
		switch filepath.Ext(path) {
		case ".csv":
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
			r.Comma, r.FieldsPerRecord = ';', -1
			if strings.HasSuffix(path, "data_dictionary.csv") {
				r.Comma = detectComma(b)
			}
			recs, err := r.ReadAll()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			for _, rec := range recs {
				cells = append(cells, rec...)
			}
		case ".parquet":
			prow, err := db.Query(fmt.Sprintf(`SELECT * FROM read_parquet('%s')`, strings.ReplaceAll(path, "'", "''")))
			if err != nil {
				return err
			}
			cols, _ := prow.Columns()
			for prow.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := prow.Scan(ptrs...); err != nil {
					prow.Close()
					return err
				}
				for _, v := range vals {
					if v != nil {
						cells = append(cells, fmt.Sprint(v))
					}
				}
			}
			prow.Close()
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			cells = append(cells, string(b))
		}
		checked++
		for _, c := range cells {
			lc := strings.ToLower(strings.TrimSpace(c))
			if pii[lc] && len(lc) >= 4 {
				if leaks++; leaks <= 10 {
					t.Errorf("%s holds a name: %q", path, c)
				}
			}
			for s := range subs {
				if strings.Contains(lc, s) {
					if leaks++; leaks <= 10 {
						t.Errorf("%s holds personal data (%d chars)", path, len(s))
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Errorf("only %d export files checked", checked)
	}
}

func detectComma(b []byte) rune {
	first := string(b[:bytes.IndexByte(b, '\n')+1])
	if strings.Count(first, ";") >= strings.Count(first, ",") {
		return ';'
	}
	return ','
}

// checkExportCounts compares the exports' row counts with the warehouse.
func checkExportCounts(t *testing.T, db *sql.DB, dir string) {
	t.Helper()
	latest := filepath.Join(dir, latestRun(t, dir))
	for _, c := range []struct{ name, q string }{
		{"participations", "SELECT count(*) FROM enrolments WHERE status = 'accepted'"},
		{"applications", "SELECT count(*) FROM enrolments"},
	} {
		want := queryInt(t, db, c.q)
		pq := queryInt(t, db, fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s/%s/**/*.parquet', hive_partitioning = true)`, latest, c.name))
		cs := queryInt(t, db, fmt.Sprintf(`SELECT count(*) FROM read_csv('%s/%s.csv', delim = ';', header = true)`, latest, c.name))
		if pq != want || cs != want {
			t.Errorf("%s: parquet %d, csv %d rows; warehouse %d", c.name, pq, cs, want)
		}
	}
	if got, want := queryInt(t, db, fmt.Sprintf(`SELECT count(*) FROM read_csv('%s/persons.csv', delim = ';', header = true)`, latest)),
		queryInt(t, db, "SELECT count(DISTINCT person_id) FROM enrolments"); got != want {
		t.Errorf("persons.csv: %d rows, warehouse %d persons", got, want)
	}
}

func latestRun(t *testing.T, dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(`"path": "`))
	if i < 0 {
		t.Fatalf("latest.json: %s", b)
	}
	rest := b[i+len(`"path": "`):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}
