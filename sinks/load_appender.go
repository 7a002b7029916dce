//go:build !duckdb_arrow

package sinks

import (
	"context"
	"database/sql"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Load is the loader in use: built without the duckdb_arrow tag, the Appender.
func Load(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
	return AppendRecord(ctx, conn, table, rec)
}

// LoaderName says which loader Load uses.
const LoaderName = "appender"

// loadStream: without the duckdb_arrow tag, a [FileWriter] loads batch by
// batch with Load.
var loadStream func(ctx context.Context, conn *sql.Conn, table string, rdr array.RecordReader) error
