package link

import (
	"errors"
	"testing"
	"time"
)

func days(s string) int32 {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return int32(d.Unix() / 86400)
}

func TestComparisonLevels(t *testing.T) {
	name := newComparer(Comparison{Name: "surname", Column: "surname_fold", Kind: KindName, Thresholds: []float64{0.92, 0.80}}, 0, nil)
	text := newComparer(Comparison{Name: "org", Column: "organisation_fold", Kind: KindText, Thresholds: []float64{0.90}}, 0, nil)
	email := newComparer(Comparison{Name: "email", Column: "email", Kind: KindEmail}, 0, nil)
	phone := newComparer(Comparison{Name: "phone", Column: "phone", Kind: KindPhone}, 0, nil)
	sex := newComparer(Comparison{Name: "sex", Column: "sex", Kind: KindExact}, 0, nil)
	date := newComparer(Comparison{Name: "birth", Column: "birth_date", Kind: KindDate}, 0, nil)
	tax := newComparer(Comparison{Name: "tax", Column: "tax_code", Kind: KindTaxCode}, 0, nil)
	var ex []string
	extra := newComparer(Comparison{Name: "badge", Column: "extras.Tessera", Kind: KindExact}, 0, &ex)
	const valid, validOmo = "RSSMRA80A41D150Q", "RSSMRA80A41D15MB" // same person, omocodia
	const other = "BNCGPP75C12F205K"
	for _, tc := range []struct {
		name    string
		c       *comparer
		l, r    record
		swapped bool
		want    string
	}{
		{"name exact", &name, record{surname: "ROSSI"}, record{surname: "ROSSI"}, false, "exact"},
		{"name missing", &name, record{surname: "ROSSI"}, record{}, false, "null"},
		{"name one edit", &name, record{surname: "ROSSI"}, record{surname: "ROSI"}, false, "one_edit"},
		{"name transposition", &name, record{surname: "FERRARI"}, record{surname: "FERARRI"}, false, "one_edit"},
		{"name jw high", &name, record{surname: "MARIAGRAZIA"}, record{surname: "MARIAGRAIZAA"}, false, "jw_0.92"},
		{"name jw low", &name, record{surname: "MARIAGRAZIA"}, record{surname: "MARIA"}, false, "jw_0.8"},
		{"name else", &name, record{surname: "ROSSI"}, record{surname: "BIANCHI"}, false, "else"},
		{"name swapped", &name, record{surname: "ROSSI"}, record{surname: "MARIA", given: "ROSSI"}, true, "exact"},
		{"text exact", &text, record{org: "COMUNEDICREMONA"}, record{org: "COMUNEDICREMONA"}, false, "exact"},
		{"text jw", &text, record{org: "COMUNEDICREMONA"}, record{org: "COMUNECREMONA"}, false, "jw_0.9"},
		{"text else", &text, record{org: "ASLCREMONA"}, record{org: "QUESTURA"}, false, "else"},
		{"email exact", &email, record{email: "a.b@x.it"}, record{email: "a.b@x.it"}, false, "exact"},
		{"email local", &email, record{email: "a.b@x.it"}, record{email: "a.b@y.it"}, false, "same_local_part"},
		{"email else", &email, record{email: "a.b@x.it"}, record{email: "c.d@x.it"}, false, "else"},
		{"phone one edit", &phone, record{phone: "+393331234567"}, record{phone: "+393331234568"}, false, "one_edit"},
		{"phone else", &phone, record{phone: "+393331234567"}, record{phone: "+393339999999"}, false, "else"},
		{"sex else", &sex, record{sex: "F"}, record{sex: "M"}, false, "else"},
		{"date exact", &date, record{birth: days("1980-01-01"), hasBirth: true}, record{birth: days("1980-01-01"), hasBirth: true}, false, "exact"},
		{"date swapped", &date, record{birth: days("1980-03-04"), hasBirth: true}, record{birth: days("1980-04-03"), hasBirth: true}, false, "day_month_swapped"},
		{"date one component", &date, record{birth: days("1980-03-04"), hasBirth: true}, record{birth: days("1981-03-04"), hasBirth: true}, false, "one_component"},
		{"date else", &date, record{birth: days("1980-03-04"), hasBirth: true}, record{birth: days("1975-11-20"), hasBirth: true}, false, "else"},
		{"date missing", &date, record{birth: days("1980-03-04"), hasBirth: true}, record{}, false, "null"},
		{"tax exact", &tax, record{taxCode: valid, taxValid: true, taxKey: "K"}, record{taxCode: valid, taxValid: true, taxKey: "K"}, false, "exact"},
		{"tax omocodia", &tax, record{taxCode: valid, taxValid: true, taxKey: "K"}, record{taxCode: validOmo, taxValid: true, taxKey: "K"}, false, "omocodia"},
		{"tax bad check, same key", &tax, record{taxCode: valid, taxValid: true, taxKey: "K"}, record{taxCode: "RSSMRA80A41D150X", taxKey: "K"}, false, "omocodia"},
		{"tax typo", &tax, record{taxCode: valid, taxValid: true, taxKey: "K"}, record{taxCode: "RSSMRA80A41D15", taxKey: ""}, false, "else"},
		{"tax one char", &tax, record{taxCode: valid, taxValid: true, taxKey: "K"}, record{taxCode: "RSSMRA80A41D160Q", taxKey: "K2"}, false, "one_edit"},
		{"tax conflict", &tax, record{taxCode: valid, taxValid: true, taxKey: "K"}, record{taxCode: other, taxValid: true, taxKey: "L"}, false, "conflict"},
		{"tax missing", &tax, record{taxCode: valid, taxValid: true}, record{}, false, "null"},
		{"extras", &extra, record{extras: []string{"77"}}, record{extras: []string{"77"}}, false, "exact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.labels[refLevel(tc.c, &tc.l, &tc.r, tc.swapped)]; got != tc.want {
				t.Errorf("reference level %q, want %q", got, tc.want)
			}
			// The fast path by value ids gives the same level, twice (the
			// second from its memory).
			comps := []comparer{*tc.c}
			s := newScratch(indexValues([]record{tc.l, tc.r}, comps), comps)
			for range 2 {
				if got := tc.c.labels[s.level(0, &s.v.vec[0], &s.v.vec[1], tc.swapped)]; got != tc.want {
					t.Errorf("level %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestSwapBetter(t *testing.T) {
	for _, tc := range []struct {
		name string
		l, r record
		want bool
	}{
		{"same order", record{surname: "ROSSI", given: "MARIA"}, record{surname: "ROSSI", given: "MARIA"}, false},
		{"reversed", record{surname: "ROSSI", given: "MARIA"}, record{surname: "MARIA", given: "ROSSI"}, true},
		{"reversed with typo", record{surname: "MAZELLI", given: "LAURA"}, record{surname: "LAURA", given: "MZEELLI"}, true},
		{"different", record{surname: "ROSSI", given: "MARIA"}, record{surname: "BIANCHI", given: "ANNA"}, false},
		{"given name missing, surname in the other column", record{surname: "ROSSI"}, record{surname: "MARIA", given: "ROSSI"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := refSwapBetter(&tc.l, &tc.r); got != tc.want {
				t.Errorf("reference swapBetter = %v, want %v", got, tc.want)
			}
			s := newScratch(indexValues([]record{tc.l, tc.r}, nil), nil)
			for range 2 {
				if got := s.swapBetter(&s.v.vec[0], &s.v.vec[1]); got != tc.want {
					t.Errorf("swapBetter = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestWithinOneEdit(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"ROSSI", "ROSSI", true}, {"ROSSI", "ROSI", true}, {"ROSSI", "ROSSII", true}, {"ROSSI", "RSOSI", true},
		{"ROSSI", "RUSSO", false}, {"ROSSI", "ROS", false}, {"ABCD", "BADC", false}, {"", "A", true}, {"", "AB", false},
		{"NIÑO", "NINO", true}, {"NIÑO", "NIÑOS", true}, {"ÀÀ", "A", false},
	} {
		t.Run(tc.a+"/"+tc.b, func(t *testing.T) {
			if got := withinOneEdit(tc.a, tc.b); got != tc.want {
				t.Errorf("withinOneEdit = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCivil(t *testing.T) {
	for _, s := range []string{"1970-01-01", "1969-12-31", "2000-02-29", "1900-03-01", "2024-12-31", "1955-07-15"} {
		t.Run(s, func(t *testing.T) {
			y, m, d := civil(days(s))
			if got := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Format("2006-01-02"); got != s {
				t.Errorf("civil = %s", got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want error
	}{
		{"defaults", func(*Config) {}, nil},
		{"empty rule", func(c *Config) { c.Blocking = append(c.Blocking, " ") }, ErrEmptyRule},
		{"statement", func(c *Config) { c.Blocking = append(c.Blocking, "1=1; DROP TABLE persons") }, ErrRuleStatement},
		{"unknown column", func(c *Config) { c.Comparisons[0].Column = "shoe_size" }, ErrUnknownColumn},
		{"unknown kind", func(c *Config) { c.Comparisons[1].Kind = "soundex" }, ErrUnknownKind},
		{"date kind on text", func(c *Config) { c.Comparisons[1].Kind = KindDate }, ErrKindColumn},
		{"duplicate", func(c *Config) { c.Comparisons[2].Name = c.Comparisons[1].Name }, ErrDuplicateComparison},
		{"thresholds ascend", func(c *Config) { c.Comparisons[1].Thresholds = []float64{0.8, 0.9} }, ErrBadThreshold},
		{"review above match", func(c *Config) { c.MatchThreshold, c.ReviewThreshold = 0.9, 0.95 }, ErrBadThreshold},
		{"training not blocking", func(c *Config) { c.Training = []string{"l.email = r.phone"} }, ErrTrainingRule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			errs := c.Validate()
			if tc.want == nil {
				if len(errs) != 0 {
					t.Fatalf("errors %v", errs)
				}
				return
			}
			if !errors.Is(errors.Join(errs...), tc.want) {
				t.Fatalf("errors %v, want %v", errs, tc.want)
			}
		})
	}
}
