package link

import (
	"fmt"
	"strings"
	"unicode"
)

// Comparison kinds (Comparison.Kind). Each kind has fixed levels, best first,
// after level 0 "null" (a side is missing) which carries no evidence:
//
//	exact    exact, else
//	name     exact, one_edit (OSA distance 1), then one level per Jaro-Winkler threshold, else
//	text     exact, then one level per Jaro-Winkler threshold, else
//	date     exact, day_month_swapped, one_component (two of day, month, year equal), else
//	taxcode  exact, omocodia (equal after mapping omocodia letters back to digits),
//	         one_edit, conflict (both valid and different), else
//	email    exact, same_local_part, then one level per Jaro-Winkler threshold, else
//	phone    exact, one_edit, else
const (
	KindExact   = "exact"
	KindName    = "name"
	KindText    = "text"
	KindDate    = "date"
	KindTaxCode = "taxcode"
	KindEmail   = "email"
	KindPhone   = "phone"
)

// Comparison says how one column of two enrolments is compared.
type Comparison struct {
	// Name labels the comparison in person_links, link_model and the review
	// workbook. Default: Column.
	Name string `yaml:"name"`
	// Column is a link_rec column (surname_fold, given_name_fold, tax_code,
	// sex, birth_date, birth_place_fold, email, phone, municipality_fold,
	// organisation_fold, organisation_type_fold, role_fold, province_code,
	// module_fold) or "extras.<header>" for a column that maps to no field.
	Column string `yaml:"column"`
	// Kind is one of the Kind* constants.
	Kind string `yaml:"kind"`
	// Thresholds are the Jaro-Winkler similarities, descending, of the fuzzy
	// levels of kinds name, text and email. Default: name 0.92, 0.80;
	// text 0.90; email none (addresses are often built from the name, so a
	// similar address is little evidence beyond the names).
	Thresholds []float64 `yaml:"thresholds"`
	// TermFrequency re-weights the exact level by how common the value is
	// (ROSSI is weak evidence, a rare surname strong), and the fuzzy levels
	// by as much as the exact level would be for the commoner of the two
	// values (as Splink does). Default: on for the surname and the given
	// name.
	TermFrequency bool `yaml:"term_frequency"`
	// Group names comparisons whose agreements go together (an
	// organisation, its province, the role in it): the comparisons of one
	// group add only their strongest agreement to a pair's weight (every
	// disagreement counts), so that namesakes in one office are not taken
	// for one person on correlated context. Default: "context" for
	// organisation, role and province; "" for the others.
	Group string `yaml:"group"`
}

// Config configures linkage. The pipeline embeds it as `linkage:`.
type Config struct {
	// Blocking rules: SQL join conditions on l. and r. (columns of link_rec,
	// see sql/link_records.sql); a pair is compared when any rule holds. Each
	// rule should contain an equality so that it runs as a hash join.
	// Default: DefaultBlocking.
	Blocking []string `yaml:"blocking"`
	// MaxBlockRecords bounds blocking: a block (the records sharing the
	// key of a rule's equalities) with more records than this is not
	// compared whole but cut into sub-blocks by a second key (birth year
	// and the two name initials); a sub-block still larger is dropped (the
	// comparisons budget) and counted in link_runs (dropped_pairs, and per
	// rule rule_pairs). For a rule that compares different columns on each
	// side the bound is on the product of the two sides, MaxBlockRecords².
	// Default 40; -1 = no bound.
	MaxBlockRecords int `yaml:"max_block_records"`
	// Training: the blocking rules whose pairs train the model, one
	// expectation-maximisation session each (as Splink trains); each must
	// also be in Blocking. A session does not estimate the comparisons its
	// rule reads. Default: the tax-code rule and the same-names rule.
	Training []string `yaml:"training"`
	// Comparisons: the comparison vector. Default: DefaultComparisons.
	Comparisons []Comparison `yaml:"comparisons"`
	// AutoExtras compares the extras columns (those that map to no field)
	// without listing them: each column that at least 30% of the rows fill
	// and whose distinct values are at least 10% of them (not a category)
	// is compared as text (exact, Jaro-Winkler ≥ 0.9, else), the most
	// informative first while the vector has room (16 comparisons); one
	// that at least half the rows fill, with at least half its values
	// distinct (an identifier, an address), also blocks on equality. Its
	// weights are learnt by EM like every other. Default true.
	AutoExtras *bool `yaml:"auto_extras"`
	// MatchThreshold: pairs with probability ≥ it are the same person.
	// Default 0.99, chosen once on all the repository's labelled sets
	// together (never per set): of the thresholds of the link eval table,
	// the one with the best worst F1 among those at which no set has a
	// false merge (a false merge silently lowers the persons count; a
	// missed one goes to review).
	MatchThreshold float64 `yaml:"match_threshold"`
	// ReviewThreshold: pairs with probability in [ReviewThreshold,
	// MatchThreshold) go to the review workbook. Default 0.3.
	ReviewThreshold float64 `yaml:"review_threshold"`
	// LinkThreshold: pairs with probability ≥ it are kept in person_links as
	// near misses even below ReviewThreshold. Default 0.01.
	LinkThreshold float64 `yaml:"link_threshold"`
	// Decisions is the path of the analysts' decisions CSV
	// (left,right,decision,analyst,date,note); "" = none.
	Decisions string `yaml:"decisions"`
	// EMIterations caps the expectation-maximisation iterations. Default 50.
	EMIterations int `yaml:"em_iterations"`
	// USamplePairs is how many random pairs estimate the u probabilities.
	// Default 300,000 (all pairs when there are fewer).
	USamplePairs int `yaml:"u_sample_pairs"`
	// Seed seeds the random pairs. Default 1.
	Seed int64 `yaml:"seed"`
}

