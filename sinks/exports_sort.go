//go:build duckdb_arrow

package sinks

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// The columns of sql/export_apps_read.sql's rows: person_id, then the
// applications' columns from province to satisfaction (those of the
// CSV after person_key), then the internal ones.
const (
	readPersonID    = 0
	readFirstColumn = 1  // province
	readLastExport  = 17 // satisfaction
	readBirthDate   = 19
	readEnrolmentID = 20
	readColumns     = 21
)

// The columns of the sorted applications (appsSorted): those of the
// table export_apps (sql/export_applications.sql), in its order.
const (
	sortedProvince   = 1
	sortedYear       = 2
	sortedStatus     = 11
	sortedExportCols = 18 // person_key … satisfaction: the CSV's columns
)

// writeExportRowsGo writes the datasets' files as writeExportRowsSQL does,
// the same bytes, with the work of DuckDB's join and sort done in Go: the
// applications are read unsorted as Arrow batches (export_apps_read), the
// persons numbered in the order of their keys (an HMAC per person, a Go
// map instead of the join), the rows sorted by export_applications' order
// and gathered into sorted columns once. Then on pq each Hive partition's
// rows are handed to DuckDB as an Arrow view and written by one COPY (the
// applications', the participations', then the persons'), while on cv the
// CSV files are formatted in Go and the persons' rows computed
// (exports_persons.go: personRecord, no round trip through DuckDB).
// errArrowType, before any file is written, when a column has a type this
// path does not handle.
func writeExportRowsGo(ctx context.Context, cancel context.CancelFunc, pq, cv *sql.Conn, tmp string, opt ExportOptions, res *exportRows) (err error) {
	year := opt.Now.Year()
	read, err := readApplications(ctx, cv, year)
	if err != nil {
		return fmt.Errorf("reading applications: %w", err)
	}
	defer read.release()
	exportTrace("read")
	// DuckDB on one thread from here on: its work is one COPY at a time
	// per connection, from a batch of one row group, on each of the two
	// connections at once, beside Go's goroutines; a second DuckDB thread
	// added CPU, not speed (pipeline/BENCH.md, "The exports' persons in
	// Go …", 2026-12-02 22:30). The read above keeps DuckDB's threads: its
	// scan and join run on them all. threads is a setting of the whole
	// database: the night's reports, written beside the exports, get one
	// thread too until the exports are done.
	restore, err := oneThread(ctx, pq)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := restore(ctx); err == nil {
			err = rerr
		}
	}()
	cols, err := applicationColumns(read.schema)
	if err != nil {
		return err
	}
	pno, keys := numberPersons(read.cols[readPersonID], opt.Key, read.n)
	exportTrace("numbered")
	order := sortApplications(read, pno)
	exportTrace("sorted")
	apps, err := takeSorted(read, order, pno, keys)
	if err != nil {
		return err
	}
	defer apps.Release()
	exportTrace("taken")
	read.release()
	order, pno = nil, nil

	// On pq the Parquet files: the applications', the participations',
	// then the persons' once cv has computed their rows; on cv the CSV
	// files and the persons' rows (aggregated in Go from the sorted
	// applications, in the same order: the same sums).
	personsReady := make(chan arrow.RecordBatch, 1)
	var persons arrow.RecordBatch
	defer func() {
		if persons != nil {
			persons.Release()
		}
	}()
	err = both(ctx, cancel, func() error {
		n, err := writeParquetRecord(ctx, pq, filepath.Join(tmp, exportApplications.name), apps, sortedExportCols, nil)
		if err != nil {
			return fmt.Errorf("writing %s parquet: %w", exportApplications.name, err)
		}
		res.parquet[exportApplications.name], res.cols[exportApplications.name] = n, cols
		exportTrace("parquet apps")
		accepted, err := participationRows(apps)
		if err != nil {
			return fmt.Errorf("selecting %s: %w", exportParticipations.name, err)
		}
		if n, err = writeParquetRecord(ctx, pq, filepath.Join(tmp, exportParticipations.name), apps, sortedExportCols, accepted); err != nil {
			return fmt.Errorf("writing %s parquet: %w", exportParticipations.name, err)
		}
		res.parquet[exportParticipations.name], res.cols[exportParticipations.name] = n, cols
		exportTrace("parquet parts")
		var rec arrow.RecordBatch
		select {
		case rec = <-personsReady:
		case <-ctx.Done():
			return ctx.Err()
		}
		if n, err = writeParquetRecord(ctx, pq, filepath.Join(tmp, exportPersons.name), rec, len(personFields), nil); err != nil {
			return fmt.Errorf("writing %s parquet: %w", exportPersons.name, err)
		}
		res.parquet[exportPersons.name] = n
		exportTrace("parquet persons")
		return nil
	}, func() error {
		path := filepath.Join(tmp, exportApplications.name+".csv")
		sub := &csvSubset{Path: filepath.Join(tmp, exportParticipations.name+".csv"), Column: "status", Value: participationStatus}
		n, nSub, err := writeCSVRecord(ctx, path, cols, sub, apps)
		if err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
		}
		res.csv[exportApplications.name], res.csv[exportParticipations.name] = n, nSub
		exportTrace("csv")
		agg := newPersonAggs(len(keys))
		if err := agg.add(apps); err != nil {
			return fmt.Errorf("selecting persons: %w", err)
		}
		persons = personRecord(agg, keys, year)
		personsReady <- persons
		exportTrace("agg")
		pcols, err := exportColumnsOf(persons.Schema(), 0, len(personFields))
		if err != nil {
			return err
		}
		res.cols[exportPersons.name] = pcols
		path = filepath.Join(tmp, exportPersons.name+".csv")
		if n, _, err = writeCSVRecord(ctx, path, pcols, nil, persons); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
		}
		res.csv[exportPersons.name] = n
		exportTrace("csv persons")
		return nil
	})
	exportTrace("persons")
	return err
}

