//go:build duckdb_arrow

package sinks

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// writeRowsCSV writes the rows of the view export_rows to path (and those
// of the subset, when sub is not nil, to sub.Path) and returns the number
// of rows, of subset rows and the columns. It reads the rows as Arrow
// record batches and formats each column by its type, as csvCell formats
// the value database/sql would give (the same bytes, without a Go value per
// cell); a view with a column of another type than those of csvArrowType is
// written by writeRowsCSVScan.
func writeRowsCSV(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset) (int64, int64, []exportColumn, error) {
	n, nSub, cols, err := writeRowsCSVArrow(ctx, conn, path, sub)
	if errors.Is(err, errArrowType) {
		return writeRowsCSVScan(ctx, conn, path, sub)
	}
	return n, nSub, cols, err
}

// writeRowsCSVArrow is writeRowsCSV without the fallback: errArrowType (and
// no file) for a column type it does not format.
func writeRowsCSVArrow(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset) (int64, int64, []exportColumn, error) {
	cols, err := exportColumns(ctx, conn)
	if err != nil {
		return 0, 0, nil, err
	}
	n, nSub, err := writeCSVArrow(ctx, conn, queries.Query("export_rows"), path, cols, sub, nil)
	return n, nSub, cols, err
}

// writeCSVArrow writes the rows of query, whose first columns are cols, to
// path (and those of the subset to sub.Path), formatting those columns
// only, and hands each record batch to each (when not nil) after its rows
// are written. errArrowType (and no file) for a column of cols whose type
// it does not format.
func writeCSVArrow(ctx context.Context, conn *sql.Conn, query, path string, cols []exportColumn, sub *csvSubset, each func(arrow.RecordBatch) error) (int64, int64, error) {
	var w *csvSink
	defer func() {
		if w != nil {
			w.abort()
		}
	}()
	err := conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rdr.Release()
		fields := rdr.Schema().Fields()
		if len(fields) < len(cols) {
			return fmt.Errorf("export rows: %d Arrow columns, %d SQL columns", len(fields), len(cols))
		}
		for j, c := range cols {
			if fields[j].Name != c.Name {
				return fmt.Errorf("export rows: Arrow column %d is %s, SQL column %s", j, fields[j].Name, c.Name)
			}
		}
		for _, f := range fields[:len(cols)] {
			if !csvArrowType(f.Type) {
				return fmt.Errorf("column %s (%s): %w", f.Name, f.Type, errArrowType)
			}
		}
		if w, err = newCSVSink(path, cols, sub); err != nil {
			return err
		}
		var line []byte
		for rdr.Next() {
			b := rdr.RecordBatch()
			if line, err = writeCSVBatch(ctx, w, b, len(cols), line); err != nil {
				return err
			}
			if each != nil {
				if err := each(b); err != nil {
					return err
				}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
	if err != nil {
		return 0, 0, err
	}
	n, nSub := w.n, w.nSub
	err = w.close()
	w = nil
	return n, nSub, err
}

// writeCSVBatch writes the rows of b, formatting its first ncols columns,
// to w (and those of the subset to its file), in a line buffer it returns
// for the next call.
func writeCSVBatch(ctx context.Context, w *csvSink, b arrow.RecordBatch, ncols int, line []byte) ([]byte, error) {
	fmts := make([]func([]byte, int) []byte, ncols)
	for j := range fmts {
		var err error
		if fmts[j], err = csvColumn(b.Column(j)); err != nil {
			return line, fmt.Errorf("column %s: %w", b.Schema().Field(j).Name, err)
		}
	}
	subCol := w.subCol
	if line == nil {
		line = make([]byte, 0, 1024)
	}
	for i := 0; i < int(b.NumRows()); i++ {
		line = line[:0]
		inSub := false
		for j, f := range fmts {
			if j > 0 {
				line = append(line, ';')
			}
			start := len(line)
			line = f(line, i)
			if j == subCol {
				inSub = string(line[start:]) == w.subValue
			}
		}
		line = append(line, '\r', '\n')
		if err := w.writeLine(line, inSub); err != nil {
			return line, err
		}
		if i%65536 == 65535 {
			if err := ctx.Err(); err != nil {
				return line, err
			}
		}
	}
	return line, nil
}

// csvArrowType says whether csvColumn formats columns of type t.
func csvArrowType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BOOL,
		arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32:
		return true
	}
	return false
}

