//go:build !duckdb_arrow

package sinks

import (
	"context"
	"database/sql"
)

// writeRowsCSV writes the rows of the view export_rows to path (and the
// subset's to sub.Path): built without the duckdb_arrow tag, through
// database/sql.
func writeRowsCSV(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset) (int64, int64, []exportColumn, error) {
	return writeRowsCSVScan(ctx, conn, path, sub)
}

// writeApplicationsCSV writes the applications' and participations' CSV
// files and computes the persons' rows: built without the duckdb_arrow tag,
// through database/sql and SQL.
func writeApplicationsCSV(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset, _ []string, year int) (int64, int64, error) {
	return writeApplicationsCSVScan(ctx, conn, path, sub, year)
}

// putPersonKeys stores the person keys: built without the duckdb_arrow tag,
// with list parameters.
func putPersonKeys(ctx context.Context, conn *sql.Conn, ids, keys []string) error {
	return putPersonKeysList(ctx, conn, ids, keys)
}

// writeExportRowsGo is the export read and sorted in Go: built without the
// duckdb_arrow tag, writeExportData uses writeExportRowsSQL instead.
func writeExportRowsGo(context.Context, context.CancelFunc, *sql.Conn, *sql.Conn, string, ExportOptions, *exportRows) error {
	return errArrowType
}
