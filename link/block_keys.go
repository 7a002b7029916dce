package link

import (
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// goKeys evaluates blocking keys in Go, from the records the load stage
// read (and the values it numbered), for the keys that are a column of
// link_rec or a left(column, n): no query, and no hash. A key is the value
// ids of its expressions packed in 64 bits, so two records share a block
// exactly when their key values are equal, as SQL's = says (blockOnce and
// the DuckDB keys compare 64-bit hashes of the values: they share every
// block this path does, and another on a hash collision).
//
// A record holds NULL and the empty string alike (""), which a key must
// tell apart (NULL never matches, an empty string matches another): the loader notes the link_load columns
// that hold a non-NULL empty string (blank), and a rule reading one of them keeps
// DuckDB's keys. So do rules with other expressions, rules comparing
// columns of different kinds (an e-mail with a phone: only the name
// columns, the sounds and their prefixes share their ids), and rules whose
// ids do not fit 64 bits.
type goKeys struct {
	recs  []record
	vals  *values
	comps []comparer
	blank uint32 // bit c: link_load column c holds a non-NULL ''
	fams  map[string]*keyFamily
	exprs map[keyExpr]*keyCol
}

// newGoKeys returns the key evaluator of the loaded records (vals and comps
// as the load stage numbered them; blank as loadRecordsBlank reports).
func newGoKeys(recs []record, vals *values, comps []comparer, blank uint32) *goKeys {
	return &goKeys{recs: recs, vals: vals, comps: comps, blank: blank, fams: map[string]*keyFamily{}, exprs: map[keyExpr]*keyCol{}}
}

// keyFamily numbers values that keys may compare with each other: 0 is
// NULL, 1..n-1 values. The names family holds the surnames and given names
// (values.names), their sounds and prefixes; every other column is a
// family of its own.
type keyFamily struct {
	list []string          // id → value; nil while only ids are known
	ids  map[string]uint32 // value → id; built when a derived value is numbered
	n    uint32            // ids in use, NULL's included
}

// id numbers a derived value ("" is NULL).
func (f *keyFamily) id(s string) uint32 {
	if s == "" {
		return 0
	}
	if f.ids == nil {
		f.ids = make(map[string]uint32, len(f.list))
		for i, v := range f.list {
			if i > 0 {
				f.ids[v] = uint32(i)
			}
		}
	}
	if i, ok := f.ids[s]; ok {
		return i
	}
	i := f.n
	f.n++
	f.ids[s] = i
	f.list = append(f.list, s)
	return i
}

// keyExpr is one key expression: a column of link_rec (its sound: a name
// column's consonant skeleton), or its first left characters (0: all).
type keyExpr struct {
	col   string
	left  int
	extra int // extra_values[extra], from 1
}

// keyCol is a key expression's value id per record.
type keyCol struct {
	fam *keyFamily
	ids []uint32 // per record; nil: base and trans below
	// base is the record's id of the column in fam, trans maps it to the
	// expression's (nil: the expression is the column).
	base  func(i int) uint32
	trans []uint32
}

func (k *keyCol) at(i int) uint32 {
	if k.ids != nil {
		return k.ids[i]
	}
	b := k.base(i)
	if k.trans != nil {
		return k.trans[b]
	}
	return b
}

var (
	keyColRe   = regexp.MustCompile(`^l\.([A-Za-z_]+)$`)
	keyLeftRe  = regexp.MustCompile(`^(?i:left)\s*\(\s*l\.([A-Za-z_]+)\s*,\s*([0-9]+)\s*\)$`)
	keyExtraRe = regexp.MustCompile(`^l\.extra_values\s*\[\s*([0-9]+)\s*\]$`)
)

// parseKeyExpr reads a left-side key expression; ok false for any other.
func parseKeyExpr(e string) (keyExpr, bool) {
	e = strings.TrimSpace(e)
	if m := keyColRe.FindStringSubmatch(e); m != nil {
		return keyExpr{col: strings.ToLower(m[1])}, true
	}
	if m := keyLeftRe.FindStringSubmatch(e); m != nil {
		n, err := strconv.Atoi(m[2])
		if err != nil || n < 1 || n > 1<<20 {
			return keyExpr{}, false // left(x, 0) is '' (not NULL): DuckDB's keys
		}
		return keyExpr{col: strings.ToLower(m[1]), left: n}, true
	}
	if m := keyExtraRe.FindStringSubmatch(e); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 1<<20 {
			return keyExpr{}, false
		}
		return keyExpr{col: "extra_values", extra: n}, true
	}
	return keyExpr{}, false
}

