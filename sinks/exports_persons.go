//go:build duckdb_arrow

package sinks

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// writeApplicationsCSV writes the applications' CSV file (and the
// participations', the subset sub) from the rows of export_apps and, in the
// same pass, aggregates the persons' figures that sql/export_persons.sql
// computes and stores them as export_person_rows (sql/export_persons_put.sql):
// a hash aggregation of a million rows into 700,000 groups cost DuckDB
// more than the whole CSV pass; here each row adds to its person's figures,
// found by person_no. keys are the person keys by person_no; year is the
// run's. A column type the Arrow writer does not format falls back to
// database/sql and SQL's aggregation.
func writeApplicationsCSV(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset, keys []string, year int) (int64, int64, error) {
	n, nSub, err := writeApplicationsCSVArrow(ctx, conn, path, sub, keys, year)
	if errors.Is(err, errArrowType) {
		return writeApplicationsCSVScan(ctx, conn, path, sub, year)
	}
	return n, nSub, err
}

// writeApplicationsCSVArrow is writeApplicationsCSV without the fallback:
// errArrowType (and no file) for a column type it does not format.
func writeApplicationsCSVArrow(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset, keys []string, year int) (int64, int64, error) {
	cols, err := exportColumns(ctx, conn)
	if err != nil {
		return 0, 0, fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	agg := newPersonAggs(len(keys))
	n, nSub, err := writeCSVArrow(ctx, conn, queries.Query("export_apps_rows"), path, cols, sub, agg.add)
	if err != nil {
		return 0, 0, fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	if err := putPersonRows(ctx, conn, agg, keys, year); err != nil {
		return 0, 0, fmt.Errorf("selecting persons: %w", err)
	}
	return n, nSub, nil
}

// valueCount is a value (an interned string's number, or a date) and how
// many times a person has it.
type valueCount struct{ v, n int32 }

// modeAcc counts the values of one person (NULLs left out): the first
// distinct value inline (most persons have one application), the others in
// more.
type modeAcc struct {
	first valueCount // n == 0: no value yet
	more  []valueCount
}

func (m *modeAcc) add(v int32) {
	if m.first.n == 0 || m.first.v == v {
		m.first.v = v
		m.first.n++
		return
	}
	for i := range m.more {
		if m.more[i].v == v {
			m.more[i].n++
			return
		}
	}
	m.more = append(m.more, valueCount{v, 1})
}

// mode returns the most frequent value, of ties the smallest by less
// (list_aggregate(list_sort(list(x)), 'mode')); ok false when none.
func (m *modeAcc) mode(less func(a, b int32) bool) (v int32, ok bool) {
	if m.first.n == 0 {
		return 0, false
	}
	best := m.first
	for _, c := range m.more {
		if c.n > best.n || (c.n == best.n && less(c.v, best.v)) {
			best = c
		}
	}
	return best.v, true
}

// personAcc is one person's figures (sql/export_persons.sql's aggregates).
type personAcc struct {
	apps, participations, withdrawals, notAccepted int64
	hours                                          float64
	hasHours                                       bool
	firstYear, lastYear                            int32
	hasYear                                        bool
	// The first application: the smallest (row_year NULLS LAST, start_date
	// NULLS LAST, province); hasFirst false before any.
	hasFirst             bool
	fYearNull, fDateNull bool
	fYear, fDate         int32
	fProvince            int32
	sex, birth, org      modeAcc
	provinces            modeAcc
}

// personAggs aggregates the persons' figures from export_apps' record
// batches (add), indexed by person_no.
type personAggs struct {
	persons []personAcc
	strs    []string         // interned province, sex and organisation type values
	ids     map[string]int32 // their numbers
}

func newPersonAggs(n int) *personAggs {
	return &personAggs{persons: make([]personAcc, n), ids: map[string]int32{}}
}

func (p *personAggs) intern(s string) int32 {
	if id, ok := p.ids[s]; ok {
		return id
	}
	id := int32(len(p.strs))
	s = strings.Clone(s) // the batch's memory is released
	p.strs = append(p.strs, s)
	p.ids[s] = id
	return id
}

// personAggColumns are the columns of export_apps the aggregation reads.
var personAggColumns = []string{"person_no", "province", "row_year", "start_date", "status", "sex", "birth_date", "organisation_type", "hours_attended"}

// aggBatch is the columns of one record batch the aggregation reads.
type aggBatch struct {
	pno                   *array.Int32 // nil in addSorted
	rowYear               *array.Int32
	start, birth          *array.Date32
	hours                 *array.Float64
	province, status, sex textColumn
	org                   textColumn
}

// textColumn is a string column whichever of DuckDB's layouts it comes in.
type textColumn interface {
	IsNull(int) bool
	Value(int) string
}

// columns finds the aggregation's columns in b by name (person_no when
// withPno).
func (p *personAggs) columns(b arrow.RecordBatch, withPno bool) (*aggBatch, error) {
	idx := map[string]int{}
	for i, f := range b.Schema().Fields() {
		idx[f.Name] = i
	}
	for _, c := range personAggColumns {
		if _, ok := idx[c]; !ok && (c != "person_no" || withPno) {
			return nil, fmt.Errorf("export_apps has no column %s", c)
		}
	}
	col := func(name string) arrow.Array { return b.Column(idx[name]) }
	c := &aggBatch{}
	ok1 := true
	if withPno {
		c.pno, ok1 = col("person_no").(*array.Int32)
	}
	var ok2, ok3, ok4, ok5 bool
	c.rowYear, ok2 = col("row_year").(*array.Int32)
	c.start, ok3 = col("start_date").(*array.Date32)
	c.birth, ok4 = col("birth_date").(*array.Date32)
	c.hours, ok5 = col("hours_attended").(*array.Float64)
	var err1, err2, err3, err4 error
	c.province, err1 = arrowText(col("province"))
	c.status, err2 = arrowText(col("status"))
	c.sex, err3 = arrowText(col("sex"))
	c.org, err4 = arrowText(col("organisation_type"))
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return nil, errors.New("export_apps: a column of the persons' figures has another type")
	}
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, err
	}
	return c, nil
}

