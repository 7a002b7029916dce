package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// write is the last stage: persons, person_links, link_model,
// person_events and link_runs.
func (r *run) write(ctx context.Context) error {
	w := writer{conn: r.conn, runID: r.runID, cfg: r.cfg, recs: r.recs, vals: r.vals, comps: r.comps}
	if err := w.publish(ctx, r.members, r.ids, r.previous); err != nil {
		return err
	}
	r.log.Debug("linkage persons written", "seconds", r.elapsed())
	if err := w.links(ctx, r.scored, r.personOf, r.md, r.tf); err != nil {
		return err
	}
	r.log.Debug("linkage person_links written", "rows", w.linkRows, "seconds", r.elapsed())
	if err := w.model(ctx, r.md); err != nil {
		return err
	}
	if err := w.events(ctx, r.events); err != nil {
		return err
	}
	r.st.Seconds = r.elapsed()
	if err := w.run(ctx, r.st, r.rules); err != nil {
		return err
	}
	r.log.Debug("linkage done", "persons", r.st.Persons, "candidate_pairs", r.st.CandidatePairs, "seconds", r.st.Seconds)
	return nil
}

// writer writes one run's results to the warehouse.
type writer struct {
	conn  *sql.Conn
	runID string
	cfg   Config
	recs  []record
	vals  *values
	comps []comparer

	linkRows int // rows written to person_links
}

// publish writes the new assignment (persons, person_members,
// enrolments.person_id) in one transaction.
func (w *writer) publish(ctx context.Context, members [][]int32, ids []string, previous []string) error {
	if _, err := w.conn.ExecContext(ctx, queries.Query("link_scratch"), w.runID); err != nil {
		return fmt.Errorf("preparing assignment: %w", err)
	}
	type row struct {
		rec, comp int32
		multi     bool
	}
	rows := make([]row, 0, len(w.recs))
	for ci, ms := range members {
		for _, m := range ms {
			rows = append(rows, row{m, int32(ci), len(ms) > 1})
		}
	}
	if err := appendTemp(ctx, w.conn, "link_assign", len(rows), func(i int) []driver.Value {
		return []driver.Value{rows[i].rec, ids[rows[i].comp], rows[i].multi}
	}); err != nil {
		return err
	}
	first, err := previousFirstSeen(ctx, w.conn)
	if err != nil {
		return err
	}
	if err := appendTemp(ctx, w.conn, "link_first", len(first), func(i int) []driver.Value {
		return []driver.Value{first[i][0], first[i][1]}
	}); err != nil {
		return err
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("publishing persons: %w", err)
	}
	if _, err := tx.ExecContext(ctx, queries.Query("link_publish")); err != nil {
		tx.Rollback()
		return fmt.Errorf("publishing persons: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("publishing persons: %w", err)
	}
	return nil
}

func previousFirstSeen(ctx context.Context, conn *sql.Conn) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("link_previous"))
	if err != nil {
		return nil, fmt.Errorf("reading previous persons: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var id, first string
		if err := rows.Scan(&id, &first); err != nil {
			return nil, fmt.Errorf("reading previous persons: %w", err)
		}
		out = append(out, [2]string{id, first})
	}
	return out, rows.Err()
}