// loadCol is the link_load column index of each column a key may read
// (its blank bit), and the record's field.
var loadCol = map[string]struct {
	at  int
	get func(r *record) string
}{
	"record_key":             {1, func(r *record) string { return r.key }},
	"province_code":          {3, func(r *record) string { return r.province }},
	"surname_fold":           {4, func(r *record) string { return r.surname }},
	"given_name_fold":        {5, func(r *record) string { return r.given }},
	"tax_code":               {6, func(r *record) string { return r.taxCode }},
	"tax_key":                {8, func(r *record) string { return r.taxKey }},
	"sex":                    {9, func(r *record) string { return r.sex }},
	"birth_place_fold":       {11, func(r *record) string { return r.birthPlace }},
	"email":                  {12, func(r *record) string { return r.email }},
	"phone":                  {13, func(r *record) string { return r.phone }},
	"municipality_fold":      {14, func(r *record) string { return r.municipal }},
	"organisation_fold":      {15, func(r *record) string { return r.org }},
	"organisation_type_fold": {16, func(r *record) string { return r.orgType }},
	"role_fold":              {17, func(r *record) string { return r.role }},
	"module_fold":            {18, func(r *record) string { return r.module }},
}

// col returns the ids of expression x, nil when it is not evaluated here.
// Not safe for concurrent use (it numbers derived values); the keyCol it
// returns is read-only.
func (g *goKeys) col(x keyExpr) *keyCol {
	if k, ok := g.exprs[x]; ok {
		return k
	}
	k := g.newCol(x)
	g.exprs[x] = k
	return k
}

func (g *goKeys) newCol(x keyExpr) *keyCol {
	sound := false
	switch x.col {
	case "surname_sound", "given_name_sound":
		sound = true
	case "birth_date":
		if x.left > 0 {
			return nil
		}
		return g.dateCol()
	case "extra_values":
		if x.left > 0 || g.blank&(1<<19) != 0 {
			return nil
		}
		e := x.extra - 1
		return g.ownCol("extra_values["+strconv.Itoa(x.extra)+"]", func(r *record) string {
			if e < len(r.extras) {
				return r.extras[e]
			}
			return ""
		})
	}
	switch x.col {
	case "surname_fold", "given_name_fold", "surname_sound", "given_name_sound":
		given := strings.HasPrefix(x.col, "given")
		if !sound && g.blank&(1<<loadCol[x.col].at) != 0 {
			return nil // sound('') is NULL, as sound(NULL): no blank to tell
		}
		if g.vals == nil {
			return nil
		}
		f := g.fams["names"]
		if f == nil {
			f = &keyFamily{list: g.vals.names[:len(g.vals.names):len(g.vals.names)], n: uint32(len(g.vals.names))}
			g.fams["names"] = f
		}
		vec := g.vals.vec
		k := &keyCol{fam: f, base: func(i int) uint32 { return vec[i].sur }}
		if given {
			k.base = func(i int) uint32 { return vec[i].giv }
		}
		if sound || x.left > 0 {
			k.trans = g.derive(f, len(g.vals.names), sound, x.left)
		}
		return k
	}
	lc, ok := loadCol[x.col]
	if !ok || g.blank&(1<<lc.at) != 0 {
		return nil
	}
	k := g.ownCol(x.col, lc.get)
	if x.left == 0 {
		return k
	}
	if k.fam.list == nil {
		return nil // ids without their values (tax_key's): DuckDB's keys
	}
	d := &keyCol{fam: k.fam, base: k.base}
	if ids := k.ids; ids != nil {
		d.base = func(i int) uint32 { return ids[i] }
	}
	d.trans = g.derive(k.fam, int(k.fam.n), false, x.left)
	return d
}

// ownCol is a column's ids: those of the comparison reading it when there
// is one (values.vocab), else numbered here; its family is the column.
func (g *goKeys) ownCol(name string, get func(r *record) string) *keyCol {
	if k := g.exprs[keyExpr{col: name}]; k != nil {
		return k
	}
	if g.vals != nil && name == "tax_key" {
		vec := g.vals.vec
		f := &keyFamily{} // the ids of values.vec, without their values
		for i := range vec {
			f.n = max(f.n, vec[i].taxKey)
		}
		f.n++
		g.fams[name] = f
		k := &keyCol{fam: f, base: func(i int) uint32 { return vec[i].taxKey }}
		g.exprs[keyExpr{col: name}] = k
		return k
	}
	if g.vals != nil {
		for c := range g.comps {
			cp := &g.comps[c]
			if cp.name || cp.Kind == KindDate || cp.Column != name {
				continue
			}
			list := g.vals.vocab[c]
			f := &keyFamily{list: list[:len(list):len(list)], n: uint32(len(list))}
			g.fams[name] = f
			vec := g.vals.vec
			k := &keyCol{fam: f, base: func(i int) uint32 { return vec[i].id[c] }}
			g.exprs[keyExpr{col: name}] = k
			return k
		}
	}
	f := &keyFamily{list: []string{""}, n: 1}
	ids := make([]uint32, len(g.recs))
	for i := range g.recs {
		ids[i] = f.id(get(&g.recs[i]))
	}
	g.fams[name] = f
	k := &keyCol{fam: f, ids: ids}
	g.exprs[keyExpr{col: name}] = k
	return k
}