// add adds the rows of one batch of export_apps to their persons.
func (p *personAggs) add(b arrow.RecordBatch) error {
	c, err := p.columns(b, true)
	if err != nil {
		return err
	}
	for i := 0; i < int(b.NumRows()); i++ {
		if c.pno.IsNull(i) {
			continue // not linked to a person
		}
		if err := p.addRow(c, i, int(c.pno.Value(i))); err != nil {
			return err
		}
	}
	return nil
}

// addRow adds row i of c to person no's figures.
func (p *personAggs) addRow(c *aggBatch, i, no int) error {
	if no < 0 || no >= len(p.persons) {
		return fmt.Errorf("export_apps: person_no %d out of range", no)
	}
	a := &p.persons[no]
	a.apps++
	accepted := false
	if !c.status.IsNull(i) {
		switch c.status.Value(i) {
		case participationStatus:
			a.participations++
			accepted = true
		case "withdrawn":
			a.withdrawals++
		case "not_accepted":
			a.notAccepted++
		}
	}
	if accepted && !c.hours.IsNull(i) {
		a.hours += c.hours.Value(i)
		a.hasHours = true
	}
	yNull, y := c.rowYear.IsNull(i), int32(0)
	if !yNull {
		y = c.rowYear.Value(i)
		if !a.hasYear || y < a.firstYear {
			a.firstYear = y
		}
		if !a.hasYear || y > a.lastYear {
			a.lastYear = y
		}
		a.hasYear = true
	}
	if c.province.IsNull(i) {
		return errors.New("export_apps: an application without a province")
	}
	prov := p.intern(c.province.Value(i))
	a.provinces.add(prov)
	dNull, d := c.start.IsNull(i), int32(0)
	if !dNull {
		d = int32(c.start.Value(i))
	}
	if !a.hasFirst || p.firstBefore(yNull, y, dNull, d, prov, a) {
		a.hasFirst, a.fYearNull, a.fYear, a.fDateNull, a.fDate, a.fProvince = true, yNull, y, dNull, d, prov
	}
	if !c.sex.IsNull(i) {
		a.sex.add(p.intern(c.sex.Value(i)))
	}
	if !c.birth.IsNull(i) {
		a.birth.add(int32(c.birth.Value(i)))
	}
	if !c.org.IsNull(i) {
		a.org.add(p.intern(c.org.Value(i)))
	}
	return nil
}

