package link

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEstimateRecoversKnownModel draws comparison vectors from a known
// Fellegi-Sunter model (three conditionally independent comparisons) and
// checks that EM, started elsewhere, recovers λ, m and u.
func TestEstimateRecoversKnownModel(t *testing.T) {
	truth := model{
		lambda: 0.3,
		m:      [][]float64{{0, 0.85, 0.10, 0.05}, {0, 0.9, 0.1}, {0, 0.7, 0.2, 0.1}},
		u:      [][]float64{{0, 0.02, 0.08, 0.90}, {0, 0.3, 0.7}, {0, 0.05, 0.15, 0.80}},
	}
	r := rand.New(rand.NewPCG(42, 1))
	draw := func(p []float64) uint8 {
		x := r.Float64()
		for l := 1; l < len(p); l++ {
			if x -= p[l]; x < 0 {
				return uint8(l)
			}
		}
		return uint8(len(p) - 1)
	}
	agg := map[[3]uint8]float64{}
	for i := 0; i < 200000; i++ {
		probs := truth.u
		if r.Float64() < truth.lambda {
			probs = truth.m
		}
		agg[[3]uint8{draw(probs[0]), draw(probs[1]), draw(probs[2])}]++
	}
	var pats []pattern
	for lv, c := range agg {
		pats = append(pats, pattern{levels: []uint8{lv[0], lv[1], lv[2]}, count: c})
	}
	start := model{lambda: 0.5, m: [][]float64{initialM(4), initialM(3), initialM(4)}}
	for _, l := range []int{4, 3, 4} {
		u := make([]float64, l)
		for i := 1; i < l; i++ {
			u[i] = float64(i)
		}
		normalise(u)
		start.u = append(start.u, u)
	}
	got, iters := estimate(pats, start, false, false, 500)
	t.Logf("%d iterations, λ %.3f", iters, got.lambda)
	const tol = 0.02
	if math.Abs(got.lambda-truth.lambda) > tol {
		t.Errorf("λ %.4f, want %.4f", got.lambda, truth.lambda)
	}
	for k := range truth.m {
		for l := 1; l < len(truth.m[k]); l++ {
			if d := math.Abs(got.m[k][l] - truth.m[k][l]); d > tol {
				t.Errorf("m[%d][%d] = %.4f, want %.4f", k, l, got.m[k][l], truth.m[k][l])
			}
			if d := math.Abs(got.u[k][l] - truth.u[k][l]); d > tol {
				t.Errorf("u[%d][%d] = %.4f, want %.4f", k, l, got.u[k][l], truth.u[k][l])
			}
		}
	}
}
