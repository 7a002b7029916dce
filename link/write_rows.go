//go:build !duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lombardia-orim/correlare/sinks"
)

// insertArrow appends Arrow record batches to table through DuckDB's
// Appender (built without the duckdb_arrow tag; the Arrow view is faster).
func insertArrow(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	temp := table != "person_events"
	for _, rec := range recs {
		row := make([]driver.Value, rec.NumCols())
		fill := func(i int) []driver.Value {
			for c := range row {
				row[c] = cellValue(rec.Column(c), i)
			}
			return row
		}
		var err error
		if temp {
			err = sinks.AppendTempRows(ctx, conn, table, int(rec.NumRows()), fill)
		} else {
			err = sinks.AppendRows(ctx, conn, table, int(rec.NumRows()), fill)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cellValue is one Arrow cell of the types the writer builds, as the
// Appender takes it.
func cellValue(col arrow.Array, i int) driver.Value {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC()
	case *array.List:
		lo, hi := a.ValueOffsets(i)
		out := make([]any, 0, hi-lo)
		for j := lo; j < hi; j++ {
			out = append(out, cellValue(a.ListValues(), int(j)))
		}
		return out
	}
	panic("link: no appender value for " + col.DataType().String())
}