// firstBefore says whether the application (row_year, start_date,
// province) comes before a's first: NULLs last, provinces by their text.
func (p *personAggs) firstBefore(yNull bool, y int32, dNull bool, d int32, prov int32, a *personAcc) bool {
	if yNull != a.fYearNull {
		return !yNull
	}
	if !yNull && y != a.fYear {
		return y < a.fYear
	}
	if dNull != a.fDateNull {
		return !dNull
	}
	if !dNull && d != a.fDate {
		return d < a.fDate
	}
	return p.strs[prov] < p.strs[a.fProvince]
}

func (p *personAggs) strLess(a, b int32) bool { return p.strs[a] < p.strs[b] }

func dateLess(a, b int32) bool { return a < b }

// personEntry is a person with an application, in the persons' export
// order: the province (interned) and year of their first application,
// their number.
type personEntry struct {
	prov, year, no int32
}

// personOrder returns the persons with an application in export order
// (province, year, person key: person_no follows the key); year is the
// run's, the year of a person whose applications have none.
func personOrder(agg *personAggs, year int) []personEntry {
	rank := ranks(agg.strs) // provinces in byte order
	order := make([]personEntry, 0, len(agg.persons))
	for no := range agg.persons {
		a := &agg.persons[no]
		if a.apps == 0 {
			continue
		}
		y := int32(year)
		if a.hasYear {
			y = a.firstYear
		}
		order = append(order, personEntry{a.fProvince, y, int32(no)})
	}
	slices.SortFunc(order, func(x, y personEntry) int {
		if c := cmp.Compare(rank[x.prov], rank[y.prov]); c != 0 {
			return c
		}
		if c := cmp.Compare(x.year, y.year); c != 0 {
			return c
		}
		return cmp.Compare(x.no, y.no)
	})
	return order
}

