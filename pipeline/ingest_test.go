package pipeline

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
	"github.com/lombardia-orim/correlare/sources"
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

// issueRows collects the flagged values a read produces, as the rows the
// file writer wrote for them through DuckDB's Appender until issues went
// through Arrow (one Go value per cell, "" as NULL for cell, field, value).
type issueRows struct {
	discardSink
	runID, province, name, sha string
	rows                       [][]driver.Value
}

func (s *issueRows) issue(sheet string, is canon.Issue) error {
	opt := func(v string) driver.Value {
		if v == "" {
			return nil
		}
		return v
	}
	s.rows = append(s.rows, []driver.Value{s.runID, s.province, s.name, s.sha, sheet, int32(is.Row),
		opt(cellRefOrEmpty(is.Column, is.Row)), opt(string(is.Field)), opt(is.Value), is.Code})
	return nil
}

// TestIssuesAsBefore: the flagged values of the heavy-noise demo's files,
// which the file writer loads as Arrow columns, are the rows the Appender
// wrote before, value for value, NULL for NULL, none lost or doubled: each
// file is loaded, its issues read again into a table of the old rows
// (appended as before), and the two compared as multisets.
func TestIssuesAsBefore(t *testing.T) {
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
	if _, err := w.DB.ExecContext(ctx, "CREATE TABLE issues_before AS SELECT * FROM issues WITH NO DATA"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo-heavy", "*", "*.*"))
	log := slog.New(slog.DiscardHandler)
	total, nulls := 0, 0
	for _, file := range files {
		if filepath.Ext(file) == ".csv" && filepath.Base(file) == "truth.csv" {
			continue
		}
		code := filepath.Base(filepath.Dir(file))
		fh, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sha, path, size, err := land.Store(ctx, filepath.Base(file), fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		f := landing.Fetched{Slot: file, Name: filepath.Base(file), SHA256: sha, Size: size, LandedPath: path}
		res := loadFile(ctx, w.DB, "r1", f, Province{Code: code}, "", log)
		if res.Status != FileLoaded {
			t.Fatalf("%s: %s %v", f.Name, res.Status, res.Err)
		}

		src, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sf, err := sources.Open(ctx, f.Name, src, size, sources.Options{})
		if err != nil {
			t.Fatal(err)
		}
		before := &issueRows{runID: "r1", province: code, name: f.Name, sha: sha}
		_, err = readFile(ctx, sf, fileMeta{Province: code, Name: f.Name, SHA256: sha}, before)
		sf.Close()
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(before.rows)) != res.Counts.Issues {
			t.Fatalf("%s: %d issues read again, %d counted by the load", f.Name, len(before.rows), res.Counts.Issues)
		}
		conn, err := w.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = sinks.AppendRows(ctx, conn, "issues_before", len(before.rows), func(i int) []driver.Value { return before.rows[i] })
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		total += len(before.rows)
		for _, r := range before.rows {
			if r[6] == nil || r[7] == nil || r[8] == nil {
				nulls++
			}
		}
	}
	if total < 100 || nulls == 0 {
		t.Fatalf("the heavy demo flags %d values (%d with a NULL): too few to compare", total, nulls)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM issues"); n != total {
		t.Errorf("issues holds %d rows, want %d", n, total)
	}
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT * FROM issues EXCEPT ALL SELECT * FROM issues_before)",
		"SELECT count(*) FROM (SELECT * FROM issues_before EXCEPT ALL SELECT * FROM issues)",
	} {
		if n := queryInt(t, w.DB, q); n != 0 {
			t.Errorf("%s: %d rows", q, n)
		}
	}
	t.Logf("%d files, %d issues (%d with a NULL) as before", len(files), total, nulls)
}
