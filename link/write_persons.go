package link

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// strCol is what the Arrow string, large string and string view arrays share.
type strCol interface {
	IsNull(i int) bool
	Value(i int) string
}

// enrolCols is sql/link_publish_read.sql as Arrow batches, indexed by rid:
// what persons and enrolments.person_id take from each enrolment.
type enrolCols struct {
	batches []enrolBatch
	at      []uint64 // rid → batch<<32 | row; ^0 not read
}

type enrolBatch struct {
	erow                                                      *array.Int64
	person, display, surname, given, sex, tax, province, mods strCol
	birth                                                     *array.Int32
	taxValid, accepted                                        *array.Boolean
}

// newEnrolCols indexes the batches of link_publish_read for n records.
func newEnrolCols(recs []arrow.RecordBatch, n int) (*enrolCols, error) {
	c := &enrolCols{at: make([]uint64, n)}
	for i := range c.at {
		c.at[i] = ^uint64(0)
	}
	for bi, b := range recs {
		if b.NumCols() != 13 {
			return nil, fmt.Errorf("link_publish_read: %d columns, want 13", b.NumCols())
		}
		rid, ok1 := b.Column(0).(*array.Int32)
		erow, ok2 := b.Column(1).(*array.Int64)
		birth, ok3 := b.Column(7).(*array.Int32)
		valid, ok4 := b.Column(9).(*array.Boolean)
		acc, ok5 := b.Column(10).(*array.Boolean)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
			return nil, fmt.Errorf("link_publish_read: unexpected column types %v", b.Schema())
		}
		str := make([]strCol, 13)
		for _, k := range []int{2, 3, 4, 5, 6, 8, 11, 12} {
			s, ok := b.Column(k).(strCol)
			if !ok {
				return nil, fmt.Errorf("link_publish_read: column %d is %s, not a string", k, b.Column(k).DataType())
			}
			str[k] = s
		}
		c.batches = append(c.batches, enrolBatch{erow: erow, person: str[2], display: str[3], surname: str[4], given: str[5],
			sex: str[6], birth: birth, tax: str[8], taxValid: valid, accepted: acc, province: str[11], mods: str[12]})
		for i := 0; i < int(b.NumRows()); i++ {
			r := rid.Value(i)
			if r < 0 || int(r) >= n || c.at[r] != ^uint64(0) {
				return nil, fmt.Errorf("link_publish_read: record %d out of range or read twice", r)
			}
			c.at[r] = uint64(bi)<<32 | uint64(i)
		}
	}
	for r, a := range c.at {
		if a == ^uint64(0) {
			return nil, fmt.Errorf("link_publish_read: record %d not read", r)
		}
	}
	return c, nil
}

// row returns the batch and row of record rid.
func (c *enrolCols) row(rid int32) (*enrolBatch, int) {
	a := c.at[rid]
	return &c.batches[a>>32], int(uint32(a))
}

// str is a string cell: its value and whether it is not NULL.
func str(a strCol, i int) (string, bool) {
	if a.IsNull(i) {
		return "", false
	}
	return a.Value(i), true
}

// modeOf is the most frequent non-NULL value among a person's rows, a tie
// going to the smallest value (byte order; dates are encoded so that it is
// their order): what the exports take, list_aggregate(list_sort(list(x)),
// 'mode'), whatever order the rows are stored or read in. ok is false when
// every value is NULL.
type modeOf struct {
	vals  []modeVal
	index map[string]int // past linear search
}

type modeVal struct {
	v string
	n int
}

func (m *modeOf) reset() {
	m.vals = m.vals[:0]
	if m.index != nil {
		clear(m.index)
	}
}

