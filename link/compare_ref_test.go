package link

import (
	"math"
	"strings"

	"github.com/hbollon/go-edlib"
)

// The reference comparison: the per-pair code the linkage used before
// values were numbered and memoised (strings read from the records,
// go-edlib's metrics as they are). The differential tests hold the fast
// path to exactly its levels.

func refJaroWinkler(a, b string) float32 { return edlib.JaroWinklerSimilarity(clip(a), clip(b)) }

func refWithinOneEdit(a, b string) bool {
	return edlib.OSADamerauLevenshteinDistance(clip(a), clip(b)) <= 1
}

func refJWLevel(a, b string, thresholds []float64, first, elseLevel uint8) uint8 {
	s := float64(refJaroWinkler(a, b))
	for i, t := range thresholds {
		if s >= t-1e-6 {
			return first + uint8(i)
		}
	}
	return elseLevel
}

func refFuzzy(c *comparer, a, b string) uint8 {
	switch c.Kind {
	case KindName:
		if refWithinOneEdit(a, b) {
			return 2
		}
		return refJWLevel(a, b, c.Thresholds, 3, c.elseLevel())
	case KindText:
		return refJWLevel(a, b, c.Thresholds, 2, c.elseLevel())
	case KindEmail:
		la, _, _ := strings.Cut(a, "@")
		lb, _, _ := strings.Cut(b, "@")
		if la == lb {
			return 2
		}
		return refJWLevel(a, b, c.Thresholds, 3, c.elseLevel())
	case KindPhone:
		if refWithinOneEdit(a, b) {
			return 2
		}
	}
	return c.elseLevel()
}

func refTaxLevel(l, r *record) uint8 {
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
	if refWithinOneEdit(a, b) {
		return 3
	}
	return 5
}

// refLevel is comparison c's level of records l and r.
func refLevel(c *comparer, l, r *record, swapped bool) uint8 {
	switch c.Kind {
	case KindDate:
		if !l.hasBirth || !r.hasBirth {
			return 0
		}
		return dateLevel(l.birth, r.birth)
	case KindTaxCode:
		return refTaxLevel(l, r)
	}
	a, b := c.get(l, false), c.get(r, swapped)
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	return refFuzzy(c, a, b)
}

func refSwapBetter(l, r *record) bool {
	if l.surname == r.surname || l.given == r.given {
		return false
	}
	if l.surname == r.given && l.given == r.surname {
		return true
	}
	straight := refJaroWinkler(l.surname, r.surname) + refJaroWinkler(l.given, r.given)
	crossed := refJaroWinkler(l.surname, r.given) + refJaroWinkler(l.given, r.surname)
	return crossed > straight+0.1
}

// refComparePair packs the reference levels of l and r, and the swap.
func refComparePair(l, r *record, comps []comparer) (uint64, bool) {
	sw := refSwapBetter(l, r)
	var packed uint64
	for k := range comps {
		packed |= uint64(refLevel(&comps[k], l, r, sw)) << (4 * k)
	}
	return packed, sw
}

// refTermFrequencies is the reference term frequencies: by value string.
func refTermFrequencies(recs []record, comps []comparer) []map[string]float64 {
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

// refLevelWeight is the reference levelWeight: frequencies by value string.
func refLevelWeight(md model, tf []map[string]float64, comps []comparer, k int, lv uint8, l, r *record, swapped bool) float64 {
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

// refWeight is the reference match weight of a pair: every pair scored.
func refWeight(md model, tf []map[string]float64, comps []comparer, l, r *record) (uint64, bool, float64) {
	levels, sw := refComparePair(l, r, comps)
	noTF := make([]map[string]float64, len(comps))
	var w float64
	var best map[string]float64
	for k := range comps {
		lw := refLevelWeight(md, noTF, comps, k, levelAt(levels, k), nil, nil, false)
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
	for k := range comps {
		if tf[k] == nil {
			continue
		}
		if lv := levelAt(levels, k); lv >= 1 && lv < comps[k].elseLevel() {
			w += refLevelWeight(md, tf, comps, k, lv, l, r, sw) - refLevelWeight(md, noTF, comps, k, lv, l, r, sw)
		}
	}
	return levels, sw, math.Log2(md.lambda/(1-md.lambda)) + w
}
