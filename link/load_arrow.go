//go:build duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// stringArray is what the Arrow string, large string and string view arrays share.
type stringArray interface {
	IsNull(i int) bool
	Value(i int) string
}

// readRecords reads link_load as Arrow record batches: no Go value per cell,
// strings copied once (repeated ones shared by an interner).
func readRecords(ctx context.Context, conn *sql.Conn, n int) ([]record, error) {
	recs := make([]record, 0, n)
	err := conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, queries.Query("link_load"))
		if err != nil {
			return err
		}
		defer rdr.Release()
		in := interner{}
		for rdr.Next() {
			if err := appendBatch(&recs, rdr.RecordBatch(), in); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
	return recs, err
}

func appendBatch(recs *[]record, b arrow.RecordBatch, in interner) error {
	if b.NumCols() != 20 {
		return fmt.Errorf("link_load: %d columns, want 20", b.NumCols())
	}
	rid, ok1 := b.Column(0).(*array.Int32)
	valid, ok2 := b.Column(7).(*array.Boolean)
	birth, ok3 := b.Column(10).(*array.Int32)
	extras, ok4 := b.Column(19).(*array.List)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fmt.Errorf("link_load: unexpected column types %v", b.Schema())
	}
	str := make([]stringArray, 20)
	for _, c := range []int{1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18} {
		s, ok := b.Column(c).(stringArray)
		if !ok {
			return fmt.Errorf("link_load: column %d is %s, not a string", c, b.Column(c).DataType())
		}
		str[c] = s
	}
	extraVals, ok := extras.ListValues().(stringArray)
	if !ok && extras.ListValues().Len() > 0 {
		return fmt.Errorf("link_load: extras are %s, not strings", extras.ListValues().DataType())
	}
	get := func(c, i int) string {
		if str[c].IsNull(i) {
			return ""
		}
		return str[c].Value(i)
	}
	for i := 0; i < int(b.NumRows()); i++ {
		if int(rid.Value(i)) != len(*recs) {
			return fmt.Errorf("record %d read at position %d", rid.Value(i), len(*recs))
		}
		r := record{
			key: strings.Clone(get(1, i)), prev: in.get(get(2, i)), province: in.get(get(3, i)),
			surname: in.get(get(4, i)), given: in.get(get(5, i)), taxCode: strings.Clone(get(6, i)),
			taxValid: valid.IsValid(i) && valid.Value(i), taxKey: strings.Clone(get(8, i)), sex: in.get(get(9, i)),
			birth: birth.Value(i), hasBirth: birth.IsValid(i),
			birthPlace: in.get(get(11, i)), email: strings.Clone(get(12, i)), phone: strings.Clone(get(13, i)),
			municipal: in.get(get(14, i)), org: in.get(get(15, i)), orgType: in.get(get(16, i)),
			role: in.get(get(17, i)), module: in.get(get(18, i)),
		}
		if extras.IsValid(i) {
			lo, hi := extras.ValueOffsets(i)
			for j := lo; j < hi; j++ {
				v := ""
				if !extraVals.IsNull(int(j)) {
					v = in.get(extraVals.Value(int(j)))
				}
				r.extras = append(r.extras, v)
			}
		}
		*recs = append(*recs, r)
	}
	return nil
}

// readPairs reads link_candidates as Arrow record batches; n bounds their number.
func readPairs(ctx context.Context, conn *sql.Conn, n int) ([]candidate, error) {
	pairs := make([]candidate, 0, n)
	err := conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, queries.Query("link_candidates"))
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
			b := rdr.RecordBatch()
			lr, ok1 := b.Column(0).(*array.Int64)
			rules, ok2 := b.Column(1).(*array.Int64)
			if !ok1 || !ok2 {
				return fmt.Errorf("link_candidates: unexpected column types %v", b.Schema())
			}
			for i := 0; i < int(b.NumRows()); i++ {
				v := lr.Value(i)
				pairs = append(pairs, candidate{l: int32(v >> 32), r: int32(uint32(v)), rules: uint32(rules.Value(i))})
			}
		}
		return rdr.Err()
	})
	return pairs, err
}
