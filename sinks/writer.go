package sinks

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/canon"
	queries "github.com/lombardia-orim/correlare/sql"
)

// LoadFunc loads one Arrow record batch into a table on conn, inside the
// transaction open there: [Load] (the loader in use), [InsertRecord] or
// [AppendRecord].
type LoadFunc func(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error

// File is a file whose rows a [FileWriter] loads, and what its
// source_files row records.
type File struct {
	RunID, Province string
	Slot, Name      string
	SHA256          string
	LandedPath      string
	IngestVersion   int
	// Replaces is the digest of the file previously loaded from the same
	// slot, whose rows this file's rows replace ("" for none; the file's own
	// digest when it is read again).
	Replaces string
}

// Quarantined is a row that could not be loaded: its position, the reason
// and its raw cells (table quarantine).
type Quarantined struct {
	Sheet  string
	Row    int
	Cell   string // e.g. B7; "" when no one cell is at fault
	Field  string
	Code   string
	Reason string
	Raw    map[string]string // header → raw value, non-empty cells only
}

// Issue is a flagged value on a loaded row (table issues).
type Issue struct {
	Sheet string
	Row   int
	Cell  string
	Field string
	Value string
	Code  string
}

// Skipped is a non-blank row a reader skipped on purpose (table skipped_rows).
type Skipped struct {
	Sheet  string
	Row    int
	Reason string // totals, note
	Raw    map[string]string
}

// loadQueue is the number of record batches a FileWriter holds between the
// goroutine that reads and the one that loads: enough to keep both busy,
// few enough to bound memory (a batch of 8,192 enrolments is a few MB).
const loadQueue = 3

// FileWriter writes everything one loaded file produces — its enrolments
// (Arrow record batches), quarantined, flagged and skipped rows, modules
// catalogue rows, the removal of the rows of the file it replaces and its
// source_files row — in one transaction on a connection of its own: either
// all of it is committed, or nothing is and the previous rows stay as they
// were.
//
// Record batches are loaded on a goroutine of the writer's while the caller
// reads the next ones (at most loadQueue batches wait in between); the
// other rows are kept in memory and appended at Commit. A FileWriter is used
// from one goroutine; Abort (deferred) ends it whatever happened.
type FileWriter struct {
	db   *sql.DB
	conn *sql.Conn
	file File
	load LoadFunc
	// stream: the batches are loaded by loadStream, one statement for
	// them all, rather than by load one at a time.
	stream bool

	recs      chan arrow.RecordBatch
	done      chan struct{} // closed when the loading goroutine has returned
	loadErr   error         // the loading goroutine's error; read after done
	loadPanic *LoadPanic    // a panic of the loading goroutine; read after done
	closed    bool          // recs is closed: nothing more is queued
	rows      int64         // enrolments queued

	quarantine, skips [][]driver.Value
	issues            []Issue
	modules           []*canon.Module
	finished          bool
}

// issuesSchema is table issues' columns, in order.
var issuesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "run_id", Type: arrow.BinaryTypes.String},
	{Name: "province_code", Type: arrow.BinaryTypes.String},
	{Name: "source_file", Type: arrow.BinaryTypes.String},
	{Name: "source_sha256", Type: arrow.BinaryTypes.String},
	{Name: "sheet", Type: arrow.BinaryTypes.String},
	{Name: "source_row", Type: arrow.PrimitiveTypes.Int32},
	{Name: "cell", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "field", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "value", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "code", Type: arrow.BinaryTypes.String},
}, nil)

// BeginFile opens a transaction on a connection of db, removes the rows of
// the file f replaces, and returns the writer of f's rows. load loads the
// enrolment batches one at a time; nil means the loader in use: with the
// Arrow view (build tag duckdb_arrow), all of them in one INSERT statement
// ([InsertStream]), otherwise [Load]. The caller must call Commit or Abort.
func BeginFile(ctx context.Context, db *sql.DB, f File, load LoadFunc) (*FileWriter, error) {
	stream := load == nil && loadStream != nil
	if load == nil {
		load = Load
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("beginning transaction: %w", err)
	}
	w := &FileWriter{db: db, conn: conn, file: f, load: load, stream: stream,
		recs: make(chan arrow.RecordBatch, loadQueue), done: make(chan struct{})}
	if f.Replaces != "" {
		if err := DeleteFileRows(ctx, conn, f.Province, f.Replaces); err != nil {
			w.rollback(ctx)
			return nil, fmt.Errorf("removing previous rows of %s: %w", f.Name, err)
		}
	}
	go w.loadLoop(ctx)
	return w, nil
}

