//go:build duckdb_arrow

package sinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	queries "github.com/lombardia-orim/correlare/sql"
)

// TestWriteRowsCSVArrowMatchesScan writes the same export_rows through Arrow
// batches and through database/sql: the files must be byte for byte the same,
// on every type the exports use, NULLs, text a spreadsheet would take for a
// formula, awkward floats, and more rows than one Arrow batch.
func TestWriteRowsCSVArrowMatchesScan(t *testing.T) {
	ctx := context.Background()
	w, err := OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tests := []struct {
		name, fill string
		fallback   bool // a type the Arrow writer leaves to database/sql
	}{
		{"edge values", `CREATE OR REPLACE TEMP TABLE export_rows AS
			SELECT * FROM (VALUES
				('=1+1', 'CR', 2013, CAST(16 AS DOUBLE), CAST(4 AS INTEGER), DATE '2013-01-14', CAST(0.75 AS DOUBLE), CAST(3 AS BIGINT), true, CAST(1.5 AS FLOAT)),
				(' -x', NULL, NULL, 1.0/3, NULL, NULL, CAST('NaN' AS DOUBLE), CAST(-9007199254740993 AS BIGINT), false, NULL),
				('a;b "c"', '@x', -1, 1e21, CAST(-7 AS INTEGER), DATE '1899-12-30', 1e-7, NULL, NULL, CAST(0.1 AS FLOAT)),
				(E'riga\nnuova', '', 0, -0.0, 0, DATE '2099-12-31', CAST('Infinity' AS DOUBLE), 0, NULL, CAST(-2.5 AS FLOAT)),
				(NULL, E'\ttab', 2147483647, 12.5, 2147483647, NULL, 123456789.123, 9223372036854775807, true, NULL)
			) t(person_key, province, year, planned_hours, sessions, start_date, attendance, applications, flag, score)`, false},
		{"many rows", `CREATE OR REPLACE TEMP TABLE export_rows AS
			SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || i END AS person_key,
			       CASE WHEN i % 11 = 0 THEN '+' || i ELSE 'MI' END AS province,
			       CAST(2000 + i % 20 AS INTEGER) AS year,
			       CASE WHEN i % 5 = 0 THEN NULL ELSE i / 9.0 END AS attendance,
			       DATE '2013-01-01' + CAST(i % 400 AS INTEGER) AS start_date,
			       CAST(i AS BIGINT) AS n
			FROM range(20000) r(i)`, false},
		{"text quoting", `CREATE OR REPLACE TEMP TABLE export_rows AS
			SELECT * FROM (VALUES
				('\.', 'a\.', ' lead', chr(160) || 'nbsp', 'a' || chr(13) || 'b', 'x"y'),
				('=1;2', '-' || chr(10), chr(13) || chr(10), '"', ';', chr(8232)),
				('', '  =x', '  ', 'plain', 'già', E'\t')
			) t(person_key, province, b, c, d, e)`, false},
		{"decimal falls back", `CREATE OR REPLACE TEMP TABLE export_rows AS
			SELECT 'x' AS person_key, 16.5 AS planned_hours`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := conn.ExecContext(ctx, tc.fill); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, _, _, err := writeRowsCSVArrow(ctx, conn, filepath.Join(dir, "arrow.csv"), nil)
			if errors.Is(err, errArrowType) != tc.fallback {
				t.Fatalf("Arrow writer: %v, want fallback %v", err, tc.fallback)
			}
			if !tc.fallback && err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(dir, "arrow.csv"))
			subA := &csvSubset{Path: filepath.Join(dir, "arrow-sub.csv"), Column: "province", Value: "MI"}
			subS := &csvSubset{Path: filepath.Join(dir, "scan-sub.csv"), Column: "province", Value: "MI"}
			if tc.fallback {
				subA, subS = nil, nil
			}
			na, nsa, ca, err := writeRowsCSV(ctx, conn, filepath.Join(dir, "arrow.csv"), subA)
			if err != nil {
				t.Fatal(err)
			}
			ns, nss, cs, err := writeRowsCSVScan(ctx, conn, filepath.Join(dir, "scan.csv"), subS)
			if err != nil {
				t.Fatal(err)
			}
			if na != ns || na == 0 || nsa != nss {
				t.Errorf("rows: arrow %d (subset %d), scan %d (subset %d)", na, nsa, ns, nss)
			}
			if len(ca) != len(cs) {
				t.Fatalf("columns: arrow %v, scan %v", ca, cs)
			}
			for i := range ca {
				if ca[i] != cs[i] {
					t.Errorf("column %d: arrow %v, scan %v", i, ca[i], cs[i])
				}
			}
			sameFile(t, filepath.Join(dir, "arrow.csv"), filepath.Join(dir, "scan.csv"))
			if subA != nil {
				sameFile(t, filepath.Join(dir, "arrow-sub.csv"), filepath.Join(dir, "scan-sub.csv"))
			}
		})
	}
}

