package link

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	queries "github.com/lombardia-orim/correlare/sql"
)

// Scores are pairwise linkage scores against a ground truth: a pair of rows
// is a true pair when both rows belong to one true person, a predicted pair
// when they share a person_id.
type Scores struct {
	Rows           int // truth rows found in the warehouse
	Missing        int // truth rows not in the warehouse
	TruePairs      int64
	PredictedPairs int64
	CorrectPairs   int64
	Precision      float64 // CorrectPairs / PredictedPairs (1 when none predicted)
	Recall         float64 // CorrectPairs / TruePairs (1 when none true)
	F1             float64
	PersonsFound   int // distinct person_ids among the truth rows
	PersonsTrue    int // distinct true persons
}

// String formats the scores for the eval command.
func (s Scores) String() string {
	return fmt.Sprintf("precision %.4f  recall %.4f  F1 %.4f  persons found %d, true %d  (%d rows, %d pairs true, %d predicted, %d missing rows)",
		s.Precision, s.Recall, s.F1, s.PersonsFound, s.PersonsTrue, s.Rows, s.TruePairs, s.PredictedPairs, s.Missing)
}

// Evaluate scores the warehouse's enrolments.person_id against a ground
// truth CSV with header source_file,sheet,source_row,person.
func Evaluate(ctx context.Context, db *sql.DB, truthCSV io.Reader) (Scores, error) {
	var sc Scores
	truth, err := readTruth(truthCSV)
	if err != nil {
		return sc, err
	}
	rows, err := db.QueryContext(ctx, queries.Query("link_eval"))
	if err != nil {
		return sc, fmt.Errorf("reading person ids: %w", err)
	}
	defer rows.Close()
	type cell struct{ truth, pred string }
	cells := map[cell]int64{}
	predSize, trueSize := map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var l loc
		var pid sql.NullString
		if err := rows.Scan(&l.file, &l.sheet, &l.row, &pid); err != nil {
			return sc, fmt.Errorf("reading person ids: %w", err)
		}
		tp, ok := truth[l]
		if !ok {
			continue
		}
		delete(truth, l)
		pred := pid.String
		if !pid.Valid {
			pred = "\x00" + l.file + "\x00" + l.sheet + "\x00" + strconv.Itoa(l.row) // unlinked: alone
		}
		sc.Rows++
		cells[cell{tp, pred}]++
		predSize[pred]++
		trueSize[tp]++
	}
	if err := rows.Err(); err != nil {
		return sc, fmt.Errorf("reading person ids: %w", err)
	}
	sc.Missing = len(truth)
	countPairs(&sc, cells, predSize, trueSize)
	return sc, nil
}

// loc is a row's position: file, sheet, row.
type loc struct {
	file, sheet string
	row         int
}

// readTruth reads a ground truth CSV with header
// source_file,sheet,source_row,person.
func readTruth(truthCSV io.Reader) (map[loc]string, error) {
	truth := map[loc]string{}
	cr := csv.NewReader(truthCSV)
	cr.FieldsPerRecord = -1
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading ground truth: %w", &PosError{Line: line, Err: fmt.Errorf("%w: %w", ErrBadTruth, err)})
		}
		if line == 1 {
			if len(rec) < 4 || strings.TrimPrefix(strings.TrimSpace(rec[0]), "\ufeff") != "source_file" ||
				strings.TrimSpace(rec[1]) != "sheet" || strings.TrimSpace(rec[2]) != "source_row" || strings.TrimSpace(rec[3]) != "person" {
				return nil, fmt.Errorf("reading ground truth: %w", &PosError{Line: 1, Err: fmt.Errorf("%w: want source_file,sheet,source_row,person", ErrBadHeader)})
			}
			continue
		}
		if len(rec) < 4 {
			return nil, fmt.Errorf("reading ground truth: %w", &PosError{Line: line, Err: fmt.Errorf("%w: %d fields, want 4", ErrBadTruth, len(rec))})
		}
		n, err := strconv.Atoi(strings.TrimSpace(rec[2]))
		if err != nil {
			return nil, fmt.Errorf("reading ground truth: %w", &PosError{Line: line, Err: fmt.Errorf("%w: source_row: %w", ErrBadTruth, err)})
		}
		truth[loc{rec[0], rec[1], n}] = rec[3]
	}
	return truth, nil
}

// finish computes precision, recall and F1 from the pair counts.
func (sc *Scores) finish() {
	sc.Precision, sc.Recall = 1, 1
	if sc.PredictedPairs > 0 {
		sc.Precision = float64(sc.CorrectPairs) / float64(sc.PredictedPairs)
	}
	if sc.TruePairs > 0 {
		sc.Recall = float64(sc.CorrectPairs) / float64(sc.TruePairs)
	}
	if sc.Precision+sc.Recall > 0 {
		sc.F1 = 2 * sc.Precision * sc.Recall / (sc.Precision + sc.Recall)
	}
}

func slicesSortUnique(xs *[]float64) {
	slices.Sort(*xs)
	*xs = slices.Compact(*xs)
}

// countPairs fills sc's pair counts from the rows per (true person,
// predicted person) cell and per person on each side, then its ratios.
func countPairs[C, P comparable](sc *Scores, cells map[C]int64, predSize, trueSize map[P]int64) {
	pairs := func(n int64) int64 { return n * (n - 1) / 2 }
	for _, n := range cells {
		sc.CorrectPairs += pairs(n)
	}
	for _, n := range predSize {
		sc.PredictedPairs += pairs(n)
	}
	for _, n := range trueSize {
		sc.TruePairs += pairs(n)
	}
	sc.PersonsFound, sc.PersonsTrue = len(predSize), len(trueSize)
	sc.finish()
}