// ErrClaimed: the bytes of the file being loaded are loaded for another
// province in the same run (the same workbook sent to two offices, loaded
// by two transactions at once).
var ErrClaimed = errors.New("the same bytes are loaded for another province in this run")

// ClaimError names the province a run loaded the file's bytes for.
type ClaimError struct {
	File  string
	Owner string // sigla of the province the bytes are loaded for
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("%s: the same bytes are loaded for province %s in this run", e.File, e.Owner)
}

func (e *ClaimError) Unwrap() error { return ErrClaimed }

// ErrDuplicateID: two rows of one file have the same enrolment_id (the
// same sheet and row read twice). enrolments has no key; the writer checks
// each file's rows before COMMIT instead.
var ErrDuplicateID = errors.New("the same enrolment id on two rows of one file")

// claim records, in the writer's transaction, that this run loads the
// file's bytes for its province (file_claims); Commit calls it for a file
// that brings data. Bytes a committed transaction of the run claimed for
// another province that still holds them are refused here (a province that
// no longer does loses the claim); when two transactions claim them at
// once, the second COMMIT fails (see Commit).
func (w *FileWriter) claim(ctx context.Context) error {
	f := &w.file
	if _, err := w.conn.ExecContext(ctx, queries.Query("file_claim"), f.RunID, f.SHA256, f.Province); err != nil {
		// A claim committed since this transaction began: its key refuses
		// ours although this transaction does not see it.
		if cerr := w.claimedElsewhere(ctx); cerr != nil {
			return cerr
		}
		return fmt.Errorf("claiming the bytes of %s: %w", f.Name, err)
	}
	owner, err := w.owner(ctx, w.conn)
	if err != nil {
		return err
	}
	if owner == f.Province {
		return nil
	}
	var held int
	if err := w.conn.QueryRowContext(ctx, queries.Query("file_claim_held"), owner, f.SHA256).Scan(&held); err != nil {
		return fmt.Errorf("reading the files of %s: %w", owner, err)
	}
	if held > 0 {
		return &ClaimError{File: f.Name, Owner: owner}
	}
	if _, err := w.conn.ExecContext(ctx, queries.Query("file_claim_take"), f.RunID, f.SHA256, f.Province); err != nil {
		return fmt.Errorf("claiming the bytes of %s: %w", f.Name, err)
	}
	return nil
}

// owner is the province the run loaded the file's bytes for, as far as q
// sees ("" for none).
func (w *FileWriter) owner(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	f := &w.file
	var owner string
	err := q.QueryRowContext(ctx, queries.Query("file_claim_owner"), f.RunID, f.SHA256).Scan(&owner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("reading the claim on %s: %w", f.Name, err)
	}
	return owner, nil
}

// claimedElsewhere is a ClaimError when a committed transaction of the run
// claimed the file's bytes for another province (read outside the writer's
// transaction, which a failed statement ends); nil otherwise.
func (w *FileWriter) claimedElsewhere(ctx context.Context) error {
	if ctx.Err() != nil {
		return nil
	}
	owner, err := w.owner(ctx, w.db)
	if err != nil || owner == "" || owner == w.file.Province {
		return nil
	}
	return &ClaimError{File: w.file.Name, Owner: owner}
}

// checkIDs fails when two of the file's rows have the same enrolment_id.
func (w *FileWriter) checkIDs(ctx context.Context) error {
	f := &w.file
	var id, sheet string
	var row, n int
	err := w.conn.QueryRowContext(ctx, queries.Query("file_duplicate_ids"), f.SHA256).Scan(&id, &sheet, &row, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking the enrolment ids of %s: %w", f.Name, err)
	}
	return fmt.Errorf("%s:%s row %d: enrolment id %s on %d rows: %w", f.Name, sheet, row, id, n, ErrDuplicateID)
}

