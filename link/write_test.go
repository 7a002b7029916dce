package link

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
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
// seconds of each.
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
		start := time.Now()
		if i == 0 {
			err = r.writeRef(ctx)
			ref = time.Since(start).Seconds()
		} else {
			err = r.write(ctx)
			cur = time.Since(start).Seconds()
		}
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		done()
	}
	return ref, cur
}

// linkTables are the tables a linkage run writes, as compared: every column
// but the clock's (person_events.at, link_runs.at and seconds).
var linkTables = []struct{ name, cols string }{
	{"persons", "*"},
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
	return counts
}

// TestWriteIdentical holds the writer to the reference writer (main's
// before the rework, write_ref_test.go): on a synthetic set with many
// multi-record persons, a first run (no previous persons) and a second one
// over changed rows (previous ids kept, merged, split, retired) write the
// same rows to every table.
func TestWriteIdentical(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
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
