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
// each: append a row's cells to rb's fields, then call row.
type batches struct {
	rb   *array.RecordBuilder
	n    int
	recs []arrow.RecordBatch
}

func newBatches(schema *arrow.Schema) *batches {
	return &batches{rb: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
}

// row ends a row, and the batch when it is full.
func (b *batches) row() {
	if b.n++; b.n == batchRows {
		b.recs = append(b.recs, b.rb.NewRecordBatch())
		b.n = 0
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
