package link

import (
	"context"
	"runtime"
	"strings"
	"sync"

	"github.com/hbollon/go-edlib"
)

// compare is the third stage: each candidate pair's comparison vector.
func (r *run) compare(ctx context.Context) error {
	compareAll(ctx, r.recs, r.comps, r.pairs)
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

	// Value ids (see indexValues): equal ids, equal values; 0 is "".
	surnameID, givenID uint32
	cid                [maxComparisons]uint32 // comparison k's value
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
	// index is the comparison's position in the vector (record.cid).
	index int
}

func newComparer(c Comparison, index int, extras *[]string) comparer {
	g, _ := columnGetter(c.Column, extras)
	cp := comparer{Comparison: c, get: g, labels: levelLabels(c), index: index}
	if c.Kind == KindTaxCode {
		cp.idxConflict = 4
	}
	return cp
}

// elseLevel is the index of the last level.
func (c *comparer) elseLevel() uint8 { return uint8(len(c.labels) - 1) }

// level returns the comparison level of l and r (r's names swapped when swapped).
func (c *comparer) level(l, r *record, swapped bool) uint8 { return c.levelCached(l, r, swapped, nil) }

// maxCache bounds each comparison's cache of fuzzy levels (per goroutine).
const maxCache = 1 << 19

// levelCached is level with the fuzzy levels of two different values
// remembered in cache (nil: none), keyed by the values' ids (indexValues
// must have run): the vocabularies of names, places and organisations are
// small beside the pairs, so most fuzzy comparisons repeat.
func (c *comparer) levelCached(l, r *record, swapped bool, cache map[uint64]uint8) uint8 {
	switch c.Kind {
	case KindDate:
		if !l.hasBirth || !r.hasBirth {
			return 0
		}
		return dateLevel(l.birth, r.birth)
	case KindTaxCode:
		return taxLevel(l, r)
	}
	if cache == nil {
		a, b := c.get(l, false), c.get(r, swapped)
		if a == "" || b == "" {
			return 0
		}
		if a == b {
			return 1
		}
		return c.fuzzy(a, b)
	}
	ia, ib := c.id(l, false), c.id(r, swapped)
	if ia == 0 || ib == 0 {
		return 0
	}
	if ia == ib {
		return 1
	}
	if c.Kind != KindName && c.Kind != KindText {
		return c.fuzzy(c.get(l, false), c.get(r, swapped)) // cheap, or values nearly unique
	}
	k := uint64(ia)<<32 | uint64(ib)
	if lv, ok := cache[k]; ok {
		return lv
	}
	lv := c.fuzzy(c.get(l, false), c.get(r, swapped))
	if len(cache) < maxCache {
		cache[k] = lv
	}
	return lv
}

// id is the value id of the column c compares (swapped: the other name).
func (c *comparer) id(r *record, swapped bool) uint32 {
	switch c.Column {
	case "surname_fold":
		if swapped {
			return r.givenID
		}
		return r.surnameID
	case "given_name_fold":
		if swapped {
			return r.surnameID
		}
		return r.givenID
	}
	return r.cid[c.index]
}

// indexValues numbers the distinct values the comparisons read (one
// vocabulary for all columns, "" is 0) and stores each record's ids.
func indexValues(recs []record, comps []comparer) {
	vocab := map[string]uint32{"": 0}
	id := func(s string) uint32 {
		if v, ok := vocab[s]; ok {
			return v
		}
		v := uint32(len(vocab))
		vocab[s] = v
		return v
	}
	for i := range recs {
		r := &recs[i]
		r.surnameID, r.givenID = id(r.surname), id(r.given)
		for k := range comps {
			switch comps[k].Kind {
			case KindDate, KindTaxCode:
			default:
				r.cid[k] = id(comps[k].get(r, false))
			}
		}
	}
}

