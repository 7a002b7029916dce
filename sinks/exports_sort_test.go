//go:build duckdb_arrow

package sinks

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestExportGoMatchesSQL exports the same warehouse twice: through the
// rows read and sorted in Go (writeExportRowsGo) and through the reference
// path, DuckDB's join, sort and table (writeExportRowsSQL, the code of the
// exports before). Every file of the two exports must hold the same bytes:
// CSV, Parquet, data dictionary, manifest. The warehouse is the fixture
// grown to 13,000 rows over several batches, provinces and years, with
// rows of no person, no module or no status, ties in every sorted column
// but the enrolment key, and text with quotes, ';', newlines, accents,
// leading '=' and NULLs.
func TestExportGoMatchesSQL(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE modules SET title = 'Corso "base"; livello 1', site = E'Sede\nnuova' WHERE module_id = 'CR:m01'`)
	exec(`UPDATE modules SET title = 'Università già ' || chr(233), site = NULL, axis = NULL WHERE module_id = 'CR:m02'`)
	exec(`UPDATE modules SET planned_hours = NULL, sessions = NULL, start_date = NULL WHERE module_id = 'CR:m03'`)
	exec(`INSERT INTO enrolments SELECT e.* REPLACE (
		enrolment_id || '-' || i AS enrolment_id,
		source_row + 1000 * i AS source_row,
		CASE WHEN i % 9 = 0 THEN NULL ELSE person_id || '-' || (i % 4) END AS person_id,
		CASE WHEN i % 7 = 0 THEN NULL WHEN i % 5 = 0 THEN 'CR:m0' || (1 + i % 4) ELSE module_id END AS module_id,
		CASE i % 3 WHEN 0 THEN 'Titolo; "virgolette", a capo' || chr(10) || 'qui' WHEN 1 THEN '=1+1' ELSE module_title END AS module_title,
		CASE WHEN i % 11 = 0 THEN NULL WHEN i % 4 = 0 THEN 'withdrawn' ELSE status END AS status,
		CASE i % 8 WHEN 0 THEN 'Società "Cooperativa"; è' WHEN 1 THEN E'riga\r\nnuova' WHEN 2 THEN NULL WHEN 3 THEN ' -meno' ELSE organisation_type END AS organisation_type,
		CASE WHEN i % 3 = 0 THEN NULL ELSE sex END AS sex,
		CASE WHEN i % 10 = 0 THEN NULL ELSE birth_date + CAST(i AS INTEGER) END AS birth_date,
		CASE WHEN i % 13 = 0 THEN NULL ELSE hours_attended + i / 7 END AS hours_attended,
		CASE WHEN i % 2 = 0 THEN application_date + CAST(400 * (i % 3) AS INTEGER) END AS application_date,
		CASE WHEN i % 5 = 1 THEN DATE '2012-03-01' + CAST(i AS INTEGER) END AS start_date)
		FROM enrolments e, range(1, 30) r(i)`)
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM enrolments`).Scan(&n); err != nil || n < 12000 {
		t.Fatalf("%d enrolments (%v)", n, err)
	}
	now := time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)
	export := func(inGo bool) string {
		t.Helper()
		defer func(v bool) { exportSortInGo = v }(exportSortInGo)
		exportSortInGo = inGo
		ran := false
		defer func(f func(string)) { exportTrace = f }(exportTrace)
		exportTrace = func(phase string) { ran = ran || phase == "persons" }
		dir := t.TempDir()
		if _, err := Export(ctx, db, dir, ExportOptions{RunID: "same", Key: testKey, Now: now}); err != nil {
			t.Fatal(err)
		}
		if ran != inGo {
			t.Fatalf("rows sorted in Go: %v, want %v", ran, inGo)
		}
		return filepath.Join(dir, "same")
	}
	threads := func() (n int64) {
		t.Helper()
		if err := db.QueryRowContext(ctx, `SELECT CAST(current_setting('threads') AS BIGINT)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exec(`SET GLOBAL threads = 3`)
	ref, got := export(false), export(true)
	if n := threads(); n != 3 {
		t.Errorf("DuckDB's threads after the export: %d, want 3 as before", n)
	}
	if diff := diffTrees(t, ref, got); len(diff) > 0 {
		t.Errorf("the exports differ: %v", diff)
	}
	t.Run("partitions gathered", func(t *testing.T) {
		// The participations' partitions in one batch each (takeRuns), not
		// as slices of the applications: the same files.
		defer func(v int) { parquetRunsRows = v }(parquetRunsRows)
		parquetRunsRows = 0
		if diff := diffTrees(t, ref, export(true)); len(diff) > 0 {
			t.Errorf("the exports differ: %v", diff)
		}
	})
	var parts int
	for _, ds := range []string{"applications", "participations", "persons"} {
		m, _ := filepath.Glob(filepath.Join(got, ds, "province=*", "year=*", "part_0.parquet"))
		parts += len(m)
	}
	if parts < 15 {
		t.Errorf("%d Parquet partitions: the test wants several", parts)
	}
	checkFixtureValues(t, db, got)
	t.Run("empty warehouse", func(t *testing.T) {
		w, err := OpenWarehouse(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx)
		db = w.DB
		if diff := diffTrees(t, export(false), export(true)); len(diff) > 0 {
			t.Errorf("the exports differ: %v", diff)
		}
	})

	// The comparison sees a change of one byte.
	f := filepath.Join(got, "applications.csv")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(f, b, 0o640); err != nil {
		t.Fatal(err)
	}
	if diff := diffTrees(t, ref, got); !slices.Equal(diff, []string{"applications.csv"}) {
		t.Errorf("one byte changed in applications.csv: differences %v", diff)
	}
}

// diffTrees returns the paths (relative) of the files that differ between
// two directories, or exist in one only.
func diffTrees(t *testing.T, a, b string) []string {
	t.Helper()
	files := func(root string) map[string][]byte {
		out := map[string][]byte{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			out[rel], err = os.ReadFile(path)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	fa, fb := files(a), files(b)
	var diff []string
	for p, x := range fa {
		if y, ok := fb[p]; !ok || !bytes.Equal(x, y) {
			diff = append(diff, p)
		}
	}
	for p := range fb {
		if _, ok := fa[p]; !ok {
			diff = append(diff, p)
		}
	}
	slices.Sort(diff)
	if len(fa) < 5 {
		t.Errorf("%d files in %s", len(fa), a)
	}
	return diff
}

// checkFixtureValues checks that the test's awkward values reached the
// export (a comparison of two empty exports would prove nothing).
func checkFixtureValues(t *testing.T, db *sql.DB, run string) {
	t.Helper()
	csv := sqlLiteral(filepath.Join(run, "applications.csv"))
	var quoted, newline, noPerson, noStatus int64
	q := `SELECT count(*) FILTER (WHERE module_title LIKE 'Titolo; "virgolette"%') * count(*) FILTER (WHERE module_title = 'Corso "base"; livello 1'),
		count(*) FILTER (WHERE organisation_type LIKE E'riga\r\nnuova' OR organisation_type LIKE E'riga\nnuova'),
		count(*) FILTER (WHERE person_key IS NULL), count(*) FILTER (WHERE status IS NULL)
		FROM read_csv(` + csv + `, delim = ';', header = true, all_varchar = true)`
	if err := db.QueryRowContext(context.Background(), q).Scan(&quoted, &newline, &noPerson, &noStatus); err != nil {
		t.Fatal(err)
	}
	if quoted == 0 || newline == 0 || noPerson == 0 || noStatus == 0 {
		t.Errorf("quoted %d, newline %d, no person %d, no status %d: want some of each", quoted, newline, noPerson, noStatus)
	}
}
