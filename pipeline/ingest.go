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
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
	"github.com/lombardia-orim/correlare/sources"
	queries "github.com/lombardia-orim/correlare/sql"
)

// IngestVersion numbers the behaviour of the readers and normalisers. Bump
// it when a change would read an existing file differently: the next run then
// re-reads every current file (from the landing archive copy it just made)
// instead of keeping the rows an older version produced.
const IngestVersion = 3

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

// slotDeletes remove the rows of one file (province, sha256) from every row table.
var slotDeletes = []string{"slot_delete_enrolments", "slot_delete_quarantine", "slot_delete_issues", "slot_delete_skipped", "slot_delete_modules"}

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
	return loadFileWith(ctx, db, runID, f, prov, prevSHA, log, sinks.Load)
}

// loader loads one Arrow record batch into a table on conn.
type loader func(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error

// loadFileWith is loadFile with the enrolment batches loaded by load (the
// benchmarks compare the loaders through it).
//
// A panic while reading or loading one file (a reader bug met by a strange
// workbook) fails that file only: its transaction is rolled back and the
// other files and provinces go on.
func loadFileWith(ctx context.Context, db *sql.DB, runID string, f landing.Fetched, prov Province, prevSHA string, log *slog.Logger, load loader) (res FileResult) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic while loading a file", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = FileResult{Province: prov.Code, Slot: f.Slot, Name: f.Name, SHA256: f.SHA256, Status: FileFailed,
				Err: &sources.Error{File: f.Name, Err: fmt.Errorf("internal error while reading (reported in the log): %v", p)}}
		}
	}()
	res = FileResult{Province: prov.Code, Slot: f.Slot, Name: f.Name, SHA256: f.SHA256}
	conn, err := db.Conn(ctx)
	if err != nil {
		res.Status, res.Err = FileFailed, err
		return res
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		res.Status, res.Err = FileFailed, fmt.Errorf("beginning transaction: %w", err)
		return res
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if prevSHA != "" {
		for _, q := range slotDeletes {
			if _, err := conn.ExecContext(ctx, queries.Query(q), prov.Code, prevSHA); err != nil {
				res.Status, res.Err = FileFailed, fmt.Errorf("removing previous rows of %s: %w", f.Name, err)
				return res
			}
		}
	}

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

	sink := newLoadSink(conn, runID, prov.Code, f.Name, f.SHA256, load)
	defer sink.release()
	counts, err := readFile(ctx, sf, fileMeta{Province: prov.Code, Name: f.Name, SHA256: f.SHA256, Values: prov.ValueMap()}, sink)
	res.Counts, res.Sheets = counts, sink.sheets
	if err == nil {
		err = sink.flush(ctx)
	}
	if err == nil && counts.Loaded == 0 && counts.Quarantined > 0 {
		err = &sources.Error{File: f.Name, Err: fmt.Errorf("every one of %d rows was rejected: %w", counts.Quarantined, ErrAllRejected)}
	}
	if err != nil {
		res.Status, res.Err = FileFailed, err
		return res
	}
	if _, err := conn.ExecContext(ctx, queries.Query("source_file_put"), prov.Code, f.Slot, f.Name, f.SHA256, f.LandedPath, runID, time.Now().UTC(), IngestVersion); err != nil {
		res.Status, res.Err = FileFailed, fmt.Errorf("recording source file: %w", err)
		return res
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		res.Status, res.Err = FileFailed, fmt.Errorf("committing %s: %w", f.Name, err)
		return res
	}
	committed = true
	res.Status = FileLoaded
	log.Info("file loaded", "sheets", sink.sheets, "read", counts.Read, "loaded", counts.Loaded,
		"quarantined", counts.Quarantined, "skipped", counts.Skipped, "issues", counts.Issues)
	return res
}

// ErrAllRejected: a file none of whose rows could be loaded is refused as a whole.
var ErrAllRejected = errors.New("no loadable row")

// loadSink streams enrolments into Arrow batches and the warehouse.
type loadSink struct {
	conn                       *sql.Conn
	load                       loader
	runID, province, file, sha string
	batch                      *canon.Batch
	sheets                     []string
	quarantine, issues, skips  [][]driver.Value
	modules                    []*canon.Module
}

