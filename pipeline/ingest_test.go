package pipeline

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
)

// TestPanicFailsOnlyThatFile: a panic inside the loading of a file becomes
// that file's error, its transaction is rolled back, and the warehouse takes
// the next file as usual.
func TestPanicFailsOnlyThatFile(t *testing.T) {
	ctx := context.Background()
	w, err := sinks.OpenWarehouse(ctx, filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	land, err := landing.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo", "LO", "*.xlsx"))
	fh, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sha, path, size, err := land.Store(ctx, filepath.Base(files[0]), fh)
	if err != nil {
		t.Fatal(err)
	}
	f := landing.Fetched{Slot: files[0], Name: filepath.Base(files[0]), SHA256: sha, Size: size, LandedPath: path}
	prov := Province{Code: "LO"}
	log := slog.New(slog.DiscardHandler)

	boom := func(context.Context, *sql.Conn, string, arrow.RecordBatch) error { panic("reader bug") }
	res := loadFileWith(ctx, w.DB, "r1", f, prov, "", log, boom)
	if res.Status != FileFailed || res.Err == nil || !strings.Contains(res.Err.Error(), "internal error") {
		t.Fatalf("after a panic: %s %v", res.Status, res.Err)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments"); n != 0 {
		t.Fatalf("%d rows left by the failed file", n)
	}
	res = loadFile(ctx, w.DB, "r2", f, prov, "", log)
	if res.Status != FileLoaded {
		t.Fatalf("the same file afterwards: %s %v", res.Status, res.Err)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments"); int64(n) != res.Counts.Loaded-res.Counts.Modules {
		t.Errorf("%d rows loaded, want %d", n, res.Counts.Loaded-res.Counts.Modules)
	}
}
