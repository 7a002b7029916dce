//go:build duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// readKeys reads a query of link_rec's n records (rid, then cols UBIGINT
// keys) as Arrow record batches into one keyCol per key, indexed by rid.
func readKeys(ctx context.Context, conn *sql.Conn, q string, n, cols int) ([]keyCol, error) {
	out := make([]keyCol, cols)
	for c := range out {
		out[c].v = make([]uint64, n)
	}
	seen := 0
	err := conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
			b := rdr.RecordBatch()
			if int(b.NumCols()) != cols+1 {
				return fmt.Errorf("%d columns, want %d", b.NumCols(), cols+1)
			}
			rid, ok := b.Column(0).(*array.Int32)
			if !ok {
				return fmt.Errorf("rid is %s, not INTEGER", b.Column(0).DataType())
			}
			rows := int(b.NumRows())
			for i := range rows {
				if r := rid.Value(i); r < 0 || int(r) >= n {
					return fmt.Errorf("rid %d out of [0, %d)", r, n)
				}
			}
			for c := range out {
				k, ok := b.Column(c + 1).(*array.Uint64)
				if !ok {
					return fmt.Errorf("key %d is %s, not UBIGINT", c, b.Column(c+1).DataType())
				}
				vals := k.Uint64Values()
				for i := range rows {
					r := rid.Value(i)
					out[c].v[r] = vals[i]
					if k.IsNull(i) {
						if out[c].ok == nil {
							out[c].ok = make([]bool, n)
							for j := range out[c].ok {
								out[c].ok[j] = true
							}
						}
						out[c].ok[r] = false
					}
				}
			}
			seen += rows
		}
		return rdr.Err()
	})
	if err == nil && seen != n {
		err = fmt.Errorf("%d of %d records read", seen, n)
	}
	return out, err
}
