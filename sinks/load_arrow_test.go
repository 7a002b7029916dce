//go:build duckdb_arrow

package sinks

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// TestStreamLoadsAsBatches: a file loaded with one INSERT for all of its
// batches (BeginFile with nil, the loader in use) holds the same enrolments,
// value for value and in the same order, as one loaded batch by batch
// (InsertRecord), over several batches and a last partial one.
func TestStreamLoadsAsBatches(t *testing.T) {
	dump := func(load LoadFunc) []string {
		fx := newWriterFixture(t)
		f := File{RunID: "r1", Province: "CR", Slot: "/in/a.xlsx", Name: "a.xlsx", SHA256: "sha1", LandedPath: "/l/sha1", IngestVersion: 3}
		w, err := BeginFile(fx.ctx, fx.db, f, load)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort(fx.ctx)
		if w.stream != (load == nil) {
			t.Fatalf("load %v: stream %v", load != nil, w.stream)
		}
		fillWriter(t, fx.ctx, w, f.SHA256, 2345)
		if err := w.Commit(fx.ctx); err != nil {
			t.Fatal(err)
		}
		return rowsOf(t, fx.ctx, fx.db, "SELECT * FROM enrolments ORDER BY rowid")
	}
	stream, batches := dump(nil), dump(InsertRecord)
	if len(stream) != 2345 || len(batches) != 2345 {
		t.Fatalf("%d rows by stream, %d batch by batch; want 2345", len(stream), len(batches))
	}
	for i := range stream {
		if stream[i] != batches[i] {
			t.Fatalf("row %d: by stream %s, batch by batch %s", i, stream[i], batches[i])
		}
	}
}

// rowsOf is every row of q, each as its columns' text joined by tabs.
func rowsOf(t *testing.T, ctx context.Context, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = strings.TrimSpace(strings.ReplaceAll(fmtValue(v), "\t", " "))
		}
		out = append(out, strings.Join(parts, "\t"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func fmtValue(v any) string { return fmt.Sprintf("%v", v) }