// links writes person_links: accepted pairs, pairs an analyst or a rule
// decided, and near misses (probability ≥ LinkThreshold). Go appends numbers
// only (record numbers, level indexes, weights) to a scratch table, and
// DuckDB builds the rows with their labels and maps: appending a map per row
// costs more than the whole linkage.
func (w *writer) links(ctx context.Context, pairs []pairScore, personOf []int32, md model, tf [][]float64) error {
	var keep []int
	for i := range pairs {
		p := &pairs[i]
		if p.prob >= w.cfg.LinkThreshold || p.analyst != 0 || p.accepted {
			keep = append(keep, i)
		}
	}
	w.linkRows = len(keep)
	var cols, names, labels, weights []string
	for k, c := range w.comps {
		cols = append(cols, fmt.Sprintf("lv%d UTINYINT NOT NULL, w%d DOUBLE NOT NULL", k, k))
		names = append(names, sqlString(c.Name))
		var b strings.Builder
		fmt.Fprintf(&b, "CASE lv%d", k)
		for l, label := range c.labels {
			fmt.Fprintf(&b, " WHEN %d THEN %s", l, sqlString(label))
		}
		b.WriteString(" END")
		labels = append(labels, b.String())
		weights = append(weights, fmt.Sprintf("w%d", k))
	}
	create := "CREATE OR REPLACE TEMP TABLE link_links (l INTEGER NOT NULL, r INTEGER NOT NULL, weight DOUBLE NOT NULL, " +
		"prob DOUBLE NOT NULL, decision VARCHAR NOT NULL, source VARCHAR NOT NULL, detail VARCHAR, " + strings.Join(cols, ", ") + ")"
	if _, err := w.conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("preparing person_links: %w", err)
	}
	vals := make([]driver.Value, 7+2*len(w.comps))
	if err := appendTemp(ctx, w.conn, "link_links", len(keep), func(j int) []driver.Value {
		p := &pairs[keep[j]]
		l, r := &w.vals.vec[p.l], &w.vals.vec[p.r]
		same := personOf[p.l] == personOf[p.r]
		decision, source, detail := "different", "model", ""
		switch {
		case p.analyst != 0:
			source = "analyst"
		case blockReasons[p.blocked] == "tax_code":
			source, detail = "hard_rule", "two different valid tax codes"
		case p.blocked != 0:
			source, detail = "guard", "accepted by the model, refused: "+blockReasons[p.blocked]+" conflict in the person"
		}
		switch {
		case same:
			decision = "same"
			if !p.accepted && p.analyst == 0 {
				detail = "same person through other pairs"
			}
		case p.analyst == 0 && (source == "guard" || p.prob >= w.cfg.ReviewThreshold && p.prob < w.cfg.MatchThreshold):
			decision = "review"
		}
		vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6] = p.l, p.r, p.weight, p.prob, decision, source, nullable(detail)
		// The weights as they counted in the pair's match weight: of a
		// Group's agreements only the strongest counts (patternWeight), so
		// the others are written as 0 and the weights add up to it.
		best := map[string]int{}
		for k := range w.comps {
			lv := levelAt(p.levels, k)
			a, b := w.comps[k].ids(l, r, p.swapped)
			wt := levelWeight(md, tf, w.comps, k, lv, a, b)
			vals[7+2*k], vals[8+2*k] = lv, wt
			if g := w.comps[k].Group; g != "" && wt > 0 {
				if b, ok := best[g]; !ok || wt > vals[8+2*b].(float64) {
					best[g] = k
				}
			}
		}
		for k := range w.comps {
			if g := w.comps[k].Group; g != "" && vals[8+2*k].(float64) > 0 && best[g] != k {
				vals[8+2*k] = 0.0
			}
		}
		return vals
	}); err != nil {
		return err
	}
	q := strings.NewReplacer("{{names}}", strings.Join(names, ", "), "{{labels}}", strings.Join(labels, ", "),
		"{{weights}}", strings.Join(weights, ", ")).Replace(queries.Query("link_links"))
	if _, err := w.conn.ExecContext(ctx, q, w.runID); err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	if _, err := w.conn.ExecContext(ctx, "DROP TABLE link_links"); err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func nullable(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// model writes link_model: m, u and weight of every level.
func (w *writer) model(ctx context.Context, md model) error {
	type row struct{ k, l int }
	var rows []row
	for k, c := range w.comps {
		for l := range c.labels {
			rows = append(rows, row{k, l})
		}
	}
	return appendRows(ctx, w.conn, "link_model", len(rows), func(i int) []driver.Value {
		k, l := rows[i].k, rows[i].l
		c := w.comps[k]
		var m, u, wt driver.Value
		if l > 0 {
			m, u = md.m[k][l], md.u[k][l]
			wt = levelWeight(md, nil, w.comps, k, uint8(l), 0, 0)
		}
		return []driver.Value{w.runID, c.Name, c.Column, int32(l), c.labels[l], m, u, wt, c.TermFrequency && l == 1}
	})
}

// events appends person_events.
func (w *writer) events(ctx context.Context, evs []event) error {
	at := time.Now().UTC()
	return appendRows(ctx, w.conn, "person_events", len(evs), func(i int) []driver.Value {
		e := evs[i]
		ids := make([]any, len(e.ids))
		for j, s := range e.ids {
			ids[j] = s
		}
		return []driver.Value{w.runID, at, e.kind, e.personID, ids, nullable(e.detail)}
	})
}

// run appends the run's link_runs row.
func (w *writer) run(ctx context.Context, st Stats, rules []blockStats) error {
	type rulePairs struct {
		Rule          string `json:"rule"`
		Pairs         int64  `json:"pairs"`
		SubBlockPairs int64  `json:"sub_block_pairs"`
		DroppedPairs  int64  `json:"dropped_pairs"`
	}
	rp := make([]rulePairs, len(rules))
	for i, bs := range rules {
		rp[i] = rulePairs{Rule: w.cfg.Blocking[i], Pairs: bs.Pairs, SubBlockPairs: bs.SubPairs, DroppedPairs: bs.SkippedPairs}
	}
	js, err := json.Marshal(rp)
	if err != nil {
		return fmt.Errorf("writing link_runs: %w", err)
	}
	return appendRows(ctx, w.conn, "link_runs", 1, func(int) []driver.Value {
		return []driver.Value{w.runID, time.Now().UTC(), int64(st.Records), int64(st.CandidatePairs),
			int32(st.EMIterations), st.Lambda, w.cfg.MatchThreshold, w.cfg.ReviewThreshold,
			int64(st.AcceptedPairs), int64(st.ReviewPairs), int64(st.Persons), int64(st.PersonsMulti), st.Seconds,
			st.SubBlockPairs, st.SkippedBlocks, st.SkippedPairs, string(js)}
	})
}

// appendTemp appends rows to a temporary table (the project's one appender
// loop, in sinks).
func appendTemp(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return sinks.AppendTempRows(ctx, conn, table, n, row)
}

// appendRows appends rows to table through a DuckDB appender on conn.
func appendRows(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return sinks.AppendRows(ctx, conn, table, n, row)
}
