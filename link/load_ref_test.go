package link

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
)

// The loader as it was before issue 11's work on it (main at b47ff24):
// link_records and link_load as they were (testdata/*_ref.sql: a window
// over whole rows, fifteen regexp passes per name, link_load sorted by rid)
// and the row reader. TestLoadSameAsRef compares them with today's.

// refLoad builds link_rec with the reference SQL (as link_rec_ref) and reads
// it row by row, in rid order, every string copied.
func refLoad(t *testing.T, ctx context.Context, conn *sql.Conn, extras []string) []record {
	t.Helper()
	recSQL, err := os.ReadFile("testdata/link_records_ref.sql")
	if err != nil {
		t.Fatal(err)
	}
	loadSQL, err := os.ReadFile("testdata/link_load_ref.sql")
	if err != nil {
		t.Fatal(err)
	}
	if extras == nil {
		extras = []string{}
	}
	// Build it as link_rec, keep it as link_rec_ref.
	if _, err := conn.ExecContext(ctx, string(recSQL), extras); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE link_rec_ref AS SELECT * FROM link_rec; DROP TABLE link_rec"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, replaceTable(string(loadSQL)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var recs []record
	for rows.Next() {
		var (
			rid                                                   int32
			key                                                   string
			prev, prov, sur, giv, tax, taxKey, sex                sql.NullString
			taxValid                                              sql.NullBool
			birth                                                 sql.NullInt32
			place, email, phone, muni, org, orgType, role, module sql.NullString
			extraVals                                             []any
		)
		if err := rows.Scan(&rid, &key, &prev, &prov, &sur, &giv, &tax, &taxValid, &taxKey, &sex,
			&birth, &place, &email, &phone, &muni, &org, &orgType, &role, &module, &extraVals); err != nil {
			t.Fatal(err)
		}
		if int(rid) != len(recs) {
			t.Fatalf("reference: record %d read at position %d", rid, len(recs))
		}
		r := record{
			key: key, prev: prev.String, province: prov.String, surname: sur.String, given: giv.String,
			taxCode: tax.String, taxValid: taxValid.Bool, taxKey: taxKey.String, sex: sex.String,
			birth: birth.Int32, hasBirth: birth.Valid, birthPlace: place.String, email: email.String,
			phone: phone.String, municipal: muni.String, org: org.String, orgType: orgType.String,
			role: role.String, module: module.String,
		}
		for _, v := range extraVals {
			s, _ := v.(string)
			r.extras = append(r.extras, s)
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func replaceTable(q string) string {
	const from = "FROM link_rec\n"
	for i := 0; i+len(from) <= len(q); i++ {
		if q[i:i+len(from)] == from {
			return q[:i] + "FROM link_rec_ref\n" + q[i+len(from):]
		}
	}
	panic("link_load_ref.sql: no FROM link_rec")
}

// loadCases are the data sets TestLoadSameAsRef loads: demo.Synthetic at
// both noise levels (omocodic and mistyped tax codes, swapped names,
// missing fields) and hand-made rows for the sound keys' and the extras'
// corners, each linked once first so that person_members and
// enrolments.person_id hold a previous run, then given new rows (a re-sent
// row with a new enrolment_id finds its previous person by record_key).
func loadCases() map[string][]canon.Enrolment {
	normal, _ := demo.Synthetic(3000, 21, demo.NoiseNormal)
	heavy, _ := demo.Synthetic(3000, 22, demo.NoiseHeavy)
	odd := []canon.Enrolment{}
	names := [][2]string{
		{"Caruso", "Crauso"}, {"Ferrari", "Ferari"}, {"Shevchenko", "Sevcenko"}, {"Aeiou", "Hwjy"},
		{"Bbbbacco", "Zzzucchi"}, {"Kkqq", "Xxerxes"}, {"Llllorenzo", "Mmmnnnppp"}, {"Rrrssttvvxx", "Ddffgg"},
		{"D'Angelo", "Maria-Grazia"}, {"Ñuñez", "Çelik"}, {"", "Solo"}, {"Solo", ""}, {"", ""},
		{"Bccdd", "Bcbcbc"}, {"Sssss", "Tt"},
	}
	for i, n := range names {
		e := enrolment(rowSpec{file: "odd.xlsx", row: i + 2, surname: n[0], given: n[1],
			tax: []string{"", "RSSMRA80A01H501U", "RSSMRALPALMHRQRU", "rssmra80a01h501u", "RSSMRA80A01H50", "RSSMRA80A01H501X",
				"RSSMRA80A01H501", "RSSMRA80A01H501UU", "RSSMRA8ÒA01H501U", "RSSMRA80A01H5O1U", "RSSMRA8LA01H50MU", "1SSMRA80A01H501U",
				"RSSMRA80A0LH501U", "RSSMRA80AL1H501U", "RSSMRA80A01H5011"}[i%15],
			birth: []string{"", "1980-01-01", "1975-12-31"}[i%3], sex: "F", email: "x@example.org", org: "Org"})
		e.Extras = map[string]string{"Badge": fmt.Sprintf(" b%04d ", i%7), "Note": []string{"", "x", "  "}[i%3]}
		if i%4 == 0 {
			e.Extras["Matricola"] = fmt.Sprintf("m%d", i)
		}
		odd = append(odd, e)
	}
	return map[string][]canon.Enrolment{"normal": normal, "heavy": heavy, "odd": odd}
}

// TestLoadSameAsRef: link_rec (every column, by rid) and the records read
// into Go (every field) are the reference loader's, before and after a
// previous run, with and without extras headers.
func TestLoadSameAsRef(t *testing.T) {
	ctx := context.Background()
	for name, rows := range loadCases() {
		t.Run(name, func(t *testing.T) {
			w := openTest(t)
			half := len(rows) / 2
			insertEnrolments(t, w.DB, rows[:half])
			compareLoads(t, ctx, w.DB, nil)
			cfg := DefaultConfig()
			cfg.USamplePairs = 20_000
			mustLink(t, w.DB, "r1", cfg)
			// The second half, and the first rows again from another file:
			// same content, new enrolment_id.
			again := append([]canon.Enrolment(nil), rows[:min(200, half)]...)
			for i := range again {
				again[i].SourceFile, again[i].SourceSHA256, again[i].SourceRow = "again.xlsx", "sha-again", i+2
			}
			insertEnrolments(t, w.DB, append(rows[half:], again...))
			compareLoads(t, ctx, w.DB, nil)
			compareLoads(t, ctx, w.DB, []string{"Badge", "Matricola", "Note", "Missing"})
		})
	}
}

func compareLoads(t *testing.T, ctx context.Context, db *sql.DB, extras []string) {
	t.Helper()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := refLoad(t, ctx, conn, extras)
	got, err := loadRecords(ctx, conn, extras)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	addSounds(t, ctx, conn) // link_records leaves them out; blocking adds them when DuckDB reads them
	var cols, diff int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM (DESCRIBE link_rec)").Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if cols != 23 {
		t.Fatalf("link_rec has %d columns, want 23", cols)
	}
	// Column by column, in order, by rid: what blocking reads.
	q := `SELECT count(*) FROM link_rec AS a FULL JOIN link_rec_ref AS b USING (rid)
	      WHERE a IS DISTINCT FROM b OR a.rid IS NULL OR b.rid IS NULL`
	if err := conn.QueryRowContext(ctx, q).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Fatalf("link_rec: %d rows differ from the reference", diff)
	}
	var sounds int
	if err := conn.QueryRowContext(ctx, "SELECT count(DISTINCT surname_sound) + count(DISTINCT given_name_sound) FROM link_rec").Scan(&sounds); err != nil {
		t.Fatal(err)
	}
	if sounds < 10 {
		t.Fatalf("only %d distinct sounds: the comparison would prove little", sounds)
	}
}

// linkedTables is every table linkage writes, as sorted lines (times left out).
func linkedTables(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	qs := map[string]string{
		"persons":        "SELECT * FROM persons",
		"person_members": "SELECT * FROM person_members",
		"person_links":   "SELECT * FROM person_links",
		"person_events":  `SELECT * EXCLUDE ("at") FROM person_events`,
		"link_model":     "SELECT * FROM link_model",
		"link_runs":      `SELECT * EXCLUDE ("at", seconds) FROM link_runs`,
		"enrolments":     "SELECT enrolment_id, person_id FROM enrolments",
	}
	out := map[string][]string{}
	for name, q := range qs {
		rows, err := db.Query("SELECT CAST(t AS VARCHAR) FROM (" + q + ") AS t ORDER BY 1")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], s)
		}
		rows.Close()
		if len(out[name]) == 0 && name != "person_events" {
			t.Fatalf("%s is empty: the comparison would prove nothing", name)
		}
	}
	return out
}

