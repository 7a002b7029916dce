//go:build !duckdb_arrow

package link

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lombardia-orim/correlare/sinks"
)

// insertArrow appends Arrow record batches to table through DuckDB's
// Appender (built without the duckdb_arrow tag; the Arrow view is faster).
func insertArrow(ctx context.Context, conn *sql.Conn, table string, recs []arrow.RecordBatch) error {
	temp := table != "person_events"
	for _, rec := range recs {
		row := make([]driver.Value, rec.NumCols())
		fill := func(i int) []driver.Value {
			for c := range row {
				row[c] = sinks.ArrowValue(rec.Column(c), i)
			}
			return row
		}
		var err error
		if temp {
			err = sinks.AppendTempRows(ctx, conn, table, int(rec.NumRows()), fill)
		} else {
			err = sinks.AppendRows(ctx, conn, table, int(rec.NumRows()), fill)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readArrow runs query on conn row by row and returns its result as Arrow
// record batches (the caller releases them). Built without the
// duckdb_arrow tag it knows the columns of link_publish_read only.
func readArrow(ctx context.Context, conn *sql.Conn, query string) ([]arrow.RecordBatch, error) {
	str := func(name string) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	b := newBatches(arrow.NewSchema([]arrow.Field{
		{Name: "rid", Type: arrow.PrimitiveTypes.Int32}, {Name: "erow", Type: arrow.PrimitiveTypes.Int64},
		str("person_id"), str("display_name"), str("surname"), str("given_name"), str("sex"),
		{Name: "birth_days", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, str("tax_code"),
		{Name: "tax_valid", Type: arrow.FixedWidthTypes.Boolean}, {Name: "accepted", Type: arrow.FixedWidthTypes.Boolean},
		str("province_code"), str("module_fold"),
	}, nil))
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		b.release()
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rid int32
		var erow int64
		var s [13]sql.NullString
		var birth sql.NullInt32
		var valid, acc sql.NullBool
		if err := rows.Scan(&rid, &erow, &s[2], &s[3], &s[4], &s[5], &s[6], &birth, &s[8], &valid, &acc, &s[11], &s[12]); err != nil {
			b.release()
			return nil, err
		}
		b.rb.Field(0).(*array.Int32Builder).Append(rid)
		b.rb.Field(1).(*array.Int64Builder).Append(erow)
		for _, k := range []int{2, 3, 4, 5, 6, 8, 11, 12} {
			appendStr(b.rb.Field(k).(*array.StringBuilder), s[k].String, s[k].Valid)
		}
		if birth.Valid {
			b.rb.Field(7).(*array.Int32Builder).Append(birth.Int32)
		} else {
			b.rb.Field(7).AppendNull()
		}
		b.rb.Field(9).(*array.BooleanBuilder).Append(valid.Valid && valid.Bool)
		b.rb.Field(10).(*array.BooleanBuilder).Append(acc.Valid && acc.Bool)
		b.row()
	}
	if err := rows.Err(); err != nil {
		b.release()
		return nil, err
	}
	out := b.done()
	b.recs = nil
	b.release()
	return out, nil
}
