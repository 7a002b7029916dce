package link

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// fit is the fourth stage: the Fellegi-Sunter model estimated on the
// candidate pairs, then every pair scored.
func (r *run) fit(ctx context.Context) error {
	md, iters := fit(r.recs, r.comps, r.pairs, r.cfg)
	r.st.EMIterations, r.st.Lambda = iters, md.lambda
	r.md = md
	r.tf = termFrequencies(r.recs, r.comps)
	scoreAll(r.recs, r.comps, md, r.tf, r.pairs)
	r.st.Patterns = countPatterns(r.pairs)
	releaseMemory() // the comparison caches
	r.log.Debug("linkage model fitted", "iterations", iters, "lambda", md.lambda, "patterns", r.st.Patterns, "seconds", r.elapsed())
	return ctx.Err()
}

// fit estimates u from random pairs and then λ and m by EM over the
// candidate pairs' distinct comparison vectors (u fixed, as Splink does).
func fit(recs []record, comps []comparer, pairs []pairScore, cfg Config) (model, int) {
	md := model{lambda: 0.3, m: make([][]float64, len(comps)), u: make([][]float64, len(comps)), never: make([]uint8, len(comps))}
	counts := make([][]float64, len(comps))
	for k, c := range comps {
		md.m[k] = initialM(len(c.labels))
		counts[k] = make([]float64, len(c.labels))
		if c.Kind == KindTaxCode {
			md.never[k] = c.idxConflict
		}
	}
	n := len(recs)
	var sample [][2]int32
	if total := n * (n - 1) / 2; total <= cfg.USamplePairs {
		sample = make([][2]int32, 0, total)
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				sample = append(sample, [2]int32{int32(a), int32(b)})
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c696e6b))
		sample = make([][2]int32, 0, cfg.USamplePairs)
		for i := 0; i < cfg.USamplePairs; i++ {
			a, b := rng.IntN(n), rng.IntN(n)
			if a != b {
				sample = append(sample, [2]int32{int32(a), int32(b)})
			}
		}
	}
	packed := make([]uint64, len(sample))
	parallel(len(sample), func(_, lo, hi int) {
		caches := newCaches(len(comps))
		for i := lo; i < hi; i++ {
			packed[i], _ = comparePair(&recs[sample[i][0]], &recs[sample[i][1]], comps, caches)
		}
	})
	for _, p := range packed {
		for k := range comps {
			counts[k][levelAt(p, k)]++
		}
	}
	for k := range comps {
		u := make([]float64, len(counts[k]))
		for l := 1; l < len(u); l++ {
			u[l] = counts[k][l] + 0.5 // Jeffreys smoothing: no level is impossible
		}
		normalise(u)
		md.u[k] = u
	}
	// One EM session per blocking rule, as Splink trains: the comparisons
	// a rule reads are left out of its session (they agree by construction),
	// and each comparison's m is the mean over the sessions that estimate it.
	sums := make([][]float64, len(comps))
	seen := make([]float64, len(comps))
	for k := range comps {
		sums[k] = make([]float64, len(md.m[k]))
	}
	iters := 0
	for i, rule := range cfg.Blocking {
		if !contains(cfg.Training, rule) {
			continue
		}
		var mask uint64
		for k, c := range comps {
			if !ruleReads(rule, c.Column) {
				mask |= 0xF << (4 * k)
			}
		}
		pats := patterns(pairs, comps, func(p *pairScore) bool { return p.rules&(1<<i) != 0 }, mask)
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
	md.lambda = priorAllPairs(recs, comps, pairs, md)
	return md, iters
}