// LoadPanic is a panic met while loading record batches on the writer's
// goroutine; Write or Commit panics again with it on the caller's, so that
// the caller's recover sees it.
type LoadPanic struct {
	Value any
	Stack []byte // the loading goroutine's stack
}

func (p *LoadPanic) Error() string { return fmt.Sprintf("panic while loading: %v", p.Value) }

// loadLoop loads the batches Write queues until the queue is closed or a
// load fails.
func (w *FileWriter) loadLoop(ctx context.Context) {
	defer close(w.done)
	defer func() {
		if p := recover(); p != nil {
			w.loadPanic = &LoadPanic{Value: p, Stack: debug.Stack()}
		}
	}()
	if w.stream {
		w.loadErr = w.loadAll(ctx)
		return
	}
	for rec := range w.recs {
		err := w.load(ctx, w.conn, "enrolments", rec)
		rec.Release()
		if err != nil {
			if ctx.Err() != nil { // DuckDB says "interrupted"
				err = ctx.Err()
			}
			w.loadErr = err
			return
		}
	}
}

// loadAll loads every batch queued with one statement (loadStream), from
// the first batch queued until the queue is closed.
func (w *FileWriter) loadAll(ctx context.Context) error {
	first, ok := <-w.recs
	if !ok {
		return nil
	}
	r := &queueReader{ctx: ctx, schema: first.Schema(), first: first, recs: w.recs}
	r.refs.Store(1)
	err := loadStream(ctx, w.conn, "enrolments", r)
	r.Release()
	if err != nil && ctx.Err() != nil { // DuckDB says "interrupted"
		err = ctx.Err()
	}
	return err
}

// queueReader is an array.RecordReader of the batches a FileWriter's queue
// holds, from first until the queue is closed; it stops with an error when
// ctx is done or a batch has another schema.
type queueReader struct {
	refs   atomic.Int64
	ctx    context.Context
	schema *arrow.Schema
	first  arrow.RecordBatch
	recs   <-chan arrow.RecordBatch
	cur    arrow.RecordBatch
	err    error
}

func (r *queueReader) Retain() { r.refs.Add(1) }

func (r *queueReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.drop()
		if r.first != nil {
			r.first.Release()
			r.first = nil
		}
	}
}

func (r *queueReader) drop() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *queueReader) Schema() *arrow.Schema { return r.schema }

func (r *queueReader) Next() bool {
	r.drop()
	if r.err != nil {
		return false
	}
	if r.first != nil {
		r.cur, r.first = r.first, nil
		return true
	}
	select {
	case rec, ok := <-r.recs:
		if !ok {
			return false
		}
		if !rec.Schema().Equal(r.schema) {
			rec.Release()
			r.err = fmt.Errorf("record batches of two schemas: %s and %s", r.schema, rec.Schema())
			return false
		}
		r.cur = rec
		return true
	case <-r.ctx.Done():
		r.err = r.ctx.Err()
		return false
	}
}