// DefaultBlocking are the default blocking rules, strongest first: same tax
// code (after omocodia); same names, in either order; same email; same
// phone; same birth date and a two-letter prefix of a name in common
// (surname or given name, either column), or the municipality; same surname
// or same given name and municipality; same
// organisation and the same given name, or the same sound (consonant
// skeleton, see sql/link_records.sql) of the surname (with the given
// name's initial, and alone) or of either name in the other column (names
// typed in reverse order).
//
// They were chosen on all the labelled sets together (link/BENCH.md,
// "Choosing the blocking rules"): of 57 candidate rules (the 26 earlier
// defaults and 31 tighter variants), the greedy method drops the costliest
// rule (its pairs on 1,000,000 synthetic enrolments) while every labelled
// set keeps a blocking recall of at least 0.995, no more than 0.002 under
// the 26 rules', and the true pairs its blocked pairs connect (what
// clustering can recover) no more than 0.001 under; then the names in
// reverse order and birth date + municipality were put back, since FEBRL4
// lost three matched pairs without them. The rules that found no true pair
// alone (the tax code's parts, surname plus birth year or birth place, the
// swapped date) or only pairs clustering recovers anyway (one name plus the
// other's initial) are gone.
var DefaultBlocking = []string{
	"l.tax_key = r.tax_key",
	"l.surname_fold = r.surname_fold AND l.given_name_fold = r.given_name_fold",
	"l.surname_fold = r.given_name_fold AND l.given_name_fold = r.surname_fold",
	"l.email = r.email",
	"l.phone = r.phone",
	"l.birth_date = r.birth_date AND left(l.surname_fold, 2) = left(r.surname_fold, 2)",
	"l.birth_date = r.birth_date AND left(l.given_name_fold, 2) = left(r.given_name_fold, 2)",
	"l.birth_date = r.birth_date AND left(l.surname_fold, 2) = left(r.given_name_fold, 2)",
	"l.birth_date = r.birth_date AND left(l.given_name_fold, 2) = left(r.surname_fold, 2)",
	"l.birth_date = r.birth_date AND l.municipality_fold = r.municipality_fold",
	"l.surname_fold = r.surname_fold AND l.municipality_fold = r.municipality_fold",
	"l.given_name_fold = r.given_name_fold AND l.municipality_fold = r.municipality_fold",
	"l.organisation_fold = r.organisation_fold AND l.given_name_fold = r.given_name_fold",
	"l.organisation_fold = r.organisation_fold AND left(l.surname_sound, 3) = left(r.surname_sound, 3) AND left(l.given_name_fold, 1) = left(r.given_name_fold, 1)",
	"l.organisation_fold = r.organisation_fold AND left(l.surname_sound, 3) = left(r.surname_sound, 3)",
	"l.organisation_fold = r.organisation_fold AND left(l.surname_sound, 3) = left(r.given_name_sound, 3)",
	"l.organisation_fold = r.organisation_fold AND left(l.given_name_sound, 3) = left(r.surname_sound, 3)",
}

