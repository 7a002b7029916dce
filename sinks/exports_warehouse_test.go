package sinks

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestExportWarehouse exports the warehouse named by
// $CORRELARE_EXPORT_WAREHOUSE (a copy: the file is copied into a temporary
// directory first, the original is never opened) and logs the export's
// wall and CPU seconds (getrusage, DuckDB's threads included): the
// measurement of pipeline/BENCH.md's exports sections. The export is kept
// in $CORRELARE_EXPORT_OUT when set (to compare two builds' files), else
// removed. Skipped without the variable.
func TestExportWarehouse(t *testing.T) {
	src := os.Getenv("CORRELARE_EXPORT_WAREHOUSE")
	if src == "" {
		t.Skip("CORRELARE_EXPORT_WAREHOUSE not set")
	}
	ctx := context.Background()
	tmp := t.TempDir()
	path := filepath.Join(tmp, "warehouse.duckdb")
	copyFile(t, src, path)
	w, err := OpenWarehouse(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	// The night exports a warehouse it has just written: its blocks are in
	// DuckDB's buffer pool. Read every column once first.
	for _, table := range []string{"enrolments", "modules"} {
		if _, err := w.DB.ExecContext(ctx, "SELECT count(*) FROM (SELECT md5(concat_ws(',', *COLUMNS(*))) FROM "+table+")"); err != nil {
			t.Fatal(err)
		}
	}
	out := os.Getenv("CORRELARE_EXPORT_OUT")
	if out == "" {
		out = filepath.Join(tmp, "exports")
	}
	cpu0, t0 := cpuSeconds(t), time.Now()
	exportTrace = func(p string) { t.Logf("%-16s %6.2f s %6.2f CPU-s", p, time.Since(t0).Seconds(), cpuSeconds(t)-cpu0) }
	m, err := Export(ctx, w.DB, out, ExportOptions{RunID: "bench", Key: testKey, Now: time.Date(2026, 12, 2, 16, 26, 6, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("export: %.2f s wall, %.2f CPU-s; rows %v", time.Since(t0).Seconds(), cpuSeconds(t)-cpu0, m.RowCounts)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	r, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// cpuSeconds is the process's user + system CPU time so far.
func cpuSeconds(t *testing.T) float64 {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
