package link

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// diffComparisons are the default comparisons and the other kinds on the
// columns that behave differently: text and exact on a name column (read
// swapped), email with Jaro-Winkler bands, an extras column, a large-vocab
// text column (hash-table memory, not the square table).
func diffComparisons(extras *[]string) []comparer {
	cs := append(DefaultComparisons(),
		Comparison{Name: "given_text", Column: "given_name_fold", Kind: KindText, Thresholds: []float64{0.95, 0.85}, TermFrequency: true},
		Comparison{Name: "email_jw", Column: "email", Kind: KindEmail, Thresholds: []float64{0.9}},
		Comparison{Name: "badge", Column: "extras.Tessera", Kind: KindText, Thresholds: []float64{0.9}, TermFrequency: true},
		Comparison{Name: "surname_exact", Column: "surname_fold", Kind: KindExact},
	)
	comps := make([]comparer, len(cs))
	for i, c := range cs {
		comps[i] = newComparer(c, i, extras)
	}
	return comps
}

// typo returns s with one random edit (or two), from an alphabet with a
// few non-ASCII letters, so that the fuzzy levels are all reached.
func typo(rng *rand.Rand, s string) string {
	const alpha = "ABCDEFGILMNOPRSTUVZ"
	rs := []rune(s)
	for n := 1 + rng.IntN(2); n > 0 && len(rs) > 0; n-- {
		i := rng.IntN(len(rs))
		switch rng.IntN(5) {
		case 0:
			rs[i] = rune(alpha[rng.IntN(len(alpha))])
		case 1:
			rs = append(rs[:i], rs[i+1:]...)
		case 2:
			rs = append(rs[:i], append([]rune{rune(alpha[rng.IntN(len(alpha))])}, rs[i:]...)...)
		case 3:
			if i+1 < len(rs) {
				rs[i], rs[i+1] = rs[i+1], rs[i]
			}
		case 4:
			rs[i] = []rune("ÀÈÉÌÒÙÑ")[rng.IntN(7)]
		}
	}
	return string(rs)
}

// randomRecords draws n records from small vocabularies with typos, missing
// values, swapped names, omocodia, near dates and a few 300-byte values.
func randomRecords(rng *rand.Rand, n int) []record {
	surnames := []string{"ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO", "GRECO", "DE LUCA", "D'ANGELO", "NIÑO", "MARIAGRAZIA", "A", "AB"}
	given := []string{"MARIA", "GIUSEPPE", "ANNA", "MARCO", "LAURA", "LUCA", "FRANCESCA", "ANDREA", "GIULIA", "ROSSI", "MARIAGRAZIA", "ÈLISE"}
	places := []string{"CREMONA", "CREMA", "MILANO", "BRESCIA", "BERGAMO", "CASALMAGGIORE", "SORESINA"}
	orgs := []string{"COMUNEDICREMONA", "COMUNECREMONA", "ASLCREMONA", "QUESTURA", "PREFETTURA", "SCUOLA MEDIA", "SCUOLA ELEMENTARE"}
	taxes := []string{"RSSMRA80A41D150Q", "RSSMRA80A41D15MB", "BNCGPP75C12F205K", "RSSMRA80A41D150X", "RSSMRA80A41D160Q", "RSSMRA80A41D15", ""}
	long := strings.Repeat("X", 300)
	pick := func(xs []string) string {
		if rng.IntN(12) == 0 {
			return ""
		}
		s := xs[rng.IntN(len(xs))]
		if rng.IntN(4) == 0 {
			s = typo(rng, s)
		}
		if rng.IntN(60) == 0 {
			s = long + s
		}
		return s
	}
	recs := make([]record, n)
	for i := range recs {
		r := &recs[i]
		r.surname, r.given = pick(surnames), pick(given)
		if rng.IntN(10) == 0 {
			r.surname, r.given = r.given, r.surname
		}
		r.taxCode = taxes[rng.IntN(len(taxes))]
		if rng.IntN(5) == 0 && r.taxCode != "" {
			r.taxCode = typo(rng, r.taxCode)
		}
		r.taxValid = len(r.taxCode) == 16 && !strings.HasSuffix(r.taxCode, "X") && rng.IntN(3) > 0
		if len(r.taxCode) == 16 {
			r.taxKey = r.taxCode[:15]
			if strings.HasPrefix(r.taxCode, "RSSMRA80A41D15") {
				r.taxKey = "RSSMRA80A41D150"
			}
		}
		r.sex = []string{"M", "F", ""}[rng.IntN(3)]
		if rng.IntN(8) > 0 {
			r.birth, r.hasBirth = int32(3000+rng.IntN(800)), true
		}
		r.birthPlace, r.municipal, r.org = pick(places), pick(places), pick(orgs)
		r.orgType, r.role, r.province = pick([]string{"COMUNE", "ASL"}), pick([]string{"AGENTE", "UFFICIALE", "COMANDANTE"}), pick([]string{"CR", "MI", "BS"})
		local := pick(given)
		r.email = local + "@" + pick([]string{"x.it", "y.it", "comune.cremona.it"})
		if rng.IntN(3) == 0 {
			r.email = ""
		}
		r.phone = fmt.Sprintf("+39333%07d", rng.IntN(50))
		switch rng.IntN(6) {
		case 0, 1:
			r.phone = typo(rng, r.phone)
		case 2:
			r.phone = ""
		}
		r.extras = []string{pick([]string{"T-100", "T-101", "T-200", "X"})}
		if rng.IntN(2) == 0 {
			r.extras[0] = fmt.Sprintf("T-%d", rng.IntN(3000)) // a large vocabulary
		}
	}
	return recs
}

