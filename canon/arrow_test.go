package canon

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"regexp"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// openWarehouse returns an in-memory DuckDB with the warehouse migrations
// applied (canon cannot import sinks).
func openWarehouse(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { db.Close() })
	ms, err := queries.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if _, err := db.ExecContext(context.Background(), m.SQL); err != nil {
			t.Fatalf("applying %s: %v", m.Name, err)
		}
	}
	return db
}

// duckType is the DuckDB type an Arrow type must land in.
func duckType(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.STRING:
		return "VARCHAR"
	case arrow.INT32:
		return "INTEGER"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.DATE32:
		return "DATE"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.LIST:
		return duckType(dt.(*arrow.ListType).Elem()) + "[]"
	case arrow.MAP:
		m := dt.(*arrow.MapType)
		return fmt.Sprintf("MAP(%s, %s)", duckType(m.KeyType()), duckType(m.ItemType()))
	}
	return "unmapped " + dt.String()
}

func TestEnrolmentSchemaMatchesWarehouse(t *testing.T) {
	db := openWarehouse(t)
	rows, err := db.Query("DESCRIBE enrolments")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []struct{ name, typ, null string }
	for rows.Next() {
		var name, typ, null string
		var key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, struct{ name, typ, null string }{name, typ, null})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	fields := EnrolmentSchema.Fields()
	if len(cols) != len(fields) {
		t.Fatalf("table has %d columns, schema %d fields", len(cols), len(fields))
	}
	for i, c := range cols {
		f := fields[i]
		t.Run(c.name, func(t *testing.T) {
			if f.Name != c.name {
				t.Errorf("column %d: schema has %q, table %q", i, f.Name, c.name)
			}
			if got := duckType(f.Type); got != c.typ {
				t.Errorf("%s: schema type %s lands as %s, table has %s", c.name, f.Type, got, c.typ)
			}
			if want := c.null == "YES"; f.Nullable != want {
				t.Errorf("%s: nullable %v, table null %s", c.name, f.Nullable, c.null)
			}
		})
	}
}

func TestEnrolmentID(t *testing.T) {
	id := EnrolmentID("abc123", "Iscrizioni", 7)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Fatalf("EnrolmentID = %q", id)
	}
	sum := sha256.Sum256([]byte("abc123\x00Iscrizioni\x007"))
	if want := hex.EncodeToString(sum[:])[:16]; id != want {
		t.Errorf("EnrolmentID = %s, want %s", id, want)
	}
	for _, other := range []string{EnrolmentID("abc123", "Iscrizioni", 8), EnrolmentID("abc123", "Iscrizioni2", 7),
		EnrolmentID("abc124", "Iscrizioni", 7), EnrolmentID("abc123Iscrizioni", "", 7)} {
		if other == id {
			t.Errorf("collision with %q", other)
		}
	}
}

// driverValue converts one cell of an Arrow column for DuckDB's appender.
func driverValue(t *testing.T, col arrow.Array, i int) driver.Value {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Map:
		keys, items := a.Keys().(*array.String), a.Items().(*array.String)
		start, end := a.ValueOffsets(i)
		m := duckdb.Map{}
		for j := start; j < end; j++ {
			m[keys.Value(int(j))] = items.Value(int(j))
		}
		return m
	case *array.List:
		vals := a.ListValues().(*array.String)
		start, end := a.ValueOffsets(i)
		out := []any{}
		for j := start; j < end; j++ {
			out = append(out, vals.Value(int(j)))
		}
		return out
	}
	t.Fatalf("no conversion for %T", col)
	return nil
}

