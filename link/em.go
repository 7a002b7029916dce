package link

import (
	"math"
)

// pattern is one distinct comparison vector and how many pairs have it.
type pattern struct {
	levels []uint8 // per comparison; 0 = null
	count  float64
}

// model is a Fellegi-Sunter model: λ, the probability that a candidate pair
// is a match, and per comparison and level the m (match) and u (non-match)
// probabilities. Level 0 (null) carries no evidence and is not estimated.
type model struct {
	lambda float64
	m, u   [][]float64 // [comparison][level]
	// never is, per comparison, the level that the hard rule forbids to a
	// match (the tax code's conflict: two different valid codes), 0 none:
	// a pair at it is a non-match in expectation-maximisation too, so that
	// namesakes with different tax codes do not teach the match class.
	never []uint8
}

// probFloor keeps every probability away from 0 so weights stay finite.
const probFloor = 1e-6

// initialM spreads a match's probability over the levels: most on the
// first (exact), a little on each fuzzier one, least on "else".
func initialM(levels int) []float64 {
	m := make([]float64, levels)
	rest := 0.2
	for i := 1; i < levels; i++ {
		if i == 1 {
			m[i] = 0.8
			continue
		}
		rest /= 2
		m[i] = rest
	}
	normalise(m)
	return m
}

func normalise(p []float64) {
	s := 0.0
	for i := 1; i < len(p); i++ {
		if p[i] < probFloor {
			p[i] = probFloor
		}
		s += p[i]
	}
	for i := 1; i < len(p); i++ {
		p[i] /= s
	}
}

// modelLogs are the logarithms of a model's m and u, by comparison and
// level, taken once per iteration rather than once per pattern.
type modelLogs struct{ m, u [][]float64 }

func (md *model) logs() modelLogs {
	lg := modelLogs{m: make([][]float64, len(md.m)), u: make([][]float64, len(md.u))}
	for k := range md.m {
		lg.m[k] = make([]float64, len(md.m[k]))
		lg.u[k] = make([]float64, len(md.u[k]))
		for l := 1; l < len(md.m[k]); l++ {
			lg.m[k][l] = math.Log(md.m[k][l])
			lg.u[k][l] = math.Log(md.u[k][l])
		}
	}
	return lg
}

// expectationLogs returns the probability that a pair with levels is a
// match, given log λ, log(1-λ) and the model's logs.
func (md *model) expectationLogs(levels []uint8, lm, lu float64, lg modelLogs) float64 {
	for k, l := range levels {
		if l == 0 {
			continue
		}
		if k < len(md.never) && md.never[k] == l {
			return 0
		}
		lm += lg.m[k][l]
		lu += lg.u[k][l]
	}
	d := lu - lm
	if d > 700 {
		return 0
	}
	return 1 / (1 + math.Exp(d))
}

// estimate runs expectation-maximisation over the patterns from md, at most
// maxIter times, and returns the fitted model and the iterations run. u is
// re-estimated too unless fixU (then it stays as given, e.g. from random
// pairs); with fixM only λ is estimated.
func estimate(pats []pattern, md model, fixU, fixM bool, maxIter int) (model, int) {
	md = md.clone()
	n := len(md.m)
	it := 0
	for it < maxIter {
		it++
		mAcc := make([][]float64, n)
		uAcc := make([][]float64, n)
		for k := range n {
			mAcc[k] = make([]float64, len(md.m[k]))
			uAcc[k] = make([]float64, len(md.u[k]))
		}
		var matches, total float64
		lg := md.logs()
		lm, lu := math.Log(md.lambda), math.Log(1-md.lambda)
		for _, p := range pats {
			g := md.expectationLogs(p.levels, lm, lu, lg)
			matches += g * p.count
			total += p.count
			for k, l := range p.levels {
				mAcc[k][l] += g * p.count
				uAcc[k][l] += (1 - g) * p.count
			}
		}
		next := model{lambda: clamp(matches / total), m: mAcc, u: uAcc, never: md.never}
		for k := range n {
			if fixM {
				next.m[k] = append([]float64(nil), md.m[k]...)
			} else {
				normalise(next.m[k])
			}
			if fixU {
				next.u[k] = append([]float64(nil), md.u[k]...)
			} else {
				normalise(next.u[k])
			}
		}
		delta := math.Abs(next.lambda - md.lambda)
		for k := range n {
			for l := 1; l < len(md.m[k]); l++ {
				delta = math.Max(delta, math.Abs(next.m[k][l]-md.m[k][l]))
				delta = math.Max(delta, math.Abs(next.u[k][l]-md.u[k][l]))
			}
		}
		md = next
		if delta < 1e-6 {
			break
		}
	}
	return md, it
}

func clamp(p float64) float64 {
	return math.Min(math.Max(p, 1e-12), 1-probFloor)
}

func (md model) clone() model {
	c := model{lambda: md.lambda, m: make([][]float64, len(md.m)), u: make([][]float64, len(md.u)), never: md.never}
	for k := range md.m {
		c.m[k] = append([]float64(nil), md.m[k]...)
		c.u[k] = append([]float64(nil), md.u[k]...)
	}
	return c
}