// withinOneEdit says whether a and b are at most one edit apart (optimal
// string alignment distance, go-edlib), skipping the metric when the
// lengths or the differing bytes of two ASCII strings already rule it out.
func withinOneEdit(a, b string) bool {
	a, b = clip(a), clip(b)
	if ascii(a) && ascii(b) {
		d := len(a) - len(b)
		if d > 1 || d < -1 {
			return false
		}
		if d == 0 {
			diff := 0
			for i := 0; i < len(a); i++ {
				if a[i] != b[i] {
					diff++
				}
			}
			if diff > 2 {
				return false
			}
		}
	}
	return edlib.OSADamerauLevenshteinDistance(a, b) <= 1
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
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
// similarity of a and b reaches, else elseLevel.
func jwLevel(a, b string, thresholds []float64, first, elseLevel uint8) uint8 {
	s := float64(jaroWinkler(a, b))
	for i, t := range thresholds {
		if s >= t-1e-6 {
			return first + uint8(i)
		}
	}
	return elseLevel
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

// taxLevel: 0 a code missing, 1 exact, 2 equal after omocodia, 3 one edit
// apart, 4 both valid and different (the hard rule), 5 else.
func taxLevel(l, r *record) uint8 {
	a, b := l.taxCode, r.taxCode
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	if l.taxKey != "" && l.taxKey == r.taxKey {
		return 2
	}
	if l.taxValid && r.taxValid {
		return 4
	}
	if withinOneEdit(a, b) {
		return 3
	}
	return 5
}

// swapBetterCached is swapBetter with the Jaro-Winkler similarities of
// names remembered in jw by value ids (indexValues must have run).
func swapBetterCached(l, r *record, jw map[uint64]float32) bool {
	ls, lg, rs, rg := l.surnameID, l.givenID, r.surnameID, r.givenID
	if ls == rs || lg == rg {
		return false
	}
	if ls == rg && lg == rs {
		return true
	}
	sim := func(a, b uint32, sa, sb string) float32 {
		if a == b {
			return jaroWinkler(sa, sb)
		}
		k := uint64(a)<<32 | uint64(b)
		if v, ok := jw[k]; ok {
			return v
		}
		v := jaroWinkler(sa, sb)
		if len(jw) < maxCache {
			jw[k] = v
		}
		return v
	}
	straight := sim(ls, rs, l.surname, r.surname) + sim(lg, rg, l.given, r.given)
	crossed := sim(ls, rg, l.surname, r.given) + sim(lg, rs, l.given, r.surname)
	return crossed > straight+0.1
}

// swapBetter says whether r's names read better in reverse order against l's.
func swapBetter(l, r *record) bool {
	if l.surname == r.surname || l.given == r.given {
		return false
	}
	if l.surname == r.given && l.given == r.surname {
		return true
	}
	straight := jaroWinkler(l.surname, r.surname) + jaroWinkler(l.given, r.given)
	crossed := jaroWinkler(l.surname, r.given) + jaroWinkler(l.given, r.surname)
	return crossed > straight+0.1
}

// comparePair packs the comparison levels of records l and r and says
// whether r's names were read in reverse order; caches (one per comparison,
// nil: none) remember fuzzy levels.
func comparePair(l, r *record, comps []comparer, caches *caches) (uint64, bool) {
	var sw bool
	if caches != nil {
		sw = swapBetterCached(l, r, caches.jw)
	} else {
		sw = swapBetter(l, r)
	}
	var packed uint64
	for k := range comps {
		var c map[uint64]uint8
		if caches != nil {
			c = caches.levels[k]
		}
		packed |= uint64(comps[k].levelCached(l, r, sw, c)) << (4 * k)
	}
	return packed, sw
}

// caches are one goroutine's memory of fuzzy comparisons, by value ids.
type caches struct {
	levels []map[uint64]uint8 // per comparison
	jw     map[uint64]float32 // name similarities, for swapBetter
}

func newCaches(n int) *caches {
	c := &caches{levels: make([]map[uint64]uint8, n), jw: map[uint64]float32{}}
	for k := range c.levels {
		c.levels[k] = map[uint64]uint8{}
	}
	return c
}

// parallel calls f on GOMAXPROCS consecutive parts [lo, hi) of [0, n), one
// goroutine each, w numbering the parts, and waits for them.
func parallel(n int, f func(w, lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, lo, hi)
		}()
	}
	wg.Wait()
}

// compareAll fills the levels of pairs, on every core.
func compareAll(ctx context.Context, recs []record, comps []comparer, pairs []pairScore) {
	parallel(len(pairs), func(_, lo, hi int) {
		caches := newCaches(len(comps))
		for i := lo; i < hi; i++ {
			if (i-lo)%65536 == 0 && ctx.Err() != nil {
				return
			}
			p := &pairs[i]
			p.levels, p.swapped = comparePair(&recs[p.l], &recs[p.r], comps, caches)
		}
	})
}
