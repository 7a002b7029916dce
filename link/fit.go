package link

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// fit is the fourth stage: the Fellegi-Sunter model estimated on the
// candidate pairs' patterns, then the pairs worth keeping scored.
func (r *run) fit(ctx context.Context) error {
	md, iters := fit(ctx, r.vals, r.comps, r.pats, len(r.pairs), r.cfg, r.trainRules())
	r.st.EMIterations, r.st.Lambda = iters, md.lambda
	r.md = md
	r.tf = termFrequencies(r.vals, r.comps)
	r.sc = newScorer(md, r.tf, r.comps, r.pats)
	r.scored = r.sc.keep(ctx, r.vals, r.pairs, r.pat, r.keepAt)
	if !r.keepCandidates {
		r.pairs, r.pat = nil, nil
	}
	releaseMemory() // the candidates and the comparison caches
	r.log.Debug("linkage model fitted", "iterations", iters, "lambda", md.lambda, "patterns", r.st.Patterns, "kept_pairs", len(r.scored), "seconds", r.elapsed())
	return ctx.Err()
}

// fit estimates u from random pairs and then λ and m by EM over the
// candidate pairs' distinct comparison vectors (u fixed, as Splink does);
// nPairs is the number of candidate pairs, train the training rules'
// indexes in cfg.Blocking.
func fit(ctx context.Context, v *values, comps []comparer, ps *patterns, nPairs int, cfg Config, train []int) (model, int) {
	md := model{lambda: 0.3, m: make([][]float64, len(comps)), u: make([][]float64, len(comps)), never: make([]uint8, len(comps))}
	for k, c := range comps {
		md.m[k] = initialM(len(c.labels))
		if c.Kind == KindTaxCode {
			md.never[k] = c.idxConflict
		}
	}
	counts := uCounts(ctx, v, comps, uSample(len(v.vec), cfg))
	for k := range comps {
		u := make([]float64, len(counts[k]))
		for l := 1; l < len(u); l++ {
			u[l] = counts[k][l] + 0.5 // Jeffreys smoothing: no level is impossible
		}
		normalise(u)
		md.u[k] = u
	}
	// One EM session per training rule, as Splink trains: the comparisons
	// a rule reads are left out of its session (they agree by construction),
	// and each comparison's m is the mean over the sessions that estimate it.
	sums := make([][]float64, len(comps))
	seen := make([]float64, len(comps))
	for k := range comps {
		sums[k] = make([]float64, len(md.m[k]))
	}
	iters := 0
	for j, i := range train {
		rule := cfg.Blocking[i]
		var mask uint64
		for k, c := range comps {
			if !ruleReads(rule, c.Column) {
				mask |= 0xF << (4 * k)
			}
		}
		pats := aggregate(ps, len(comps), j, mask)
		if len(pats) == 0 {
			continue
		}
		fitted, n := estimate(pats, md, true, false, cfg.EMIterations)
		iters += n
		var total float64
		for _, p := range pats {
			total += p.count
		}
		weight := fitted.lambda * total // the session's expected matches
		for k := range comps {
			if mask&(0xF<<(4*k)) == 0 {
				continue
			}
			seen[k] += weight
			for l := range sums[k] {
				sums[k][l] += weight * fitted.m[k][l]
			}
		}
	}
	for k := range comps {
		if seen[k] == 0 {
			continue
		}
		for l := range sums[k] {
			md.m[k][l] = sums[k][l] / seen[k]
		}
		normalise(md.m[k])
	}
	md.lambda = priorAllPairs(len(v.vec), len(comps), ps, nPairs, md)
	return md, iters
}

