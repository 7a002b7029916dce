package demo

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// indepOpt are the options of the committed set testdata/demo-indep.
var indepOpt = Options{Seed: 3, Noise: NoiseIndep}

// TestIndepDeterministic generates the independent set twice and compares
// the bytes, and checks that the committed testdata/demo-indep is what the
// generator writes (run `make demo-data` after changing the model).
func TestIndepDeterministic(t *testing.T) {
	a, _ := generate(t, indepOpt)
	b := t.TempDir()
	if _, err := Generate(context.Background(), b, indepOpt); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "testdata", "demo-indep")
	fa := readTree(t, a)
	for _, other := range []struct{ name, dir string }{{"second run", b}, {"testdata/demo-indep", committed}} {
		fb := readTree(t, other.dir)
		if len(fa) != len(fb) {
			t.Errorf("%s: %d files vs %d", other.name, len(fb), len(fa))
		}
		for name, data := range fa {
			if !bytes.Equal(data, fb[name]) {
				t.Errorf("%s: %s differs (after a change to the generator, `make demo-data` rewrites the committed set)", other.name, name)
			}
		}
	}
}

// TestIndepTruthCoversEveryRow checks that every truth row is a data row of
// the written files and every data row has a truth label.
func TestIndepTruthCoversEveryRow(t *testing.T) {
	dir, sum := generate(t, indepOpt)
	sheets := readAll(t, dir, sum)
	truth := readTruth(t, dir)
	labelled := map[string]bool{}
	persons := map[string]bool{}
	for _, tr := range truth {
		k := fmt.Sprintf("%s|%s|%d", tr.file, tr.sheet, tr.row)
		if labelled[k] {
			t.Errorf("%s labelled twice", k)
		}
		labelled[k], persons[tr.person] = true, true
		st, ok := sheets[tr.file+"|"+tr.sheet]
		if !ok || st.rows[tr.row] == nil {
			t.Errorf("%s: truth row is not a data row", k)
		}
	}
	rows := 0
	for key, st := range sheets {
		for row := range st.rows {
			rows++
			if !labelled[fmt.Sprintf("%s|%d", key, row)] {
				t.Errorf("%s row %d has no truth label", key, row)
			}
		}
	}
	if rows != sum.Applications || len(truth) != sum.Applications {
		t.Errorf("%d data rows, %d truth rows, summary says %d", rows, len(truth), sum.Applications)
	}
	if len(persons) != sum.Persons || sum.Persons < 1000 || sum.Persons > 2000 {
		t.Errorf("%d persons in truth, summary says %d, want 1,000–2,000", len(persons), sum.Persons)
	}
	if len(sum.Provinces) != len(indepProvinces) || sum.Applications < 2500 || sum.Applications > 5000 {
		t.Errorf("%d provinces, %d rows; want %d provinces, a few thousand rows", len(sum.Provinces), sum.Applications, len(indepProvinces))
	}
}

// indepRow is one written row of the independent set with its person.
type indepRow struct {
	ip    *indepPerson
	sheet *sheetLayout
	csv   bool
	get   func(k colKind) (string, bool) // raw cell by column kind; false when the layout lacks it
	kinds noiseKindSet                   // what the generator says it did
}

// indepRows reads back every written row of the independent set and pairs it
// with its person and with the noise the generator recorded.
func indepRows(t *testing.T) (*indepSet, []indepRow) {
	t.Helper()
	dir, sum := generate(t, indepOpt)
	sheets := readAll(t, dir, sum)
	s := buildIndep(indepOpt.Seed)
	var out []indepRow
	for fi, pf := range s.files {
		st, ok := sheets[pf.layout.name+"|"+pf.layout.data.name]
		if !ok {
			t.Fatalf("%s: sheet %q not read back", pf.layout.name, pf.layout.data.name)
		}
		header := map[colKind]string{}
		for _, c := range pf.layout.data.cols {
			header[c.kind] = c.header
		}
		for i, a := range pf.apps {
			if st.rows[a.row] == nil {
				t.Fatalf("%s row %d not written", pf.layout.name, a.row)
			}
			row := a.row
			out = append(out, indepRow{
				ip: s.byP[a.p], sheet: &pf.layout.data, csv: pf.layout.csv, kinds: s.kinds[fi][i],
				get: func(k colKind) (string, bool) {
					h, ok := header[k]
					if !ok {
						return "", false
					}
					return strings.TrimSpace(st.get(row, h)), true
				},
			})
		}
	}
	return s, out
}

// ratio counts how often something happens among the rows it can happen on.
type ratio struct{ n, of int }

