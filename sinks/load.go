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

// AppendRecord loads an Arrow record batch into table through DuckDB's
// Appender, on conn (so that it joins the transaction open there). The
// record's columns must be the table's columns, in order.
//
// It is the loader used without the duckdb_arrow build tag; with the tag,
// [InsertRecord] loads through an Arrow view, which measured faster
// (BenchmarkIngest200k/load-only in package pipeline; pipeline/BENCH.md).
func AppendRecord(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		row := make([]driver.Value, rec.NumCols())
		for i := 0; i < int(rec.NumRows()); i++ {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					app.Close()
					return err
				}
			}
			for c := range row {
				row[c] = arrowValue(rec.Column(c), i)
			}
			if err := app.AppendRow(row...); err != nil {
				app.Close()
				return fmt.Errorf("appending row %d to %s: %w", i, table, err)
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("flushing appender for %s: %w", table, err)
		}
		return nil
	})
}

// arrowValue converts one Arrow cell to what DuckDB's Appender accepts.
func arrowValue(col arrow.Array, i int) driver.Value {
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
			m.Set(arrowValue(keys, j), arrowValue(items, j))
		}
		return m
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		out := make([]any, 0, end-start)
		for j := int(start); j < int(end); j++ {
			out = append(out, arrowValue(vals, j))
		}
		return out
	default:
		return col.ValueStr(i)
	}
}