// readRows are the record batches of a query, held in memory.
type readRows struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	cols    [][]arrow.Array // cols[j]: column j of every batch
	n       int             // rows
}

func (r *readRows) release() {
	for _, b := range r.batches {
		b.Release()
	}
	r.batches, r.cols = nil, nil
}

// readApplications reads the rows of sql/export_apps_read.sql and checks
// their columns: errArrowType for a type this path does not handle.
func readApplications(ctx context.Context, conn *sql.Conn, year int) (*readRows, error) {
	r := &readRows{}
	err := conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, queries.Query("export_apps_read"), year)
		if err != nil {
			return err
		}
		defer rdr.Release()
		r.schema = rdr.Schema()
		if len(r.schema.Fields()) != readColumns {
			return fmt.Errorf("%d columns, want %d", len(r.schema.Fields()), readColumns)
		}
		for _, f := range r.schema.Fields() {
			if !takeType(f.Type) || !csvArrowType(f.Type) {
				return fmt.Errorf("column %s (%s): %w", f.Name, f.Type, errArrowType)
			}
		}
		for _, j := range []int{readPersonID, readFirstColumn, readFirstColumn + sortedStatus - 1, readEnrolmentID} {
			if f := r.schema.Field(j); f.Type.ID() != arrow.STRING {
				return fmt.Errorf("column %s (%s): %w", f.Name, f.Type, errArrowType)
			}
		}
		for rdr.Next() {
			b := rdr.RecordBatch()
			if b.NumRows() == 0 {
				continue
			}
			b.Retain()
			r.batches = append(r.batches, b)
			r.n += int(b.NumRows())
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
	if err != nil {
		r.release()
		return nil, err
	}
	if r.n > math.MaxInt32 {
		r.release()
		return nil, fmt.Errorf("%d rows: %w", r.n, errArrowType)
	}
	r.cols = make([][]arrow.Array, readColumns)
	for j := range r.cols {
		r.cols[j] = make([]arrow.Array, len(r.batches))
		for i, b := range r.batches {
			r.cols[j][i] = b.Column(j)
		}
	}
	return r, nil
}

