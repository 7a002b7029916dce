package link

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
)

// craftedEnrolments are rows made to reach the comparisons' corners, put in
// the warehouse as they are (the fold columns too): missing (NULL) values
// everywhere, non-ASCII letters, names typed in reverse order, values past
// the fuzzy metrics' clip (and equal or one edit apart only after it),
// one-letter names, tax codes of every shape, day and month swapped,
// e-mails that share the local part.
func craftedEnrolments() []canon.Enrolment {
	long := strings.Repeat("ABCDEFGHIL", 40) // 400 bytes
	longAcc := strings.Repeat("ÀÈÌÒÙ", 60)   // 600 bytes, 300 letters
	date := func(s string) *time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			panic(err)
		}
		return &d
	}
	type spec struct {
		sur, giv, tax, sex, birth, place, email, phone, mun, org, orgType, role string
	}
	specs := []spec{
		{},             // every value missing
		{sur: "ROSSI"}, // only a surname
		{giv: "MARIA"}, // only a given name
		{sur: "A", giv: "B"}, {sur: "B", giv: "A"}, {sur: "AB", giv: "A"},
		{sur: "NIÑO", giv: "ÉLISE", sex: "F", place: "SÃO PAULO", mun: "CANTÙ"},
		{sur: "NINO", giv: "ELISE", sex: "F", place: "SAO PAULO", mun: "CANTU"},
		{sur: "MÜLLER", giv: "JÜRGEN", sex: "M", email: "jürgen@müller.de"},
		{sur: "MUELLER", giv: "JURGEN", sex: "M", email: "jurgen@mueller.de"},
		{sur: "ÉLISE", giv: "NIÑO"}, // swapped, accented
		{sur: "MARIA", giv: "ROSSI", tax: "RSSMRA80A41D150Q", birth: "1980-01-01"},
		{sur: "ROSSI", giv: "MARIA", tax: "RSSMRA80A41D150Q", birth: "1980-01-01"},
		{sur: "ROSSI", giv: "MARIA", tax: "RSSMRA80A41D15MB", birth: "1980-01-01"}, // omocodia
		{sur: "ROSSI", giv: "MARIA", tax: "RSSMRA80A41D160Q", birth: "1980-01-10"}, // one edit
		{sur: "ROSSI", giv: "MARIA", tax: "RSSMRA80A41D15", birth: "1980-10-01"},   // short
		{sur: "ROSSI", giv: "MARIA", tax: "rssmra80a41d150q", birth: "1981-01-01"}, // lower case
		{sur: "ROSSI", giv: "MARIA", tax: "RSSMRA80A41D150X"},                      // bad check
		{sur: long, giv: long, org: long, role: long, place: long, mun: long, email: long + "@x.it", phone: long},
		{sur: long + "X", giv: long + "Y", org: long + "Z", role: long + "W", place: long + "V", email: long + "@y.it", phone: long + "1"},
		{sur: "X" + long, giv: long[:255] + "É" + long[256:], org: longAcc, role: longAcc + "A"},
		{sur: longAcc, giv: longAcc, org: longAcc[:300], role: "È" + longAcc},
		{sur: "D'ANGELO", giv: "MARIA GRAZIA", email: "mg@x.it", phone: "+393331234567"},
		{sur: "DANGELO", giv: "MARIAGRAZIA", email: "mg@y.it", phone: "+393331234576"},
		{sur: "MARIAGRAZIA", giv: "DANGELO", email: "mg.dangelo@y.it", phone: "+39333123456"},
		{sur: "DE LUCA", giv: "LUCA", org: "COMUNE DI CREMONA", orgType: "COMUNE", role: "AGENTE"},
		{sur: "LUCA", giv: "DE LUCA", org: "COMUNEDICREMONA", orgType: "COMUNE", role: "AGENTE SCELTO"},
	}
	var es []canon.Enrolment
	for i, s := range specs {
		e := canon.Enrolment{
			ProvinceCode: "CR", SourceFile: "crafted.xlsx", SourceSHA256: "sha-crafted", Sheet: "Iscritti", SourceRow: 2 + i,
			Surname: s.sur, GivenName: s.giv, SurnameFold: s.sur, GivenNameFold: s.giv,
			TaxCode: s.tax, TaxCodeStatus: canon.TaxCodeMissing, Sex: s.sex,
			BirthPlace: s.place, BirthPlaceFold: s.place, Email: s.email, Phone: s.phone,
			Municipality: s.mun, MunicipalityFold: s.mun, Organisation: s.org, OrganisationFold: s.org,
			OrganisationType: s.orgType, OrganisationTypeFold: s.orgType, Role: s.role, RoleFold: s.role,
			ModuleTitle: "Crafted", ModuleFold: craftedModule, Status: canon.StatusAccepted,
		}
		if s.tax != "" {
			e.TaxCodeStatus = canon.ParseTaxCode(s.tax).Status
		}
		if s.birth != "" {
			e.BirthDate = date(s.birth)
		}
		es = append(es, e)
	}
	return es
}

