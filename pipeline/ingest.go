package pipeline

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
	"github.com/lombardia-orim/correlare/sources"
)

// IngestVersion numbers the behaviour of the readers and normalisers. Bump
// it when a change would read an existing file differently: the next run then
// re-reads every current file (from the landing archive copy it just made)
// instead of keeping the rows an older version produced.
const IngestVersion = 4 // 4: .ods dates in the null date's system (1904)

// batchRows is the Arrow record batch size used when loading enrolments.
const batchRows = 8192

// File statuses in run_files.
const (
	FileLoaded    = "loaded"
	FileUnchanged = "unchanged" // the same bytes were already loaded from the same slot
	FileDuplicate = "duplicate" // the same bytes are loaded from another slot of the province, still there
	FileRenamed   = "renamed"   // the same bytes, loaded under another name in the same folder: rows kept, lineage updated
	FileMoved     = "moved"     // the same bytes, loaded from another folder or source: rows kept, lineage updated
	FileFailed    = "failed"    // unreadable or rejected as a whole: the last good file is kept
	FileRemoved   = "removed"   // gone from its drop folder: its rows were removed
	FileHeld      = "held"      // the shrink guard held this change back: the province kept its last good data
	FileFetchFail = "fetch_failed"
)

// FileResult is what happened to one file in a run.
type FileResult struct {
	Province string
	Source   string // configured glob or URL
	Slot     string
	Name     string
	SHA256   string
	Status   string
	// Other is, for a renamed or moved file, the slot its rows were
	// attributed to before; for a duplicate, the slot whose rows these
	// bytes are.
	Other  string
	Counts Counts
	Sheets []string
	Err    error
}

// loadFile loads one fetched file into the building warehouse, replacing the
// rows of the file with digest prevSHA (the file previously loaded from the
// same slot; "" for none), in one transaction: on any error the previous
// rows stay as they were. Whether a file needs loading at all is decided by
// the province's plan (see ingestProvince).
func loadFile(ctx context.Context, db *sql.DB, runID string, f landing.Fetched, prov Province, prevSHA string, log *slog.Logger) FileResult {
	return loadFileWith(ctx, db, runID, f, prov, prevSHA, log, nil)
}

// loader loads one Arrow record batch into a table on conn.
type loader = sinks.LoadFunc

// loadFileWith is loadFile with the enrolment batches loaded by load, one
// at a time (the benchmarks compare the loaders through it); nil is the
// loader in use (see sinks.BeginFile: with the Arrow view, one INSERT for
// all of a file's batches).
//
// A panic while reading or loading one file (a reader bug met by a strange
// workbook) fails that file only: its transaction is rolled back and the
// other files and provinces go on.
func loadFileWith(ctx context.Context, db *sql.DB, runID string, f landing.Fetched, prov Province, prevSHA string, log *slog.Logger, load loader) (res FileResult) {
	defer func() {
		if p := recover(); p != nil {
			stack := debug.Stack()
			if lp, ok := p.(*sinks.LoadPanic); ok {
				p, stack = lp.Value, lp.Stack
			}
			log.Error("panic while loading a file", "panic", fmt.Sprint(p), "stack", string(stack))
			res = FileResult{Province: prov.Code, Slot: f.Slot, Name: f.Name, SHA256: f.SHA256, Status: FileFailed,
				Err: &sources.Error{File: f.Name, Err: fmt.Errorf("internal error while reading (reported in the log): %v", p)}}
		}
	}()
	res = FileResult{Province: prov.Code, Slot: f.Slot, Name: f.Name, SHA256: f.SHA256}
	w, err := sinks.BeginFile(ctx, db, sinks.File{RunID: runID, Province: prov.Code, Slot: f.Slot, Name: f.Name,
		SHA256: f.SHA256, LandedPath: f.LandedPath, IngestVersion: IngestVersion, Replaces: prevSHA}, load)
	if err != nil {
		res.Status, res.Err = FileFailed, otherProvinceErr(err)
		return res
	}
	defer w.Abort(ctx)

	fh, err := os.Open(f.LandedPath)
	if err != nil {
		res.Status, res.Err = FileFailed, fmt.Errorf("opening landed copy of %s: %w", f.Name, err)
		return res
	}
	defer fh.Close()
	sf, err := sources.Open(ctx, f.Name, fh, f.Size, sources.Options{Headers: prov.ColumnOverrides()})
	if err != nil {
		res.Status, res.Err = FileFailed, err
		return res
	}
	defer sf.Close()

	sink := newLoadSink(w, runID)
	defer sink.release()
	counts, err := readFile(ctx, sf, fileMeta{Province: prov.Code, Name: f.Name, SHA256: f.SHA256, Values: prov.ValueMap()}, sink)
	res.Counts, res.Sheets = counts, sink.sheets
	if err == nil {
		err = sink.flushBatch(ctx)
	}
	if err == nil && counts.Loaded == 0 && counts.Quarantined > 0 {
		err = &sources.Error{File: f.Name, Err: fmt.Errorf("every one of %d rows was rejected: %w", counts.Quarantined, ErrAllRejected)}
	}
	if err == nil {
		err = otherProvinceErr(w.Commit(ctx))
	}
	if err != nil {
		res.Status, res.Err = FileFailed, err
		return res
	}
	res.Status = FileLoaded
	log.Info("file loaded", "sheets", sink.sheets, "read", counts.Read, "loaded", counts.Loaded,
		"quarantined", counts.Quarantined, "skipped", counts.Skipped, "issues", counts.Issues)
	return res
}