// csvColumn returns the appender of column a's i-th value: nothing for
// NULL, else the bytes csvCell and encoding/csv give for the value
// database/sql would scan (numbers and dates never need quoting).
func csvColumn(a arrow.Array) (func(dst []byte, i int) []byte, error) {
	null := func(f func([]byte, int) []byte) func([]byte, int) []byte {
		if a.NullN() == 0 {
			return f
		}
		return func(dst []byte, i int) []byte {
			if a.IsNull(i) {
				return dst
			}
			return f(dst, i)
		}
	}
	switch c := a.(type) {
	case *array.String:
		return null(func(dst []byte, i int) []byte { return appendCSVText(dst, c.Value(i)) }), nil
	case *array.LargeString:
		return null(func(dst []byte, i int) []byte { return appendCSVText(dst, c.Value(i)) }), nil
	case *array.StringView:
		return null(func(dst []byte, i int) []byte { return appendCSVText(dst, c.Value(i)) }), nil
	case *array.Boolean:
		return null(func(dst []byte, i int) []byte { return strconv.AppendBool(dst, c.Value(i)) }), nil
	case *array.Int8:
		return null(func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }), nil
	case *array.Int16:
		return null(func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }), nil
	case *array.Int32:
		return null(func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }), nil
	case *array.Int64:
		return null(func(dst []byte, i int) []byte { return strconv.AppendInt(dst, c.Value(i), 10) }), nil
	case *array.Uint8:
		return null(func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(c.Value(i)), 10) }), nil
	case *array.Uint16:
		return null(func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(c.Value(i)), 10) }), nil
	case *array.Uint32:
		return null(func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(c.Value(i)), 10) }), nil
	case *array.Uint64:
		return null(func(dst []byte, i int) []byte { return strconv.AppendUint(dst, c.Value(i), 10) }), nil
	case *array.Float32:
		return null(func(dst []byte, i int) []byte { return appendDecimalComma(dst, float64(c.Value(i))) }), nil
	case *array.Float64:
		return null(func(dst []byte, i int) []byte { return appendDecimalComma(dst, c.Value(i)) }), nil
	case *array.Date32:
		// A date is a midnight: csvCell writes it yyyy-mm-dd.
		return null(func(dst []byte, i int) []byte { return c.Value(i).ToTime().AppendFormat(dst, time.DateOnly) }), nil
	}
	return nil, fmt.Errorf("%s: %w", a.DataType(), errArrowType)
}

// putPersonKeys stores the person keys, numbered from 0 in their order,
// into export_person_keys as Arrow batches of 65,536 rows, each registered
// as a view and inserted with one INSERT … SELECT (list parameters cost a
// DuckDB value per element).
func putPersonKeys(ctx context.Context, conn *sql.Conn, ids, keys []string) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "person_id", Type: arrow.BinaryTypes.String},
		{Name: "person_key", Type: arrow.BinaryTypes.String},
		{Name: "person_no", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	const chunk = 1 << 16
	for i := 0; i < len(ids); i += chunk {
		j := min(i+chunk, len(ids))
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		b.Field(0).(*array.StringBuilder).AppendValues(ids[i:j], nil)
		b.Field(1).(*array.StringBuilder).AppendValues(keys[i:j], nil)
		nos := b.Field(2).(*array.Int32Builder)
		for k := i; k < j; k++ {
			nos.Append(int32(k))
		}
		rec := b.NewRecordBatch()
		b.Release()
		err := insertKeys(ctx, conn, rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func insertKeys(ctx context.Context, conn *sql.Conn, rec arrow.RecordBatch) error {
	var release func()
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
		if err != nil {
			return err
		}
		defer rdr.Release()
		release, err = a.RegisterView(rdr, "export_person_keys_batch")
		return err
	})
	if err != nil {
		return err
	}
	defer release()
	_, err = conn.ExecContext(ctx, queries.Query("export_keys_put_arrow"))
	return err
}