// appendRecord loads rec into table enrolments row by row.
func appendRecord(t *testing.T, db *sql.DB, rec arrow.RecordBatch) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "enrolments")
		if err != nil {
			return err
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]driver.Value, rec.NumCols())
			for c := range vals {
				vals[c] = driverValue(t, rec.Column(c), i)
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return fmt.Errorf("row %d: %w", i, err)
			}
		}
		return app.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBatchLoadsIntoWarehouse(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	rc := testContext()
	b := NewBatch(mem, "run-1")
	defer b.Release()
	for _, row := range []RawRow{
		person("M", "Maria.Rossi@Comune.Cremona.it", "N", "333 1234567", "O", "nota", "P", "IV", "Q", "4", "R", "41289", "T", "41275"),
		func() RawRow {
			r := mkRow("C", "Rossi Maria", "D", "rssmra75d43d150a", "H", "Salute", "K", "tante")
			r.Row = 8
			return r
		}(),
		func() RawRow { r := person("E", "", "F", "", "J", ""); r.Row = 9; return r }(),
	} {
		e, _, rej := NormaliseRow(rc, row)
		if rej != nil {
			t.Fatal(rej)
		}
		b.Append(&e)
	}
	if b.Len() != 3 {
		t.Fatalf("Len = %d", b.Len())
	}
	rec := b.NewRecord()
	defer rec.Release()
	if b.Len() != 0 || rec.NumRows() != 3 || !rec.Schema().Equal(EnrolmentSchema) {
		t.Fatalf("after NewRecord: Len %d, rows %d, schema %v", b.Len(), rec.NumRows(), rec.Schema())
	}

	db := openWarehouse(t)
	appendRecord(t, db, rec)

	rows, err := db.Query(`SELECT enrolment_id, run_id, source_row, module_id IS NULL AND person_id IS NULL,
		display_name, coalesce(tax_code, '∅'), tax_code_status, coalesce(sex, '∅'), coalesce(strftime(birth_date, '%Y-%m-%d'), '∅'),
		coalesce(email, '∅'), coalesce(phone, '∅'), coalesce(axis, '∅'), coalesce(sessions, -1),
		coalesce(strftime(start_date, '%Y-%m-%d'), '∅'), coalesce(strftime(application_date, '%Y-%m-%d'), '∅'),
		coalesce(status, '∅'), coalesce(hours_attended, -1), coalesce(planned_hours, -1),
		array_to_string(flags, ','), cardinality(extras), coalesce(extras['Note'], '∅')
		FROM enrolments ORDER BY source_row`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, run, display, tc, tcs, sex, birth, email, phone, axis, start, app, status, flags, note string
		var srow, sessions int32
		var nulls bool
		var hours, planned float64
		var nExtras int64
		if err := rows.Scan(&id, &run, &srow, &nulls, &display, &tc, &tcs, &sex, &birth, &email, &phone, &axis, &sessions,
			&start, &app, &status, &hours, &planned, &flags, &nExtras, &note); err != nil {
			t.Fatal(err)
		}
		if id != EnrolmentID("abc123", "Iscrizioni", int(srow)) || run != "run-1" || !nulls {
			t.Errorf("row %d: id %s run %s nulls %v", srow, id, run, nulls)
		}
		got = append(got, fmt.Sprint(srow, "|", display, "|", tc, "|", tcs, "|", sex, "|", birth, "|", email, "|", phone, "|", axis, "|",
			sessions, "|", start, "|", app, "|", status, "|", hours, "|", planned, "|", flags, "|", nExtras, "|", note))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	wantRows := []string{
		"7|Rossi Maria|RSSMRA75D43D150D|valid|F|1975-04-03|maria.rossi@comune.cremona.it|+393331234567|IV|4|2013-01-15|2013-01-01|accepted|16|16||1|nota",
		"8|Rossi Maria|RSSMRA75D43D150A|bad_check|∅|∅|∅|∅|∅|-1|∅|∅|not_indicated|-1|-1|hours_unreadable,name_split_guessed,status_missing,tax_code_bad_check|0|∅",
		"9|Rossi Maria|RSSMRA75D43D150D|valid|F|1975-04-03|∅|∅|∅|-1|∅|∅|not_indicated|16|16|status_missing|0|∅",
	}
	if fmt.Sprint(got) != fmt.Sprint(wantRows) {
		t.Errorf("warehouse rows:\n%s\nwant\n%s", join(got), join(wantRows))
	}
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += s + "\n"
	}
	return out
}