// uSample draws the random pairs that estimate u (all pairs when there are
// at most cfg.USamplePairs).
func uSample(n int, cfg Config) [][2]int32 {
	if total := n * (n - 1) / 2; total <= cfg.USamplePairs {
		sample := make([][2]int32, 0, total)
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				sample = append(sample, [2]int32{int32(a), int32(b)})
			}
		}
		return sample
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c696e6b))
	sample := make([][2]int32, 0, cfg.USamplePairs)
	for i := 0; i < cfg.USamplePairs; i++ {
		a, b := rng.IntN(n), rng.IntN(n)
		if a != b {
			sample = append(sample, [2]int32{int32(a), int32(b)})
		}
	}
	return sample
}

// uCounts counts, per comparison and level, the sample pairs at it.
func uCounts(ctx context.Context, v *values, comps []comparer, sample [][2]int32) [][]float64 {
	nw := workers(len(sample), compareChunk)
	scratches := make([]*scratch, nw)
	local := make([][][]int64, nw)
	parallelChunks(ctx, len(sample), compareChunk, func(w, lo, hi int) {
		if scratches[w] == nil {
			scratches[w] = newScratch(v, comps)
			local[w] = make([][]int64, len(comps))
			for k, c := range comps {
				local[w][k] = make([]int64, len(c.labels))
			}
		}
		s, c := scratches[w], local[w]
		for i := lo; i < hi; i++ {
			p, _ := s.pair(sample[i][0], sample[i][1])
			for k := range comps {
				c[k][levelAt(p, k)]++
			}
		}
	})
	counts := make([][]float64, len(comps))
	for k, c := range comps {
		counts[k] = make([]float64, len(c.labels))
		for w := range local {
			if local[w] == nil {
				continue
			}
			for l, n := range local[w][k] {
				counts[k][l] += float64(n)
			}
		}
	}
	return counts
}

