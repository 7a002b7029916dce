package sinks

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// AppendRows appends n rows to table through DuckDB's Appender on conn (so
// that they join the transaction open there), row(i) giving the values of
// row i in the table's column order. The slice row returns may be reused
// from one call to the next. ctx is checked every 8,192 rows.
//
// It is the one appender loop of the project: every Go-side write of rows
// (quarantine, skipped rows, the linkage's tables) goes through it or
// through [AppendTempRows]; the enrolments and the flagged values (issues)
// of a loaded file go as Arrow batches through [Load] (which is this loop
// without the duckdb_arrow build tag).
func AppendRows(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return appendWith(ctx, conn, table, n, row, func(dc driver.Conn) (*duckdb.Appender, error) {
		return duckdb.NewAppenderFromConn(dc, "", table)
	})
}

// AppendTempRows is [AppendRows] for a temporary table (one created with
// CREATE TEMP TABLE on conn).
func AppendTempRows(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return appendWith(ctx, conn, table, n, row, func(dc driver.Conn) (*duckdb.Appender, error) {
		return duckdb.NewAppender(dc, "temp", "main", table)
	})
}

func appendWith(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value,
	open func(driver.Conn) (*duckdb.Appender, error)) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		a, err := open(dc.(driver.Conn))
		if err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		for i := 0; i < n; i++ {
			if i%8192 == 0 {
				if err := ctx.Err(); err != nil {
					a.Close()
					return err
				}
			}
			if err := a.AppendRow(row(i)...); err != nil {
				a.Close()
				return fmt.Errorf("appending row %d to %s: %w", i, table, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		return nil
	})
}

// AppendRecord loads an Arrow record batch into table through DuckDB's
// Appender ([AppendRows]), on conn. The record's columns must be the
// table's columns, in order.
//
// It is the loader used without the duckdb_arrow build tag; with the tag,
// [InsertRecord] loads through an Arrow view, which measured faster
// (BenchmarkIngest200k/load-only in package pipeline; pipeline/BENCH.md).
func AppendRecord(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
	row := make([]driver.Value, rec.NumCols())
	return AppendRows(ctx, conn, table, int(rec.NumRows()), func(i int) []driver.Value {
		for c := range row {
			row[c] = ArrowValue(rec.Column(c), i)
		}
		return row
	})
}

// ArrowValue converts one Arrow cell to what DuckDB's Appender accepts (the
// loaders built without the duckdb_arrow tag, in this package and link).
func ArrowValue(col arrow.Array, i int) driver.Value {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC()
	case *array.Map:
		start, end := a.ValueOffsets(i)
		m := duckdb.OrderedMap{}
		keys, items := a.Keys(), a.Items()
		for j := int(start); j < int(end); j++ {
			m.Set(ArrowValue(keys, j), ArrowValue(items, j))
		}
		return m
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		out := make([]any, 0, end-start)
		for j := int(start); j < int(end); j++ {
			out = append(out, ArrowValue(vals, j))
		}
		return out
	default:
		return col.ValueStr(i)
	}
}
