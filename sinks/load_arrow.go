//go:build duckdb_arrow

package sinks

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

var viewSeq atomic.Int64

// InsertRecord loads an Arrow record batch into table by registering it as
// an Arrow view on conn and running INSERT … SELECT: DuckDB scans the Arrow
// buffers directly, without a Go value per cell. Needs the duckdb_arrow build
// tag (the Makefile sets it).
func InsertRecord(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
	return InsertRecords(ctx, conn, table, []arrow.RecordBatch{rec})
}

// InsertRecords is [InsertRecord] for several batches of one schema, in one
// statement (one Arrow view of them all).
func InsertRecords(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	if len(recs) == 0 {
		return nil
	}
	name := fmt.Sprintf("arrow_batch_%d", viewSeq.Add(1))
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
		return fmt.Errorf("registering arrow view for %s: %w", table, err)
	}
	defer release()
	// Identifiers are ours (table names are constants, the view name is generated).
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q SELECT * FROM %q`, table, name)); err != nil {
		return fmt.Errorf("inserting arrow batch into %s: %w", table, err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP VIEW IF EXISTS %q`, name)); err != nil {
		return fmt.Errorf("dropping arrow view: %w", err)
	}
	return nil
}

// InsertStream loads every record batch rdr yields into table with one
// INSERT … SELECT over one Arrow view of rdr: DuckDB pulls the batches as
// it inserts them, so a file's batches cost one statement instead of one
// each (pipeline/BENCH.md, "One INSERT per file"). rdr must not be
// released by the caller before InsertStream returns.
func InsertStream(ctx context.Context, conn *sql.Conn, table string, rdr array.RecordReader) error {
	name := fmt.Sprintf("arrow_stream_%d", viewSeq.Add(1))
	var release func()
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = a.RegisterView(rdr, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("registering arrow view for %s: %w", table, err)
	}
	defer release()
	// Identifiers are ours (table names are constants, the view name is generated).
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q SELECT * FROM %q`, table, name)); err != nil {
		if rerr := rdr.Err(); rerr != nil {
			err = rerr
		}
		return fmt.Errorf("inserting arrow batches into %s: %w", table, err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP VIEW IF EXISTS %q`, name)); err != nil {
		return fmt.Errorf("dropping arrow view: %w", err)
	}
	return nil
}

// loadStream is the loader of a [FileWriter] that uses the loader in use:
// with the Arrow view, all of a file's batches in one statement.
var loadStream = InsertStream

// Load is the loader in use: the Arrow view.
func Load(ctx context.Context, conn *sql.Conn, table string, rec arrow.RecordBatch) error {
	return InsertRecord(ctx, conn, table, rec)
}

// LoaderName says which loader Load uses.
const LoaderName = "arrow-view"
