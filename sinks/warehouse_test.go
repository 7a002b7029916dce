package sinks

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

func TestOpenWarehouseMigratesOnceAndIsPrivate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	for i := 0; i < 2; i++ {
		w, err := OpenWarehouse(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := w.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, %v", v, err)
		}
		var n int
		if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM enrolments").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("warehouse mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestOpenWarehouseThreads: DuckDB gets as many threads as Go may use CPUs,
// not the machine's core count.
func TestOpenWarehouseThreads(t *testing.T) {
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		for _, path := range []string{"", filepath.Join(t.TempDir(), "w.duckdb")} {
			w, err := OpenWarehouse(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			var threads int
			err = w.DB.QueryRowContext(ctx, "SELECT current_setting('threads')").Scan(&threads)
			w.Close(ctx)
			if err != nil || threads != procs {
				t.Errorf("GOMAXPROCS %d, warehouse %q: DuckDB threads %d (%v)", procs, path, threads, err)
			}
		}
	}
}

// TestLoadingThreads: DuckDB runs one thread (for every connection) between
// LoadingThreads and its restore, and the threads it had after.
func TestLoadingThreads(t *testing.T) {
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(3)
	w, err := OpenWarehouse(ctx, filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	threads := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		var n int
		if err := q.QueryRowContext(ctx, "SELECT current_setting('threads')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	other, err := w.DB.Conn(ctx) // a connection opened before
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	restore, err := LoadingThreads(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if n, m := threads(w.DB), threads(other); n != 1 || m != 1 {
		t.Errorf("while loading: threads %d, %d on another connection; want 1", n, m)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	if n, m := threads(w.DB), threads(other); n != 3 || m != 3 {
		t.Errorf("after loading: threads %d, %d on another connection; want 3", n, m)
	}
}

// TestMigration010KeepsEnrolments: migration 010 recreates enrolments
// without its PRIMARY KEY. A warehouse at version 9 keeps every row and
// column value, the columns keep their order, types and NOT NULLs, and no
// key is left on the table.
func TestMigration010KeepsEnrolments(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := &Warehouse{Path: path, DB: sql.OpenDB(c), connector: c}
	if err := old.migrateTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if v, err := old.SchemaVersion(ctx); err != nil || v != 9 {
		t.Fatalf("schema version %d (%v), want 9", v, err)
	}
	rows := `INSERT INTO enrolments (enrolment_id, run_id, province_code, source_file, source_sha256, sheet, source_row,
		surname, given_name, display_name, tax_code_status, birth_date, module_title, module_fold, planned_hours, status, flags, extras)
		VALUES ('e1', 'r1', 'CR', 'a.xlsx', 'sha', 'Iscrizioni', 2, 'Rossi', 'Maria', 'Rossi Maria', 'valid', DATE '1980-02-03',
			'Italiano', 'ITALIANO', 16, 'accepted', ['f1'], MAP {'Note': 'x'}),
		('e2', 'r1', 'CR', 'a.xlsx', 'sha', 'Iscrizioni', 3, NULL, 'Anna', 'Anna', 'missing', NULL,
			'Italiano', 'ITALIANO', NULL, 'not_indicated', NULL, NULL)`
	if _, err := old.DB.ExecContext(ctx, rows); err != nil {
		t.Fatal(err)
	}
	const (
		content = "SELECT string_agg(e::VARCHAR, '|' ORDER BY enrolment_id) FROM enrolments e"
		columns = `SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_schema = 'main' AND table_name = 'enrolments'`
		keys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'enrolments' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
	)
	read := func(db *sql.DB) (content_, columns_ string, keys_ int) {
		t.Helper()
		if err := db.QueryRowContext(ctx, content).Scan(&content_); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, columns).Scan(&columns_); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, keys).Scan(&keys_); err != nil {
			t.Fatal(err)
		}
		return
	}
	content9, columns9, keys9 := read(old.DB)
	if keys9 != 1 {
		t.Fatalf("version 9: %d keys on enrolments, want its PRIMARY KEY", keys9)
	}
	if err := old.Close(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWarehouse(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	if v, err := w.SchemaVersion(ctx); err != nil || v < 10 {
		t.Fatalf("schema version %d (%v), want 10 or more", v, err)
	}
	content10, columns10, keys10 := read(w.DB)
	if content10 != content9 {
		t.Errorf("rows after 010:\n%s\nbefore:\n%s", content10, content9)
	}
	if columns10 != columns9 {
		t.Errorf("columns after 010:\n%s\nbefore:\n%s", columns10, columns9)
	}
	if keys10 != 0 {
		t.Errorf("%d keys on enrolments after 010, want none", keys10)
	}
	// The rows of a file can be put back by position (the shrink guard).
	if _, err := w.DB.ExecContext(ctx, "INSERT INTO enrolments SELECT * FROM enrolments"); err != nil {
		t.Errorf("inserting rows by position: %v", err)
	}
}
