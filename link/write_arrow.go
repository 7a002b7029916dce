//go:build duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/sinks"
)

// insertArrow appends Arrow record batches to table (a temporary table or
// a warehouse table; the batches' columns are its columns, in order)
// through an Arrow view: DuckDB scans the buffers, no Go value per cell.
func insertArrow(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	return sinks.InsertRecords(ctx, conn, table, recs)
}

// readArrow runs query on conn and returns its result as Arrow record
// batches (the caller releases them).
func readArrow(ctx context.Context, conn *sql.Conn, query string) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
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
		for rdr.Next() {
			b := rdr.RecordBatch()
			b.Retain()
			out = append(out, b)
		}
		return rdr.Err()
	})
	if err != nil {
		for _, b := range out {
			b.Release()
		}
		return nil, err
	}
	return out, nil
}