// TestLinkSameAsRef links the same rows twice over (a second run with new
// rows and re-sent ones) with the reference link_records and with today's:
// every table linkage writes is the same, row for row.
func TestLinkSameAsRef(t *testing.T) {
	ref, err := os.ReadFile("testdata/link_records_ref.sql")
	if err != nil {
		t.Fatal(err)
	}
	cases := loadCases()
	for _, name := range []string{"normal", "heavy", "odd"} {
		rows := cases[name]
		t.Run(name, func(t *testing.T) {
			var got [2]map[string][]string
			for k, q := range []string{string(ref), recordsQuery} {
				was := recordsQuery
				recordsQuery = q
				w := openTest(t)
				half := len(rows) / 2
				insertEnrolments(t, w.DB, rows[:half])
				cfg := DefaultConfig()
				cfg.USamplePairs = 20_000
				mustLink(t, w.DB, "r1", cfg)
				again := append([]canon.Enrolment(nil), rows[:min(200, half)]...)
				for i := range again {
					again[i].SourceFile, again[i].SourceSHA256, again[i].SourceRow = "again.xlsx", "sha-again", i+2
				}
				insertEnrolments(t, w.DB, append(rows[half:], again...))
				mustLink(t, w.DB, "r2", cfg)
				got[k] = linkedTables(t, w.DB)
				recordsQuery = was
			}
			for table, want := range got[0] {
				if !reflect.DeepEqual(got[1][table], want) {
					t.Errorf("%s: %d rows, want %d, or they differ", table, len(got[1][table]), len(want))
				}
			}
		})
	}
}