// exportColumnsOf returns the columns lo…hi-1 of schema with their
// DuckDB types, as exportColumns reports those of export_rows.
func exportColumnsOf(schema *arrow.Schema, lo, hi int) ([]exportColumn, error) {
	var cols []exportColumn
	for _, f := range schema.Fields()[lo:hi] {
		t, ok := duckTypeName(f.Type)
		if !ok {
			return nil, fmt.Errorf("column %s (%s): %w", f.Name, f.Type, errArrowType)
		}
		cols = append(cols, exportColumn{Name: f.Name, Type: t})
	}
	return cols, nil
}

// applicationColumns returns the applications' CSV columns (person_key,
// then the read's province … satisfaction) with their DuckDB types.
func applicationColumns(read *arrow.Schema) ([]exportColumn, error) {
	cols, err := exportColumnsOf(read, readFirstColumn, readLastExport+1)
	if err != nil {
		return nil, err
	}
	return append([]exportColumn{{Name: "person_key", Type: "VARCHAR"}}, cols...), nil
}

// duckTypeName is the DuckDB type of an Arrow type DuckDB gives and takes
// back unchanged.
func duckTypeName(t arrow.DataType) (string, bool) {
	switch t.ID() {
	case arrow.STRING:
		return "VARCHAR", true
	case arrow.INT32:
		return "INTEGER", true
	case arrow.INT64:
		return "BIGINT", true
	case arrow.FLOAT64:
		return "DOUBLE", true
	case arrow.DATE32:
		return "DATE", true
	}
	return "", false
}

// numberPersons gives every person of ids (one chunk per batch) their
// key, hex HMAC-SHA256(key, person_id), computed once per person, and
// their number in the order of the keys (person_no: fillPersonKeys'
// numbering). It returns each row's person number (-1: no person) and the
// keys by number.
func numberPersons(ids []arrow.Array, key []byte, n int) ([]int32, []string) {
	rowPerson, list := internStrings(ids, n)
	hk := personKeys(key, list)
	rank := ranks(hk)
	keys := make([]string, len(hk))
	for id, r := range rank {
		keys[r] = hk[id]
	}
	for g, id := range rowPerson {
		if id >= 0 {
			rowPerson[g] = rank[id]
		}
	}
	return rowPerson, keys
}

// textRanks returns, for each row of a text column (one chunk per batch),
// the rank of its value among the column's distinct values in byte order
// (DuckDB's order of VARCHAR), NULL after every value (NULLS LAST).
func textRanks(chunks []arrow.Array, n int) []int32 {
	out, vals := internStrings(chunks, n)
	rank := ranks(vals)
	for g, id := range out {
		if id < 0 {
			out[g] = int32(len(vals))
		} else {
			out[g] = rank[id]
		}
	}
	return out
}

// internStrings numbers the distinct values of a text column (one chunk
// per batch) in order of first sight: each row's number (-1: NULL) and the
// values by number.
func internStrings(chunks []arrow.Array, n int) ([]int32, []string) {
	ids := make(map[string]int32)
	var vals []string
	out := make([]int32, 0, n)
	for _, c := range chunks {
		s := c.(*array.String)
		for i := 0; i < s.Len(); i++ {
			if s.IsNull(i) {
				out = append(out, -1)
				continue
			}
			v := s.Value(i)
			id, ok := ids[v]
			if !ok {
				id = int32(len(vals))
				ids[v] = id
				vals = append(vals, v)
			}
			out = append(out, id)
		}
	}
	return out, vals
}

// ranks returns each value's place among vals in byte order (the values
// are distinct).
func ranks(vals []string) []int32 {
	order := make([]int32, len(vals))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(vals[a], vals[b]) })
	rank := make([]int32, len(vals))
	for r, id := range order {
		rank[id] = int32(r)
	}
	return rank
}

// sortRow is a read row's place in export_applications' order: province,
// year, module, status, person number (ranks; NULLS LAST), then its
// enrolment key, then its place in the read (never reached: the key is
// unique).
type sortRow struct {
	province, module, status, person int32
	year                             int64
	ref                              rowRef
}