func (r *ratio) add(hit bool) {
	r.of++
	if hit {
		r.n++
	}
}

func (r ratio) rate() float64 {
	if r.of == 0 {
		return 0
	}
	return float64(r.n) / float64(r.of)
}

// foldSet folds names for comparison.
func foldSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[foldName(n)] = true
	}
	return m
}

// TestIndepNoiseRates measures each kind of noise on the written set, by
// comparing the cells with the true person, and checks it falls in a band
// around the rate the model states (indepRates).
func TestIndepNoiseRates(t *testing.T) {
	_, rows := indepRows(t)
	var (
		cfMissing, cfWrong, birthMissing, birthText, birthSwap, birthYear, birthDigit ratio
		swapped, wrongCol, married, nickname, translit, compound, surSlip, givSlip    ratio
		emailMissing, emailTypo                                                       ratio
		recKeyboard, recOCR, recPhonetic                                              ratio
	)
	now := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range rows {
		p := r.ip.p
		if cf, ok := r.get(kTaxCode); ok {
			cfMissing.add(cf == "")
			if cf != "" {
				cfWrong.add(strings.ToUpper(cf) != p.taxCode)
			}
		}
		if raw, ok := r.get(kBirth); ok {
			birthMissing.add(raw == "")
			if raw != "" {
				// A date cell reads back as its serial; "18031975" typed as text is no serial.
				serial, err := strconv.ParseFloat(raw, 64)
				isText := err != nil || serial > 100000
				if !r.csv && !r.sheet.textDates {
					birthText.add(isText)
				}
				var b time.Time
				if isText || r.csv {
					if b, err = canon.ParseBirthDate(raw, false, now); err != nil {
						t.Errorf("birth date %q does not parse: %v", raw, err)
						continue
					}
				} else {
					b = excelEpoch.AddDate(0, 0, int(serial))
				}
				tb := p.birth
				birthSwap.add(b != tb && b.Year() == tb.Year() && b.Day() == int(tb.Month()) && int(b.Month()) == tb.Day())
				birthYear.add(b.Day() == tb.Day() && b.Month() == tb.Month() && (b.Year()-tb.Year() == 1 || tb.Year()-b.Year() == 1))
				birthDigit.add(b != tb && !(b.Year() == tb.Year() && b.Day() == int(tb.Month()) && int(b.Month()) == tb.Day()) &&
					!(b.Day() == tb.Day() && b.Month() == tb.Month() && (b.Year()-tb.Year())*(b.Year()-tb.Year()) == 1))
			}
		}
		sur, ok1 := r.get(kSurname)
		giv, ok2 := r.get(kGiven)
		if ok1 && ok2 {
			surForms := foldSet(append([]string{r.ip.sur.name}, r.ip.sur.alt...)...)
			givForms := foldSet(append([]string{r.ip.giv.name}, r.ip.giv.alt...)...)
			nicks := foldSet(nicknames[r.ip.giv.name]...)
			fs, fg := foldName(sur), foldName(giv)
			sw := !surForms[fs] && surForms[fg]
			wc := !sw && !surForms[fs] && len(fs) > len(fg)+1 && strings.Contains(fs, fg)
			mar := false
			if h := r.ip.husband; h != nil && !sw && !wc {
				mar = strings.HasSuffix(fs, foldName(h.sur.name)) && len(fs) > len(foldName(h.sur.name))+1
				married.add(mar)
			}
			swapped.add(sw)
			wrongCol.add(wc)
			if !sw && !wc && !mar {
				if len(nicks) > 0 {
					nickname.add(nicks[fg])
				}
				if len(r.ip.giv.alt) > 0 {
					translit.add(fg != foldName(r.ip.giv.name) && givForms[fg])
				}
				if len(r.ip.sur.alt) > 0 {
					translit.add(fs != foldName(r.ip.sur.name) && surForms[fs])
				}
				if strings.ContainsAny(r.ip.sur.name, " '") {
					compound.add(fs == foldName(r.ip.sur.name) && strings.ReplaceAll(strings.ToLower(sur), "’", "'") != strings.ToLower(r.ip.sur.name))
				}
				surSlip.add(!surForms[fs])
				givSlip.add(!givForms[fg] && !nicks[fg])
			}
		}
		if p.email != "" {
			if e, ok := r.get(kEmail); ok {
				emailMissing.add(e == "")
				if e != "" {
					emailTypo.add(strings.ToLower(e) != p.email)
				}
			}
		}
		recKeyboard.add(r.kinds.has(nkKeyboard))
		recOCR.add(r.kinds.has(nkOCR))
		recPhonetic.add(r.kinds.has(nkPhonetic))
	}
	R := &indepRates
	for _, tc := range []struct {
		name   string
		got    ratio
		lo, hi float64
		stated float64
	}{
		{"tax code missing", cfMissing, 0.74, 0.82, 1 - R.taxCodeShown},
		{"tax code wrong (of shown)", cfWrong, 0.06, 0.15, R.taxCodeWrong},
		{"birth date missing", birthMissing, 0.065, 0.095, R.birthMissing},
		{"birth date typed as text (xlsx)", birthText, 0.10, 0.145, R.birthText},
		{"birth day/month swapped (days 1–12 only)", birthSwap, 0.006, 0.02, R.birthSwap * 132 / 365},
		{"birth year off by one", birthYear, 0.017, 0.036, R.birthYear},
		{"birth date digit wrong", birthDigit, 0.022, 0.04, R.birthDigit},
		{"surname and given name swapped", swapped, 0.025, 0.055, R.swap},
		{"full name in the surname column", wrongCol, 0.008, 0.024, R.wrongColumn},
		{"husband's surname added (wives' rows)", married, 0.10, 0.21, R.married},
		{"nickname (of names that have one)", nickname, 0.15, 0.30, R.usualNick*R.usualShown + (1-R.usualNick*R.usualShown)*R.nickname},
		{"other transliteration (of names that have one)", translit, 0.18, 0.36, R.translit},
		{"compound surname written otherwise", compound, 0.2, 0.45, R.compoundSurname},
		{"surname misspelt", surSlip, 0.055, 0.11, R.phonetic + R.keyboard + R.ocr},
		{"given name misspelt", givSlip, 0.055, 0.11, R.phonetic + R.keyboard + R.ocr},
		{"e-mail left out", emailMissing, 0.30, 0.40, 1 - R.emailShown},
		{"e-mail with a slip", emailTypo, 0.015, 0.05, R.emailTypo},
		{"keyboard slip (recorded, rows: two names)", recKeyboard, 0.04, 0.075, 1 - (1-R.keyboard)*(1-R.keyboard)},
		{"OCR confusion (recorded, rows: two names)", recOCR, 0.018, 0.04, 1 - (1-R.ocr)*(1-R.ocr)},
		{"phonetic spelling (recorded, rows: two names)", recPhonetic, 0.05, 0.095, 1 - (1-R.phonetic)*(1-R.phonetic)},
	} {
		got := tc.got.rate()
		t.Logf("%-48s %5d / %5d = %.3f  (stated %.3f, band %.3f–%.3f)", tc.name, tc.got.n, tc.got.of, got, tc.stated, tc.lo, tc.hi)
		if tc.got.of < 50 || got < tc.lo || got > tc.hi {
			t.Errorf("%s: %d of %d = %.3f, want %.3f–%.3f", tc.name, tc.got.n, tc.got.of, got, tc.lo, tc.hi)
		}
	}
}