// TestCompareRealPairsMatchReference holds compareAll to the reference
// per-pair code (compare_ref_test.go: strings read from the records,
// go-edlib's metrics, nothing remembered) on the candidate pairs that
// blocking gives on demo.Synthetic's enrolments at both noise levels, with
// the crafted rows above paired with one another and with records drawn at
// random: every pair's levels (its pattern), swap and the patterns' counts
// per training rule must be the same. The comparisons are the default ones
// and the other kinds on the columns that behave differently.
func TestCompareRealPairsMatchReference(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		seed  int64
		noise demo.Noise
	}{
		{"normal", 6000, 3, demo.NoiseNormal},
		{"heavy", 6000, 4, demo.NoiseHeavy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := openTest(t)
			rows, _ := demo.Synthetic(tc.n, tc.seed, tc.noise)
			insertEnrolments(t, w.DB, rows)
			insertEnrolments(t, w.DB, craftedEnrolments())
			ctx := context.Background()
			cfg := Config{Comparisons: append(DefaultComparisons(),
				Comparison{Name: "given_text", Column: "given_name_fold", Kind: KindText, Thresholds: []float64{0.95, 0.85}, TermFrequency: true},
				Comparison{Name: "email_jw", Column: "email", Kind: KindEmail, Thresholds: []float64{0.9}},
				Comparison{Name: "surname_exact", Column: "surname_fold", Kind: KindExact},
			)}
			r, err := prepare(ctx, w.DB, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.conn.Close()
			if err := r.load(ctx); err != nil {
				t.Fatal(err)
			}
			if err := r.block(ctx); err != nil {
				t.Fatal(err)
			}
			blocked := len(r.pairs)
			pairs := craftedPairs(t, r.recs, r.pairs)
			t.Logf("%d records, %d candidate pairs from blocking, %d with the crafted ones", len(r.recs), blocked, len(pairs))
			sameAsReference(t, r.recs, r.comps, r.vals, pairs, r.trainRules())
		})
	}
}

// craftedModule marks the crafted rows (their module).
const craftedModule = "CRAFTED ROWS"

// craftedPairs adds to pairs those of the crafted records (their module is
// craftedModule) with one another and with records drawn at random.
func craftedPairs(t *testing.T, recs []record, pairs []candidate) []candidate {
	var crafted []int32
	for i := range recs {
		if recs[i].module == craftedModule {
			crafted = append(crafted, int32(i))
		}
	}
	if n := len(craftedEnrolments()); len(crafted) != n {
		t.Fatalf("%d crafted records found, want %d", len(crafted), n)
	}
	out := append([]candidate(nil), pairs...)
	rng := rand.New(rand.NewPCG(1, 9))
	for _, a := range crafted {
		for _, b := range crafted {
			if a < b {
				out = append(out, candidate{l: a, r: b, rules: 1})
			}
		}
		for range 200 {
			b := int32(rng.IntN(len(recs)))
			if b != a {
				out = append(out, candidate{l: min(a, b), r: max(a, b), rules: 2})
			}
		}
	}
	return out
}