func (r *queueReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch (array.RecordReader's older name).
func (r *queueReader) Record() arrow.RecordBatch { return r.cur }

func (r *queueReader) Err() error { return r.err }

// Write queues an enrolments record batch (with canon.EnrolmentSchema) for
// loading; it waits while loadQueue batches are waiting already. The writer
// keeps a reference to rec: the caller may release its own. An error of an
// earlier batch's load is returned here, or at the latest by Commit.
func (w *FileWriter) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if w.finished {
		return errWriterFinished
	}
	if w.closed {
		if err := w.loaded(); err != nil {
			return err
		}
		return errWriterFinished
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rec.Retain()
	select {
	case w.recs <- rec:
		w.rows += rec.NumRows()
		return nil
	case <-w.done:
		rec.Release()
		return w.loaded()
	case <-ctx.Done():
		rec.Release()
		return ctx.Err()
	}
}

var errWriterFinished = errors.New("file writer already committed or aborted")

// loaded waits for the loading goroutine to return and gives its outcome
// (panicking again with its panic).
func (w *FileWriter) loaded() error {
	w.stop()
	if w.loadPanic != nil {
		panic(w.loadPanic)
	}
	return w.loadErr
}

// stop closes the queue, waits for the loading goroutine to return and
// releases what a failed load left queued.
func (w *FileWriter) stop() {
	if !w.closed {
		w.closed = true
		close(w.recs)
	}
	<-w.done
	for rec := range w.recs {
		rec.Release()
	}
}

// Reject records a quarantined row.
func (w *FileWriter) Reject(q Quarantined) {
	f := &w.file
	w.quarantine = append(w.quarantine, []driver.Value{
		f.RunID, f.Province, f.Name, f.SHA256, q.Sheet, int32(q.Row), nullable(q.Cell),
		nullable(q.Field), q.Code, q.Reason, stringMap(q.Raw),
	})
}

// Flag records a flagged value of a loaded row.
func (w *FileWriter) Flag(is Issue) { w.issues = append(w.issues, is) }

// writeIssues loads the file's flagged values into issues, as one Arrow
// record loaded with one statement by the loader in use ([Load]): a file
// can flag a value on most of its rows (94,855 on 111,272 rows in the 1M
// night's MN file), and a Go value per cell through the Appender cost about
// a fifth of such a file's ingest (pipeline/BENCH.md, "Issue rows").
func (w *FileWriter) writeIssues(ctx context.Context) error {
	if len(w.issues) == 0 {
		return nil
	}
	rec := issuesRecord(&w.file, w.issues)
	defer rec.Release()
	if err := Load(ctx, w.conn, "issues", rec); err != nil {
		return fmt.Errorf("writing the flagged values of %s: %w", w.file.Name, err)
	}
	return nil
}

// issuesRecord is the rows of table issues for the flagged values iss of
// file f, "" being NULL in cell, field and value (as [nullable] makes it
// for the Appender). Each column's buffers are sized once, from the
// values, before they are filled.
func issuesRecord(f *File, iss []Issue) arrow.RecordBatch {
	n := len(iss)
	cols := make([]arrow.Array, 0, issuesSchema.NumFields())
	str := func(get func(*Issue) string, null bool) {
		size := 0
		for i := range iss {
			size += len(get(&iss[i]))
		}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		defer b.Release()
		b.Reserve(n)
		b.ReserveData(size)
		for i := range iss {
			if v := get(&iss[i]); v != "" || !null {
				b.Append(v)
			} else {
				b.AppendNull()
			}
		}
		cols = append(cols, b.NewArray())
	}
	for _, v := range []string{f.RunID, f.Province, f.Name, f.SHA256} {
		str(func(*Issue) string { return v }, false)
	}
	str(func(is *Issue) string { return is.Sheet }, false)
	rows := array.NewInt32Builder(memory.DefaultAllocator)
	rows.Reserve(n)
	for i := range iss {
		rows.UnsafeAppend(int32(iss[i].Row))
	}
	cols = append(cols, rows.NewArray())
	rows.Release()
	str(func(is *Issue) string { return is.Cell }, true)
	str(func(is *Issue) string { return is.Field }, true)
	str(func(is *Issue) string { return is.Value }, true)
	str(func(is *Issue) string { return is.Code }, false)
	rec := array.NewRecordBatch(issuesSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// Skip records a skipped row.
func (w *FileWriter) Skip(s Skipped) {
	f := &w.file
	w.skips = append(w.skips, []driver.Value{
		f.RunID, f.Province, f.Name, f.SHA256, s.Sheet, int32(s.Row), s.Reason, stringMap(s.Raw),
	})
}

// Module records a row of a modules catalogue sheet.
func (w *FileWriter) Module(m *canon.Module) { w.modules = append(w.modules, m) }

// Commit waits for the queued batches to be loaded, appends the other rows,
// records the file in source_files and commits. On error nothing is
// committed (the caller's Abort rolls back).
func (w *FileWriter) Commit(ctx context.Context) error {
	if w.finished {
		return errWriterFinished
	}
	if err := w.loaded(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, t := range []struct {
		table string
		rows  [][]driver.Value
	}{{"quarantine", w.quarantine}, {"skipped_rows", w.skips}} {
		if err := AppendRows(ctx, w.conn, t.table, len(t.rows), func(i int) []driver.Value { return t.rows[i] }); err != nil {
			return err
		}
	}
	if err := w.writeIssues(ctx); err != nil {
		return err
	}
	if w.rows > 0 || len(w.quarantine) > 0 || len(w.modules) > 0 {
		// A file that brings no data (an empty template) is nobody's:
		// several provinces may send it (source_file_sha_elsewhere).
		if err := w.claim(ctx); err != nil {
			return err
		}
	}
	if err := w.checkIDs(ctx); err != nil {
		return err
	}
	f := &w.file
	for _, m := range w.modules {
		if err := w.putModule(ctx, m); err != nil {
			return fmt.Errorf("%s:%s row %d: storing module: %w", f.Name, m.Sheet, m.SourceRow, err)
		}
	}
	if _, err := w.conn.ExecContext(ctx, queries.Query("source_file_put"), f.Province, f.Slot, f.Name, f.SHA256,
		f.LandedPath, f.RunID, time.Now().UTC(), f.IngestVersion); err != nil {
		return fmt.Errorf("recording source file: %w", err)
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		// Another transaction of the run claimed the same bytes and
		// committed first (file_claims' key)?
		if cerr := w.claimedElsewhere(ctx); cerr != nil {
			return cerr
		}
		return fmt.Errorf("committing %s: %w", f.Name, err)
	}
	w.finished = true
	w.conn.Close()
	return nil
}

// Abort ends the writer: when it was not committed, it stops the loading
// goroutine and rolls the transaction back. It is a no-op after Commit, and
// may be called more than once.
func (w *FileWriter) Abort(ctx context.Context) {
	if w.finished {
		return
	}
	w.stop()
	w.rollback(ctx)
}

func (w *FileWriter) rollback(ctx context.Context) {
	w.finished = true
	w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	w.conn.Close()
}

func (w *FileWriter) putModule(ctx context.Context, m *canon.Module) error {
	f := &w.file
	id, err := w.catalogueID(ctx, m)
	if err != nil {
		return err
	}
	_, err = w.conn.ExecContext(ctx, queries.Query("module_catalogue_put"),
		id, f.Province, nullable(m.ModuleCode), m.Title, m.TitleFold,
		nullable(m.Edition), nullable(m.Site), nullable(m.Axis), m.PlannedHours, m.Sessions,
		m.StartDate, m.EndDate, f.Name, f.SHA256, m.Sheet, m.SourceRow, stringMap(m.Extras))
	return err
}

// catalogueID is the module_id of a catalogue row: moduleID, unless that id
// already names a different module (another title, edition or site) in the
// province's catalogue — two catalogue files numbering their modules 1, 2, 3
// in an "N." column, a code typed twice — in which case the title key is
// added to the code, so that neither module replaces the other. The same
// module listed again keeps its id (and is replaced, as before).
func (w *FileWriter) catalogueID(ctx context.Context, m *canon.Module) (string, error) {
	id := moduleID(w.file.Province, m.ModuleCode, m.TitleFold, m.Edition, m.Site)
	if m.ModuleCode == "" {
		return id, nil
	}
	var title, edition, site string
	err := w.conn.QueryRowContext(ctx, queries.Query("module_catalogue_get"), id).Scan(&title, &edition, &site)
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

// fileRowDeletes remove the rows of one file (province, sha256) from every
// row table.
var fileRowDeletes = []string{"slot_delete_enrolments", "slot_delete_quarantine", "slot_delete_issues", "slot_delete_skipped", "slot_delete_modules"}

// DeleteFileRows removes the rows the file with digest sha loaded for
// province from every row table, on conn (inside the caller's transaction).
func DeleteFileRows(ctx context.Context, conn *sql.Conn, province, sha string) error {
	for _, q := range fileRowDeletes {
		if _, err := conn.ExecContext(ctx, queries.Query(q), province, sha); err != nil {
			return err
		}
	}
	return nil
}

func nullable(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// stringMap is a MAP(VARCHAR, VARCHAR) value with its keys in order.
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
