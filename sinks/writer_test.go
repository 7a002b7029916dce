package sinks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lombardia-orim/correlare/canon"
)

// writerFixture is a warehouse file and the record batches of a file's
// enrolments.
type writerFixture struct {
	db  *sql.DB
	ctx context.Context
}

func newWriterFixture(t *testing.T) *writerFixture {
	t.Helper()
	ctx := context.Background()
	w, err := OpenWarehouse(ctx, filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(ctx) })
	return &writerFixture{db: w.DB, ctx: ctx}
}

// records returns n enrolments of the file sha in batches of size.
func records(t *testing.T, sha string, n, size int) []arrow.RecordBatch {
	t.Helper()
	b := canon.NewBatch(memory.DefaultAllocator, "r1")
	defer b.Release()
	var recs []arrow.RecordBatch
	for i := range n {
		b.Append(&canon.Enrolment{ProvinceCode: "CR", SourceFile: "a.xlsx", SourceSHA256: sha, Sheet: "Iscrizioni",
			SourceRow: i + 2, Surname: "Rossi", GivenName: fmt.Sprint("Maria ", i), DisplayName: "Rossi Maria",
			SurnameFold: "ROSSI", GivenNameFold: "MARIA", TaxCodeStatus: "missing", ModuleTitle: "Italiano A1",
			ModuleFold: "ITALIANO A1", Status: "accepted"})
		if b.Len() == size {
			recs = append(recs, b.NewRecord())
		}
	}
	if b.Len() > 0 {
		recs = append(recs, b.NewRecord())
	}
	t.Cleanup(func() {
		for _, r := range recs {
			r.Release()
		}
	})
	return recs
}

func (fx *writerFixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := fx.db.QueryRowContext(fx.ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// counts is the rows of the file sha in every table a FileWriter writes.
func (fx *writerFixture) counts(t *testing.T, sha string) [6]int {
	t.Helper()
	var c [6]int
	for i, table := range []string{"enrolments", "quarantine", "issues", "skipped_rows", "modules", "source_files"} {
		c[i] = fx.count(t, "SELECT count(*) FROM "+table+" WHERE source_sha256 = ?", sha)
	}
	return c
}

// load writes a whole file: n enrolments in batches, one row of each other
// kind, then commits.
func (fx *writerFixture) load(t *testing.T, f File, n int) error {
	t.Helper()
	w, err := BeginFile(fx.ctx, fx.db, f, nil)
	if err != nil {
		return err
	}
	defer w.Abort(fx.ctx)
	fillWriter(t, fx.ctx, w, f.SHA256, n)
	return w.Commit(fx.ctx)
}

func fillWriter(t *testing.T, ctx context.Context, w *FileWriter, sha string, n int) {
	t.Helper()
	for _, r := range records(t, sha, n, 1000) {
		if err := w.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	w.Reject(Quarantined{Sheet: "Iscrizioni", Row: n + 2, Cell: "B9", Field: "surname", Code: "no_person", Reason: "no name",
		Raw: map[string]string{"Cognome": "", "Note": "x"}})
	w.Flag(Issue{Sheet: "Iscrizioni", Row: 2, Cell: "E2", Field: "email", Value: "a@", Code: "bad_email"})
	w.Skip(Skipped{Sheet: "Iscrizioni", Row: n + 3, Reason: "totals", Raw: map[string]string{"A": "Totale"}})
	hours := 20.0
	w.Module(&canon.Module{ProvinceCode: "CR", SourceFile: "a.xlsx", SourceSHA256: sha, Sheet: "Moduli", SourceRow: 2,
		ModuleCode: "M1", Title: "Italiano A1", TitleFold: "ITALIANO A1", PlannedHours: &hours})
}

// TestFileWriter: a committed file's rows are all in the warehouse; a file
// that replaces it removes them in the same transaction; an aborted or
// failed one leaves the previous rows as they were; and the loading
// goroutine is gone after Commit or Abort, whatever happened.
func TestFileWriter(t *testing.T) {
	fx := newWriterFixture(t)
	ctx := fx.ctx
	checkGoroutines := func(t *testing.T) {
		t.Helper()
		if n := loadingGoroutinesLeft(); n != 0 {
			t.Errorf("%d loading goroutines left after the writer ended", n)
		}
	}
	first := File{RunID: "r1", Province: "CR", Slot: "/in/a.xlsx", Name: "a.xlsx", SHA256: "sha1", LandedPath: "/l/sha1", IngestVersion: 3}
	if err := fx.load(t, first, 2500); err != nil {
		t.Fatal(err)
	}
	checkGoroutines(t)
	if got, want := fx.counts(t, "sha1"), [6]int{2500, 1, 1, 1, 1, 1}; got != want {
		t.Fatalf("after the first file: %v rows, want %v", got, want)
	}
	var raw string
	if err := fx.db.QueryRowContext(ctx, "SELECT raw::VARCHAR FROM quarantine").Scan(&raw); err != nil || raw != "{Cognome='', Note=x}" {
		t.Errorf("quarantine.raw %q (%v)", raw, err)
	}
	second := first
	second.SHA256, second.LandedPath, second.Replaces = "sha2", "/l/sha2", "sha1"
	unchanged := [6]int{2500, 1, 1, 1, 1, 1}

	cases := []struct {
		name string
		run  func(t *testing.T) error // writes the second file; returns the error it ends with
		want error                    // nil: the second file replaced the first
	}{
		{"aborted", func(t *testing.T) error {
			// Aborted once every batch is loaded: the loading goroutine is
			// idle, waiting for the next batch, and Abort must end it.
			loaded := make(chan struct{}, 3)
			load := func(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
				defer func() { loaded <- struct{}{} }()
				return Load(ctx, conn, table, rec)
			}
			w, err := BeginFile(ctx, fx.db, second, load)
			if err != nil {
				return err
			}
			fillWriter(t, ctx, w, "sha2", 3000)
			for range 3 {
				<-loaded
			}
			w.Abort(ctx)
			w.Abort(ctx) // twice: a no-op
			return errAborted
		}, errAborted},
		{"load fails", func(t *testing.T) error {
			w, err := BeginFile(ctx, fx.db, second, nil)
			if err != nil {
				return err
			}
			defer w.Abort(ctx)
			fillWriter(t, ctx, w, "sha2", 3000)
			// A batch DuckDB refuses: one column where enrolments has 47.
			bad := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil))
			defer bad.Release()
			bad.Field(0).(*array.Int32Builder).Append(1)
			rec := bad.NewRecordBatch()
			defer rec.Release()
			err = w.Write(ctx, rec)
			for _, r := range records(t, "sha2", 5000, 1000) { // the writer goes on refusing
				if err != nil {
					break
				}
				err = w.Write(ctx, r)
			}
			if cerr := w.Commit(ctx); err == nil || cerr == nil {
				t.Errorf("Write %v, Commit %v: want the load's error from both", err, cerr)
			}
			return errLoad
		}, errLoad},
		{"cancelled", func(t *testing.T) error {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			w, err := BeginFile(cctx, fx.db, second, nil)
			if err != nil {
				return err
			}
			defer w.Abort(cctx)
			recs := records(t, "sha2", 3000, 1000)
			if err := w.Write(cctx, recs[0]); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := w.Write(cctx, recs[1]); !errors.Is(err, context.Canceled) {
				t.Errorf("Write after cancel: %v", err)
			}
			return w.Commit(cctx)
		}, context.Canceled},
		{"load panics", func(t *testing.T) (err error) {
			boom := func(context.Context, *sql.Conn, string, arrow.RecordBatch) error { panic("loader bug") }
			w, err := BeginFile(ctx, fx.db, second, boom)
			if err != nil {
				return err
			}
			defer func() {
				p := recover()
				lp, ok := p.(*LoadPanic)
				if !ok || lp.Value != "loader bug" || len(lp.Stack) == 0 {
					t.Errorf("recovered %v, want the loader's panic", p)
				}
				err = errPanicked
			}()
			defer w.Abort(ctx)
			fillWriter(t, ctx, w, "sha2", 100)
			w.Commit(ctx)
			return nil
		}, errPanicked},
		{"committed", func(t *testing.T) error {
			return fx.load(t, second, 4100)
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ended with %v, want %v", err, tc.want)
			}
			checkGoroutines(t)
			before, after := fx.counts(t, "sha1"), fx.counts(t, "sha2")
			if tc.want != nil {
				if before != unchanged || after != [6]int{} {
					t.Errorf("the first file's rows %v (want %v), the second's %v (want none)", before, unchanged, after)
				}
				return
			}
			if before != [6]int{0, 0, 0, 0, 0, 0} || after != [6]int{4100, 1, 1, 1, 1, 1} {
				t.Errorf("the first file's rows %v (want none), the second's %v", before, after)
			}
		})
	}
}

