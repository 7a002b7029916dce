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
		})
	}
}