// sortApplications returns the read's rows in export_applications' order:
// ORDER BY province, year, module_id, status, person_no, enrolment_id.
func sortApplications(read *readRows, pno []int32) []rowRef {
	prov := textRanks(read.cols[readFirstColumn], read.n)
	module := textRanks(read.cols[readFirstColumn+2], read.n)
	status := textRanks(read.cols[readFirstColumn+sortedStatus-1], read.n)
	rows := make([]sortRow, 0, read.n)
	g := 0
	for ci, b := range read.batches {
		years := b.Column(readFirstColumn + 1).(*array.Int32)
		for i := 0; i < int(b.NumRows()); i++ {
			y := int64(math.MaxInt64)
			if years.IsValid(i) {
				y = int64(years.Value(i))
			}
			p := pno[g]
			if p < 0 {
				p = math.MaxInt32
			}
			rows = append(rows, sortRow{prov[g], module[g], status[g], p, y, rowRef{int32(ci), int32(i)}})
			g++
		}
	}
	enrolments := read.cols[readEnrolmentID]
	enrolment := func(r rowRef) (string, bool) {
		s := enrolments[r.chunk].(*array.String)
		if s.IsNull(int(r.row)) {
			return "", false
		}
		return s.Value(int(r.row)), true
	}
	slices.SortFunc(rows, func(a, b sortRow) int {
		if c := cmp.Compare(a.province, b.province); c != 0 {
			return c
		}
		if c := cmp.Compare(a.year, b.year); c != 0 {
			return c
		}
		if c := cmp.Compare(a.module, b.module); c != 0 {
			return c
		}
		if c := cmp.Compare(a.status, b.status); c != 0 {
			return c
		}
		if c := cmp.Compare(a.person, b.person); c != 0 {
			return c
		}
		ea, oka := enrolment(a.ref)
		eb, okb := enrolment(b.ref)
		if oka != okb {
			if oka {
				return -1
			}
			return 1
		}
		if c := strings.Compare(ea, eb); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ref.chunk, b.ref.chunk); c != 0 {
			return c
		}
		return cmp.Compare(a.ref.row, b.ref.row)
	})
	out := make([]rowRef, len(rows))
	for i, r := range rows {
		out[i] = r.ref
	}
	return out
}

// takeSorted gathers the read's rows in order into one record batch with
// the columns of export_apps: person_key (the person's key), province …
// birth_date as read, person_no. The columns are gathered on as many
// goroutines as Go may use CPUs.
func takeSorted(read *readRows, order []rowRef, pno []int32, keys []string) (arrow.RecordBatch, error) {
	fields := []arrow.Field{{Name: "person_key", Type: arrow.BinaryTypes.String, Nullable: true}}
	fields = append(fields, read.schema.Fields()[readFirstColumn:readBirthDate+1]...)
	fields = append(fields, arrow.Field{Name: "person_no", Type: arrow.PrimitiveTypes.Int32, Nullable: true})
	starts := make([]int, len(read.batches)) // each batch's first row
	for i := 1; i < len(starts); i++ {
		starts[i] = starts[i-1] + int(read.batches[i-1].NumRows())
	}
	sortedPno := make([]int32, len(order))
	for k, r := range order {
		sortedPno[k] = pno[starts[r.chunk]+int(r.row)]
	}
	cols := make([]arrow.Array, len(fields))
	errs := make([]error, len(fields))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				switch {
				case j == 0:
					cols[j] = keyColumn(sortedPno, keys)
				case j == len(fields)-1:
					cols[j] = personNoColumn(sortedPno)
				default:
					cols[j], errs[j] = takeColumn(fields[j].Type, read.cols[readFirstColumn+j-1], order)
				}
			}
		}()
	}
	for j := range fields {
		next <- j
	}
	close(next)
	wg.Wait()
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(order))), nil
}