// otherProvinceErr is err, or the refusal the province reads when the file
// writer found the file's bytes loaded for another province in this run
// (two provinces loading them at once; see sinks.FileWriter's claim).
func otherProvinceErr(err error) error {
	if ce, ok := errors.AsType[*sinks.ClaimError](err); ok {
		return &OtherProvinceError{File: ce.File, Owner: ce.Owner}
	}
	return err
}

// ErrAllRejected: a file none of whose rows could be loaded is refused as a whole.
var ErrAllRejected = errors.New("no loadable row")

// loadSink hands what reading a file produces to the file's writer:
// enrolments in Arrow record batches of batchRows, the other rows one by one.
type loadSink struct {
	w      *sinks.FileWriter
	batch  *canon.Batch
	sheets []string
}

func newLoadSink(w *sinks.FileWriter, runID string) *loadSink {
	return &loadSink{w: w, batch: canon.NewBatch(memory.DefaultAllocator, runID)}
}

func (s *loadSink) release() { s.batch.Release() }

func (s *loadSink) table(t *sources.Table) error {
	s.sheets = append(s.sheets, t.Sheet)
	return nil
}

func (s *loadSink) enrolment(ctx context.Context, e *canon.Enrolment) error {
	s.batch.Append(e)
	if s.batch.Len() >= batchRows {
		return s.flushBatch(ctx)
	}
	return nil
}

// flushBatch hands the enrolments batched so far to the writer.
func (s *loadSink) flushBatch(ctx context.Context) error {
	if s.batch.Len() == 0 {
		return nil
	}
	rec := s.batch.NewRecord()
	defer rec.Release()
	return s.w.Write(ctx, rec)
}

func (s *loadSink) module(m *canon.Module) error {
	s.w.Module(m)
	return nil
}

func (s *loadSink) reject(r Rejected) error {
	s.w.Reject(sinks.Quarantined{Sheet: r.Sheet, Row: r.Row, Cell: cellRefOrEmpty(r.Rejection.Column, r.Row),
		Field: string(r.Rejection.Field), Code: r.Rejection.Code, Reason: r.Rejection.Detail, Raw: r.Raw})
	return nil
}

func (s *loadSink) issue(sheet string, is canon.Issue) error {
	s.w.Flag(sinks.Issue{Sheet: sheet, Row: is.Row, Cell: cellRefOrEmpty(is.Column, is.Row),
		Field: string(is.Field), Value: is.Value, Code: is.Code})
	return nil
}

func (s *loadSink) skipped(sheet string, sk sources.SkippedRow, cols []canon.Column) error {
	if sk.Reason == "blank" {
		return nil // counted; nothing to keep
	}
	s.w.Skip(sinks.Skipped{Sheet: sheet, Row: sk.Row, Reason: sk.Reason,
		Raw: rawMap(cols, canon.RawRow{Row: sk.Row, Cells: sk.Cells})})
	return nil
}

func nullable(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func cellRefOrEmpty(col string, row int) string {
	if col == "" {
		return ""
	}
	return cellRef(col, row)
}
