package sinks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test-key")

func exportFixture(t *testing.T) (*sql.DB, []fixturePerson, string, Manifest) {
	t.Helper()
	db, people := newFixture(t)
	dir := t.TempDir()
	m, err := Export(context.Background(), db, dir, ExportOptions{RunID: "20240305T020000", Key: testKey, Now: time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return db, people, dir, m
}

func TestExportCountsMatchWarehouse(t *testing.T) {
	ctx := context.Background()
	db, _, dir, m := exportFixture(t)
	run := filepath.Join(dir, "20240305T020000")
	if m.Dir != run {
		t.Fatalf("manifest dir %s, want %s", m.Dir, run)
	}
	lit := func(p string) string { return sqlLiteral(filepath.Join(run, p)) }
	one := func(t *testing.T, q string) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	parquet := func(ds string) string {
		return "read_parquet(" + lit(ds+"/*/*/*.parquet") + ", hive_partitioning = true)"
	}
	csvOf := func(ds string) string { return "read_csv(" + lit(ds+".csv") + ", delim = ';', header = true)" }
	tests := []struct {
		name, export, warehouse string
	}{
		{"applications parquet", "SELECT count(*) FROM " + parquet("applications"), "SELECT count(*) FROM applications"},
		{"applications csv", "SELECT count(*) FROM " + csvOf("applications"), "SELECT count(*) FROM applications"},
		{"participations parquet", "SELECT count(*) FROM " + parquet("participations"), "SELECT count(*) FROM participations"},
		{"participations csv", "SELECT count(*) FROM " + csvOf("participations"), "SELECT count(*) FROM participations"},
		{"Cremona participations", "SELECT count(*) FROM " + parquet("participations") + " WHERE province = 'CR'", "SELECT participations FROM indicators WHERE province_code = 'CR'"},
		{"Cremona persons", "SELECT count(DISTINCT person_key) FROM " + parquet("participations") + " WHERE province = 'CR'", "SELECT persons FROM indicators WHERE province_code = 'CR'"},
		{"region persons", "SELECT count(DISTINCT person_key) FROM " + csvOf("participations"), "SELECT persons FROM indicators WHERE level = 'region'"},
		{"Cremona not accepted", "SELECT count(*) FROM " + parquet("applications") + " WHERE province = 'CR' AND status = 'not_accepted'", "SELECT not_accepted FROM indicators WHERE province_code = 'CR'"},
		{"Cremona women", "SELECT count(*) FROM " + csvOf("participations") + " WHERE province = 'CR' AND sex = 'F'", "SELECT women FROM indicators WHERE province_code = 'CR'"},
		{"persons parquet", "SELECT count(*) FROM " + parquet("persons"), "SELECT count(*) FROM person_summary"},
		{"persons csv", "SELECT count(*) FROM " + csvOf("persons"), "SELECT count(*) FROM person_summary"},
		{"repeaters", "SELECT count(*) FROM " + parquet("persons") + " WHERE participations > 1", "SELECT repeaters FROM indicators WHERE level = 'region'"},
		{"Lodi row without a year gets the run's year", "SELECT count(*) FROM " + parquet("participations") + " WHERE province = 'LO' AND year = 2024", "SELECT 1"},
		{"Lodi application year", "SELECT count(*) FROM " + parquet("applications") + " WHERE province = 'LO' AND year = 2014", "SELECT 2"},
		{"decimal comma read back", "SELECT count(*) FROM read_csv(" + lit("participations.csv") + ", delim = ';', decimal_separator = ',', header = true) WHERE attendance = 0.75", "SELECT count(*) FROM participations WHERE attendance = 0.75"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := one(t, tc.export), one(t, tc.warehouse); got != want || want == 0 {
				t.Errorf("export %d, warehouse %d", got, want)
			}
		})
	}
	t.Run("manifest row counts", func(t *testing.T) {
		want := map[string]int64{"applications": 444, "participations": 319, "persons": 373}
		for k, v := range want {
			if m.RowCounts[k] != v {
				t.Errorf("row count %s = %d, want %d", k, m.RowCounts[k], v)
			}
		}
	})
	t.Run("hive layout", func(t *testing.T) {
		for _, p := range []string{"participations/province=CR/year=2013", "applications/province=LO/year=2014", "persons/province=CR/year=2013"} {
			if fi, err := os.Stat(filepath.Join(run, p)); err != nil || !fi.IsDir() {
				t.Errorf("no directory %s: %v", p, err)
			}
		}
	})
	t.Run("person key is the HMAC of the person id", func(t *testing.T) {
		var n int64
		q := "SELECT count(*) FROM " + parquet("participations") + " WHERE person_key = ?"
		if err := db.QueryRowContext(ctx, q, PersonKey(testKey, "P-cr000")).Scan(&n); err != nil || n != 3 {
			t.Errorf("rows of P-cr000: %d, %v", n, err)
		}
	})
}

func TestExportManifestAndLatest(t *testing.T) {
	_, _, dir, m := exportFixture(t)
	run := filepath.Join(dir, m.RunID)
	b, err := os.ReadFile(filepath.Join(run, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got Manifest
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != ExportSchemaVersion || got.RunID != m.RunID || got.KeyID == "" || !got.Created.Equal(m.Created) {
		t.Errorf("manifest %+v", got)
	}
	listed := map[string]bool{}
	for _, f := range got.Files {
		listed[f.Path] = true
		data, err := os.ReadFile(filepath.Join(run, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("listed file %s: %v", f.Path, err)
			continue
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(data)) != f.Size {
			t.Errorf("%s: sha256/size do not verify", f.Path)
		}
	}
	err = filepath.WalkDir(run, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(run, p)
		if rel != "manifest.json" && !listed[filepath.ToSlash(rel)] {
			t.Errorf("file %s missing from the manifest", rel)
		}
		if fi, _ := d.Info(); fi.Mode().Perm() != 0o640 {
			t.Errorf("file %s mode %v", rel, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"applications.csv", "participations.csv", "persons.csv", "data_dictionary.csv"} {
		if !listed[f] {
			t.Errorf("manifest lacks %s", f)
		}
	}

	var latest Latest
	lb, err := os.ReadFile(filepath.Join(dir, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lb, &latest); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if latest.RunID != m.RunID || latest.Path != m.RunID || latest.ManifestSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("latest.json %+v", latest)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary %s left behind", e.Name())
		}
	}
}

func TestExportRefusals(t *testing.T) {
	ctx := context.Background()
	db, _, dir, _ := exportFixture(t)
	tests := []struct {
		name string
		opt  ExportOptions
		want error
	}{
		{"same run twice", ExportOptions{RunID: "20240305T020000", Key: testKey}, fs.ErrExist},
		{"short key", ExportOptions{RunID: "r2", Key: []byte("short")}, ErrKeyTooShort},
		{"path in run id", ExportOptions{RunID: "../r3", Key: testKey}, ErrBadRunID},
		{"empty run id", ExportOptions{Key: testKey}, ErrBadRunID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Export(ctx, db, dir, tc.opt); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("a next run moves latest", func(t *testing.T) {
		if _, err := Export(ctx, db, dir, ExportOptions{RunID: "r4", Key: testKey}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "latest.json"))
		if !strings.Contains(string(b), `"run_id": "r4"`) {
			t.Errorf("latest.json %s", b)
		}
	})
}

func TestExportHoldsNoPersonalData(t *testing.T) {
	ctx := context.Background()
	db, people, dir, m := exportFixture(t)
	run := filepath.Join(dir, m.RunID)
	// Also search the decoded Parquet, whose pages are compressed.
	decoded := filepath.Join(t.TempDir(), "decoded.csv")
	q := "COPY (SELECT * FROM read_parquet(" + sqlLiteral(filepath.Join(run, "*", "*", "*", "*.parquet")) + ", hive_partitioning = true, union_by_name = true)) TO " + sqlLiteral(decoded) + " (HEADER)"
	if _, err := db.ExecContext(ctx, q); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, root := range []string{run, decoded} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, rerr := os.ReadFile(p)
				if rerr != nil {
					t.Fatal(rerr)
				}
				files[p] = bytes.ToLower(b)
			}
			return nil
		})
	}
	if len(files) < 10 || len(files[decoded]) < 10000 {
		t.Fatalf("only %d files, decoded %d bytes", len(files), len(files[decoded]))
	}
	for _, p := range people {
		secrets := []string{p.surname, p.given, p.taxCode, p.email, p.phone, p.id,
			p.birth.Format("2006-01-02"), p.birth.Format("02/01/2006"), "comune di " + p.surname}
		for _, s := range secrets {
			needle := []byte(strings.ToLower(s))
			for path, b := range files {
				if bytes.Contains(b, needle) {
					t.Errorf("%s holds personal data of %s", filepath.Base(path), p.id)
				}
			}
		}
	}
}

func TestExportCSVFormat(t *testing.T) {
	_, _, dir, m := exportFixture(t)
	b, err := os.ReadFile(filepath.Join(dir, m.RunID, "participations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeffperson_key;province;year;")) {
		t.Fatalf("CSV starts %q", b[:40])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	found := map[string]bool{}
	for _, rec := range recs[1:] {
		for _, v := range rec {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				t.Errorf("cell %q not neutralised", v)
			}
			found[v] = true
		}
		if a := rec[col["attendance"]]; a != "" && strings.Contains(a, ".") {
			t.Errorf("attendance %q without decimal comma", a)
		}
		if d := rec[col["start_date"]]; d != "" && len(d) != len("2013-01-14") {
			t.Errorf("start date %q not ISO", d)
		}
	}
	for _, want := range []string{`'=HYPERLINK("http://evil.example","clic")`, "'+SUM(1;2) casa e territorio", "'@Codogno", "0,75", "2013-01-14"} {
		if !found[want] {
			t.Errorf("no cell %q", want)
		}
	}

	dict, err := os.ReadFile(filepath.Join(dir, m.RunID, "data_dictionary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range recs[0] {
		if !bytes.Contains(dict, []byte("participations.csv;"+h+";")) {
			t.Errorf("data dictionary lacks participations.csv column %s", h)
		}
	}
}

// FuzzAppendCSVText checks the exports' own field encoder against what it
// replaces: csvCell's neutralise, then encoding/csv with ';' and CRLF.
func FuzzAppendCSVText(f *testing.F) {
	for _, s := range []string{"", "plain", `\.`, "a\\.", " lead", "\u00a0nbsp", "a\rb", "x\"y", "=1;2", "-\n", "\r\n",
		"\"", ";", "\xc3", "  =x", "  ", "già", "\t", "@x", "+SUM(1;2)", "\u2028", "\x85x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		w := newCSVWriter(&want)
		if err := w.Write([]string{neutralise(s), "z"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		got := append(appendCSVText(nil, s), ";z\r\n"...)
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("appendCSVText(%q) = %q, want %q", s, got, want.Bytes())
		}
	})
}

// TestAppendDecimalComma: the same text as decimalComma.
func TestAppendDecimalComma(t *testing.T) {
	for _, f := range []float64{0, -0.0, 1, -1.5, 0.75, 1.0 / 3, 1e21, 1e-7, 123456789.123, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64} {
		if got, want := string(appendDecimalComma([]byte("x"), f)), "x"+decimalComma(f); got != want {
			t.Errorf("appendDecimalComma(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, ""},
		{"text", "Comune", "Comune"},
		{"formula", "=1+1", "'=1+1"},
		{"plus", "+39 0372", "'+39 0372"},
		{"minus", "-2", "'-2"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=x", "'\t=x"},
		{"carriage return", "\r=x", "'\r=x"},
		{"spaces then formula", "  =x", "'  =x"},
		{"inner equals", "a=b", "a=b"},
		{"decimal comma", 12.5, "12,5"},
		{"whole float", 16.0, "16"},
		{"negative number stays a number", -3.5, "-3,5"},
		{"integer", int64(437), "437"},
		{"int32", int32(2013), "2013"},
		{"date", time.Date(2013, 1, 14, 0, 0, 0, 0, time.UTC), "2013-01-14"},
		{"timestamp", time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC), "2024-03-02T01:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := csvCell(tc.in); got != tc.want {
				t.Errorf("csvCell(%#v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "=cmd|' /C calc'!A0", "+1", "-1", "@x", "\t=1", " =1", "Comune di Crema", "'=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("csvCell(%q) = %q starts a formula", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("csvCell(%q) = %q changes the text", s, got)
		}
		if t2 := strings.TrimLeft(got, " "); t2 != "" && strings.ContainsRune("=+-@", rune(t2[0])) {
			t.Fatalf("csvCell(%q) = %q starts a formula after spaces", s, got)
		}
	})
}

// TestPersonKeyer: the keyer the exports use gives PersonKey's keys, for
// every id in turn (its HMAC is reset between them).
func TestPersonKeyer(t *testing.T) {
	k := newPersonKeyer(testKey)
	for _, id := range []string{"P-1", "", "P-1", strings.Repeat("lungo", 40), "P-2", "P-1"} {
		if got, want := k.key(id), PersonKey(testKey, id); got != want {
			t.Errorf("key(%q) = %s, want %s", id, got, want)
		}
	}
	m := hmac.New(sha256.New, testKey)
	m.Write([]byte("P-1"))
	if got, want := PersonKey(testKey, "P-1"), hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("PersonKey = %s, want hex HMAC-SHA256 %s", got, want)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	good := "k3y-" + strings.Repeat("x", 40)
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodFile := write("good.key", good+"\n", 0o600)
	readOnly := write("ro.key", good, 0o400)
	openFile := write("open.key", good, 0o644)
	groupFile := write("group.key", good, 0o640)
	shortFile := write("short.key", "tooshort\n", 0o600)
	tests := []struct {
		name, env, file string
		want            string
		err             error
	}{
		{"environment first", good, openFile, good, nil},
		{"environment trimmed", " " + good + "\n", "", good, nil},
		{"short environment refused", "short", goodFile, "", ErrKeyTooShort},
		{"file when environment unset", "", goodFile, good, nil},
		{"read-only file", "", readOnly, good, nil},
		{"file readable by others refused", "", openFile, "", ErrKeyFileMode},
		{"file readable by group refused", "", groupFile, "", ErrKeyFileMode},
		{"short file refused", "", shortFile, "", ErrKeyTooShort},
		{"missing file", "", filepath.Join(dir, "none.key"), "", fs.ErrNotExist},
		{"nothing configured", "", "", "", ErrNoKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CORRELARE_TEST_KEY", tc.env)
			got, err := LoadKey("CORRELARE_TEST_KEY", tc.file)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if string(got) != tc.want {
				t.Errorf("key of %d bytes, want %d", len(got), len(tc.want))
			}
			if err != nil && (strings.Contains(err.Error(), good) || strings.Contains(err.Error(), "tooshort")) {
				t.Errorf("error reveals the key: %v", err)
			}
		})
	}
}

func ExamplePersonKey() {
	key := []byte("a secret of at least thirty-two bytes!")
	fmt.Println(PersonKey(key, "P-000042"))
	// Output: 8938ee32feb3afb4a9be30946c7709ac0686e93f119f56dd0e48e788dd8eaf12
}

// TestExportOneOrder checks what the single pass over the applications must
// keep: the participations' files are the applications' rows with status
// accepted, in the same order; the persons' figures are person_summary's;
// and rows alike in every sorted column, or a person's tied values (two
// birth dates, two sexes, each once), come out the same whatever the
// warehouse's physical order: the exports of the same rows stored in
// reverse are byte for byte the same.
func TestExportOneOrder(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// A second application of a CR person with one, same module and status (a
	// tie in every sorted column), with the other sex, another birth date and
	// another organisation type: each value once, a tie.
	var pid string
	if err := db.QueryRowContext(ctx, `SELECT min(person_id) FROM enrolments WHERE person_id IN (
		SELECT person_id FROM enrolments GROUP BY person_id HAVING count(*) = 1)
		AND province_code = 'CR' AND status = 'accepted' AND sex = 'F' AND organisation_type > 'ASL'`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO enrolments SELECT * REPLACE (enrolment_id || '-bis' AS enrolment_id, source_row + 1000 AS source_row,
		'M' AS sex, DATE '1950-06-01' AS birth_date, 'ASL' AS organisation_type, 3.0 AS hours_attended)
		FROM enrolments WHERE enrolment_id = (SELECT min(enrolment_id) FROM enrolments WHERE person_id = '` + pid + `')`)
	now := time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	export := func(run string) string {
		t.Helper()
		if _, err := Export(ctx, db, dir, ExportOptions{RunID: run, Key: testKey, Now: now}); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, run)
	}
	first := export("first")
	exec(`CREATE TEMP TABLE reversed AS SELECT * FROM enrolments ORDER BY enrolment_id DESC`)
	exec(`DELETE FROM enrolments`)
	exec(`INSERT INTO enrolments SELECT * FROM reversed`)
	second := export("second")

	read := func(run, name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(run, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, name := range []string{"applications.csv", "participations.csv", "persons.csv"} {
		if !bytes.Equal(read(first, name), read(second, name)) {
			t.Errorf("%s differs when the warehouse's rows are stored in another order", name)
		}
	}
	parquet := func(run, ds string) string {
		var s string
		q := "SELECT string_agg(concat_ws('|', *COLUMNS(*)), E'\\n' ORDER BY filename, file_row_number) FROM read_parquet(" +
			sqlLiteral(filepath.Join(run, ds, "*", "*", "*.parquet")) + ", hive_partitioning = true, filename = true, file_row_number = true)"
		if err := db.QueryRowContext(ctx, q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return strings.ReplaceAll(s, run, "")
	}
	for _, ds := range []string{"applications", "participations", "persons"} {
		if parquet(first, ds) != parquet(second, ds) {
			t.Errorf("%s Parquet differs when the warehouse's rows are stored in another order", ds)
		}
	}

	// participations.csv: the applications' records with status accepted, in order.
	records := func(b []byte) [][]string {
		t.Helper()
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	apps, parts := records(read(first, "applications.csv")), records(read(first, "participations.csv"))
	status := slices.Index(apps[0], "status")
	want := [][]string{apps[0]}
	for _, rec := range apps[1:] {
		if rec[status] == "accepted" {
			want = append(want, rec)
		}
	}
	if !slices.EqualFunc(parts, want, slices.Equal) || len(want) < 300 {
		t.Errorf("participations.csv: %d records, want the %d accepted records of applications.csv in their order", len(parts), len(want))
	}

	// persons: person_summary's figures; the tie of the person above settled
	// by the smallest value (F, the earlier birth date, ASL).
	var nDiff int64
	keys := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT person_id FROM enrolments WHERE person_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		keys[id] = PersonKey(testKey, id)
	}
	rows.Close()
	exec(`CREATE TEMP TABLE test_keys (person_id VARCHAR, person_key VARCHAR)`)
	for id, k := range keys {
		if _, err := db.ExecContext(ctx, `INSERT INTO test_keys VALUES (?, ?)`, id, k); err != nil {
			t.Fatal(err)
		}
	}
	cmp := `WITH p AS (SELECT * FROM read_parquet(` + sqlLiteral(filepath.Join(first, "persons", "*", "*", "*.parquet")) + `, hive_partitioning = true))
	SELECT count(*) FROM person_summary s JOIN test_keys k USING (person_id) LEFT JOIN p ON p.person_key = k.person_key
	WHERE p.person_key IS NULL OR p.province IS DISTINCT FROM s.first_province
	   OR p.applications IS DISTINCT FROM s.applications OR p.participations IS DISTINCT FROM s.participations
	   OR p.withdrawals IS DISTINCT FROM s.withdrawals OR p.not_accepted IS DISTINCT FROM s.not_accepted
	   OR p.province_count IS DISTINCT FROM s.province_count OR p.provinces IS DISTINCT FROM array_to_string(s.provinces, ',')
	   OR p.first_year IS DISTINCT FROM s.first_year OR p.last_year IS DISTINCT FROM s.last_year
	   OR p.hours_attended IS DISTINCT FROM s.hours_attended
	   OR (s.person_id <> ? AND (p.sex IS DISTINCT FROM s.sex OR p.organisation_type IS DISTINCT FROM s.organisation_type
	       OR p.age_band IS DISTINCT FROM age_band(s.birth_date, coalesce(s.first_year, 2024))))`
	if err := db.QueryRowContext(ctx, cmp, pid).Scan(&nDiff); err != nil {
		t.Fatal(err)
	}
	if nDiff != 0 || len(keys) < 300 {
		t.Errorf("%d of %d persons differ from person_summary", nDiff, len(keys))
	}
	var sex, orgType, band string
	if err := db.QueryRowContext(ctx, `SELECT sex, organisation_type, age_band FROM read_parquet(`+
		sqlLiteral(filepath.Join(first, "persons", "*", "*", "*.parquet"))+`, hive_partitioning = true) WHERE person_key = ?`,
		keys[pid]).Scan(&sex, &orgType, &band); err != nil {
		t.Fatal(err)
	}
	var wantBand string
	if err := db.QueryRowContext(ctx, `SELECT age_band(DATE '1950-06-01', first_year) FROM person_summary WHERE person_id = ?`, pid).Scan(&wantBand); err != nil {
		t.Fatal(err)
	}
	if sex != "F" || band != wantBand || orgType != "ASL" {
		t.Errorf("tied person: sex %s, age band %s, organisation type %s; want F, %s, ASL", sex, band, orgType, wantBand)
	}
}