// keyColumn returns the person keys of the person numbers pno (NULL for
// -1, a row of no person).
func keyColumn(pno []int32, keys []string) arrow.Array {
	size := 0
	for _, p := range pno {
		if p >= 0 {
			size += len(keys[p])
		}
	}
	offBuf := memory.NewResizableBuffer(memory.DefaultAllocator)
	offBuf.Resize((len(pno) + 1) * 4)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())[:len(pno)+1]
	dataBuf := memory.NewResizableBuffer(memory.DefaultAllocator)
	dataBuf.Resize(size)
	data := dataBuf.Bytes()[:0]
	var valid *memory.Buffer
	nulls := 0
	for i, p := range pno {
		offs[i] = int32(len(data))
		if p >= 0 {
			data = append(data, keys[p]...)
			continue
		}
		if valid == nil {
			valid = memory.NewResizableBuffer(memory.DefaultAllocator)
			valid.Resize(int(bitutil.BytesForBits(int64(len(pno)))))
			bits := valid.Bytes()
			for k := range bits {
				bits[k] = 0xff
			}
		}
		bitutil.ClearBit(valid.Bytes(), i)
		nulls++
	}
	offs[len(pno)] = int32(len(data))
	return newStrings(len(pno), valid, nulls, offBuf, dataBuf)
}

// personNoColumn returns the person numbers pno (NULL for -1, a row of
// no person).
func personNoColumn(pno []int32) arrow.Array {
	b := array.NewInt32Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(len(pno))
	for _, p := range pno {
		if p < 0 {
			b.AppendNull()
		} else {
			b.UnsafeAppend(p)
		}
	}
	return b.NewArray()
}

// participationRows returns whether each of the sorted applications is
// a participation (status accepted).
func participationRows(apps arrow.RecordBatch) (func(int) bool, error) {
	status, ok := apps.Column(sortedStatus).(*array.String)
	if !ok {
		return nil, fmt.Errorf("status column of type %s", apps.Column(sortedStatus).DataType())
	}
	return func(i int) bool { return status.IsValid(i) && status.Value(i) == participationStatus }, nil
}

// writeParquetRecord writes the sorted rows of rec's first ncols columns
// (the CSV's: person_key, province, year, …) as Hive-partitioned Parquet under
// dir, dir/province=CR/year=2013/part_0.parquet, as writeParquetPartitions
// writes them from DuckDB's table (the same bytes): each partition's rows
// without the partition columns, registered as the Arrow view export_part
// and written by one COPY. Only the rows where keepRow is true are written
// (nil: every row), each partition's as the slices of rec they form, in
// their order: a partition without any has no file. It returns the rows
// written.
func writeParquetRecord(ctx context.Context, conn *sql.Conn, dir string, rec arrow.RecordBatch, ncols int, keepRow func(int) bool) (int64, error) {
	prov, ok1 := rec.Column(sortedProvince).(*array.String)
	years, ok2 := rec.Column(sortedYear).(*array.Int32)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("partition columns of types %s, %s", rec.Column(sortedProvince).DataType(), rec.Column(sortedYear).DataType())
	}
	var fields []arrow.Field
	var keep []int
	for j, f := range rec.Schema().Fields()[:ncols] {
		if j != sortedProvince && j != sortedYear {
			fields = append(fields, f)
			keep = append(keep, j)
		}
	}
	schema := arrow.NewSchema(fields, nil)
	var n int64
	var runs [][2]int
	for lo := 0; lo < int(rec.NumRows()); {
		if prov.IsNull(lo) || years.IsNull(lo) || !hivePartValue.MatchString(prov.Value(lo)) {
			return n, fmt.Errorf("a partition has no usable province or year (row %d)", lo+1)
		}
		p, y := prov.Value(lo), years.Value(lo)
		hi := lo + 1
		for hi < int(rec.NumRows()) && prov.IsValid(hi) && years.IsValid(hi) && prov.Value(hi) == p && years.Value(hi) == y {
			hi++
		}
		runs = runs[:0]
		if keepRow == nil {
			runs = append(runs, [2]int{lo, hi})
		} else {
			for i := lo; i < hi; i++ {
				if !keepRow(i) {
					continue
				}
				if k := len(runs) - 1; k >= 0 && runs[k][1] == i {
					runs[k][1] = i + 1
				} else {
					runs = append(runs, [2]int{i, i + 1})
				}
			}
		}
		if len(runs) > 0 {
			written, err := writeParquetPart(ctx, conn, dir, p, y, rec, schema, keep, runs)
			if err != nil {
				return n, fmt.Errorf("partition province=%s/year=%d: %w", p, y, err)
			}
			n += written
		}
		lo = hi
	}
	return n, nil
}