// priorAllPairs estimates λ, the probability that two records drawn at random
// match, by the fixed point of λ = Σ P(match | pair, λ) / all pairs, where
// pairs that blocking did not produce count as non-matches.
func priorAllPairs(recs []record, comps []comparer, pairs []pairScore, md model) float64 {
	n := float64(len(recs))
	all := n * (n - 1) / 2
	if all < 1 || len(pairs) == 0 {
		return probFloor
	}
	pats := patterns(pairs, comps, func(*pairScore) bool { return true }, ^uint64(0))
	md.lambda = clamp(float64(len(pairs)) / all / 2)
	for it := 0; it < 100; it++ {
		var expected float64
		for _, p := range pats {
			expected += p.count * md.expectation(p.levels)
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

// patterns aggregates the comparison vectors of the pairs keep accepts,
// with the levels outside mask set to null.
func patterns(pairs []pairScore, comps []comparer, keep func(*pairScore) bool, mask uint64) []pattern {
	agg := map[uint64]float64{}
	for i := range pairs {
		if keep(&pairs[i]) {
			agg[pairs[i].levels&mask]++
		}
	}
	pats := make([]pattern, 0, len(agg))
	for packed, c := range agg {
		lv := make([]uint8, len(comps))
		for k := range comps {
			lv[k] = levelAt(packed, k)
		}
		pats = append(pats, pattern{levels: lv, count: c})
	}
	sort.Slice(pats, func(i, j int) bool { return pats[i].count > pats[j].count })
	return pats
}

// termFrequencies returns, per comparison with TermFrequency, each value's
// share of the records.
func termFrequencies(recs []record, comps []comparer) []map[string]float64 {
	tf := make([]map[string]float64, len(comps))
	for k, c := range comps {
		if !c.TermFrequency || c.Kind == KindDate {
			continue
		}
		counts := map[string]int{}
		total := 0
		for i := range recs {
			if v := c.get(&recs[i], false); v != "" {
				counts[v]++
				total++
			}
		}
		f := make(map[string]float64, len(counts))
		for v, n := range counts {
			f[v] = float64(n) / float64(total)
		}
		tf[k] = f
	}
	return tf
}

// levelWeight is the match weight (log2 Bayes factor) of comparison k at
// level lv for the pair, re-weighted by the values' frequency when the
// comparison uses term frequencies: on the exact level u becomes the value's
// frequency; on a fuzzy level (one edit, Jaro-Winkler) the level's weight is
// adjusted by as much as the exact level would be for the commoner of the
// two values (as Splink does), so ROSSI/ROSSO is weaker evidence than a
// typo in a rare surname.
func levelWeight(md model, tf []map[string]float64, comps []comparer, k int, lv uint8, l, r *record, swapped bool) float64 {
	if lv == 0 {
		return 0
	}
	u := md.u[k][lv]
	w := 0.0
	if tf[k] != nil && lv < comps[k].elseLevel() {
		f, ok := tf[k][comps[k].get(l, false)]
		if lv > 1 {
			g, okr := tf[k][comps[k].get(r, swapped)]
			f, ok = max(f, g), ok || okr
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

// scoreAll sets the match weight and probability of pairs, on every core:
// the weight of a comparison vector is computed once, then the exact levels
// of the term-frequency comparisons are re-weighted by the value's frequency.
func scoreAll(recs []record, comps []comparer, md model, tf []map[string]float64, pairs []pairScore) {
	prior := math.Log2(md.lambda / (1 - md.lambda))
	noTF := make([]map[string]float64, len(comps))
	var tfComps []int
	for k := range comps {
		if tf[k] != nil {
			tfComps = append(tfComps, k)
		}
	}
	parallel(len(pairs), func(_, lo, hi int) {
		base := map[uint64]float64{}
		for i := lo; i < hi; i++ {
			p := &pairs[i]
			w, ok := base[p.levels]
			if !ok {
				w = patternWeight(md, noTF, comps, p.levels)
				base[p.levels] = w
			}
			for _, k := range tfComps {
				if lv := levelAt(p.levels, k); lv >= 1 && lv < comps[k].elseLevel() {
					l, r := &recs[p.l], &recs[p.r]
					w += levelWeight(md, tf, comps, k, lv, l, r, p.swapped) - levelWeight(md, noTF, comps, k, lv, l, r, p.swapped)
				}
			}
			p.weight = prior + w
			p.prob = 1 / (1 + math.Exp2(-p.weight))
		}
	})
}

func countPatterns(pairs []pairScore) int {
	seen := map[uint64]bool{}
	for i := range pairs {
		seen[pairs[i].levels] = true
	}
	return len(seen)
}

// patternWeight is the match weight of a comparison vector without the
// prior or term frequencies: the sum of its levels' weights, except that
// the comparisons of one Group (context that goes together: organisation,
// role, province) add only their strongest agreement, and every
// disagreement.
func patternWeight(md model, tf []map[string]float64, comps []comparer, levels uint64) float64 {
	var w float64
	var best map[string]float64
	for k := range comps {
		lw := levelWeight(md, tf, comps, k, levelAt(levels, k), nil, nil, false)
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
