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

// readRecords reads link_load as Arrow record batches into p: no Go value
// per cell; the values that repeat (places, organisations, names) shared by
// an interner, the others (keys, tax codes, e-mails, phones) substrings of
// one copy of their batch column.
func readRecords(ctx context.Context, conn *sql.Conn, p *placer) error {
	return conn.Raw(func(dc any) error {
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
			if err := readBatch(p, rdr.RecordBatch(), in); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
}

// batchStr reads one string column of a batch. An owned column is copied
// once, whole, and read as substrings of the copy; the others are read as
// views on the batch's buffer, valid while the batch lives (the caller
// interns them).
type batchStr struct {
	arr  stringArray
	data string  // owned, utf8 with int32 offsets: the column's bytes
	offs []int32 // and their offsets, offs[0] at data[0]
	own  bool    // owned, of another Arrow type: each value cloned
}

func newBatchStr(a arrow.Array, own bool) (batchStr, bool) {
	if s, ok := a.(*array.String); ok && own {
		return batchStr{arr: s, data: string(s.ValueBytes()), offs: s.ValueOffsets()}, true
	}
	s, ok := a.(stringArray)
	return batchStr{arr: s, own: own}, ok
}

// at is value i, "" when NULL.
func (c *batchStr) at(i int) string {
	if c.arr.IsNull(i) {
		return ""
	}
	if c.offs != nil {
		b := c.offs[0]
		return c.data[c.offs[i]-b : c.offs[i+1]-b]
	}
	if c.own {
		return strings.Clone(c.arr.Value(i))
	}
	return c.arr.Value(i)
}

// hasBlank says whether a holds a non-NULL empty string (a record reads it as NULL:
// see goKeys).
func hasBlank(a stringArray) bool {
	if s, ok := a.(*array.String); ok {
		offs := s.ValueOffsets()
		for i := range s.Len() {
			if offs[i+1] == offs[i] && s.IsValid(i) {
				return true
			}
		}
		return false
	}
	n := 0
	if l, ok := a.(interface{ Len() int }); ok {
		n = l.Len()
	}
	for i := range n {
		if !a.IsNull(i) && a.Value(i) == "" {
			return true
		}
	}
	return false
}

// ownedCols are link_load's string columns that are copied whole (their
// values seldom repeat); the other string columns are interned.
var ownedCols = map[int]bool{1: true, 6: true, 8: true, 12: true, 13: true}

func readBatch(p *placer, b arrow.RecordBatch, in interner) error {
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
	var str [20]batchStr
	for _, c := range []int{1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18} {
		s, ok := newBatchStr(b.Column(c), ownedCols[c])
		if !ok {
			return fmt.Errorf("link_load: column %d is %s, not a string", c, b.Column(c).DataType())
		}
		str[c] = s
		if p.blank&(1<<c) == 0 && hasBlank(s.arr) {
			p.blank |= 1 << c
		}
	}
	extraVals, ok := extras.ListValues().(stringArray)
	if !ok && extras.ListValues().Len() > 0 {
		return fmt.Errorf("link_load: extras are %s, not strings", extras.ListValues().DataType())
	}
	if ok && p.blank&(1<<19) == 0 && hasBlank(extraVals) {
		p.blank |= 1 << 19
	}
	for i := 0; i < int(b.NumRows()); i++ {
		if rid.IsNull(i) {
			return fmt.Errorf("link_load: row %d of a batch without a record number", i)
		}
		r, err := p.at(rid.Value(i))
		if err != nil {
			return err
		}
		var days int32 // 0 when NULL, as the row reader reads it (the buffer holds anything there)
		if birth.IsValid(i) {
			days = birth.Value(i)
		}
		*r = record{
			key: str[1].at(i), prev: in.get(str[2].at(i)), province: in.get(str[3].at(i)),
			surname: in.get(str[4].at(i)), given: in.get(str[5].at(i)), taxCode: str[6].at(i),
			taxValid: valid.IsValid(i) && valid.Value(i), taxKey: str[8].at(i), sex: in.get(str[9].at(i)),
			birth: days, hasBirth: birth.IsValid(i),
			birthPlace: in.get(str[11].at(i)), email: str[12].at(i), phone: str[13].at(i),
			municipal: in.get(str[14].at(i)), org: in.get(str[15].at(i)), orgType: in.get(str[16].at(i)),
			role: in.get(str[17].at(i)), module: in.get(str[18].at(i)),
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