// parquetRunsRows is the most rows writeParquetPart hands DuckDB as
// several slices of a record batch (the runs of a partition's rows, such
// as its participations among the applications): DuckDB's default row
// group size, 122,880 rows, so that such a file is one row group however
// DuckDB's chunks fall. A partition of more rows in several runs is
// gathered into one batch first (takeRuns), as the applications' are one
// slice: its row groups are cut where the SQL path's table cuts them. A
// variable for the tests.
var parquetRunsRows = 122880

// writeParquetPart writes the rows of runs (slices lo…hi-1, in order) of
// rec's columns keep as the partition's Parquet file.
func writeParquetPart(ctx context.Context, conn *sql.Conn, dir, province string, year int32, rec arrow.RecordBatch, schema *arrow.Schema, keep []int, runs [][2]int) (int64, error) {
	pdir := filepath.Join(dir, "province="+province, "year="+strconv.Itoa(int(year)))
	if err := os.MkdirAll(pdir, 0o750); err != nil {
		return 0, err
	}
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	rows := 0
	for _, r := range runs {
		rows += r[1] - r[0]
	}
	if len(runs) == 1 || rows <= parquetRunsRows {
		for _, r := range runs {
			cols := make([]arrow.Array, len(keep))
			for i, j := range keep {
				cols[i] = array.NewSlice(rec.Column(j), int64(r[0]), int64(r[1]))
			}
			batches = append(batches, array.NewRecordBatch(schema, cols, int64(r[1]-r[0])))
			for _, c := range cols {
				c.Release()
			}
		}
	} else {
		b, err := takeRuns(rec, schema, keep, runs, rows)
		if err != nil {
			return 0, err
		}
		batches = append(batches, b)
	}
	rdr, err := array.NewRecordReader(schema, batches)
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	var release func()
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = a.RegisterView(rdr, "export_part")
		return err
	})
	if err != nil {
		return 0, err
	}
	defer func() {
		release()
		conn.ExecContext(context.WithoutCancel(ctx), queries.Query("export_part_drop"))
	}()
	file := filepath.Join(pdir, "part_0.parquet")
	copySQL := strings.Replace(queries.Query("export_part_parquet"), "TO :file", "TO "+sqlLiteral(file), 1)
	r, err := conn.ExecContext(ctx, copySQL)
	if err != nil {
		return 0, err
	}
	written, err := r.RowsAffected()
	if err != nil {
		return 0, err
	}
	if written != int64(rows) {
		return written, fmt.Errorf("%d rows written, %d selected", written, rows)
	}
	return written, nil
}

// takeRuns gathers the rows of runs (slices lo…hi-1 of rec, in order; rows
// in all) of rec's columns keep into one record batch of schema.
func takeRuns(rec arrow.RecordBatch, schema *arrow.Schema, keep []int, runs [][2]int, rows int) (arrow.RecordBatch, error) {
	refs := make([]rowRef, 0, rows)
	for _, r := range runs {
		for i := r[0]; i < r[1]; i++ {
			refs = append(refs, rowRef{0, int32(i)})
		}
	}
	cols := make([]arrow.Array, len(keep))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, j := range keep {
		var err error
		if cols[i], err = takeColumn(rec.Column(j).DataType(), []arrow.Array{rec.Column(j)}, refs); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(schema, cols, int64(rows)), nil
}

// writeCSVRecord writes the rows of rec, whose first columns are cols, to
// path (and the subset's to sub.Path), as writeCSVArrow writes a query's.
func writeCSVRecord(ctx context.Context, path string, cols []exportColumn, sub *csvSubset, rec arrow.RecordBatch) (int64, int64, error) {
	for j, c := range cols {
		if f := rec.Schema().Field(j); f.Name != c.Name {
			return 0, 0, fmt.Errorf("column %d is %s, want %s", j, f.Name, c.Name)
		}
	}
	w, err := newCSVSink(path, cols, sub)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if w != nil {
			w.abort()
		}
	}()
	if _, err := writeCSVBatch(ctx, w, rec, len(cols), nil); err != nil {
		return 0, 0, err
	}
	n, nSub := w.n, w.nSub
	err = w.close()
	w = nil
	return n, nSub, err
}
