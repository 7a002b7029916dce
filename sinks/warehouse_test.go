package sinks

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
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
