package link

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
)

// truthFor renders the ground-truth CSV of rows labelled by person.
func truthFor(rows []canon.Enrolment, person []string) *bytes.Buffer {
	var b bytes.Buffer
	b.WriteString("source_file,sheet,source_row,person\n")
	for i, e := range rows {
		fmt.Fprintf(&b, "%s,%s,%d,%s\n", e.SourceFile, e.Sheet, e.SourceRow, person[i])
	}
	return &b
}

// TestEvaluateSynthetic links demo.Synthetic rows at both noise levels (the
// heavy set with another seed, the model untouched) and asserts the quality
// targets of the linkage issue.
func TestEvaluateSynthetic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		seed  int64
		noise demo.Noise
	}{
		{"normal", 6000, 1, demo.NoiseNormal},
		{"heavy", 6000, 2, demo.NoiseHeavy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w := openTest(t)
			rows, person := demo.Synthetic(tc.n, tc.seed, tc.noise)
			insertEnrolments(t, w.DB, rows)
			st, err := Link(ctx, w.DB, "r1", DefaultConfig(), nil)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := Evaluate(ctx, w.DB, truthFor(rows, person))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d candidate pairs; %s", tc.name, st.CandidatePairs, sc)
			if sc.Missing != 0 || sc.Rows != tc.n {
				t.Errorf("scored %d rows, %d missing; want %d, 0", sc.Rows, sc.Missing, tc.n)
			}
			if sc.Precision < 0.995 {
				t.Errorf("precision %.4f < 0.995", sc.Precision)
			}
			if sc.Recall < 0.98 {
				t.Errorf("recall %.4f < 0.98", sc.Recall)
			}
			// The model assessed without writing gives the published
			// scores at the match threshold, and a table over thresholds.
			a, err := Assess(ctx, w.DB, DefaultConfig(), truthFor(rows, person), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: assessment\n%s", tc.name, a)
			if at := a.At(); at != sc {
				t.Errorf("assessed at the threshold %+v, published %+v", at, sc)
			}
			if len(a.Table) != len(DefaultEvalThresholds) || a.CandidatePairs != st.CandidatePairs {
				t.Errorf("%d table rows, %d candidate pairs; want %d, %d", len(a.Table), a.CandidatePairs, len(DefaultEvalThresholds), st.CandidatePairs)
			}
			if a.TruePairs != sc.TruePairs || a.BlockingRecall < 0.98 || a.BlockingRecall > 1 {
				t.Errorf("true pairs %d (published %d), blocking recall %.4f, want ≥ 0.98", a.TruePairs, sc.TruePairs, a.BlockingRecall)
			}
			for i := 1; i < len(a.Table); i++ { // a higher threshold never links more
				if a.Table[i].PredictedPairs > a.Table[i-1].PredictedPairs {
					t.Errorf("threshold %g predicts %d pairs, %g only %d", a.Thresholds[i], a.Table[i].PredictedPairs, a.Thresholds[i-1], a.Table[i-1].PredictedPairs)
				}
			}
		})
	}
}