// TestIndepRelativesAndNamesakes checks, on the written rows, that the set
// holds what makes linkage hard: different people sharing an e-mail address
// or a phone, relatives sharing surname and town, twins, namesakes with other
// birth dates, and a long tail of repeaters.
func TestIndepRelativesAndNamesakes(t *testing.T) {
	s, rows := indepRows(t)
	emails := map[string]map[*person]bool{}
	phones := map[string]map[*person]bool{}
	perPerson := map[*person]int{}
	for _, r := range rows {
		perPerson[r.ip.p]++
		if e, _ := r.get(kEmail); e != "" {
			e = strings.ToLower(e)
			if emails[e] == nil {
				emails[e] = map[*person]bool{}
			}
			emails[e][r.ip.p] = true
		}
		if ph, _ := r.get(kPhone); ph != "" {
			ph = strings.Map(func(c rune) rune {
				if c >= '0' && c <= '9' {
					return c
				}
				return -1
			}, ph)
			if phones[ph] == nil {
				phones[ph] = map[*person]bool{}
			}
			phones[ph][r.ip.p] = true
		}
	}
	sharedEmail, spousesEmail := 0, 0
	for _, ps := range emails {
		if len(ps) < 2 {
			continue
		}
		sharedEmail++
		sur := map[string]bool{}
		for p := range ps {
			sur[p.surname] = true
		}
		if len(sur) > 1 {
			spousesEmail++
		}
	}
	sharedPhone := 0
	for _, ps := range phones {
		if len(ps) > 1 {
			sharedPhone++
		}
	}

	// Relatives: different people of one household with the same surname and town.
	type key struct{ sur, town string }
	households := map[int][]*indepPerson{}
	for _, ip := range s.people {
		if ip.household > 0 && perPerson[ip.p] > 0 {
			households[ip.household] = append(households[ip.household], ip)
		}
	}
	relatives := 0
	for _, hh := range households {
		seen := map[key]bool{}
		for _, ip := range hh {
			k := key{ip.p.surname, ip.p.municipality}
			if seen[k] {
				relatives++
				break
			}
			seen[k] = true
		}
	}
	twins, namesakes, rossiMaria := 0, 0, 0
	byName := map[string][]*person{}
	byBirth := map[string][]*person{}
	for p := range perPerson {
		byName[p.surname+"|"+p.given] = append(byName[p.surname+"|"+p.given], p)
		byBirth[p.surname+"|"+p.birth.Format(time.DateOnly)] = append(byBirth[p.surname+"|"+p.birth.Format(time.DateOnly)], p)
	}
	for name, ps := range byName {
		if len(ps) > 1 {
			namesakes++
			if name == "Rossi|Maria" {
				rossiMaria = len(ps)
			}
			births := map[time.Time]bool{}
			for _, p := range ps {
				births[p.birth] = true
			}
			if len(births) != len(ps) {
				t.Errorf("namesakes %s share a birth date", name)
			}
		}
	}
	for _, ps := range byBirth {
		if len(ps) > 1 {
			twins++
		}
	}
	// Repeaters who changed employer are typed with two.
	orgs := map[*person]map[string]bool{}
	for _, r := range rows {
		if o, ok := r.get(kOrg); ok && r.ip.org2 != nil {
			if orgs[r.ip.p] == nil {
				orgs[r.ip.p] = map[string]bool{}
			}
			orgs[r.ip.p][strings.ToLower(o)] = true
		}
	}
	moved := 0
	for _, m := range orgs {
		if len(m) > 1 {
			moved++
		}
	}
	many, most := 0, 0
	for _, n := range perPerson {
		if n >= 8 {
			many++
		}
		most = max(most, n)
	}
	for _, tc := range []struct {
		name string
		got  int
		min  int
	}{
		{"e-mail addresses typed for two or more people", sharedEmail, 25},
		{"of which of people with different surnames (spouses)", spousesEmail, 10},
		{"phone numbers typed for two or more people (BG, MI)", sharedPhone, 15},
		{"households of relatives sharing surname and town", relatives, 60},
		{"different people with one name", namesakes, 60},
		{"different people called Rossi Maria", rossiMaria, 3},
		{"twins (surname and birth date shared)", twins, 5},
		{"people with 8 or more rows", many, len(perPerson) / 20},
		{"rows of the busiest person", most, 12},
		{"people typed with two employers", moved, 10},
	} {
		t.Logf("%-55s %4d (want ≥ %d)", tc.name, tc.got, tc.min)
		if tc.got < tc.min {
			t.Errorf("%s: %d, want ≥ %d", tc.name, tc.got, tc.min)
		}
	}
	if many > len(perPerson)/8 {
		t.Errorf("%d of %d people with 8 or more rows: the tail is too heavy", many, len(perPerson))
	}
}

