package link

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// compare is the third stage: each candidate pair's comparison vector, as
// the index of its pattern (the distinct vectors, counted per training rule,
// are what the model is fitted on).
func (r *run) compare(ctx context.Context) error {
	r.pat, r.pats = compareAll(ctx, r.vals, r.comps, r.pairs, r.trainRules())
	r.st.Patterns = len(r.pats.levels)
	r.log.Debug("linkage pairs compared", "patterns", len(r.pats.levels), "seconds", r.elapsed())
	return ctx.Err()
}

// record is one enrolment as linkage sees it (a row of link_rec).
type record struct {
	key        string // content fingerprint (record_key)
	prev       string // previous run's person_id, "" if none
	province   string
	surname    string
	given      string
	taxCode    string
	taxValid   bool
	taxKey     string // de-omocoded first 15 characters, "" if not of the right shape
	sex        string
	birth      int32 // days since 1970-01-01
	hasBirth   bool
	birthPlace string
	email      string
	phone      string
	municipal  string
	org        string
	orgType    string
	role       string
	module     string
	extras     []string // values of the configured extras headers
}

// getter reads one string column of a record; swapped reads the other name
// column for surname_fold and given_name_fold (names typed in reverse order).
type getter func(r *record, swapped bool) string

// columnGetter returns the reader of column; extras lists the extras headers
// in use and grows when column is a new "extras.<header>" (nil: only check).
func columnGetter(column string, extras *[]string) (getter, bool) {
	switch column {
	case "surname_fold":
		return func(r *record, s bool) string {
			if s {
				return r.given
			}
			return r.surname
		}, true
	case "given_name_fold":
		return func(r *record, s bool) string {
			if s {
				return r.surname
			}
			return r.given
		}, true
	case "tax_code":
		return func(r *record, _ bool) string { return r.taxCode }, true
	case "birth_date":
		return func(*record, bool) string { return "" }, true
	case "sex":
		return func(r *record, _ bool) string { return r.sex }, true
	case "birth_place_fold":
		return func(r *record, _ bool) string { return r.birthPlace }, true
	case "email":
		return func(r *record, _ bool) string { return r.email }, true
	case "phone":
		return func(r *record, _ bool) string { return r.phone }, true
	case "municipality_fold":
		return func(r *record, _ bool) string { return r.municipal }, true
	case "organisation_fold":
		return func(r *record, _ bool) string { return r.org }, true
	case "organisation_type_fold":
		return func(r *record, _ bool) string { return r.orgType }, true
	case "role_fold":
		return func(r *record, _ bool) string { return r.role }, true
	case "province_code":
		return func(r *record, _ bool) string { return r.province }, true
	case "module_fold":
		return func(r *record, _ bool) string { return r.module }, true
	}
	h, ok := strings.CutPrefix(column, "extras.")
	if !ok || h == "" {
		return nil, false
	}
	if extras == nil {
		return nil, true
	}
	i := len(*extras)
	for j, e := range *extras {
		if e == h {
			i = j
		}
	}
	if i == len(*extras) {
		*extras = append(*extras, h)
	}
	return func(r *record, _ bool) string {
		if i < len(r.extras) {
			return r.extras[i]
		}
		return ""
	}, true
}

// levelLabels names the levels of a comparison: index 0 is "null".
func levelLabels(c Comparison) []string {
	jw := func() []string {
		var l []string
		for _, t := range c.Thresholds {
			l = append(l, "jw_"+strings.TrimRight(strings.TrimRight(ftoa(t), "0"), "."))
		}
		return l
	}
	var l []string
	switch c.Kind {
	case KindExact:
		l = []string{"exact"}
	case KindName:
		l = append([]string{"exact", "one_edit"}, jw()...)
	case KindText:
		l = append([]string{"exact"}, jw()...)
	case KindDate:
		l = []string{"exact", "day_month_swapped", "one_component", "within_month", "within_year"}
	case KindTaxCode:
		l = []string{"exact", "omocodia", "one_edit", "conflict"}
	case KindEmail:
		l = append([]string{"exact", "same_local_part"}, jw()...)
	case KindPhone:
		l = []string{"exact", "one_edit"}
	}
	return append(append([]string{"null"}, l...), "else")
}

