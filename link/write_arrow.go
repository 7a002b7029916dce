//go:build duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/sinks"
)

// insertArrow appends Arrow record batches to table (a temporary table or
// a warehouse table; the batches' columns are its columns, in order)
// through an Arrow view: DuckDB scans the buffers, no Go value per cell.
func insertArrow(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	return sinks.InsertRecords(ctx, conn, table, recs)
}

var viewSeq atomic.Int64

// execArrow runs the statement q with {{view}} standing for recs (one
// schema) as a relation: an Arrow view that DuckDB scans in the statement,
// with no table in between. Nothing runs when recs is empty, so q must do
// nothing without rows (an INSERT or UPDATE from the view).
func execArrow(ctx context.Context, conn *sql.Conn, recs []arrow.RecordBatch, q string, args ...any) error {
	if len(recs) == 0 {
		return nil
	}
	name := fmt.Sprintf("link_arrow_%d", viewSeq.Add(1))
	var release func()
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
		if err != nil {
			return err
		}
		defer rdr.Release()
		release, err = a.RegisterView(rdr, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("registering an arrow view: %w", err)
	}
	defer release()
	// The view's name is ours (generated).
	if _, err := conn.ExecContext(ctx, strings.ReplaceAll(q, "{{view}}", name), args...); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP VIEW IF EXISTS %q`, name)); err != nil {
		return fmt.Errorf("dropping arrow view: %w", err)
	}
	return nil
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
