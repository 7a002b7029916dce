package link

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/demo"
	queries "github.com/lombardia-orim/correlare/sql"
)

// openFile opens the DuckDB file at path with 2 threads, as the nightly run
// does on this machine.
func openFile(t testing.TB, path string) (*sql.DB, func()) {
	t.Helper()
	c, err := duckdb.NewConnector(path+"?threads=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	return db, func() { db.Close(); c.Close() }
}

func copyPath(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// stagesBeforeWrite runs every stage of Link but the last on db and returns
// the run, ready to write.
func stagesBeforeWrite(t testing.TB, db *sql.DB, runID string, cfg Config) *run {
	t.Helper()
	ctx := context.Background()
	r, err := prepare(ctx, db, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.runID = runID
	for _, s := range []func(context.Context) error{r.load, r.block, r.compare, r.fit, r.decide, r.cluster, r.assignIDs} {
		if err := s(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// writeBoth writes the run r (its stages run on a warehouse whose file
// was at pre before) twice: with the reference writer into a copy of pre
// at refPath, with the writer in use into a copy at newPath. It returns the
// seconds of each, and logs their CPU seconds.
func writeBoth(t testing.TB, r *run, pre, refPath, newPath string) (ref, cur float64) {
	t.Helper()
	ctx := context.Background()
	for i, path := range []string{refPath, newPath} {
		copyPath(t, pre, path)
		db, done := openFile(t, path)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		extras := r.extras
		if extras == nil {
			extras = []string{}
		}
		if _, err := conn.ExecContext(ctx, queries.Query("link_records"), extras); err != nil {
			t.Fatal(err)
		}
		r.conn = conn
		start, cpu := time.Now(), cpuSeconds()
		if i == 0 {
			err = r.writeRef(ctx)
			ref = time.Since(start).Seconds()
		} else {
			err = r.write(ctx)
			cur = time.Since(start).Seconds()
		}
		t.Logf("writer %d: %.2f s, %.2f CPU-s", i, time.Since(start).Seconds(), cpuSeconds()-cpu)
		if err != nil {
			t.Fatal(err)
		}
		// The writer turns FSST off for person_links and on again.
		var disabled string
		if err := conn.QueryRowContext(ctx, queries.Query("link_fsst_get")).Scan(&disabled); err != nil || disabled != "" {
			t.Fatalf("disabled compression methods after writing: %q, %v", disabled, err)
		}
		conn.Close()
		done()
	}
	return ref, cur
}

// linkTables are the tables a linkage run writes, as compared: every column
// but the clock's (person_events.at, link_runs.at and seconds) and the
// persons' most frequent values, which samePersons compares.
var linkTables = []struct{ name, cols string }{
	{"persons", "person_id, participations, applications, modules, provinces, first_seen_run, last_run"},
	{"person_members", "*"},
	{"enrolments", "enrolment_id, person_id"},
	{"person_links", "* REPLACE (CAST(levels AS VARCHAR) AS levels, CAST(weights AS VARCHAR) AS weights)"},
	{"link_model", "*"},
	{"person_events", "* EXCLUDE (\"at\")"},
	{"link_runs", "* EXCLUDE (\"at\", seconds)"},
}

// sameTables fails t when a table of linkTables holds other rows (as a
// multiset) in the warehouse at a than at b, and returns its row counts.
func sameTables(t testing.TB, a, b string) map[string]int {
	t.Helper()
	ctx := context.Background()
	db, done := openFile(t, b)
	defer done()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS ref (READ_ONLY)", a)); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	if _, err := db.ExecContext(ctx, "USE main"); err != nil {
		t.Fatal(err)
	}
	for _, tb := range linkTables {
		var n, m, diff int
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM ref.%[1]s), (SELECT count(*) FROM main.%[1]s),
			(SELECT count(*) FROM (SELECT %[2]s FROM ref.%[1]s EXCEPT ALL SELECT %[2]s FROM main.%[1]s))
			+ (SELECT count(*) FROM (SELECT %[2]s FROM main.%[1]s EXCEPT ALL SELECT %[2]s FROM ref.%[1]s))`, tb.name, tb.cols)
		if err := db.QueryRowContext(ctx, q).Scan(&n, &m, &diff); err != nil {
			t.Fatalf("%s: %v", tb.name, err)
		}
		if n != m || diff != 0 {
			t.Errorf("%s: %d rows by the reference writer, %d by the writer, %d differ", tb.name, n, m, diff)
		}
		counts[tb.name] = n
	}
	counts["persons with another tie"] = samePersons(t, db)
	return counts
}

// modeColumns are the persons' columns that are the most frequent value
// of their rows, and the rows each counts (display_name: those with both
// names when the person has any).
var modeColumns = []struct{ col, rows string }{
	{"display_name", "surname IS NOT NULL AND given_name IS NOT NULL OR NOT any_full"},
	{"surname", "true"},
	{"given_name", "true"},
	{"sex", "true"},
	{"birth_date", "true"},
	{"tax_code", "tax_code_status = 'valid'"},
}

// samePersons fails t unless the persons in main (db, with ref attached)
// take the most frequent value of their rows, a tie going to the smallest
// (the exports' list_aggregate(list_sort(list(x)), 'mode')), and unless
// every value the persons in ref took instead is as frequent: the reference
// writer's mode() settled ties by the order rows met it, which varies with
// the plan and the threads. It returns the persons whose values differ.
func samePersons(t testing.TB, db *sql.DB) int {
	t.Helper()
	ctx := context.Background()
	q := `CREATE OR REPLACE TEMP TABLE want AS
		SELECT person_id,
		       coalesce(list_aggregate(list_sort(list(display_name) FILTER (WHERE surname IS NOT NULL AND given_name IS NOT NULL)), 'mode'),
		                list_aggregate(list_sort(list(display_name)), 'mode')) AS display_name,
		       list_aggregate(list_sort(list(surname) FILTER (WHERE surname IS NOT NULL)), 'mode') AS surname,
		       list_aggregate(list_sort(list(given_name) FILTER (WHERE given_name IS NOT NULL)), 'mode') AS given_name,
		       list_aggregate(list_sort(list(sex) FILTER (WHERE sex IS NOT NULL)), 'mode') AS sex,
		       list_aggregate(list_sort(list(birth_date) FILTER (WHERE birth_date IS NOT NULL)), 'mode') AS birth_date,
		       list_aggregate(list_sort(list(tax_code) FILTER (WHERE tax_code IS NOT NULL AND tax_code_status = 'valid')), 'mode') AS tax_code
		FROM main.enrolments GROUP BY person_id`
	if _, err := db.ExecContext(ctx, q); err != nil {
		t.Fatal(err)
	}
	var diff int
	q = `SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT ALL
	                SELECT person_id, display_name, surname, given_name, sex, birth_date, tax_code FROM main.persons))
	          + (SELECT count(*) FROM (SELECT person_id, display_name, surname, given_name, sex, birth_date, tax_code FROM main.persons
	                EXCEPT ALL SELECT * FROM want))`
	if err := db.QueryRowContext(ctx, q).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Errorf("persons: %d rows differ from the most frequent values, ties to the smallest", diff)
	}
	for _, m := range modeColumns {
		var n int
		q := fmt.Sprintf(`WITH e AS (
			    SELECT *, bool_or(surname IS NOT NULL AND given_name IS NOT NULL) OVER (PARTITION BY person_id) AS any_full
			    FROM main.enrolments),
			c AS (SELECT person_id, %[1]s AS v, count(*) AS n FROM e WHERE %[2]s GROUP BY ALL)
			SELECT count(*) FROM ref.persons AS r JOIN main.persons AS m USING (person_id)
			LEFT JOIN c AS cr ON cr.person_id = r.person_id AND cr.v = r.%[1]s
			LEFT JOIN c AS cm ON cm.person_id = m.person_id AND cm.v = m.%[1]s
			WHERE r.%[1]s IS DISTINCT FROM m.%[1]s AND cr.n IS DISTINCT FROM cm.n`, m.col, m.rows)
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("persons.%s: %d persons where the reference writer took a value that is not a tie of the one taken", m.col, n)
		}
	}
	q = `SELECT count(*) FROM (SELECT person_id, display_name, surname, given_name, sex, birth_date, tax_code FROM ref.persons
	        EXCEPT SELECT person_id, display_name, surname, given_name, sex, birth_date, tax_code FROM main.persons)`
	if err := db.QueryRowContext(ctx, q).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	return diff
}

// TestWriteIdentical holds the writer to the reference writer (main's
// before the rework, write_ref_test.go): on a synthetic set with many
// multi-record persons, a first run (no previous persons) and a second one
// over changed rows (previous ids kept, merged, split, retired) write the
// same rows to every table.
func TestWriteIdentical(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if d := os.Getenv("LINK_WRITE_DIR"); d != "" {
		dir = d
	}
	pre := filepath.Join(dir, "pre.duckdb")
	w := openTestAt(t, pre)
	rows, _ := demo.Synthetic(6000, 5, demo.NoiseNormal)
	insertEnrolments(t, w.DB, rows)
	w.DB.Close()

	cfg := DefaultConfig()
	db, done := openFile(t, pre)
	r := stagesBeforeWrite(t, db, "run1", cfg)
	if r.st.PersonsMulti < 500 {
		t.Fatalf("only %d persons of several rows", r.st.PersonsMulti)
	}
	ref1, new1 := filepath.Join(dir, "ref1.duckdb"), filepath.Join(dir, "new1.duckdb")
	writeBoth(t, r, pre, ref1, new1)
	r.conn.Close()
	done()
	counts := sameTables(t, ref1, new1)
	t.Logf("first run: %v", counts)

	// The second run starts from the first's warehouse with rows changed:
	// some deleted (retired persons, splits), some names changed so that
	// persons merge or split, some new rows.
	pre2 := filepath.Join(dir, "pre2.duckdb")
	copyPath(t, new1, pre2)
	db, done = openFile(t, pre2)
	more, _ := demo.Synthetic(800, 6, demo.NoiseNormal)
	for i := range more {
		more[i].SourceFile = "more-" + more[i].SourceFile
	}
	insertEnrolments(t, db, more)
	for _, q := range []string{
		`DELETE FROM enrolments WHERE hash(enrolment_id) % 17 = 0`,
		`UPDATE enrolments SET surname_fold = 'ZZ' || surname_fold, surname = 'Zz' || surname WHERE hash(enrolment_id) % 13 = 0`,
		`UPDATE enrolments SET tax_code = NULL, tax_code_status = 'missing' WHERE hash(enrolment_id) % 11 = 0`,
		`UPDATE enrolments SET given_name_fold = NULL WHERE hash(enrolment_id) % 19 = 0`,
		`UPDATE enrolments SET person_id = NULL WHERE hash(enrolment_id) % 7 = 0`,
		// A row that takes the next row's identity moves from its person to
		// the next row's: both merge, what is left of its person splits.
		`UPDATE enrolments SET surname = n.surname, given_name = n.given_name, display_name = n.display_name,
			surname_fold = n.surname_fold, given_name_fold = n.given_name_fold, tax_code = n.tax_code,
			tax_code_status = n.tax_code_status, birth_date = n.birth_date, sex = n.sex
		FROM (SELECT enrolment_id, lead(COLUMNS(* EXCLUDE (enrolment_id))) OVER (ORDER BY enrolment_id)
		      FROM enrolments) AS n
		WHERE enrolments.enrolment_id = n.enrolment_id AND hash(enrolments.enrolment_id) % 23 = 0 AND n.surname IS NOT NULL`,
		"CHECKPOINT", // the copies of the file must hold the changes
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	r = stagesBeforeWrite(t, db, "run2", cfg)
	if r.st.Merges == 0 || r.st.Splits == 0 || r.st.Retired == 0 || r.st.New == 0 {
		t.Fatalf("second run: merges %d splits %d retired %d new %d, want some of each", r.st.Merges, r.st.Splits, r.st.Retired, r.st.New)
	}
	ref2, new2 := filepath.Join(dir, "ref2.duckdb"), filepath.Join(dir, "new2.duckdb")
	writeBoth(t, r, pre2, ref2, new2)
	r.conn.Close()
	done()
	counts = sameTables(t, ref2, new2)
	t.Logf("second run: %v, merges %d splits %d retired %d new %d", counts, r.st.Merges, r.st.Splits, r.st.Retired, r.st.New)
}

// TestWriteIdentical1M is TestWriteIdentical on a warehouse of a 1M night
// (LINK_WRITE_WH=path, e.g. a copy of the post-run warehouse: a second run
// that keeps every person; LINK_WRITE_FIRST=1 clears the persons first),
// and reports the seconds of both writers.
func TestWriteIdentical1M(t *testing.T) {
	src := os.Getenv("LINK_WRITE_WH")
	if src == "" {
		t.Skip("LINK_WRITE_WH not set")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if d := os.Getenv("LINK_WRITE_DIR"); d != "" {
		dir = d
	}
	pre := filepath.Join(dir, "pre.duckdb")
	copyPath(t, src, pre)
	db, done := openFile(t, pre)
	if os.Getenv("LINK_WRITE_FIRST") != "" {
		for _, q := range []string{"UPDATE enrolments SET person_id = NULL", "DELETE FROM persons", "DELETE FROM person_members",
			"DELETE FROM person_links", "DELETE FROM person_events", "DELETE FROM link_runs", "DELETE FROM link_model", "CHECKPOINT"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	if os.Getenv("LINK_WRITE_TRACE") != "" {
		traceStep = func(name string, f func() error) error {
			start, cpu := time.Now(), cpuSeconds()
			err := f()
			t.Logf("%6.2f s %6.2f CPU-s  %s", time.Since(start).Seconds(), cpuSeconds()-cpu, name)
			return err
		}
		defer func() { traceStep = nil }()
	}
	start := time.Now()
	r := stagesBeforeWrite(t, db, "run-1m", DefaultConfig())
	t.Logf("stages before write: %.1f s", time.Since(start).Seconds())
	r.conn.Close()
	ref, cur := filepath.Join(dir, "ref.duckdb"), filepath.Join(dir, "new.duckdb")
	for i := 0; i < 2; i++ {
		refS, curS := writeBoth(t, r, pre, ref, cur)
		t.Logf("write: reference %.1f s, new %.1f s", refS, curS)
	}
	done()
	t.Logf("%v", sameTables(t, ref, cur))
	_ = strings.TrimSpace
}

// TestPersonsDeterministic links the same rows stored in two orders and
// expects the same persons: a tie of the most frequent name, sex, birth
// date or tax code goes to the smallest value, not to the row met first.
// (LINK_WRITE_REF=1 runs it with the reference writer, whose mode() fails it.)
func TestPersonsDeterministic(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rows, _ := demo.Synthetic(3000, 9, demo.NoiseNormal)
	var paths []string
	for _, order := range []string{"forward", "reversed"} {
		path := filepath.Join(dir, order+".duckdb")
		w := openTestAt(t, path)
		insertEnrolments(t, w.DB, rows)
		w.DB.Close()
		db, done := openFile(t, path)
		r := stagesBeforeWrite(t, db, "run1", DefaultConfig())
		var err error
		if os.Getenv("LINK_WRITE_REF") != "" {
			err = r.writeRef(ctx)
		} else {
			err = r.write(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		r.conn.Close()
		done()
		paths = append(paths, path)
		slices.Reverse(rows)
	}
	db, done := openFile(t, paths[1])
	defer done()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS fwd (READ_ONLY)", paths[0])); err != nil {
		t.Fatal(err)
	}
	var n, diff int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM fwd.persons),
		(SELECT count(*) FROM (SELECT * FROM fwd.persons EXCEPT ALL SELECT * FROM reversed.persons))
		+ (SELECT count(*) FROM (SELECT * FROM reversed.persons EXCEPT ALL SELECT * FROM fwd.persons))`).Scan(&n, &diff); err != nil {
		t.Fatal(err)
	}
	if n < 2000 || diff != 0 {
		t.Errorf("%d persons; %d rows differ between the two orders", n, diff)
	}
}

// TestDistinctAsConcat holds distinct to count(DISTINCT a || ':' || b):
// values that concatenate alike are one, below and past the linear search.
func TestDistinctAsConcat(t *testing.T) {
	parts := []string{"", "a", "b", ":", "a:", ":b", "a:b", "MI", "MI:", "BG", "X:Y:Z"}
	rnd := uint32(7)
	next := func() string {
		rnd = rnd*1664525 + 1013904223
		return parts[rnd>>16%uint32(len(parts))]
	}
	for _, n := range []int{1, 2, 5, 40, 200} {
		var d distinct
		for round := 0; round < 2; round++ {
			d.reset()
			want := map[string]bool{}
			for i := 0; i < n; i++ {
				a, b := next(), next()
				if n == 200 {
					a += fmt.Sprint(i % 50)
				}
				d.add(a, b)
				want[a+":"+b] = true
			}
			if d.len() != len(want) {
				t.Errorf("%d values, round %d: %d distinct, want %d", n, round, d.len(), len(want))
			}
		}
	}
}