// randomPairs draws n pairs of different records, plus every record with
// its neighbour (crafted: the generator puts nothing in common on purpose).
func randomPairs(rng *rand.Rand, nRecs, n int) []candidate {
	var pairs []candidate
	for i := 0; i+1 < nRecs; i++ {
		pairs = append(pairs, candidate{l: int32(i), r: int32(i + 1), rules: 1})
	}
	for len(pairs) < n {
		a, b := int32(rng.IntN(nRecs)), int32(rng.IntN(nRecs))
		if a != b {
			pairs = append(pairs, candidate{l: min(a, b), r: max(a, b), rules: uint32(1 + rng.IntN(3))})
		}
	}
	return pairs
}

// TestCompareMatchesReference holds the numbered, memoised, parallel
// comparison to exactly the levels and swaps of the reference per-pair
// code (compare_ref_test.go) on random and crafted pairs.
func TestCompareMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var extras []string
	comps := diffComparisons(&extras)
	recs := randomRecords(rng, 3000)
	pairs := randomPairs(rng, len(recs), 60_000)
	v := indexValues(recs, comps)
	if n := len(v.vocab[len(comps)-2]); n <= denseVocab {
		t.Fatalf("the extras vocabulary has %d values: the hash-table memory is not exercised", n)
	}
	pat, ps := compareAll(context.Background(), v, comps, pairs, []int{0, 1})
	s := newScratch(v, comps)
	seen := map[string]bool{}
	for i, p := range pairs {
		want, wantSw := refComparePair(&recs[p.l], &recs[p.r], comps)
		if got := ps.levels[pat[i]]; got != want {
			t.Fatalf("pair %d (%d, %d): levels %x, reference %x\n%+v\n%+v", i, p.l, p.r, got, want, recs[p.l], recs[p.r])
		}
		if _, sw := s.pair(p.l, p.r); sw != wantSw {
			t.Fatalf("pair %d: swapped %v, reference %v", i, sw, wantSw)
		}
		for k := range comps {
			seen[comps[k].Name+"/"+comps[k].labels[levelAt(want, k)]] = true
		}
	}
	// Every level of every comparison was reached at least once, except
	// those the generator cannot produce.
	for k, c := range comps {
		for _, l := range c.labels {
			if !seen[c.Name+"/"+l] && !(c.Kind == KindDate && l == "day_month_swapped") {
				t.Errorf("comparison %d %s: level %s never reached", k, c.Name, l)
			}
		}
	}
}

// TestCompareMemoryAndCoresChangeNothing compares the same pairs with the
// reference code (no memory of past comparisons), on one core with a memory
// too small to hold them (hash tables only, full after 8 entries), on one
// goroutine and on eight in chunks: the patterns, their counts per training
// rule and each pair's pattern are the same.
func TestCompareMemoryAndCoresChangeNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var extras []string
	comps := diffComparisons(&extras)
	recs := randomRecords(rng, 2000)
	pairs := randomPairs(rng, len(recs), 3*compareChunk+123)
	v := indexValues(recs, comps)
	train := []int{0, 1}
	byPair := func(pat []uint32, ps *patterns) ([]uint64, map[uint64][3]float64) {
		lv := make([]uint64, len(pat))
		counts := map[uint64][3]float64{}
		for i, p := range pat {
			lv[i] = ps.levels[p]
		}
		for p, l := range ps.levels {
			counts[l] = [3]float64{ps.count(p, -1), ps.count(p, 0), ps.count(p, 1)}
		}
		return lv, counts
	}
	prev := runtime.GOMAXPROCS(8)
	lv8, counts8 := byPair(compareAll(context.Background(), v, comps, pairs, train))
	runtime.GOMAXPROCS(1)
	lv1, counts1 := byPair(compareAll(context.Background(), v, comps, pairs, train))
	runtime.GOMAXPROCS(prev)

	fresh := make([]uint64, len(pairs))
	small := newScratch(v, comps)
	small.limit = 8
	small.dense = make([][]uint8, len(comps))
	for i, p := range pairs {
		fresh[i], _ = refComparePair(&recs[p.l], &recs[p.r], comps)
		if got, _ := small.pair(p.l, p.r); got != fresh[i] {
			t.Fatalf("pair %d: levels %x with a full memory, %x without", i, got, fresh[i])
		}
	}
	if small.names.n != 8 {
		t.Errorf("the names' memory holds %d entries, want its bound 8", small.names.n)
	}
	for k := range comps {
		if small.levels[k].n > 8 {
			t.Errorf("comparison %d's memory holds %d entries, bound 8", k, small.levels[k].n)
		}
	}
	want := map[uint64][3]float64{}
	for i, p := range pairs {
		c := want[fresh[i]]
		c[0]++
		for j, rule := range train {
			if p.rules&(1<<rule) != 0 {
				c[1+j]++
			}
		}
		want[fresh[i]] = c
		if lv8[i] != fresh[i] || lv1[i] != fresh[i] {
			t.Fatalf("pair %d: levels %x (8 goroutines), %x (1), %x (no memory)", i, lv8[i], lv1[i], fresh[i])
		}
	}
	for _, got := range []map[uint64][3]float64{counts8, counts1} {
		if len(got) != len(want) {
			t.Fatalf("%d patterns, want %d", len(got), len(want))
		}
		for lv, c := range want {
			if got[lv] != c {
				t.Errorf("pattern %x: counts %v, want %v", lv, got[lv], c)
			}
		}
	}
}