// putPersonRows stores the persons' figures as export_person_rows, in the
// export's order (province, year, person key), through the Arrow view
// export_person_aggs.
func putPersonRows(ctx context.Context, conn *sql.Conn, agg *personAggs, keys []string, year int) error {
	order := personOrder(agg, year)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ord", Type: arrow.PrimitiveTypes.Int64},
		{Name: "person_key", Type: arrow.BinaryTypes.String},
		{Name: "province", Type: arrow.BinaryTypes.String},
		{Name: "first_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "last_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "sex", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "birth_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "organisation_type", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "applications", Type: arrow.PrimitiveTypes.Int64},
		{Name: "participations", Type: arrow.PrimitiveTypes.Int64},
		{Name: "withdrawals", Type: arrow.PrimitiveTypes.Int64},
		{Name: "not_accepted", Type: arrow.PrimitiveTypes.Int64},
		{Name: "province_count", Type: arrow.PrimitiveTypes.Int64},
		{Name: "provinces", Type: arrow.BinaryTypes.String},
		{Name: "hours_attended", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	const chunk = 1 << 16
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var provs []string
	for lo := 0; lo < len(order); lo += chunk {
		hi := min(lo+chunk, len(order))
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		f := b.Fields()
		for k, e := range order[lo:hi] {
			a := &agg.persons[e.no]
			f[0].(*array.Int64Builder).Append(int64(lo + k))
			f[1].(*array.StringBuilder).Append(keys[e.no])
			f[2].(*array.StringBuilder).Append(agg.strs[e.prov])
			if a.hasYear {
				f[3].(*array.Int32Builder).Append(a.firstYear)
				f[4].(*array.Int32Builder).Append(a.lastYear)
			} else {
				f[3].AppendNull()
				f[4].AppendNull()
			}
			if v, ok := a.sex.mode(agg.strLess); ok {
				f[5].(*array.StringBuilder).Append(agg.strs[v])
			} else {
				f[5].AppendNull()
			}
			if v, ok := a.birth.mode(dateLess); ok {
				f[6].(*array.Date32Builder).Append(arrow.Date32(v))
			} else {
				f[6].AppendNull()
			}
			if v, ok := a.org.mode(agg.strLess); ok {
				f[7].(*array.StringBuilder).Append(agg.strs[v])
			} else {
				f[7].AppendNull()
			}
			f[8].(*array.Int64Builder).Append(a.apps)
			f[9].(*array.Int64Builder).Append(a.participations)
			f[10].(*array.Int64Builder).Append(a.withdrawals)
			f[11].(*array.Int64Builder).Append(a.notAccepted)
			provs = provs[:0]
			provs = append(provs, agg.strs[a.provinces.first.v])
			for _, c := range a.provinces.more {
				provs = append(provs, agg.strs[c.v])
			}
			slices.Sort(provs)
			f[12].(*array.Int64Builder).Append(int64(len(provs)))
			f[13].(*array.StringBuilder).Append(strings.Join(provs, ","))
			if a.hasHours {
				f[14].(*array.Float64Builder).Append(a.hours)
			} else {
				f[14].AppendNull()
			}
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	var release func()
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := array.NewRecordReader(schema, recs)
		if err != nil {
			return err
		}
		defer rdr.Release()
		release, err = a.RegisterView(rdr, "export_person_aggs")
		return err
	})
	if err != nil {
		return err
	}
	defer release()
	_, err = conn.ExecContext(ctx, queries.Query("export_persons_put"), year)
	return err
}

// arrowText returns the string column a with a Value accessor, whichever
// of DuckDB's string layouts it comes in.
func arrowText(a arrow.Array) (textColumn, error) {
	switch c := a.(type) {
	case *array.String:
		return c, nil
	case *array.LargeString:
		return c, nil
	case *array.StringView:
		return c, nil
	}
	return nil, fmt.Errorf("column of type %s is not text", a.DataType())
}

// personFields are the columns of the persons' files, in their order: those
// of export_person_rows (sql/export_persons.sql, export_persons_put.sql),
// with the Arrow types DuckDB gives for them.
var personFields = []arrow.Field{
	{Name: "person_key", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "province", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "sex", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "age_band", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "organisation_type", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "applications", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "participations", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "withdrawals", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "not_accepted", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "province_count", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "provinces", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "first_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "last_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "hours_attended", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}

// personRecord returns the persons' rows as export_persons_put stores
// them in export_person_rows, in its order, computed in Go (the age band
// as the SQL macro age_band computes it): writeExportRowsGo writes the
// persons' files from it without a round trip through DuckDB. One pass
// over the persons fills every column's values, then each column is built
// in buffers of its final size (Arrow builders that grew cost more than
// the rest).
func personRecord(agg *personAggs, keys []string, year int) arrow.RecordBatch {
	order := personOrder(agg, year)
	n := len(order)
	nos, years := make([]int32, n), make([]int32, n)
	sex, org := make([]int32, n), make([]int32, n) // interned values, -1: NULL
	band := make([]int8, n)                        // index in ageBands, -1: NULL
	counts := [5][]int64{}                         // applications … province_count
	for k := range counts {
		counts[k] = make([]int64, n)
	}
	provinces := make([]string, n)
	first, last := make([]int32, n), make([]int32, n)
	hours := make([]float64, n)
	var yearValid, hoursValid []bool
	var provs []string
	for i, e := range order {
		a := &agg.persons[e.no]
		nos[i], years[i] = e.no, e.year
		sex[i], org[i], band[i] = -1, -1, -1
		if v, ok := a.sex.mode(agg.strLess); ok {
			sex[i] = v
		}
		if v, ok := a.org.mode(agg.strLess); ok {
			org[i] = v
		}
		if v, ok := a.birth.mode(dateLess); ok {
			band[i] = int8(ageBandIndex(arrow.Date32(v), e.year))
		}
		counts[0][i], counts[1][i], counts[2][i], counts[3][i] = a.apps, a.participations, a.withdrawals, a.notAccepted
		counts[4][i] = int64(1 + len(a.provinces.more))
		first[i], last[i] = a.firstYear, a.lastYear
		if !a.hasYear {
			if yearValid == nil {
				yearValid = allValid(n)
			}
			yearValid[i], first[i], last[i] = false, 0, 0
		}
		hours[i] = a.hours
		if !a.hasHours {
			if hoursValid == nil {
				hoursValid = allValid(n)
			}
			hoursValid[i], hours[i] = false, 0
		}
		if len(a.provinces.more) == 0 {
			provinces[i] = agg.strs[a.provinces.first.v]
			continue
		}
		provs = provs[:0]
		provs = append(provs, agg.strs[a.provinces.first.v])
		for _, c := range a.provinces.more {
			provs = append(provs, agg.strs[c.v])
		}
		slices.Sort(provs)
		provinces[i] = strings.Join(provs, ",")
	}
	interned := func(ids []int32) func(int) (string, bool) {
		return func(i int) (string, bool) {
			if ids[i] < 0 {
				return "", false
			}
			return agg.strs[ids[i]], true
		}
	}
	cols := []arrow.Array{
		keyColumn(nos, keys),
		stringArray(n, func(i int) (string, bool) { return agg.strs[order[i].prov], true }),
		fixedArray(arrow.PrimitiveTypes.Int32, years, nil),
		stringArray(n, interned(sex)),
		stringArray(n, func(i int) (string, bool) {
			if band[i] < 0 {
				return "", false
			}
			return ageBands[band[i]], true
		}),
		stringArray(n, interned(org)),
		fixedArray(arrow.PrimitiveTypes.Int64, counts[0], nil),
		fixedArray(arrow.PrimitiveTypes.Int64, counts[1], nil),
		fixedArray(arrow.PrimitiveTypes.Int64, counts[2], nil),
		fixedArray(arrow.PrimitiveTypes.Int64, counts[3], nil),
		fixedArray(arrow.PrimitiveTypes.Int64, counts[4], nil),
		stringArray(n, func(i int) (string, bool) { return provinces[i], true }),
		fixedArray(arrow.PrimitiveTypes.Int32, first, yearValid),
		fixedArray(arrow.PrimitiveTypes.Int32, last, yearValid),
		fixedArray(arrow.PrimitiveTypes.Float64, hours, hoursValid),
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	return array.NewRecordBatch(arrow.NewSchema(personFields, nil), cols, int64(n))
}

// allValid returns n trues.
func allValid(n int) []bool {
	v := make([]bool, n)
	for i := range v {
		v[i] = true
	}
	return v
}

// ageBands are the values of the SQL macro age_band, by ageBandIndex.
var ageBands = []string{"<30", "30-39", "40-49", "50-59", "60+"}

// ageBandIndex is the SQL macro age_band (sql/003_views.sql) of a birth
// date and a year, as an index in ageBands: the age is the year less the
// birth's year.
func ageBandIndex(birth arrow.Date32, year int32) int {
	switch age := int64(year) - int64(birth.ToTime().Year()); {
	case age < 30:
		return 0
	case age < 40:
		return 1
	case age < 50:
		return 2
	case age < 60:
		return 3
	}
	return 4
}

// validity returns the validity bitmap of n values of which valid(i) says
// whether value i is, and the number of NULLs (nil and 0 when none is).
func validity(n int, valid func(int) bool) (*memory.Buffer, int) {
	var buf *memory.Buffer
	nulls := 0
	for i := 0; i < n; i++ {
		if valid(i) {
			continue
		}
		if buf == nil {
			buf = memory.NewResizableBuffer(memory.DefaultAllocator)
			buf.Resize(int(bitutil.BytesForBits(int64(n))))
			bits := buf.Bytes()
			for k := range bits {
				bits[k] = 0xff
			}
		}
		bitutil.ClearBit(buf.Bytes(), i)
		nulls++
	}
	return buf, nulls
}

// stringArray returns the string array of n values val(i) (NULL when not ok).
func stringArray(n int, val func(int) (string, bool)) arrow.Array {
	size := 0
	for i := 0; i < n; i++ {
		if s, ok := val(i); ok {
			size += len(s)
		}
	}
	valid, nulls := validity(n, func(i int) bool { _, ok := val(i); return ok })
	offBuf := memory.NewResizableBuffer(memory.DefaultAllocator)
	offBuf.Resize((n + 1) * 4)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())[:n+1]
	dataBuf := memory.NewResizableBuffer(memory.DefaultAllocator)
	dataBuf.Resize(size)
	data := dataBuf.Bytes()[:0]
	for i := 0; i < n; i++ {
		offs[i] = int32(len(data))
		if s, ok := val(i); ok {
			data = append(data, s...)
		}
	}
	offs[n] = int32(len(data))
	return newStrings(n, valid, nulls, offBuf, dataBuf)
}

// fixedArray returns the array of type dt (of T's width) holding vals,
// NULL where valid (nil: every value valid) is false. vals becomes the
// array's buffer.
func fixedArray[T int32 | int64 | float64](dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	var bits *memory.Buffer
	nulls := 0
	if valid != nil {
		bits, nulls = validity(len(vals), func(i int) bool { return valid[i] })
	}
	buf := memory.NewBufferBytes(arrow.GetBytes(vals))
	d := array.NewData(dt, len(vals), []*memory.Buffer{bits, buf}, nil, nulls, 0)
	defer d.Release()
	releaseBuffers(bits)
	return array.MakeFromData(d)
}