// loadingGoroutinesLeft counts the goroutines still in a FileWriter's
// loading loop once the writer has ended. Commit and Abort wait for the loop
// to close its done channel, after which the goroutine only returns: it is
// given up to 1,000 turns of the scheduler to do so (no sleep; a goroutine
// blocked for good is still counted).
func loadingGoroutinesLeft() int {
	n := loadingGoroutines()
	for i := 0; i < 1000 && n > 0; i++ {
		runtime.Gosched()
		n = loadingGoroutines()
	}
	return n
}

// loadingGoroutines counts the goroutines running a FileWriter's loading
// loop. (runtime.NumGoroutine alone would also count the goroutines cgo
// makes for DuckDB's threads when they call back into Go, which come and go
// as DuckDB schedules its work.)
func loadingGoroutines() int {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "sinks.(*FileWriter).loadLoop(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

var (
	errAborted  = errors.New("aborted")
	errLoad     = errors.New("load failed")
	errPanicked = errors.New("panicked")
)

// TestFileWriterQueueBounded: while a load is running, Write queues at most
// loadQueue batches; they are all loaded at Commit.
func TestFileWriterQueueBounded(t *testing.T) {
	fx := newWriterFixture(t)
	ctx := fx.ctx
	started, release := make(chan struct{}), make(chan struct{})
	first := true
	slow := func(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
		if first {
			first = false
			close(started)
			<-release
		}
		return Load(ctx, conn, table, rec)
	}
	w, err := BeginFile(ctx, fx.db, File{RunID: "r1", Province: "CR", Slot: "s", Name: "a.xlsx", SHA256: "sha1", LandedPath: "/l"}, slow)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort(ctx)
	recs := records(t, "sha1", 10*(loadQueue+1), 10)
	if err := w.Write(ctx, recs[0]); err != nil {
		t.Fatal(err)
	}
	<-started // the first batch is being loaded
	for _, r := range recs[1:] {
		if err := w.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.recs) != loadQueue || cap(w.recs) != loadQueue {
		t.Errorf("%d of %d batches queued, want %d", len(w.recs), cap(w.recs), loadQueue)
	}
	close(release)
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := fx.count(t, "SELECT count(*) FROM enrolments"); n != 10*(loadQueue+1) {
		t.Errorf("%d enrolments loaded, want %d", n, 10*(loadQueue+1))
	}
}