// sameAsReference fails unless compareAll gives every pair the reference's
// levels and scratch.pair its swap, with the reference's counts per pattern.
func sameAsReference(t *testing.T, recs []record, comps []comparer, v *values, pairs []candidate, train []int) {
	t.Helper()
	pat, ps := compareAll(context.Background(), v, comps, pairs, train)
	s := newScratch(v, comps)
	want := map[uint64][]float64{}
	for i, p := range pairs {
		lv, sw := refComparePair(&recs[p.l], &recs[p.r], comps)
		if got := ps.levels[pat[i]]; got != lv {
			var diff []string
			for k := range comps {
				if a, b := levelAt(got, k), levelAt(lv, k); a != b {
					diff = append(diff, fmt.Sprintf("%s %s, reference %s", comps[k].Name, comps[k].labels[a], comps[k].labels[b]))
				}
			}
			t.Fatalf("pair %d (%d, %d): %s", i, p.l, p.r, strings.Join(diff, "; "))
		}
		if _, got := s.pair(p.l, p.r); got != sw {
			t.Fatalf("pair %d (%d, %d): swapped %v, reference %v", i, p.l, p.r, got, sw)
		}
		c := want[lv]
		if c == nil {
			c = make([]float64, 1+len(train))
			want[lv] = c
		}
		c[0]++
		for j, rule := range train {
			if p.rules&(1<<rule) != 0 {
				c[1+j]++
			}
		}
	}
	if len(ps.levels) != len(want) {
		t.Fatalf("%d patterns, reference %d", len(ps.levels), len(want))
	}
	for p, lv := range ps.levels {
		for j := -1; j < len(train); j++ {
			if got, w := ps.count(p, j), want[lv][1+j]; got != w {
				t.Fatalf("pattern %x, count %d: %v, reference %v", lv, j, got, w)
			}
		}
	}
}

// TestIndexValuesSameNumbering: indexValues numbers each column's values
// in order of first sight, whatever memory it reserves on the way
// (vocabulary.sizeAt), on more records than its sample: columns of nearly
// unique values (tax codes, e-mails, an extras column), repeated ones, and
// one whose new values stop coming after the sample.
func TestIndexValuesSameNumbering(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	var extras []string
	comps := diffComparisons(&extras)
	recs := randomRecords(rng, 5*sampleRecs+1234)
	for i := range recs {
		r := &recs[i]
		if rng.IntN(4) > 0 {
			r.taxCode = fmt.Sprintf("TAX%013d", rng.IntN(1<<40))
			r.taxKey = r.taxCode[:15]
		}
		if rng.IntN(3) > 0 {
			r.email = fmt.Sprintf("u%d@x%d.it", i, rng.IntN(5))
		}
		if i < sampleRecs+100 {
			r.extras[0] = fmt.Sprintf("E%d", i) // new values only in the sample
		}
	}
	v := indexValues(recs, comps)
	number := func(get func(r *record) string) ([]string, []uint32) {
		ids := map[string]uint32{}
		list := []string{""}
		out := make([]uint32, len(recs))
		for i := range recs {
			s := get(&recs[i])
			if s == "" {
				continue
			}
			id, ok := ids[s]
			if !ok {
				id = uint32(len(list))
				ids[s] = id
				list = append(list, s)
			}
			out[i] = id
		}
		return list, out
	}
	// Names: surname then given name of each record, one vocabulary.
	nameIDs := map[string]uint32{}
	nameList := []string{""}
	nameOf := func(s string) uint32 {
		if s == "" {
			return 0
		}
		if id, ok := nameIDs[s]; ok {
			return id
		}
		nameIDs[s] = uint32(len(nameList))
		nameList = append(nameList, s)
		return uint32(len(nameList) - 1)
	}
	for i := range recs {
		if s, g := nameOf(recs[i].surname), nameOf(recs[i].given); v.vec[i].sur != s || v.vec[i].giv != g {
			t.Fatalf("record %d: names %d %d, want %d %d", i, v.vec[i].sur, v.vec[i].giv, s, g)
		}
	}
	if !slices.Equal(v.names, nameList) {
		t.Fatalf("names vocabulary differs")
	}
	keyList, keyIDs := number(func(r *record) string { return r.taxKey })
	for i := range recs {
		if v.vec[i].taxKey != keyIDs[i] {
			t.Fatalf("record %d: tax key %d, want %d", i, v.vec[i].taxKey, keyIDs[i])
		}
	}
	if len(keyList) < 2*sampleRecs {
		t.Fatalf("only %d tax keys: the sizing is not exercised", len(keyList))
	}
	for k := range comps {
		c := &comps[k]
		if c.Kind == KindDate || c.name {
			continue
		}
		list, ids := number(func(r *record) string { return c.get(r, false) })
		if !slices.Equal(v.vocab[k], list) {
			t.Fatalf("comparison %s: vocabulary differs (%d values, want %d)", c.Name, len(v.vocab[k]), len(list))
		}
		for i := range recs {
			if v.vec[i].id[k] != ids[i] {
				t.Fatalf("comparison %s, record %d: id %d, want %d", c.Name, i, v.vec[i].id[k], ids[i])
			}
		}
	}
}