func (m *modeOf) add(v string) {
	k := -1
	if m.index != nil {
		if j, ok := m.index[v]; ok {
			k = j
		}
	} else {
		for j := range m.vals {
			if m.vals[j].v == v {
				k = j
				break
			}
		}
	}
	if k < 0 {
		m.vals = append(m.vals, modeVal{v, 1})
		if m.index != nil {
			m.index[v] = len(m.vals) - 1
		} else if len(m.vals) > 32 {
			m.index = make(map[string]int, len(m.vals))
			for j, x := range m.vals {
				m.index[x.v] = j
			}
		}
		return
	}
	m.vals[k].n++
}

func (m *modeOf) get() (string, bool) {
	if len(m.vals) == 0 {
		return "", false
	}
	best := 0
	for j := 1; j < len(m.vals); j++ {
		if x, b := m.vals[j], m.vals[best]; x.n > b.n || x.n == b.n && x.v < b.v {
			best = j
		}
	}
	return m.vals[best].v, true
}

// personBuilder builds link_persons (sql/link_scratch.sql) from the
// enrolments of each person.
type personBuilder struct {
	b                                        *batches
	id, display, surname, given, sex, tax    *array.StringBuilder
	birth                                    *array.Date32Builder
	participations, applications, modulesN   *array.Int32Builder
	provinces                                *array.ListBuilder
	province                                 *array.StringBuilder
	mDisplayFull, mDisplay, mSurname, mGiven *modeOf
	mSex, mBirth, mTax                       *modeOf
	provs                                    []string
	mods                                     distinct
}

// distinct counts the distinct values province + ":" + module of a
// person's rows, as count(DISTINCT province_code || ':' || module_fold)
// did (so "a:b", "c" and "a", "b:c" are one value), without building the
// string of a value already seen.
type distinct struct {
	vals  []string
	index map[string]struct{} // past linear search
}

func (d *distinct) reset() {
	d.vals = d.vals[:0]
	d.index = nil
}

func (d *distinct) add(a, b string) {
	if d.index != nil {
		k := a + ":" + b
		if _, ok := d.index[k]; !ok {
			d.index[k] = struct{}{}
			d.vals = append(d.vals, k)
		}
		return
	}
	for _, v := range d.vals {
		if len(v) == len(a)+1+len(b) && v[:len(a)] == a && v[len(a)] == ':' && v[len(a)+1:] == b {
			return
		}
	}
	d.vals = append(d.vals, a+":"+b)
	if len(d.vals) > 32 {
		d.index = make(map[string]struct{}, 2*len(d.vals))
		for _, v := range d.vals {
			d.index[v] = struct{}{}
		}
	}
}

func (d *distinct) len() int { return len(d.vals) }