// TestJaroWinklerMatchesEdlib: the byte-wise Jaro-Winkler and one-edit
// check give go-edlib's results exactly (the same float32), on random
// strings over a small alphabet (many matches and transpositions), with
// non-ASCII letters and values past the clip.
func TestJaroWinklerMatchesEdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const alpha = "ABCDEAB É"
		n := rng.IntN(12)
		if rng.IntN(50) == 0 {
			n = 250 + rng.IntN(20)
		}
		b := make([]rune, n)
		for i := range b {
			b[i] = []rune(alpha)[rng.IntN(len([]rune(alpha))-2)]
			if rng.IntN(40) == 0 {
				b[i] = 'É'
			}
		}
		return string(b)
	}
	for i := 0; i < 60_000; i++ {
		a := word()
		b := a
		if rng.IntN(3) > 0 {
			b = typo(rng, a)
		}
		if rng.IntN(4) == 0 {
			b = word()
		}
		if got, want := jaroWinkler(a, b), refJaroWinkler(a, b); got != want {
			t.Fatalf("jaroWinkler(%q, %q) = %v, go-edlib %v", a, b, got, want)
		}
		if got, want := withinOneEdit(a, b), refWithinOneEdit(a, b); got != want {
			t.Fatalf("withinOneEdit(%q, %q) = %v, go-edlib %v", a, b, got, want)
		}
	}
}

// TestKeepMatchesReferenceScores fits a model on random pairs and checks
// that the pairs fit keeps at each threshold are exactly those the
// reference code (every pair compared and scored, frequencies by string)
// puts at or above it, with the same levels, swap, weight and probability:
// the bound that spares most pairs a look never drops one that reaches it.
func TestKeepMatchesReferenceScores(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	var extras []string
	comps := diffComparisons(&extras)
	recs := randomRecords(rng, 1500)
	pairs := randomPairs(rng, len(recs), 40_000)
	v := indexValues(recs, comps)
	cfg := DefaultConfig().withDefaults()
	cfg.USamplePairs = 20_000
	ctx := context.Background()
	pat, ps := compareAll(ctx, v, comps, pairs, []int{0, 1})
	md, _ := fit(ctx, v, comps, ps, len(pairs), cfg, []int{0, 1})
	tf := termFrequencies(v, comps)
	sc := newScorer(md, tf, comps, ps)
	rtf := refTermFrequencies(recs, comps)
	type ref struct {
		levels       uint64
		sw           bool
		weight, prob float64
	}
	refs := make([]ref, len(pairs))
	for i, p := range pairs {
		lv, sw, w := refWeight(md, rtf, comps, &recs[p.l], &recs[p.r])
		refs[i] = ref{lv, sw, w, probability(w)}
	}
	// Thresholds at the probabilities of pairs themselves (a pair exactly
	// at one is kept), from the median to the most probable pair.
	probs := make([]float64, len(refs))
	for i := range refs {
		probs[i] = refs[i].prob
	}
	slices.Sort(probs)
	ats := []float64{0, 0.01}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		ats = append(ats, probs[min(int(q*float64(len(probs))), len(probs)-1)])
	}
	for _, at := range ats {
		kept := sc.keep(ctx, v, pairs, pat, at)
		j := 0
		for i, p := range pairs {
			want := refs[i]
			if want.prob < at {
				continue
			}
			if j >= len(kept) {
				t.Fatalf("at %g: pair %d (probability %g) not kept", at, i, want.prob)
			}
			got := kept[j]
			j++
			if got.l != p.l || got.r != p.r {
				t.Fatalf("at %g: kept (%d, %d), want pair %d (%d, %d), probability %g", at, got.l, got.r, i, p.l, p.r, want.prob)
			}
			if got.levels != want.levels || got.swapped != want.sw || got.weight != want.weight || got.prob != want.prob {
				t.Fatalf("at %g: pair %d: %x %v %v %v, reference %x %v %v %v", at, i, got.levels, got.swapped, got.weight, got.prob, want.levels, want.sw, want.weight, want.prob)
			}
		}
		if j != len(kept) {
			t.Fatalf("at %g: %d pairs kept, reference %d", at, len(kept), j)
		}
		t.Logf("at %g: %d of %d pairs kept", at, len(kept), len(pairs))
	}
}