func ftoa(f float64) string {
	b := []byte("0.")
	f -= float64(int(f))
	for i := 0; i < 4; i++ {
		f *= 10
		d := int(f + 1e-9)
		b = append(b, byte('0'+d))
		f -= float64(d)
	}
	return string(b)
}

// comparer computes the level of one comparison for a pair.
type comparer struct {
	Comparison
	get    getter
	labels []string
	// idxConflict is the taxcode level that the hard rule forbids.
	idxConflict uint8
	// index is the comparison's position in the vector.
	index int
	// name says the column is surname_fold or given_name_fold (given says
	// which): read in the other column when a pair's names are swapped,
	// numbered in the names' shared vocabulary.
	name, given bool
	mode        compareMode
}

// compareMode is how the fast path compares two different, non-empty
// values of a comparison.
type compareMode uint8

const (
	modeExact  compareMode = iota // different values: else
	modeDate                      // birth dates (dateLevel)
	modeTax                       // tax codes (taxLevel)
	modeName                      // names: Jaro-Winkler and one edit from the names' cache
	modeDirect                    // cheap (phone, email without Jaro-Winkler bands), or values nearly unique
	modeCached                    // the fuzzy level remembered by value ids
)

func newComparer(c Comparison, index int, extras *[]string) comparer {
	g, _ := columnGetter(c.Column, extras)
	cp := comparer{Comparison: c, get: g, labels: levelLabels(c), index: index}
	cp.name = c.Column == "surname_fold" || c.Column == "given_name_fold"
	cp.given = c.Column == "given_name_fold"
	switch {
	case c.Kind == KindTaxCode:
		cp.idxConflict = 4
		cp.mode = modeTax
	case c.Kind == KindDate:
		cp.mode = modeDate
	case c.Kind == KindExact:
		cp.mode = modeExact
	case cp.name && (c.Kind == KindName || c.Kind == KindText):
		cp.mode = modeName
	case c.Kind == KindPhone, c.Kind == KindEmail && len(c.Thresholds) == 0:
		cp.mode = modeDirect
	default:
		cp.mode = modeCached
	}
	return cp
}

// elseLevel is the index of the last level.
func (c *comparer) elseLevel() uint8 { return uint8(len(c.labels) - 1) }

// values are what the comparisons read, numbered once at load (indexValues):
// comparison k's value of record rid is vocab[k][vec[rid].id[k]], equal ids
// are equal values and 0 is "" (missing). A pair compares numbers, and the
// fuzzy metrics run once per distinct pair of values: surnames, given names,
// places and organisations repeat across millions of pairs.
type values struct {
	vec   []cvec
	vocab [][]string // per comparison (nil for dates); the name columns share names
	local [][]uint32 // per email comparison: each value id's local part (before "@"), numbered
	names []string   // surnames and given names, one vocabulary (a pair's names may be swapped)
}

// cvec is one record's values, numbered (see values).
type cvec struct {
	id                 [maxComparisons]uint32 // per comparison; tax codes too
	sur, giv           uint32                 // in values.names
	taxKey             uint32                 // the de-omocoded key, 0 none
	birth              int32                  // days since 1970-01-01
	hasBirth, taxValid bool
}

// ids are the value ids comparison c reads on l and on r (r's other name
// column when swapped).
func (c *comparer) ids(l, r *cvec, swapped bool) (uint32, uint32) {
	if !c.name {
		return l.id[c.index], r.id[c.index]
	}
	a, b := l.sur, r.sur
	if c.given {
		a = l.giv
	}
	if c.given != swapped {
		b = r.giv
	}
	return a, b
}

// vocabulary numbers strings from 1 in order of first sight; "" is 0.
type vocabulary struct {
	ids    map[string]uint32
	list   []string
	before int // len(list) after sampleRecs records (sizeAt)
}

func newVocabulary() *vocabulary { return &vocabulary{ids: map[string]uint32{}, list: []string{""}} }

// sampleRecs is how many records a vocabulary sees before it sizes its
// memory (see grow).
const sampleRecs = 1 << 15

