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

// readKeys reads a query of link_rec's n records (rid, then one UBIGINT
// key per list of dst) as Arrow record batches, appending to dst[c] the
// records whose key c is not NULL, in the order read.
func readKeys(ctx context.Context, conn *sql.Conn, q string, n int, dst []*keyList) error {
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
			if int(b.NumCols()) != len(dst)+1 {
				return fmt.Errorf("%d columns, want %d", b.NumCols(), len(dst)+1)
			}
			rid, ok := b.Column(0).(*array.Int32)
			if !ok {
				return fmt.Errorf("rid is %s, not INTEGER", b.Column(0).DataType())
			}
			rows := int(b.NumRows())
			rids := rid.Int32Values()
			for _, r := range rids {
				if r < 0 || int(r) >= n {
					return fmt.Errorf("rid %d out of [0, %d)", r, n)
				}
			}
			for c, d := range dst {
				k, ok := b.Column(c + 1).(*array.Uint64)
				if !ok {
					return fmt.Errorf("key %d is %s, not UBIGINT", c, b.Column(c+1).DataType())
				}
				vals := k.Uint64Values()
				if k.NullN() == 0 {
					d.keys = append(d.keys, vals...)
					d.ids = append(d.ids, rids...)
					continue
				}
				for i := range rows {
					if k.IsValid(i) {
						d.keys = append(d.keys, vals[i])
						d.ids = append(d.ids, rids[i])
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
	return err
}