func newLoadSink(conn *sql.Conn, runID, province, file, sha string, load loader) *loadSink {
	return &loadSink{conn: conn, load: load, runID: runID, province: province, file: file, sha: sha,
		batch: canon.NewBatch(memory.DefaultAllocator, runID)}
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

func (s *loadSink) flushBatch(ctx context.Context) error {
	if s.batch.Len() == 0 {
		return nil
	}
	rec := s.batch.NewRecord()
	defer rec.Release()
	return s.load(ctx, s.conn, "enrolments", rec)
}

func (s *loadSink) module(m *canon.Module) error {
	s.modules = append(s.modules, m)
	return nil
}

func (s *loadSink) reject(r Rejected) error {
	s.quarantine = append(s.quarantine, []driver.Value{
		s.runID, s.province, s.file, s.sha, r.Sheet, int32(r.Row), nullable(cellRefOrEmpty(r.Rejection.Column, r.Row)),
		nullable(string(r.Rejection.Field)), r.Rejection.Code, r.Rejection.Detail, stringMap(r.Raw),
	})
	return nil
}

func (s *loadSink) issue(sheet string, is canon.Issue) error {
	s.issues = append(s.issues, []driver.Value{
		s.runID, s.province, s.file, s.sha, sheet, int32(is.Row), nullable(cellRefOrEmpty(is.Column, is.Row)),
		nullable(string(is.Field)), nullable(is.Value), is.Code,
	})
	return nil
}

func (s *loadSink) skipped(sheet string, sk sources.SkippedRow, cols []canon.Column) error {
	if sk.Reason == "blank" {
		return nil // counted; nothing to keep
	}
	s.skips = append(s.skips, []driver.Value{
		s.runID, s.province, s.file, s.sha, sheet, int32(sk.Row), sk.Reason,
		stringMap(rawMap(cols, canon.RawRow{Row: sk.Row, Cells: sk.Cells})),
	})
	return nil
}

func (s *loadSink) flush(ctx context.Context) error {
	if err := s.flushBatch(ctx); err != nil {
		return err
	}
	for _, t := range []struct {
		table string
		rows  [][]driver.Value
	}{{"quarantine", s.quarantine}, {"issues", s.issues}, {"skipped_rows", s.skips}} {
		if err := appendValues(s.conn, t.table, t.rows); err != nil {
			return err
		}
	}
	for _, m := range s.modules {
		id, err := s.catalogueID(ctx, m)
		if err != nil {
			return fmt.Errorf("%s:%s row %d: storing module: %w", s.file, m.Sheet, m.SourceRow, err)
		}
		if _, err := s.conn.ExecContext(ctx, queries.Query("module_catalogue_put"),
			id, s.province, nullable(m.ModuleCode), m.Title, m.TitleFold,
			nullable(m.Edition), nullable(m.Site), nullable(m.Axis), m.PlannedHours, m.Sessions,
			m.StartDate, m.EndDate, s.file, s.sha, m.Sheet, m.SourceRow, stringMap(m.Extras)); err != nil {
			return fmt.Errorf("%s:%s row %d: storing module: %w", s.file, m.Sheet, m.SourceRow, err)
		}
	}
	return nil
}

// catalogueID is the module_id of a catalogue row: moduleID, unless that id
// already names a different module (another title, edition or site) in the
// province's catalogue — two catalogue files numbering their modules 1, 2, 3
// in an "N." column, a code typed twice — in which case the title key is
// added to the code, so that neither module replaces the other. The same
// module listed again keeps its id (and is replaced, as before).
func (s *loadSink) catalogueID(ctx context.Context, m *canon.Module) (string, error) {
	id := moduleID(s.province, m.ModuleCode, m.TitleFold, m.Edition, m.Site)
	if m.ModuleCode == "" {
		return id, nil
	}
	var title, edition, site string
	err := s.conn.QueryRowContext(ctx, queries.Query("module_catalogue_get"), id).Scan(&title, &edition, &site)
	if errors.Is(err, sql.ErrNoRows) {
		return id, nil
	}
	if err != nil {
		return "", err
	}
	if title == m.TitleFold && canon.Fold(edition) == canon.Fold(m.Edition) && canon.Fold(site) == canon.Fold(m.Site) {
		return id, nil
	}
	return id + "|" + moduleID("", "", m.TitleFold, m.Edition, m.Site)[1:], nil
}

// moduleID is the key of a module within its province: its code when it has
// one, else its folded title, edition and site.
func moduleID(province, code, titleFold, edition, site string) string {
	if code != "" {
		return province + ":" + canon.Fold(code)
	}
	return province + ":" + titleFold + "|" + canon.Fold(edition) + "|" + canon.Fold(site)
}

func appendValues(conn *sql.Conn, table string, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		for _, r := range rows {
			if err := app.AppendRow(r...); err != nil {
				app.Close()
				return fmt.Errorf("appending to %s: %w", table, err)
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		return nil
	})
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

func stringMap(m map[string]string) driver.Value {
	om := duckdb.OrderedMap{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		om.Set(k, m[k])
	}
	return om
}