// TestReadRecordsErrors: a rid read twice or out of range is an error of
// readRecords (whichever batch holds it), and so is a missing one of
// loadRecords' count; a good link_rec reads whole.
func TestReadRecordsErrors(t *testing.T) {
	conn, recs := loadedSynthetic(t, 5000, 4, demo.NoiseNormal)
	ctx := context.Background()
	n := len(recs)
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE link_rec_good AS SELECT * FROM link_rec"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ change, want string }{
		{"INSERT INTO link_rec SELECT * FROM link_rec WHERE rid = 4321", "record 4321 read twice"},
		{"UPDATE link_rec SET rid = 99999 WHERE rid = 17", "record 99999 read, not within"},
		{"UPDATE link_rec SET rid = -1 WHERE rid = 4000", "record -1 read, not within"},
		{"", ""},
	} {
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE link_rec AS SELECT * FROM link_rec_good"); err != nil {
			t.Fatal(err)
		}
		if tc.change != "" {
			if _, err := conn.ExecContext(ctx, tc.change); err != nil {
				t.Fatal(err)
			}
		}
		p := newPlacer(n)
		err := readRecords(ctx, conn, p)
		if tc.want == "" {
			if err != nil || p.read != n || !reflect.DeepEqual(p.recs, recs) {
				t.Errorf("good link_rec: %v, %d of %d read", err, p.read, n)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.change, err, tc.want)
		}
	}
}
