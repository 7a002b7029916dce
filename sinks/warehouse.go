package sinks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"

	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// Warehouse is an open DuckDB warehouse file with its schema migrated.
type Warehouse struct {
	Path      string
	DB        *sql.DB
	connector *duckdb.Connector
}

// OpenWarehouse opens (creating if needed) the DuckDB file at path, with mode
// 0600 because it holds personal data, and applies any pending migration.
// An empty path opens an in-memory warehouse (tests).
//
// DuckDB runs as many threads as Go may use CPUs (GOMAXPROCS, which follows
// the process's CPU affinity and quota): by default it counts the machine's
// cores, and pinned to one core its second thread costs the load twice the
// CPU time (pipeline/BENCH.md, "Where the load's time goes").
func OpenWarehouse(ctx context.Context, path string) (*Warehouse, error) {
	if path != "" {
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("opening warehouse %s: %w", path, err)
		}
		f.Close()
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("protecting warehouse %s: %w", path, err)
		}
		if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
			// DuckDB refuses an empty file as "not a valid DuckDB database".
			os.Remove(path)
		}
	}
	c, err := duckdb.NewConnector(path+"?threads="+strconv.Itoa(runtime.GOMAXPROCS(0)), nil)
	if err != nil {
		return nil, fmt.Errorf("opening warehouse %s: %w", path, err)
	}
	db := sql.OpenDB(c)
	w := &Warehouse{Path: path, DB: db, connector: c}
	if err := w.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if path != "" {
		os.Chmod(path, 0o600)
	}
	return w, nil
}

// OpenWarehouseReadOnly opens a published warehouse for reading (reports,
// status). It never creates or migrates anything.
func OpenWarehouseReadOnly(ctx context.Context, path string) (*Warehouse, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("opening warehouse %s: %w", path, err)
	}
	c, err := duckdb.NewConnector(path+"?access_mode=read_only", nil)
	if err != nil {
		return nil, fmt.Errorf("opening warehouse %s read-only: %w", path, err)
	}
	db := sql.OpenDB(c)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening warehouse %s read-only: %w", path, err)
	}
	return &Warehouse{Path: path, DB: db, connector: c}, nil
}

// Close checkpoints and closes the warehouse.
func (w *Warehouse) Close(ctx context.Context) error {
	var errs []error
	if w.Path != "" {
		if _, err := w.DB.ExecContext(ctx, "CHECKPOINT"); err != nil {
			errs = append(errs, fmt.Errorf("checkpointing warehouse: %w", err))
		}
	}
	errs = append(errs, w.DB.Close())
	if w.connector != nil {
		errs = append(errs, w.connector.Close())
	}
	return errors.Join(errs...)
}

func (w *Warehouse) migrate(ctx context.Context) error { return w.migrateTo(ctx, math.MaxInt) }

// migrateTo applies the pending migrations up to version last.
func (w *Warehouse) migrateTo(ctx context.Context, last int) error {
	if _, err := w.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	ms, err := queries.Migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		var n int
		if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
			return fmt.Errorf("reading schema_migrations: %w", err)
		}
		if n > 0 || m.Version > last {
			continue
		}
		tx, err := w.DB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("applying migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("applying migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name); err != nil {
			tx.Rollback()
			return fmt.Errorf("recording migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("committing migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest migration applied.
func (w *Warehouse) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := w.DB.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v)
	return int(v.Int64), err
}

// LoadingThreads sets DuckDB to one thread while files are loaded, and
// returns the function that sets back the threads it had (call it when the
// loads are done, on any path).
//
// Each file is loaded by its own [FileWriter], and files load in parallel
// (one per core); the inserts of Arrow batches, COMMIT and the per-file
// checks gain nothing from DuckDB's own threads on top. On 2 cores, a
// 200,000-row file cost about 1.45× the CPU time with DuckDB's 2 threads
// as with 1, for the same or a longer wall-clock time (pipeline/BENCH.md,
// "DuckDB's threads while loading"). threads is a setting of the whole
// database: nothing else should run on db meanwhile.
func LoadingThreads(ctx context.Context, db *sql.DB) (restore func(context.Context) error, err error) {
	return setOneThread(ctx, db, "loading")
}

// dbConn is what setOneThread needs of a *sql.DB or a *sql.Conn.
type dbConn interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// setOneThread sets DuckDB's threads to one (a setting of the whole
// database) for what (in its errors), and returns the function that sets
// back the number it had.
func setOneThread(ctx context.Context, db dbConn, what string) (restore func(context.Context) error, err error) {
	var before int64
	if err := db.QueryRowContext(ctx, "SELECT CAST(current_setting('threads') AS BIGINT)").Scan(&before); err != nil {
		return nil, fmt.Errorf("reading DuckDB's threads: %w", err)
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL threads = 1"); err != nil {
		return nil, fmt.Errorf("setting DuckDB's threads for %s: %w", what, err)
	}
	return func(ctx context.Context) error {
		if _, err := db.ExecContext(context.WithoutCancel(ctx), "SET GLOBAL threads = "+strconv.FormatInt(before, 10)); err != nil {
			return fmt.Errorf("setting DuckDB's threads back to %d: %w", before, err)
		}
		return nil
	}, nil
}
