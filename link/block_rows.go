//go:build !duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"fmt"
)

// readKeys reads a query of link_rec's n records (rid, then one UBIGINT
// key per list of dst) row by row, appending to dst[c] the records whose
// key c is not NULL, in the order read (built without the duckdb_arrow
// tag).
func readKeys(ctx context.Context, conn *sql.Conn, q string, n int, dst []*keyList) error {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	rid := new(int32)
	vals := make([]any, len(dst)+1)
	keys := make([]sql.Null[uint64], len(dst))
	vals[0] = rid
	for c := range keys {
		vals[c+1] = &keys[c]
	}
	seen := 0
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return err
		}
		if *rid < 0 || int(*rid) >= n {
			return fmt.Errorf("rid %d out of [0, %d)", *rid, n)
		}
		for c, k := range keys {
			if k.Valid {
				dst[c].keys = append(dst[c].keys, k.V)
				dst[c].ids = append(dst[c].ids, *rid)
			}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen != n {
		return fmt.Errorf("%d of %d records read", seen, n)
	}
	return nil
}
