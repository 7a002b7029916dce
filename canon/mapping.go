package canon

import (
	"fmt"
	"strings"
)

// ValueMap holds value mappings from the config (`values:`): for a
// categorical field, a value as typed, folded with [Fold], and the
// canonical value it stands for. A mapped value is taken before the
// field's parser runs: `values: {status: {"RIT.": withdrawn}}`.
type ValueMap map[Field]map[string]string

// MappableFields are the categorical fields a ValueMap may cover.
var MappableFields = []Field{FieldStatus, FieldSex, FieldAxis, FieldOrganisationType}

// CanonicalValues returns the values a mapping of f may target: the
// statuses, F and M, the axes I..V. It returns nil for organisation_type,
// whose values are free text (a mapping gives one spelling to many), and
// for a field that cannot be mapped.
func CanonicalValues(f Field) []string {
	switch f {
	case FieldStatus:
		return Statuses
	case FieldSex:
		return []string{"F", "M"}
	case FieldAxis:
		return Axes
	}
	return nil
}

// Mappable reports whether f is a field a ValueMap may cover.
func Mappable(f Field) bool {
	for _, m := range MappableFields {
		if m == f {
			return true
		}
	}
	return false
}

// Add checks one mapping, typed → target of field f, and records it
// with its key folded. Errors wrap ErrUnmappableField, ErrEmptyMappingKey
// or ErrUnknownTarget.
func (m ValueMap) Add(f Field, typed, target string) error {
	if !Mappable(f) {
		return fmt.Errorf("field %q: %w", f, ErrUnmappableField)
	}
	t, err := CheckMapping(f, target)
	if err != nil {
		return err
	}
	k := Fold(typed)
	if k == "" {
		return fmt.Errorf("%q: %w", typed, ErrEmptyMappingKey)
	}
	if m[f] == nil {
		m[f] = map[string]string{}
	}
	m[f][k] = t
	return nil
}

// CheckMapping checks the target of one mapping of f and returns it in
// canonical spelling (status words lower case, sex and axis upper case).
// Errors wrap ErrUnknownTarget.
func CheckMapping(f Field, target string) (string, error) {
	t := strings.TrimSpace(target)
	vals := CanonicalValues(f)
	if vals == nil {
		if t == "" {
			return "", fmt.Errorf("empty value: %w", ErrUnknownTarget)
		}
		return t, nil
	}
	for _, v := range vals {
		if strings.EqualFold(t, v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%q is not one of %s: %w", target, strings.Join(vals, ", "), ErrUnknownTarget)
}

// Merge returns m with over's entries added, over winning (a province's
// mappings over the global ones). Neither argument is modified.
func (m ValueMap) Merge(over ValueMap) ValueMap {
	if len(over) == 0 {
		return m
	}
	out := ValueMap{}
	for _, src := range []ValueMap{m, over} {
		for f, vs := range src {
			if out[f] == nil {
				out[f] = make(map[string]string, len(vs))
			}
			for k, v := range vs {
				out[f][k] = v
			}
		}
	}
	return out
}

// lookup returns the canonical value raw is mapped to in field f.
func (m ValueMap) lookup(f Field, raw string) (string, bool) {
	vs := m[f]
	if len(vs) == 0 {
		return "", false
	}
	var buf [64]byte
	k := appendFold(buf[:0], raw)
	if len(k) == 0 {
		return "", false
	}
	v, ok := vs[string(k)]
	return v, ok
}

// statusSpellings are complete spellings of each outcome, folded, that
// SuggestValue compares an unknown value with.
var statusSpellings = map[string][]string{
	StatusAccepted:    {"AMMESSO", "AMMESSA", "AMMESSI", "ACCETTATO", "ACCETTATA", "ACCOLTO", "ACCOLTA", "ISCRITTO", "ISCRITTA", "CONFERMATO", "CONFERMATA", "SI"},
	StatusNotAccepted: {"NONAMMESSO", "NONAMMESSA", "NONACCETTATO", "NONACCETTATA", "RESPINTO", "RESPINTA", "ESCLUSO", "ESCLUSA", "DINIEGATO", "DINIEGATA", "RIFIUTATO", "RIFIUTATA", "NONAMM"},
	StatusWithdrawn:   {"RITIRATO", "RITIRATA", "RINUNCIA", "RINUNCIATARIO", "RINUNCIATARIA", "RINUNCIATO", "RINUNCIATA", "RITIRO"},
}

var sexSpellings = map[string][]string{
	"F": {"FEMMINA", "FEMMINILE", "DONNA", "FEMALE"},
	"M": {"MASCHIO", "MASCHILE", "UOMO", "MALE"},
}

// SuggestValue proposes the canonical value that raw, a value of f the
// parser does not know, probably stands for: a close spelling (one or two
// letters off, or a clear start of a known word). It returns "" when no
// value is plausible.
func SuggestValue(f Field, raw string) string {
	k := Fold(raw)
	if len(k) < 3 || len(k) > 40 {
		return "" // too short to tell a typo from another word
	}
	var spellings map[string][]string
	switch f {
	case FieldStatus:
		spellings = statusSpellings
	case FieldSex:
		spellings = sexSpellings
	case FieldAxis:
		spellings = map[string][]string{}
		for i, a := range Axes {
			spellings[a] = []string{axisFolded[i], "ASSE" + a}
		}
	default:
		return ""
	}
	best, bestD := "", 3
	for _, v := range CanonicalValues(f) {
		for _, sp := range spellings[v] {
			d := editDistance(k, sp)
			if len(k) >= 4 && strings.HasPrefix(sp, k) {
				d = 0
			}
			limit := 1
			if len(sp) >= 7 {
				limit = 2
			}
			if d <= limit && d < bestD {
				best, bestD = v, d
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings, in
// bytes (folded values are ASCII but for letters of other scripts, which
// then simply count as several edits).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
