package link

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// batchRows is the rows of an Arrow batch the writer builds: DuckDB scans
// the batches of one view in parallel.
const batchRows = 1 << 16

// batches builds the Arrow record batches of one table, batchRows rows
// each: append a row's cells to rb's fields, then call row. A full batch's
// successor has room reserved for as many rows and string bytes, so that
// its buffers are not grown and copied as it fills.
type batches struct {
	rb   *array.RecordBuilder
	n    int
	recs []arrow.RecordBatch
	strs []*array.StringBuilder // rb's string fields
}

func newBatches(schema *arrow.Schema) *batches {
	b := &batches{rb: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
	for _, f := range b.rb.Fields() {
		if s, ok := f.(*array.StringBuilder); ok {
			b.strs = append(b.strs, s)
		}
	}
	return b
}

// row ends a row, and the batch when it is full.
func (b *batches) row() {
	if b.n++; b.n == batchRows {
		data := make([]int, len(b.strs))
		for i, s := range b.strs {
			data[i] = s.DataLen()
		}
		b.recs = append(b.recs, b.rb.NewRecordBatch())
		b.n = 0
		b.rb.Reserve(batchRows)
		for i, s := range b.strs {
			s.ReserveData(data[i] + data[i]/8)
		}
	}
}

// done returns the batches built (the last one partial).
func (b *batches) done() []arrow.RecordBatch {
	if b.n > 0 {
		b.recs = append(b.recs, b.rb.NewRecordBatch())
		b.n = 0
	}
	return b.recs
}

func (b *batches) release() {
	for _, r := range b.recs {
		r.Release()
	}
	b.recs = nil
	b.rb.Release()
}