// sizeAt is called after the values of i of n records (each holding per
// values): at sampleRecs it notes the vocabulary's size, at 2 × sampleRecs
// it sizes the memory for the rest at the rate new values came in since (at
// most per a record), so that a column of nearly unique values (tax codes,
// e-mails) is not rehashed a dozen times as it grows. The numbering is the
// same.
func (v *vocabulary) sizeAt(i, n, per int) {
	switch i {
	case sampleRecs:
		v.before = len(v.list)
		return
	case 2 * sampleRecs:
	default:
		return
	}
	fresh := min(len(v.list)-v.before, per*sampleRecs)
	want := len(v.list) + int(int64(fresh)*int64(n-i)/sampleRecs)
	if want <= 2*len(v.ids) {
		return
	}
	ids := make(map[string]uint32, want)
	for s, id := range v.ids {
		ids[s] = id
	}
	v.ids = ids
	v.list = append(make([]string, 0, want+1), v.list...)
}

func (v *vocabulary) id(s string) uint32 {
	if s == "" {
		return 0
	}
	if i, ok := v.ids[s]; ok {
		return i
	}
	i := uint32(len(v.list))
	v.ids[s] = i
	v.list = append(v.list, s)
	return i
}

// indexValues numbers the values the comparisons read, one vocabulary per
// column (the two name columns share one), a goroutine per column.
func indexValues(recs []record, comps []comparer) *values {
	v := &values{vec: make([]cvec, len(recs)), vocab: make([][]string, len(comps)), local: make([][]uint32, len(comps))}
	var wg sync.WaitGroup
	wg.Go(func() {
		names := newVocabulary()
		keys := newVocabulary()
		for i := range recs {
			names.sizeAt(i, len(recs), 2)
			keys.sizeAt(i, len(recs), 1)
			r, c := &recs[i], &v.vec[i]
			c.sur, c.giv = names.id(r.surname), names.id(r.given)
			c.taxKey = keys.id(r.taxKey)
			c.birth, c.hasBirth, c.taxValid = r.birth, r.hasBirth, r.taxValid
		}
		v.names = names.list
	})
	for k := range comps {
		c := &comps[k]
		if c.Kind == KindDate || c.name {
			continue
		}
		wg.Go(func() {
			vocab := newVocabulary()
			for i := range recs {
				vocab.sizeAt(i, len(recs), 1)
				v.vec[i].id[k] = vocab.id(c.get(&recs[i], false))
			}
			v.vocab[k] = vocab.list
			if c.Kind == KindEmail {
				parts := newVocabulary()
				v.local[k] = make([]uint32, len(vocab.list))
				for id, e := range vocab.list {
					la, _, _ := strings.Cut(e, "@")
					v.local[k][id] = parts.id(la)
				}
			}
		})
	}
	wg.Wait()
	for k := range comps {
		c := &comps[k]
		if !c.name {
			continue
		}
		v.vocab[k] = v.names
		for i := range v.vec {
			v.vec[i].id[k], _ = c.ids(&v.vec[i], &v.vec[i], false)
		}
	}
	return v
}

// fuzzy is the level of two different, non-empty values.
func (c *comparer) fuzzy(a, b string) uint8 {
	switch c.Kind {
	case KindName:
		if withinOneEdit(a, b) {
			return 2
		}
		return jwLevel(a, b, c.Thresholds, 3, c.elseLevel())
	case KindText:
		return jwLevel(a, b, c.Thresholds, 2, c.elseLevel())
	case KindEmail:
		la, _, _ := strings.Cut(a, "@")
		lb, _, _ := strings.Cut(b, "@")
		if la == lb {
			return 2
		}
		return jwLevel(a, b, c.Thresholds, 3, c.elseLevel())
	case KindPhone:
		if withinOneEdit(a, b) {
			return 2
		}
	}
	return c.elseLevel()
}

// jwLevel is first + the index of the first threshold that the Jaro-Winkler
// similarity of a and b reaches, else elseLevel (no bands: not computed).
func jwLevel(a, b string, thresholds []float64, first, elseLevel uint8) uint8 {
	if len(thresholds) == 0 {
		return elseLevel
	}
	return jwBand(jaroWinkler(a, b), thresholds, first, elseLevel)
}

// jwBand is first + the index of the first threshold that similarity s
// reaches, else elseLevel.
func jwBand(s32 float32, thresholds []float64, first, elseLevel uint8) uint8 {
	s := float64(s32)
	for i, t := range thresholds {
		if s >= t-1e-6 {
			return first + uint8(i)
		}
	}
	return elseLevel
}