// TestKeyNeighbours checks the Italian keyboard's neighbours on a few keys.
func TestKeyNeighbours(t *testing.T) {
	for _, tc := range []struct {
		key       rune
		want, not string
	}{
		{'s', "adwezx", "qc"},
		{'g', "fhtybv", "rn"},
		{'o', "ipkl", "uèò"},
		{'m', "njk", "bl"},
	} {
		nb := string(keyNeighbours[tc.key])
		for _, c := range tc.want {
			if !strings.ContainsRune(nb, c) {
				t.Errorf("%c: neighbours %q lack %c", tc.key, nb, c)
			}
		}
		for _, c := range tc.not {
			if strings.ContainsRune(nb, c) {
				t.Errorf("%c: neighbours %q hold %c", tc.key, nb, c)
			}
		}
	}
}

// TestIndepDateFormats checks that every way the independent model types a
// date as text reads back as that date.
func TestIndepDateFormats(t *testing.T) {
	ty := newIndepTyper(rand.New(rand.NewPCG(1, 2)))
	now := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for i := range 400 {
		b := time.Date(1952+i%40, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		s := ty.dateAsText(b)
		shape := strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return '9'
			}
			if c >= 'a' && c <= 'z' {
				return 'a'
			}
			return c
		}, s)
		seen[shape] = true
		got, err := canon.ParseBirthDate(s, false, now)
		if err != nil || !got.Equal(b) {
			t.Errorf("%q: read as %v, %v; want %v", s, got, err, b)
		}
	}
	if len(seen) < 7 {
		t.Errorf("%d date shapes, want ≥ 7", len(seen))
	}
}