// DefaultComparisons is the default comparison vector.
func DefaultComparisons() []Comparison {
	return []Comparison{
		{Name: "tax_code", Column: "tax_code", Kind: KindTaxCode},
		{Name: "surname", Column: "surname_fold", Kind: KindName, Thresholds: []float64{0.92, 0.80}, TermFrequency: true},
		{Name: "given_name", Column: "given_name_fold", Kind: KindName, Thresholds: []float64{0.92, 0.80}, TermFrequency: true},
		{Name: "birth_date", Column: "birth_date", Kind: KindDate},
		{Name: "sex", Column: "sex", Kind: KindExact},
		{Name: "email", Column: "email", Kind: KindEmail},
		{Name: "phone", Column: "phone", Kind: KindPhone},
		{Name: "birth_place", Column: "birth_place_fold", Kind: KindText, Thresholds: []float64{0.90}},
		{Name: "municipality", Column: "municipality_fold", Kind: KindText, Thresholds: []float64{0.90}},
		{Name: "organisation", Column: "organisation_fold", Kind: KindText, Thresholds: []float64{0.90}, Group: "context"},
		{Name: "role", Column: "role_fold", Kind: KindText, Thresholds: []float64{0.90}, Group: "context"},
		{Name: "province", Column: "province_code", Kind: KindExact, Group: "context"},
	}
}

// DefaultConfig returns the defaults documented on Config's fields.
func DefaultConfig() Config {
	return Config{
		Blocking:        append([]string(nil), DefaultBlocking...),
		Training:        []string{DefaultBlocking[0], DefaultBlocking[1]},
		Comparisons:     DefaultComparisons(),
		MatchThreshold:  0.99,
		ReviewThreshold: 0.3,
		LinkThreshold:   0.01,
		EMIterations:    50,
		USamplePairs:    300_000,
		Seed:            1,
		MaxBlockRecords: 40,
	}
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if len(c.Blocking) == 0 {
		c.Blocking = d.Blocking
	}
	if len(c.Training) == 0 {
		c.Training = d.Training
	}
	c.Blocking = normaliseRules(c.Blocking)
	c.Training = normaliseRules(c.Training)
	if len(c.Comparisons) == 0 {
		c.Comparisons = d.Comparisons
	}
	if c.MatchThreshold == 0 {
		c.MatchThreshold = d.MatchThreshold
	}
	if c.ReviewThreshold == 0 {
		c.ReviewThreshold = d.ReviewThreshold
	}
	if c.LinkThreshold == 0 {
		c.LinkThreshold = d.LinkThreshold
	}
	if c.EMIterations == 0 {
		c.EMIterations = d.EMIterations
	}
	if c.USamplePairs == 0 {
		c.USamplePairs = d.USamplePairs
	}
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	if c.MaxBlockRecords == 0 {
		c.MaxBlockRecords = d.MaxBlockRecords
	}
	if c.AutoExtras == nil {
		on := true
		c.AutoExtras = &on
	}
	for i := range c.Comparisons {
		cm := &c.Comparisons[i]
		if cm.Name == "" {
			cm.Name = cm.Column
		}
		if len(cm.Thresholds) == 0 {
			switch cm.Kind {
			case KindName:
				cm.Thresholds = []float64{0.92, 0.80}
			case KindText:
				cm.Thresholds = []float64{0.90}
			}
		}
	}
	return c
}

// maxComparisons and maxLevels bound the comparison vector, packed in a uint64.
const (
	maxRules       = 32 // pairScore.rules is a uint32
	maxComparisons = 16
	maxLevels      = 15
)