// nameLevel is the level of two different names from their similarity.
func (c *comparer) nameLevel(e nameSim) uint8 {
	if c.Kind == KindText {
		return jwBand(e.jw, c.Thresholds, 2, c.elseLevel())
	}
	if e.oneEdit {
		return 2
	}
	return jwBand(e.jw, c.Thresholds, 3, c.elseLevel())
}

// dateLevel compares two days since the epoch: 1 exact, 2 day and month
// swapped, 3 one component off (two of day, month and year equal: a
// mistyped digit, a wrong day or month), 4 within a month, 5 within a year,
// 6 else. No level vetoes a merge: EM weighs each.
func dateLevel(a, b int32) uint8 {
	if a == b {
		return 1
	}
	ya, ma, da := civil(a)
	yb, mb, db := civil(b)
	if ya == yb && ma == db && da == mb {
		return 2
	}
	same := 0
	if ya == yb {
		same++
	}
	if ma == mb {
		same++
	}
	if da == db {
		same++
	}
	if same >= 2 {
		return 3
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	switch {
	case d <= 31:
		return 4
	case d <= 366:
		return 5
	}
	return 6
}

// civil converts days since 1970-01-01 to year, month, day (proleptic Gregorian).
func civil(days int32) (y, m, d int) {
	z := int(days) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// scratch is one goroutine's comparison state: the values and its memory
// of fuzzy comparisons by value ids (bounded, so it never holds more than a
// few megabytes per comparison).
type scratch struct {
	v     *values
	comps []comparer
	limit int                // entries each hash table may hold (0: maxCacheEntries)
	names pairCache[nameSim] // two names' similarity
	// recent are the name pairs swapBetter looked up for the pair being
	// compared, which its name levels read again.
	recent [4]cacheSlot[nameSim]
	// per comparison (modeCached): the fuzzy level by value ids + 1, in a
	// square table when the vocabulary is small, else in a hash table.
	dense  [][]uint8
	levels []pairCache[uint8]
	// touched are the comparisons whose memory touch reads ahead, strs
	// the strings it reads (comparison, value ids).
	touched []int
	strs    [][3]uint32
	sink    uint32 // what touch read
}

// nameSim is two names' Jaro-Winkler similarity and whether they are one
// edit apart.
type nameSim struct {
	jw      float32
	oneEdit bool
}

// denseVocab bounds the vocabularies whose fuzzy levels are kept in a square
// table (1 MiB); larger ones use a hash table.
const denseVocab = 1024

func newScratch(v *values, comps []comparer) *scratch {
	s := &scratch{v: v, comps: comps, dense: make([][]uint8, len(comps)), levels: make([]pairCache[uint8], len(comps))}
	for k := range comps {
		if n := len(v.vocab[k]); comps[k].mode == modeCached && n <= denseVocab {
			s.dense[k] = make([]uint8, n*n)
		}
		switch m := comps[k].mode; {
		case m == modeTax, m == modeDirect, m == modeCached && s.dense[k] == nil:
			s.touched = append(s.touched, k)
		}
	}
	return s
}

// pair packs the comparison levels of records l and r (4 bits each) and
// says whether r's names were read in reverse order.
func (s *scratch) pair(li, ri int32) (uint64, bool) {
	l, r := &s.v.vec[li], &s.v.vec[ri]
	s.recent = [4]cacheSlot[nameSim]{}
	sw := s.swapBetter(l, r)
	var packed uint64
	for k := range s.comps {
		packed |= uint64(s.level(k, l, r, sw)) << (4 * k)
	}
	return packed, sw
}

// level is comparison k's level of l and r.
func (s *scratch) level(k int, l, r *cvec, swapped bool) uint8 {
	c := &s.comps[k]
	switch c.mode {
	case modeDate:
		if !l.hasBirth || !r.hasBirth {
			return 0
		}
		return dateLevel(l.birth, r.birth)
	case modeTax:
		return s.taxLevel(k, l, r)
	}
	a, b := c.ids(l, r, swapped)
	if a == 0 || b == 0 {
		return 0
	}
	if a == b {
		return 1
	}
	switch c.mode {
	case modeExact:
		return c.elseLevel()
	case modeName:
		return c.nameLevel(s.sim(a, b))
	case modeDirect:
		if c.Kind == KindEmail { // no Jaro-Winkler bands
			if s.v.local[k][a] == s.v.local[k][b] {
				return 2
			}
			return c.elseLevel()
		}
		return c.fuzzy(s.v.vocab[k][a], s.v.vocab[k][b])
	}
	if d := s.dense[k]; d != nil {
		i := int(a)*len(s.v.vocab[k]) + int(b)
		if d[i] == 0 {
			d[i] = c.fuzzy(s.v.vocab[k][a], s.v.vocab[k][b]) + 1
		}
		return d[i] - 1
	}
	key := uint64(a)<<32 | uint64(b)
	if lv, ok := s.levels[k].get(key); ok {
		return lv
	}
	lv := c.fuzzy(s.v.vocab[k][a], s.v.vocab[k][b])
	s.levels[k].put(key, lv, s.limit)
	return lv
}

// taxLevel: 0 a code missing, 1 exact, 2 equal after omocodia, 3 one edit
// apart, 4 both valid and different (the hard rule), 5 else.
func (s *scratch) taxLevel(k int, l, r *cvec) uint8 {
	a, b := l.id[k], r.id[k]
	if a == 0 || b == 0 {
		return 0
	}
	if a == b {
		return 1
	}
	if l.taxKey != 0 && l.taxKey == r.taxKey {
		return 2
	}
	if l.taxValid && r.taxValid {
		return 4
	}
	if withinOneEdit(s.v.vocab[k][a], s.v.vocab[k][b]) {
		return 3
	}
	return 5
}

// touchBatch is how many pairs touch reads ahead.
const touchBatch = 16

// touch reads, for the pairs about to be compared, the memory their
// comparisons will wait for: the right record's values (a random place
// among a million), the names' memory slots the swap looks up, and for the
// comparisons that read them the strings (tax codes and phones that may be
// one edit apart), e-mails' local parts and remembered levels. The loads of
// a round do not depend on one another, so the processor has them all in
// flight at once instead of one after the other as the comparisons ask (Go
// has no prefetch instruction). It computes nothing: which level a pair
// gets does not depend on it (TestCompareMatchesReference).
func (s *scratch) touch(ps []candidate) {
	var x uint32
	vec := s.v.vec
	for i := range ps {
		r := &vec[ps[i].r]
		x += r.sur + r.id[maxComparisons/2] + uint32(r.birth)
	}
	strs := s.strs[:0]
	for i := range ps {
		l, r := &vec[ps[i].l], &vec[ps[i].r]
		if ls, lg, rs, rg := l.sur, l.giv, r.sur, r.giv; ls != rs && lg != rg && s.names.n > 0 {
			x += s.names.peek(uint64(ls)<<32|uint64(rs)) + s.names.peek(uint64(lg)<<32|uint64(rg)) +
				s.names.peek(uint64(ls)<<32|uint64(rg)) + s.names.peek(uint64(lg)<<32|uint64(rs))
		}
		for _, k := range s.touched {
			c := &s.comps[k]
			a, b := l.id[k], r.id[k]
			if a == 0 || b == 0 || a == b {
				continue
			}
			switch c.mode {
			case modeTax:
				if (l.taxKey == 0 || l.taxKey != r.taxKey) && !(l.taxValid && r.taxValid) {
					x += uint32(len(s.v.vocab[k][a]) + len(s.v.vocab[k][b]))
					strs = append(strs, [3]uint32{uint32(k), a, b})
				}
			case modeDirect:
				if c.Kind == KindEmail {
					x += s.v.local[k][a] + s.v.local[k][b]
				} else {
					x += uint32(len(s.v.vocab[k][a]) + len(s.v.vocab[k][b]))
					strs = append(strs, [3]uint32{uint32(k), a, b})
				}
			case modeCached:
				if s.levels[k].n > 0 {
					x += s.levels[k].peek(uint64(a)<<32 | uint64(b))
				}
			}
		}
	}
	for _, t := range strs {
		vocab := s.v.vocab[t[0]]
		if a, b := vocab[t[1]], vocab[t[2]]; a != "" && b != "" {
			x += uint32(a[0]) + uint32(b[0])
		}
	}
	s.strs = strs
	s.sink += x
}

// sim is the similarity of two different, non-empty names (by id).
func (s *scratch) sim(a, b uint32) nameSim {
	key := uint64(a)<<32 | uint64(b)
	for i := range s.recent {
		if s.recent[i].key == key {
			return s.recent[i].val
		}
	}
	e, ok := s.names.get(key)
	if !ok {
		x, y := s.v.names[a], s.v.names[b]
		e = nameSim{jw: jaroWinkler(x, y), oneEdit: withinOneEdit(x, y)}
		s.names.put(key, e, s.limit)
	}
	for i := range s.recent {
		if s.recent[i].key == 0 {
			s.recent[i] = cacheSlot[nameSim]{key, e}
			break
		}
	}
	return e
}

// jw is the Jaro-Winkler similarity of two names by id (0 when one is
// missing, 1 when equal).
func (s *scratch) jw(a, b uint32) float32 {
	switch {
	case a == 0 || b == 0:
		return 0
	case a == b:
		return 1
	}
	return s.sim(a, b).jw
}

// swapBetter says whether r's names read better in reverse order against
// l's: the two crossed similarities beat the straight ones by 0.1.
func (s *scratch) swapBetter(l, r *cvec) bool {
	ls, lg, rs, rg := l.sur, l.giv, r.sur, r.giv
	if ls == rs || lg == rg {
		return false
	}
	if ls == rg && lg == rs {
		return true
	}
	straight := s.jw(ls, rs) + s.jw(lg, rg)
	crossed := s.jw(ls, rg) + s.jw(lg, rs)
	return crossed > straight+0.1
}

// maxCacheEntries bounds each hash table of a scratch.
const maxCacheEntries = 1 << 19

// pairCache maps a pair of value ids (a<<32 | b, never 0) to what was
// computed for it: open addressing, linear probing, key and value side by
// side (one cache line), grown by doubling up to a bound (maxCacheEntries),
// after which nothing new is remembered.
type pairCache[V any] struct {
	slots []cacheSlot[V]
	n     int
	shift uint
}

type cacheSlot[V any] struct {
	key uint64
	val V
}

func (c *pairCache[V]) slot(key uint64) int {
	return int((key * 0x9E3779B97F4A7C15) >> c.shift)
}

// peek reads the slot where key's search starts (see scratch.touch).
func (c *pairCache[V]) peek(key uint64) uint32 {
	return uint32(c.slots[c.slot(key)].key)
}

func (c *pairCache[V]) get(key uint64) (V, bool) {
	var zero V
	if c.n == 0 {
		return zero, false
	}
	mask := len(c.slots) - 1
	for i := c.slot(key); ; i = (i + 1) & mask {
		switch c.slots[i].key {
		case key:
			return c.slots[i].val, true
		case 0:
			return zero, false
		}
	}
}

// put remembers v for key unless the table holds limit entries (0:
// maxCacheEntries).
func (c *pairCache[V]) put(key uint64, v V, limit int) {
	if limit == 0 {
		limit = maxCacheEntries
	}
	if c.n >= limit {
		return
	}
	if 2*(c.n+1) > len(c.slots) {
		c.grow()
	}
	mask := len(c.slots) - 1
	i := c.slot(key)
	for c.slots[i].key != 0 && c.slots[i].key != key {
		i = (i + 1) & mask
	}
	if c.slots[i].key == 0 {
		c.n++
	}
	c.slots[i] = cacheSlot[V]{key, v}
}

func (c *pairCache[V]) grow() {
	size := max(2*len(c.slots), 1<<10)
	old := c.slots
	c.slots = make([]cacheSlot[V], size)
	c.shift = uint(64 - bitsFor(size))
	c.n = 0
	for _, sl := range old {
		if sl.key != 0 {
			c.put(sl.key, sl.val, 0)
		}
	}
}

// bitsFor is log2 of the power of two n.
func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// patterns are the distinct comparison vectors of the candidate pairs and,
// per vector, how many pairs have it in all and per training rule.
type patterns struct {
	levels []uint64  // 4 bits per comparison
	counts []float64 // per pattern, stride 1 + training rules: all pairs, then each training rule's
	stride int
}

// count is how many pairs have pattern p (j = -1), or of those how many
// training rule j produced.
func (ps *patterns) count(p, j int) float64 { return ps.counts[p*ps.stride+1+j] }

// patternIndex numbers comparison vectors: open addressing by vector.
type patternIndex struct {
	keys   []uint64
	idx    []uint32 // pattern + 1; 0 empty
	levels []uint64
	shift  uint
}

// id returns the number of vector lv, numbering it if new.
func (x *patternIndex) id(lv uint64) uint32 {
	if 2*(len(x.levels)+1) > len(x.keys) {
		size := max(2*len(x.keys), 1<<10)
		x.keys, x.idx = make([]uint64, size), make([]uint32, size)
		x.shift = uint(64 - bitsFor(size))
		for i, l := range x.levels {
			x.insert(l, uint32(i))
		}
	}
	mask := len(x.keys) - 1
	i := int((lv * 0x9E3779B97F4A7C15) >> x.shift)
	for ; x.idx[i] != 0; i = (i + 1) & mask {
		if x.keys[i] == lv {
			return x.idx[i] - 1
		}
	}
	p := uint32(len(x.levels))
	x.keys[i], x.idx[i] = lv, p+1
	x.levels = append(x.levels, lv)
	return p
}

func (x *patternIndex) insert(lv uint64, p uint32) {
	mask := len(x.keys) - 1
	i := int((lv * 0x9E3779B97F4A7C15) >> x.shift)
	for x.idx[i] != 0 {
		i = (i + 1) & mask
	}
	x.keys[i], x.idx[i] = lv, p+1
}

// compareChunk is how many pairs a worker takes at a time.
const compareChunk = 1 << 14

// parallelChunks runs f over [0, n) in chunks of size pairs on GOMAXPROCS
// goroutines (w numbers the goroutine) and returns which goroutine did each
// chunk. Each chunk is done once; what f writes per index is its own, so the
// results do not depend on the schedule.
func parallelChunks(ctx context.Context, n, size int, f func(w, lo, hi int)) []int32 {
	chunks := (n + size - 1) / size
	owner := make([]int32, chunks)
	workers := max(min(runtime.GOMAXPROCS(0), chunks), 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				owner[c] = int32(w)
				f(w, c*size, min((c+1)*size, n))
			}
		})
	}
	wg.Wait()
	return owner
}

