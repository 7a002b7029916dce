//go:build !duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"fmt"
)

// readKeys reads a query of link_rec's n records (rid, then cols UBIGINT
// keys) row by row into one keyCol per key, indexed by rid (built without
// the duckdb_arrow tag).
func readKeys(ctx context.Context, conn *sql.Conn, q string, n, cols int) ([]keyCol, error) {
	out := make([]keyCol, cols)
	for c := range out {
		out[c].v = make([]uint64, n)
		out[c].ok = make([]bool, n)
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rid := new(int32)
	vals := make([]any, cols+1)
	keys := make([]sql.Null[uint64], cols)
	vals[0] = rid
	for c := range keys {
		vals[c+1] = &keys[c]
	}
	seen := 0
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return nil, err
		}
		if *rid < 0 || int(*rid) >= n {
			return nil, fmt.Errorf("rid %d out of [0, %d)", *rid, n)
		}
		for c, k := range keys {
			out[c].v[*rid], out[c].ok[*rid] = k.V, k.Valid
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if seen != n {
		return nil, fmt.Errorf("%d of %d records read", seen, n)
	}
	return out, nil
}
