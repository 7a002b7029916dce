package link

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"

	queries "github.com/lombardia-orim/correlare/sql"
)

// DefaultEvalThresholds are the match thresholds [Assess] scores by default.
var DefaultEvalThresholds = []float64{0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999}

// Assessment is the linkage model scored on a labelled set: how many true
// pairs blocking keeps, and the pairwise scores of the persons it would
// build at several match thresholds.
type Assessment struct {
	Rows      int   // truth rows among the linkage records
	Missing   int   // truth rows not in the warehouse (quarantined or skipped)
	TruePairs int64 // true pairs among Rows
	// BlockedTruePairs are the true pairs some blocking rule produced;
	// BlockingRecall = BlockedTruePairs / TruePairs (1 when none true).
	BlockedTruePairs int64
	BlockingRecall   float64
	CandidatePairs   int
	// RulePairs and RuleTruePairs: per blocking rule, the pairs it produced
	// and the true pairs among them.
	RulePairs, RuleTruePairs []int64
	Threshold                float64  // the configured match threshold
	Table                    []Scores // one row per threshold, ascending
	Thresholds               []float64
}

// At returns the scores at the configured match threshold.
func (a Assessment) At() Scores {
	for i, t := range a.Thresholds {
		if t == a.Threshold {
			return a.Table[i]
		}
	}
	return Scores{}
}

// String formats the assessment for the eval command: the scores at the
// match threshold, the blocking recall, then the precision–recall table.
func (a Assessment) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "at match threshold %g: %s\n", a.Threshold, a.At())
	fmt.Fprintf(&b, "blocking recall %.4f (%d of %d true pairs among %d candidate pairs; %d truth rows not loaded)\n",
		a.BlockingRecall, a.BlockedTruePairs, a.TruePairs, a.CandidatePairs, a.Missing)
	fmt.Fprintf(&b, "%-9s  %-9s  %-9s  %-9s  %s\n", "threshold", "precision", "recall", "F1", "persons")
	for i, s := range a.Table {
		fmt.Fprintf(&b, "%-9g  %.4f     %.4f     %.4f     %d\n", a.Thresholds[i], s.Precision, s.Recall, s.F1, s.PersonsFound)
	}
	return b.String()
}

// Assess runs the linkage model of cfg on the enrolments of db without
// writing anything (temporary tables only: db may be read-only) and scores
// it against a ground truth CSV (source_file,sheet,source_row,person):
// blocking recall, then pairwise precision, recall and F1 of the persons
// clustered at each of thresholds (nil: DefaultEvalThresholds, plus
// cfg.MatchThreshold).
func Assess(ctx context.Context, db *sql.DB, cfg Config, truthCSV io.Reader, thresholds []float64, log *slog.Logger) (Assessment, error) {
	var a Assessment
	truth, err := readTruth(truthCSV)
	if err != nil {
		return a, err
	}
	r, err := prepare(ctx, db, cfg, log)
	if err != nil {
		return a, err
	}
	defer r.conn.Close()
	if thresholds == nil {
		thresholds = append([]float64(nil), DefaultEvalThresholds...)
	}
	a.Threshold = r.cfg.MatchThreshold
	thresholds = append(thresholds, a.Threshold)
	slicesSortUnique(&thresholds)
	a.Thresholds = thresholds
	r.keepAt = min(r.keepAt, thresholds[0])
	r.keepCandidates = true // the blocking recall reads them
	for _, stage := range []func(context.Context) error{r.load, r.block, r.compare, r.fit} {
		if err := stage(ctx); err != nil {
			return a, err
		}
	}
	// Each record's true person, -1 when the truth does not know it.
	person := make([]int32, len(r.recs))
	for i := range person {
		person[i] = -1
	}
	ids := map[string]int32{}
	rows, err := r.conn.QueryContext(ctx, queries.Query("link_eval_rows"))
	if err != nil {
		return a, fmt.Errorf("reading record positions: %w", err)
	}
	for rows.Next() {
		var rid int32
		var l loc
		if err := rows.Scan(&rid, &l.file, &l.sheet, &l.row); err != nil {
			rows.Close()
			return a, fmt.Errorf("reading record positions: %w", err)
		}
		p, ok := truth[l]
		if !ok {
			continue
		}
		delete(truth, l)
		id, ok := ids[p]
		if !ok {
			id = int32(len(ids))
			ids[p] = id
		}
		person[rid] = id
		a.Rows++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, fmt.Errorf("reading record positions: %w", err)
	}
	a.Missing = len(truth)
	size := make([]int64, len(ids))
	for _, p := range person {
		if p >= 0 {
			size[p]++
		}
	}
	for _, n := range size {
		a.TruePairs += n * (n - 1) / 2
	}
	a.CandidatePairs = len(r.pairs)
	a.RulePairs = make([]int64, len(r.rules))
	a.RuleTruePairs = make([]int64, len(r.rules))
	for i, bs := range r.rules {
		a.RulePairs[i] = bs.Pairs
	}
	for i := range r.pairs {
		p := &r.pairs[i]
		if person[p.l] < 0 || person[p.l] != person[p.r] {
			continue
		}
		a.BlockedTruePairs++
		for k := range a.RuleTruePairs {
			if p.rules&(1<<k) != 0 {
				a.RuleTruePairs[k]++
			}
		}
	}
	a.BlockingRecall = 1
	if a.TruePairs > 0 {
		a.BlockingRecall = float64(a.BlockedTruePairs) / float64(a.TruePairs)
	}
	for _, t := range thresholds {
		for i := range r.scored {
			r.scored[i].blocked, r.scored[i].accepted = 0, false
		}
		r.cfg.MatchThreshold = t
		if err := r.decide(ctx); err != nil {
			return a, err
		}
		if err := r.cluster(ctx); err != nil {
			return a, err
		}
		a.Table = append(a.Table, pairScores(r.cl, person, a.Missing))
	}
	return a, nil
}

// pairScores scores the components of cl against the true persons (-1:
// unknown record, left out).
func pairScores(cl *clusterer, person []int32, missing int) Scores {
	sc := Scores{Missing: missing}
	type cell struct{ truth, pred int32 }
	cells := map[cell]int64{}
	predSize, trueSize := map[int32]int64{}, map[int32]int64{}
	for i, p := range person {
		if p < 0 {
			continue
		}
		root := cl.find(int32(i))
		sc.Rows++
		cells[cell{p, root}]++
		predSize[root]++
		trueSize[p]++
	}
	countPairs(&sc, cells, predSize, trueSize)
	return sc
}
