package link

import (
	"strings"

	"github.com/hbollon/go-edlib"
)

// record is one enrolment as linkage sees it (a row of link_rec).
type record struct {
	enrolmentID string
	key         string // content fingerprint (record_key)
	prev        string // previous run's person_id, "" if none
	province    string
	surname     string
	given       string
	taxCode     string
	taxValid    bool
	taxKey      string // de-omocoded first 15 characters, "" if not of the right shape
	sex         string
	birth       int32 // days since 1970-01-01
	hasBirth    bool
	birthPlace  string
	email       string
	phone       string
	municipal   string
	org         string
	orgType     string
	role        string
	module      string
	extras      []string // values of the configured extras headers
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
		l = []string{"exact", "day_month_swapped", "one_component"}
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
}

func newComparer(c Comparison, extras *[]string) comparer {
	g, _ := columnGetter(c.Column, extras)
	cp := comparer{Comparison: c, get: g, labels: levelLabels(c)}
	if c.Kind == KindTaxCode {
		cp.idxConflict = 4
	}
	return cp
}

// elseLevel is the index of the last level.
func (c *comparer) elseLevel() uint8 { return uint8(len(c.labels) - 1) }

// level returns the comparison level of l and r (r's names swapped when swapped).
func (c *comparer) level(l, r *record, swapped bool) uint8 {
	switch c.Kind {
	case KindDate:
		if !l.hasBirth || !r.hasBirth {
			return 0
		}
		return dateLevel(l.birth, r.birth)
	case KindTaxCode:
		return taxLevel(l, r)
	}
	a, b := c.get(l, false), c.get(r, swapped)
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	switch c.Kind {
	case KindName:
		if edlib.OSADamerauLevenshteinDistance(a, b) <= 1 {
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
		if edlib.OSADamerauLevenshteinDistance(a, b) <= 1 {
			return 2
		}
	}
	return c.elseLevel()
}

// jwLevel is first + the index of the first threshold that the Jaro-Winkler
// similarity of a and b reaches, else elseLevel.
func jwLevel(a, b string, thresholds []float64, first, elseLevel uint8) uint8 {
	s := float64(edlib.JaroWinklerSimilarity(a, b))
	for i, t := range thresholds {
		if s >= t-1e-6 {
			return first + uint8(i)
		}
	}
	return elseLevel
}

// dateLevel compares two days since the epoch: 1 exact, 2 day and month
// swapped, 3 two of day, month and year equal, 4 else.
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
	return 4
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
	if edlib.OSADamerauLevenshteinDistance(a, b) <= 1 {
		return 3
	}
	return 5
}

// swapBetter says whether r's names read better in reverse order against l's.
func swapBetter(l, r *record) bool {
	if l.surname == r.surname || l.given == r.given {
		return false
	}
	if l.surname == r.given && l.given == r.surname {
		return true
	}
	straight := edlib.JaroWinklerSimilarity(l.surname, r.surname) + edlib.JaroWinklerSimilarity(l.given, r.given)
	crossed := edlib.JaroWinklerSimilarity(l.surname, r.given) + edlib.JaroWinklerSimilarity(l.given, r.surname)
	return crossed > straight+0.1
}