// workers is how many goroutines parallelChunks starts for n items.
func workers(n, size int) int {
	return max(min(runtime.GOMAXPROCS(0), (n+size-1)/size), 1)
}

// compareAll compares every candidate pair on every core and returns each
// pair's pattern number and the patterns, counted in all and per training
// rule (train: the rules' indexes in the blocking rules).
func compareAll(ctx context.Context, v *values, comps []comparer, pairs []candidate, train []int) ([]uint32, *patterns) {
	stride := 1 + len(train)
	nw := workers(len(pairs), compareChunk)
	type local struct {
		index  patternIndex
		counts []int64
	}
	locals := make([]local, nw)
	scratches := make([]*scratch, nw)
	pat := make([]uint32, len(pairs))
	owner := parallelChunks(ctx, len(pairs), compareChunk, func(w, lo, hi int) {
		s, lc := scratches[w], &locals[w]
		if s == nil {
			s = newScratch(v, comps)
			scratches[w] = s
		}
		for i := lo; i < hi; i++ {
			if (i-lo)%touchBatch == 0 {
				s.touch(pairs[i:min(i+touchBatch, hi)])
			}
			p := &pairs[i]
			lv, _ := s.pair(p.l, p.r)
			id := lc.index.id(lv)
			if int(id)*stride >= len(lc.counts) {
				lc.counts = append(lc.counts, make([]int64, stride)...)
			}
			c := lc.counts[int(id)*stride:]
			c[0]++
			for j, rule := range train {
				if p.rules&(1<<rule) != 0 {
					c[1+j]++
				}
			}
			pat[i] = id
		}
	})
	ps := &patterns{stride: stride}
	var global patternIndex
	remap := make([][]uint32, nw)
	for w := range locals {
		lc := &locals[w]
		remap[w] = make([]uint32, len(lc.index.levels))
		for j, lv := range lc.index.levels {
			g := global.id(lv)
			if int(g)*stride >= len(ps.counts) {
				ps.counts = append(ps.counts, make([]float64, stride)...)
			}
			for x := range stride {
				ps.counts[int(g)*stride+x] += float64(lc.counts[j*stride+x])
			}
			remap[w][j] = g
		}
	}
	ps.levels = global.levels
	parallelChunks(ctx, len(owner), 1, func(_, c, _ int) {
		m := remap[owner[c]]
		for i := c * compareChunk; i < min((c+1)*compareChunk, len(pat)); i++ {
			pat[i] = m[pat[i]]
		}
	})
	return pat, ps
}