// Validate reports every problem of the configuration (after defaults).
func (c Config) Validate() []error {
	c = c.withDefaults()
	var errs []error
	for i, b := range c.Blocking {
		if strings.TrimSpace(b) == "" {
			errs = append(errs, fmt.Errorf("linkage.blocking[%d]: %w", i, ErrEmptyRule))
		}
		if strings.Contains(b, ";") || strings.Contains(b, "--") || strings.Contains(b, "/*") {
			errs = append(errs, fmt.Errorf("linkage.blocking[%d]: %w", i, ErrRuleStatement))
		}
	}
	for i, tr := range c.Training {
		found := false
		for _, b := range c.Blocking {
			found = found || b == tr
		}
		if !found {
			errs = append(errs, fmt.Errorf("linkage.training[%d]: %w", i, ErrTrainingRule))
		}
	}
	if len(c.Blocking) > maxRules {
		errs = append(errs, fmt.Errorf("linkage.blocking: %d rules, at most %d: %w", len(c.Blocking), maxRules, ErrTooManyRules))
	}
	if len(c.Comparisons) > maxComparisons {
		errs = append(errs, fmt.Errorf("linkage.comparisons: %d, at most %d: %w", len(c.Comparisons), maxComparisons, ErrTooManyComparisons))
	}
	names := map[string]bool{}
	for i, cm := range c.Comparisons {
		at := fmt.Sprintf("linkage.comparisons[%d]", i)
		if names[cm.Name] {
			errs = append(errs, fmt.Errorf("%s: name %q twice: %w", at, cm.Name, ErrDuplicateComparison))
		}
		names[cm.Name] = true
		if _, ok := columnGetter(cm.Column, nil); !ok {
			errs = append(errs, fmt.Errorf("%s: column %q: %w", at, cm.Column, ErrUnknownColumn))
		}
		switch cm.Kind {
		case KindExact, KindName, KindText, KindEmail, KindPhone:
		case KindDate:
			if cm.Column != "birth_date" {
				errs = append(errs, fmt.Errorf("%s: kind date compares birth_date, not %q: %w", at, cm.Column, ErrKindColumn))
			}
		case KindTaxCode:
			if cm.Column != "tax_code" {
				errs = append(errs, fmt.Errorf("%s: kind taxcode compares tax_code, not %q: %w", at, cm.Column, ErrKindColumn))
			}
		default:
			errs = append(errs, fmt.Errorf("%s: kind %q: %w", at, cm.Kind, ErrUnknownKind))
		}
		if cm.Kind != KindDate && cm.Kind != KindTaxCode && cm.Column == "birth_date" {
			errs = append(errs, fmt.Errorf("%s: birth_date needs kind date: %w", at, ErrKindColumn))
		}
		for j, t := range cm.Thresholds {
			if t <= 0 || t >= 1 || (j > 0 && t >= cm.Thresholds[j-1]) {
				errs = append(errs, fmt.Errorf("%s: thresholds must descend within (0,1): %w", at, ErrBadThreshold))
				break
			}
		}
		if n := len(levelLabels(cm)); n > maxLevels {
			errs = append(errs, fmt.Errorf("%s: %d levels, at most %d: %w", at, n, maxLevels, ErrBadThreshold))
		}
	}
	if !(c.ReviewThreshold > 0 && c.ReviewThreshold <= c.MatchThreshold && c.MatchThreshold < 1) {
		errs = append(errs, fmt.Errorf("linkage: need 0 < review_threshold ≤ match_threshold < 1: %w", ErrBadThreshold))
	}
	if !(c.LinkThreshold > 0 && c.LinkThreshold <= c.ReviewThreshold) {
		errs = append(errs, fmt.Errorf("linkage: need 0 < link_threshold ≤ review_threshold: %w", ErrBadThreshold))
	}
	if c.MaxBlockRecords < -1 || c.MaxBlockRecords == 1 {
		errs = append(errs, fmt.Errorf("linkage.max_block_records: %d, want ≥ 2 or -1 (no bound): %w", c.MaxBlockRecords, ErrBadThreshold))
	}
	if c.EMIterations < 1 {
		errs = append(errs, fmt.Errorf("linkage.em_iterations: %d: %w", c.EMIterations, ErrBadThreshold))
	}
	return errs
}

// normaliseRules returns the rules on one line each: runs of whitespace
// outside quotes become one space (a rule written over several lines, YAML
// "|", would otherwise carry its line breaks into the SQL templates).
func normaliseRules(rules []string) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = normaliseRule(r)
	}
	return out
}

func normaliseRule(rule string) string {
	var b strings.Builder
	var quote rune
	space := false
	for _, ch := range strings.TrimSpace(rule) {
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case unicode.IsSpace(ch):
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(ch)
	}
	return b.String()
}