// priorAllPairs estimates λ, the probability that two records drawn at random
// match, by the fixed point of λ = Σ P(match | pair, λ) / all pairs, where
// pairs that blocking did not produce count as non-matches.
func priorAllPairs(nRecs, nComps int, ps *patterns, nPairs int, md model) float64 {
	n := float64(nRecs)
	all := n * (n - 1) / 2
	if all < 1 || nPairs == 0 {
		return probFloor
	}
	pats := aggregate(ps, nComps, -1, ^uint64(0))
	lg := md.logs()
	md.lambda = clamp(float64(nPairs) / all / 2)
	for it := 0; it < 100; it++ {
		var expected float64
		lm, lu := math.Log(md.lambda), math.Log(1-md.lambda)
		for _, p := range pats {
			expected += p.count * md.expectationLogs(p.levels, lm, lu, lg)
		}
		next := clamp(expected / all)
		if math.Abs(next-md.lambda) < 1e-12+1e-6*md.lambda {
			return next
		}
		md.lambda = next
	}
	return md.lambda
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ruleReads says whether a blocking rule reads the column a comparison compares.
func ruleReads(rule, column string) bool {
	if column == "tax_code" {
		return strings.Contains(rule, "tax_code") || strings.Contains(rule, "tax_key")
	}
	if h, ok := strings.CutPrefix(column, "extras."); ok {
		return strings.Contains(rule, h)
	}
	return strings.Contains(rule, column)
}

// aggregate returns the comparison vectors of the pairs training rule j
// produced (j = -1: all pairs), with the levels outside mask set to null,
// and how many pairs have each; the commonest first (ties: by vector, so
// that EM adds them in the same order on every run).
func aggregate(ps *patterns, nComps, j int, mask uint64) []pattern {
	agg := map[uint64]float64{}
	for p, lv := range ps.levels {
		if c := ps.count(p, j); c > 0 {
			agg[lv&mask] += c
		}
	}
	keys := make([]uint64, 0, len(agg))
	for k := range agg {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b uint64) int {
		if c := cmp.Compare(agg[b], agg[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	pats := make([]pattern, len(keys))
	for i, packed := range keys {
		lv := make([]uint8, nComps)
		for k := range lv {
			lv[k] = levelAt(packed, k)
		}
		pats[i] = pattern{levels: lv, count: agg[packed]}
	}
	return pats
}

// termFrequencies returns, per comparison with TermFrequency, each value's
// share of the records that have one, by value id (0: not among them).
func termFrequencies(v *values, comps []comparer) [][]float64 {
	tf := make([][]float64, len(comps))
	for k, c := range comps {
		if !c.TermFrequency || c.Kind == KindDate {
			continue
		}
		counts := make([]int, len(v.vocab[k]))
		total := 0
		for i := range v.vec {
			if id := v.vec[i].id[k]; id != 0 {
				counts[id]++
				total++
			}
		}
		f := make([]float64, len(counts))
		for id, n := range counts {
			if n > 0 {
				f[id] = float64(n) / float64(total)
			}
		}
		tf[k] = f
	}
	return tf
}

// levelWeight is the match weight (log2 Bayes factor) of comparison k at
// level lv for a pair whose values are a (left) and b (right, after a
// swap), re-weighted by the values' frequency when the comparison uses term
// frequencies (tf[k] not nil): on the exact level u becomes the value's
// frequency; on a fuzzy level (one edit, Jaro-Winkler) the level's weight is
// adjusted by as much as the exact level would be for the commoner of the
// two values (as Splink does), so ROSSI/ROSSO is weaker evidence than a
// typo in a rare surname.
func levelWeight(md model, tf [][]float64, comps []comparer, k int, lv uint8, a, b uint32) float64 {
	if lv == 0 {
		return 0
	}
	u := md.u[k][lv]
	w := 0.0
	if k < len(tf) && tf[k] != nil && lv < comps[k].elseLevel() {
		f := tf[k][a]
		ok := f > 0
		if lv > 1 {
			g := tf[k][b]
			f, ok = max(f, g), ok || g > 0
		}
		if ok {
			if lv == 1 {
				u = math.Max(f, probFloor)
			} else {
				w = math.Log2(md.u[k][1] / math.Max(f, probFloor))
			}
		}
	}
	return w + math.Log2(md.m[k][lv]/u)
}

// patternWeight is the match weight of a comparison vector without the
// prior or term frequencies: the sum of its levels' weights, except that
// the comparisons of one Group (context that goes together: organisation,
// role, province) add only their strongest agreement, and every
// disagreement.
func patternWeight(md model, comps []comparer, levels uint64) float64 {
	var w float64
	var best map[string]float64
	for k := range comps {
		lw := levelWeight(md, nil, comps, k, levelAt(levels, k), 0, 0)
		g := comps[k].Group
		if g == "" || lw <= 0 {
			w += lw
			continue
		}
		if best == nil {
			best = map[string]float64{}
		}
		best[g] = max(best[g], lw)
	}
	for _, b := range best {
		w += b
	}
	return w
}

// scorer turns comparison vectors into match weights and probabilities:
// the weight of a pattern is computed once, then the levels of the
// term-frequency comparisons are re-weighted by the pair's values.
type scorer struct {
	md      model
	tf      [][]float64
	comps   []comparer
	tfComps []int     // the comparisons with term frequencies
	prior   float64   // log2 of the prior odds
	levels  []uint64  // per pattern: its comparison vector
	base    []float64 // per pattern: patternWeight
	// bound is, per pattern, the most a pair's weight can be (prior and
	// term frequencies included): the rarest value's adjustment per level.
	bound []float64
}

func newScorer(md model, tf [][]float64, comps []comparer, ps *patterns) *scorer {
	sc := &scorer{md: md, tf: tf, comps: comps, prior: math.Log2(md.lambda / (1 - md.lambda))}
	maxAdjust := make([][]float64, len(comps))
	for k := range comps {
		if tf[k] == nil {
			continue
		}
		sc.tfComps = append(sc.tfComps, k)
		rarest := 0.0
		for _, f := range tf[k] {
			if f > 0 && (rarest == 0 || f < rarest) {
				rarest = f
			}
		}
		maxAdjust[k] = make([]float64, len(comps[k].labels))
		if rarest == 0 {
			continue
		}
		// One value of frequency rarest, the other absent: for every level
		// the adjustment only falls as the commoner value's frequency rises.
		tfk := []float64{0, rarest}
		one := make([][]float64, len(comps))
		one[k] = tfk
		for lv := uint8(1); lv < comps[k].elseLevel(); lv++ {
			d := levelWeight(md, one, comps, k, lv, 1, 0) - levelWeight(md, nil, comps, k, lv, 1, 0)
			maxAdjust[k][lv] = max(d, 0)
		}
	}
	if ps != nil {
		sc.levels = ps.levels
		sc.base = make([]float64, len(ps.levels))
		sc.bound = make([]float64, len(ps.levels))
		for p, lv := range ps.levels {
			sc.base[p] = patternWeight(md, comps, lv)
			b := sc.prior + sc.base[p]
			for _, k := range sc.tfComps {
				b += maxAdjust[k][levelAt(lv, k)]
			}
			sc.bound[p] = b
		}
	}
	return sc
}

// weight is the match weight of the pair l, r (values v) with comparison
// vector levels whose patternWeight is base.
func (sc *scorer) weight(v *values, l, r int32, levels uint64, swapped bool, base float64) float64 {
	w := base
	lv, rv := &v.vec[l], &v.vec[r]
	for _, k := range sc.tfComps {
		if x := levelAt(levels, k); x >= 1 && x < sc.comps[k].elseLevel() {
			a, b := sc.comps[k].ids(lv, rv, swapped)
			w += levelWeight(sc.md, sc.tf, sc.comps, k, x, a, b) - levelWeight(sc.md, nil, sc.comps, k, x, a, b)
		}
	}
	return sc.prior + w
}

func probability(weight float64) float64 { return 1 / (1 + math.Exp2(-weight)) }

// score compares and scores one pair (an analyst's, say).
func (sc *scorer) score(s *scratch, l, r int32) pairScore {
	levels, sw := s.pair(l, r)
	w := sc.weight(s.v, l, r, levels, sw, patternWeight(sc.md, sc.comps, levels))
	return pairScore{l: l, r: r, levels: levels, swapped: sw, weight: w, prob: probability(w)}
}

// keep scores the candidate pairs whose probability can reach at, on every
// core, and returns those that do, in candidate order. A pattern whose
// bound falls short is not looked at pair by pair: most candidates are
// plainly different persons.
func (sc *scorer) keep(ctx context.Context, v *values, pairs []candidate, pat []uint32, at float64) []pairScore {
	const margin = 1e-6 // the bound's rounding
	hopeless := make([]bool, len(sc.bound))
	for p, b := range sc.bound {
		hopeless[p] = probability(b+margin) < at
	}
	chunks := make([][]pairScore, (len(pairs)+compareChunk-1)/compareChunk)
	scratches := make([]*scratch, workers(len(pairs), compareChunk))
	parallelChunks(ctx, len(pairs), compareChunk, func(w, lo, hi int) {
		if scratches[w] == nil {
			scratches[w] = newScratch(v, sc.comps)
		}
		s := scratches[w]
		var out []pairScore
		for i := lo; i < hi; i++ {
			p := pat[i]
			if hopeless[p] {
				continue
			}
			c := &pairs[i]
			lv := sc.levels[p]
			sw := s.swapBetter(&v.vec[c.l], &v.vec[c.r])
			wt := sc.weight(v, c.l, c.r, lv, sw, sc.base[p])
			if prob := probability(wt); prob >= at {
				out = append(out, pairScore{l: c.l, r: c.r, levels: lv, swapped: sw, weight: wt, prob: prob})
			}
		}
		chunks[lo/compareChunk] = out
	})
	var n int
	for _, c := range chunks {
		n += len(c)
	}
	kept := make([]pairScore, 0, n)
	for _, c := range chunks {
		kept = append(kept, c...)
	}
	return kept
}