// sameFile fails unless the two CSV files hold the same bytes, naming the
// first line that differs.
func sameFile(t *testing.T, arrowPath, scanPath string) {
	t.Helper()
	a, err := os.ReadFile(arrowPath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.ReadFile(scanPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, s) {
		al, sl := bytes.Split(a, []byte("\r\n")), bytes.Split(s, []byte("\r\n"))
		for i := range min(len(al), len(sl)) {
			if !bytes.Equal(al[i], sl[i]) {
				t.Fatalf("line %d: arrow %q, scan %q", i+1, al[i], sl[i])
			}
		}
		t.Fatalf("arrow %d lines, scan %d", len(al), len(sl))
	}
}

// TestPersonRowsMatchSQL computes the persons' rows both ways from the same
// export_apps: Go's aggregation in the applications' CSV pass
// (writeApplicationsCSV) and sql/export_persons.sql. The two tables must
// hold the same rows in the same order with the same column types, over
// rows that exercise every aggregate: persons in several provinces and
// years, NULL years, start dates, statuses, sexes, birth dates and types,
// ties (mode takes the smallest value), hours on applications not
// accepted, rows of no person.
func TestPersonRowsMatchSQL(t *testing.T) {
	ctx := context.Background()
	w, err := OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const persons = 12000
	exec(queries.Query("export_scratch"))
	exec(`CREATE TABLE export_scratch.export_apps AS
		SELECT CASE WHEN no IS NOT NULL THEN lpad(lower(hex(no)), 64, '0') END AS person_key,
		       province, CAST(coalesce(row_year, 2024) AS INTEGER) AS year,
		       province || ':m' || (i % 3) AS module_id, 'Titolo' AS module_title, 'Sede' AS site, 'IV' AS axis,
		       CAST(16 AS DOUBLE) AS planned_hours, CAST(4 AS INTEGER) AS sessions,
		       start_date, start_date + 30 AS end_date, status, sex,
		       age_band(birth_date, coalesce(row_year, 2024)) AS age_band, organisation_type,
		       hours_attended, hours_attended / 16 AS attendance, CAST(i % 5 AS DOUBLE) AS satisfaction,
		       row_year, birth_date, no AS person_no
		FROM (
			SELECT i,
			       CASE WHEN i % 13 = 0 THEN NULL ELSE CAST((i * 7919) % $1 AS INTEGER) END AS no,
			       ['CR', 'LO', 'MI', 'BG'][1 + (i // 3 + i // $1) % 4] AS province,
			       CASE WHEN (i + i // $1) % 5 = 0 THEN NULL ELSE CAST(2010 + (i + i // $1 // 2) % 4 AS INTEGER) END AS row_year,
			       CASE WHEN (i + i // $1) % 7 = 0 THEN NULL ELSE DATE '2012-01-01' + CAST(i % 50 + i // $1 // 2 AS INTEGER) END AS start_date,
			       ['accepted', 'not_accepted', 'withdrawn', 'not_indicated', NULL][1 + (i // 5) % 5] AS status,
			       CASE (i + i // $1) % 3 WHEN 0 THEN 'F' WHEN 1 THEN 'M' END AS sex,
			       CASE WHEN i % 11 = 0 THEN NULL ELSE DATE '1950-01-01' + CAST((i % 7) * 365 AS INTEGER) END AS birth_date,
			       ['ASL', 'Comune', 'Questura', NULL][1 + (i + i // $1) % 4] AS organisation_type,
			       CASE WHEN i % 6 = 0 THEN NULL ELSE (i % 9) * 1.5 END::DOUBLE AS hours_attended
			FROM range(40000) r(i)
		)
		ORDER BY province, year, module_id, status, person_key, i`, persons)
	keys := make([]string, persons)
	for i := range keys {
		keys[i] = fmt.Sprintf("%064x", i)
	}
	exec(queries.Query(exportApplications.view))
	dir := t.TempDir()
	sub := &csvSubset{Path: filepath.Join(dir, "participations.csv"), Column: "status", Value: participationStatus}
	if _, _, err := writeApplicationsCSVArrow(ctx, conn, filepath.Join(dir, "applications.csv"), sub, keys, 2024); err != nil {
		t.Fatal(err)
	}
	exec(`CREATE TABLE export_scratch.go_rows AS SELECT rowid AS r, * FROM export_scratch.export_person_rows`)
	exec(queries.Query("export_persons"), 2024)
	exec(`CREATE TABLE export_scratch.sql_rows AS SELECT rowid AS r, * FROM export_scratch.export_person_rows`)
	var n, diff int64
	var goTypes, sqlTypes string
	q := `SELECT (SELECT count(*) FROM export_scratch.sql_rows),
		(SELECT count(*) FROM (SELECT * FROM export_scratch.go_rows EXCEPT ALL SELECT * FROM export_scratch.sql_rows)) +
		(SELECT count(*) FROM (SELECT * FROM export_scratch.sql_rows EXCEPT ALL SELECT * FROM export_scratch.go_rows)),
		(SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_catalog = 'export_scratch' AND table_name = 'go_rows'),
		(SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_catalog = 'export_scratch' AND table_name = 'sql_rows')`
	if err := conn.QueryRowContext(ctx, q).Scan(&n, &diff, &goTypes, &sqlTypes); err != nil {
		t.Fatal(err)
	}
	if n < persons/2 || diff != 0 {
		t.Errorf("%d persons in SQL, %d rows differ (or sit elsewhere) in Go's", n, diff)
	}
	if goTypes != sqlTypes {
		t.Errorf("columns:\nGo  %s\nSQL %s", goTypes, sqlTypes)
	}
	var ties int64 // persons whose sex, birth date or type is tied: the test must meet some
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT person_no FROM export_scratch.export_apps WHERE person_no IS NOT NULL GROUP BY person_no
		HAVING count(DISTINCT sex) = 2 AND count(sex) FILTER (WHERE sex = 'F') = count(sex) FILTER (WHERE sex = 'M'))`).Scan(&ties); err != nil || ties == 0 {
		t.Errorf("no person with a tied sex (%v)", err)
	}
}