func newPersonBuilder() *personBuilder {
	b := newBatches(arrow.NewSchema([]arrow.Field{
		{Name: "person_id", Type: arrow.BinaryTypes.String},
		{Name: "display_name", Type: arrow.BinaryTypes.String},
		{Name: "surname", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "given_name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "sex", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "birth_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "tax_code", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "participations", Type: arrow.PrimitiveTypes.Int32},
		{Name: "applications", Type: arrow.PrimitiveTypes.Int32},
		{Name: "modules", Type: arrow.PrimitiveTypes.Int32},
		{Name: "provinces", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	}, nil))
	f := b.rb.Field
	p := &personBuilder{b: b,
		id: f(0).(*array.StringBuilder), display: f(1).(*array.StringBuilder), surname: f(2).(*array.StringBuilder),
		given: f(3).(*array.StringBuilder), sex: f(4).(*array.StringBuilder), birth: f(5).(*array.Date32Builder),
		tax: f(6).(*array.StringBuilder), participations: f(7).(*array.Int32Builder), applications: f(8).(*array.Int32Builder),
		modulesN: f(9).(*array.Int32Builder), provinces: f(10).(*array.ListBuilder),
		mDisplayFull: &modeOf{}, mDisplay: &modeOf{}, mSurname: &modeOf{}, mGiven: &modeOf{},
		mSex: &modeOf{}, mBirth: &modeOf{}, mTax: &modeOf{},
	}
	p.province = p.provinces.ValueBuilder().(*array.StringBuilder)
	return p
}

func appendStr(b *array.StringBuilder, v string, ok bool) {
	if ok {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

func appendCell(b *array.StringBuilder, a strCol, i int) {
	v, ok := str(a, i)
	appendStr(b, v, ok)
}

func appendMode(b *array.StringBuilder, m *modeOf) {
	v, ok := m.get()
	appendStr(b, v, ok)
}

// add appends the person id made of the records members.
func (p *personBuilder) add(id string, members []int32, c *enrolCols) {
	p.id.Append(id)
	if len(members) == 1 {
		// A person of one row is that row.
		e, i := c.row(members[0])
		p.display.Append(e.display.Value(i))
		appendCell(p.surname, e.surname, i)
		appendCell(p.given, e.given, i)
		appendCell(p.sex, e.sex, i)
		if e.birth.IsNull(i) {
			p.birth.AppendNull()
		} else {
			p.birth.Append(arrow.Date32(e.birth.Value(i)))
		}
		tax, ok := str(e.tax, i)
		appendStr(p.tax, tax, ok && e.taxValid.Value(i))
		acc := int32(0)
		if e.accepted.Value(i) {
			acc = 1
		}
		p.participations.Append(acc)
		p.applications.Append(1)
		p.modulesN.Append(1)
		p.provinces.Append(true)
		p.province.Append(e.province.Value(i))
		p.b.row()
		return
	}
	for _, m := range []*modeOf{p.mDisplayFull, p.mDisplay, p.mSurname, p.mGiven, p.mSex, p.mBirth, p.mTax} {
		m.reset()
	}
	p.provs = p.provs[:0]
	p.mods.reset()
	var acc int32
	for _, r := range members {
		e, i := c.row(r)
		sur, okS := str(e.surname, i)
		giv, okG := str(e.given, i)
		disp := e.display.Value(i)
		p.mDisplay.add(disp)
		if okS && okG {
			p.mDisplayFull.add(disp)
		}
		if okS {
			p.mSurname.add(sur)
		}
		if okG {
			p.mGiven.add(giv)
		}
		if v, ok := str(e.sex, i); ok {
			p.mSex.add(v)
		}
		if !e.birth.IsNull(i) {
			p.mBirth.add(dateKey(e.birth.Value(i)))
		}
		if v, ok := str(e.tax, i); ok && e.taxValid.Value(i) {
			p.mTax.add(v)
		}
		if e.accepted.Value(i) {
			acc++
		}
		prov := e.province.Value(i)
		p.mods.add(prov, e.mods.Value(i))
		found := false
		for _, q := range p.provs {
			if q == prov {
				found = true
				break
			}
		}
		if !found {
			p.provs = append(p.provs, prov)
		}
	}
	if v, ok := p.mDisplayFull.get(); ok {
		p.display.Append(v)
	} else {
		v, _ := p.mDisplay.get()
		p.display.Append(v)
	}
	appendMode(p.surname, p.mSurname)
	appendMode(p.given, p.mGiven)
	appendMode(p.sex, p.mSex)
	if v, ok := p.mBirth.get(); ok {
		p.birth.Append(arrow.Date32(keyDate(v)))
	} else {
		p.birth.AppendNull()
	}
	appendMode(p.tax, p.mTax)
	p.participations.Append(acc)
	p.applications.Append(int32(len(members)))
	p.modulesN.Append(int32(p.mods.len()))
	sort.Strings(p.provs)
	p.provinces.Append(true)
	for _, q := range p.provs {
		p.province.Append(q)
	}
	p.b.row()
}

// dateKey encodes days since 1970 as 4 bytes whose byte order is the
// dates' order; keyDate decodes them.
func dateKey(d int32) string {
	u := uint32(d) ^ 1<<31
	return string([]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

func keyDate(k string) int32 {
	return int32((uint32(k[0])<<24 | uint32(k[1])<<16 | uint32(k[2])<<8 | uint32(k[3])) ^ 1<<31)
}
