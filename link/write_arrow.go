//go:build duckdb_arrow

package link

import (
	"context"
	"database/sql"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/lombardia-orim/correlare/sinks"
)

// insertArrow appends Arrow record batches to table (a temporary table or
// a warehouse table; the batches' columns are its columns, in order)
// through an Arrow view: DuckDB scans the buffers, no Go value per cell.
func insertArrow(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	return sinks.InsertRecords(ctx, conn, table, recs)
}