// dateCol is birth_date's ids: days from the earliest, NULL 0.
func (g *goKeys) dateCol() *keyCol {
	lo, hi, any := int64(0), int64(0), false
	for i := range g.recs {
		if r := &g.recs[i]; r.hasBirth {
			d := int64(r.birth)
			if !any || d < lo {
				lo = d
			}
			if !any || d > hi {
				hi = d
			}
			any = true
		}
	}
	f := &keyFamily{n: uint32(hi - lo + 2)}
	g.fams["birth_date"] = f
	recs := g.recs
	return &keyCol{fam: f, base: func(i int) uint32 {
		if r := &recs[i]; r.hasBirth {
			return uint32(int64(r.birth) - lo + 1)
		}
		return 0
	}}
}

// derive maps each of the first n ids of f to the id of its sound and/or
// prefix (numbered in f; "" is NULL).
func (g *goKeys) derive(f *keyFamily, n int, sound bool, left int) []uint32 {
	t := make([]uint32, n)
	for b := 1; b < n; b++ {
		s := f.list[b]
		if sound {
			s = nameSound(s)
		}
		if left > 0 {
			s = leftChars(s, left)
		}
		t[b] = f.id(s)
	}
	return t
}

// goRule is a rule whose keys are evaluated here: each side's expressions
// and the shift of each in the packed key.
type goRule struct {
	l, r  []*keyCol
	shift []uint
}

// rule returns how p's keys are evaluated here, nil when DuckDB evaluates
// them.
func (g *goKeys) rule(p oncePlan) *goRule {
	if g == nil || len(p.lkeys) != len(p.rkeys) {
		return nil
	}
	gr := &goRule{}
	width := uint(0)
	for k := range p.lkeys {
		lx, ok1 := parseKeyExpr(p.lkeys[k])
		rx, ok2 := parseKeyExpr(p.rkeys[k])
		if !ok1 || !ok2 {
			return nil
		}
		l, r := g.col(lx), g.col(rx)
		if l == nil || r == nil || l.fam != r.fam {
			return nil
		}
		gr.l, gr.r = append(gr.l, l), append(gr.r, r)
		gr.shift = append(gr.shift, width)
		width += uint(bits.Len32(l.fam.n))
	}
	if width > 64 {
		return nil
	}
	return gr
}

// keys appends to kl the records' keys on side (right: the right side's),
// those with a NULL key value left out, in rid order. The packed ids are
// mixed by a bijection (mix64), so that sortByKey's buckets on the top bits
// are even, as with hashes, and equal keys stay exactly the equal values.
func (gr *goRule) keys(n int, right bool, kl *keyList) {
	cols := gr.l
	if right {
		cols = gr.r
	}
	if len(cols) == 1 {
		c := cols[0]
		for i := range n {
			if v := c.at(i); v != 0 {
				kl.keys = append(kl.keys, mix64(uint64(v)))
				kl.ids = append(kl.ids, int32(i))
			}
		}
		return
	}
outer:
	for i := range n {
		var key uint64
		for k, c := range cols {
			v := c.at(i)
			if v == 0 {
				continue outer
			}
			key |= uint64(v) << gr.shift[k]
		}
		kl.keys = append(kl.keys, mix64(key))
		kl.ids = append(kl.ids, int32(i))
	}
}

// mix64 is MurmurHash3's 64-bit finaliser, a bijection: x ≠ y ⇔ mix64(x) ≠
// mix64(y).
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// goSubKeys is each record's sub key (subKey: the birth year, and the two
// names' initials in either order) as a number: equal exactly when
// subKey's strings are. ok is false for a birth year beyond ±2^20.
func goSubKeys(recs []record, sub []uint64) bool {
	for i := range recs {
		r := &recs[i]
		var y uint64 // no birth date
		if r.hasBirth {
			yr := yearOfDays(int64(r.birth))
			if yr <= -1<<20 || yr >= 1<<20 {
				return false
			}
			y = uint64(yr + 1<<20) // 1 .. 2^21-1
		}
		a, b := initial(r.surname), initial(r.given)
		if a > b {
			a, b = b, a
		}
		sub[i] = y<<44 | a<<22 | b
	}
	return true
}

// initial is subKey's initial of s as a number: its first character's
// code point + 1, 0 for the empty string.
func initial(s string) uint64 {
	if s == "" {
		return 0
	}
	c, _ := utf8.DecodeRuneInString(s)
	return uint64(c) + 1
}

// yearOfDays is the (proleptic Gregorian) year of a day counted from
// 1970-01-01, as DuckDB's year() reads a DATE.
func yearOfDays(days int64) int64 {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	if mp >= 10 { // January, February: the next year's
		y++
	}
	return y
}

// leftChars is DuckDB's left(s, n): the first n characters (code points).
func leftChars(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// nameSound is link_records.sql's sound of a name: K and Q read as C, Z as
// S; everything but BCDFGLMNPRSTVX dropped; a run of one consonant counted
// once; "" (NULL) when nothing is left.
func nameSound(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 'K', 'Q':
			c = 'C'
		case 'Z':
			c = 'S'
		}
		switch c {
		case 'B', 'C', 'D', 'F', 'G', 'L', 'M', 'N', 'P', 'R', 'S', 'T', 'V', 'X':
			if len(b) == 0 || b[len(b)-1] != c {
				b = append(b, c)
			}
		}
	}
	return string(b)
}
