//go:build duckdb_arrow

package sinks

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rowRef is a row of a chunked column: its chunk (record batch) and its
// index in the chunk.
type rowRef struct{ chunk, row int32 }

// takeColumn returns a new array of the values of chunks at rows, in the
// order of rows: the column of a sorted table. The types are those of the
// export's columns (takeType); errArrowType for another.
func takeColumn(dt arrow.DataType, chunks []arrow.Array, rows []rowRef) (arrow.Array, error) {
	if !takeType(dt) {
		return nil, fmt.Errorf("take: column type %s: %w", dt, errArrowType)
	}
	if len(rows) == 0 {
		b := array.NewBuilder(memory.DefaultAllocator, dt)
		defer b.Release()
		return b.NewArray(), nil
	}
	for _, c := range chunks {
		if !arrow.TypeEqual(c.DataType(), dt) {
			return nil, fmt.Errorf("take: chunks of types %s and %s", dt, c.DataType())
		}
	}
	valid, nulls := takeValidity(chunks, rows)
	switch dt.ID() {
	case arrow.STRING:
		return takeStrings(chunks, rows, valid, nulls)
	case arrow.INT32, arrow.DATE32:
		return takeFixed[int32](dt, chunks, rows, valid, nulls, 4), nil
	case arrow.INT64, arrow.FLOAT64:
		return takeFixed[int64](dt, chunks, rows, valid, nulls, 8), nil
	}
	return nil, fmt.Errorf("take: column type %s: %w", dt, errArrowType)
}

// takeType says whether takeColumn takes columns of type t.
func takeType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.INT32, arrow.DATE32, arrow.INT64, arrow.FLOAT64:
		return true
	}
	return false
}

// takeValidity returns the validity bitmap of the taken rows and their
// number of NULLs (nil and 0 when none is NULL).
func takeValidity(chunks []arrow.Array, rows []rowRef) (*memory.Buffer, int) {
	some := false
	for _, c := range chunks {
		if c.NullN() > 0 {
			some = true
			break
		}
	}
	if !some {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(memory.DefaultAllocator)
	buf.Resize(int(bitutil.BytesForBits(int64(len(rows)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for i, r := range rows {
		if chunks[r.chunk].IsValid(int(r.row)) {
			bitutil.SetBit(bits, i)
		} else {
			nulls++
		}
	}
	return buf, nulls
}

// fixedValues returns the values of a fixed-width array as a slice of T
// (of the same width), from the array's offset.
func fixedValues[T int32 | int64](a arrow.Array) []T {
	d := a.Data()
	return arrow.GetData[T](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

func takeFixed[T int32 | int64](dt arrow.DataType, chunks []arrow.Array, rows []rowRef, valid *memory.Buffer, nulls, width int) arrow.Array {
	vals := make([][]T, len(chunks))
	for i, c := range chunks {
		vals[i] = fixedValues[T](c)
	}
	buf := memory.NewResizableBuffer(memory.DefaultAllocator)
	buf.Resize(len(rows) * width)
	out := arrow.GetData[T](buf.Bytes())[:len(rows)]
	for i, r := range rows {
		out[i] = vals[r.chunk][r.row]
	}
	d := array.NewData(dt, len(rows), []*memory.Buffer{valid, buf}, nil, nulls, 0)
	defer d.Release()
	releaseBuffers(valid, buf)
	return array.MakeFromData(d)
}

func takeStrings(chunks []arrow.Array, rows []rowRef, valid *memory.Buffer, nulls int) (arrow.Array, error) {
	strs := make([]*array.String, len(chunks))
	for i, c := range chunks {
		strs[i] = c.(*array.String)
	}
	size := 0
	for _, r := range rows {
		s := strs[r.chunk]
		size += s.ValueLen(int(r.row))
	}
	if size > math.MaxInt32 {
		releaseBuffers(valid)
		return nil, fmt.Errorf("take: %d bytes of text in one column: %w", size, errArrowType)
	}
	offBuf := memory.NewResizableBuffer(memory.DefaultAllocator)
	offBuf.Resize((len(rows) + 1) * 4)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())[:len(rows)+1]
	dataBuf := memory.NewResizableBuffer(memory.DefaultAllocator)
	dataBuf.Resize(size)
	data := dataBuf.Bytes()[:0]
	for i, r := range rows {
		offs[i] = int32(len(data))
		data = append(data, strs[r.chunk].Value(int(r.row))...)
	}
	offs[len(rows)] = int32(len(data))
	return newStrings(len(rows), valid, nulls, offBuf, dataBuf), nil
}

// newStrings returns the string array of n values of the buffers, taking
// over the caller's references.
func newStrings(n int, valid *memory.Buffer, nulls int, offBuf, dataBuf *memory.Buffer) arrow.Array {
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, offBuf, dataBuf}, nil, nulls, 0)
	defer d.Release()
	releaseBuffers(valid, offBuf, dataBuf)
	return array.MakeFromData(d)
}

// releaseBuffers drops this function's references (NewData took its own).
func releaseBuffers(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}
