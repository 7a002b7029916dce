package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// write is the last stage: persons, person_links, link_model,
// person_events and link_runs.
func (r *run) write(ctx context.Context) error {
	w := writer{conn: r.conn, runID: r.runID, cfg: r.cfg, recs: r.recs, vals: r.vals, comps: r.comps}
	if err := w.publish(ctx, r.members, r.ids); err != nil {
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
// enrolments.person_id) in one transaction. Go reads what persons take from
// the enrolments (sql/link_publish_read.sql), builds the persons (a person
// of one row is that row; the others take the most frequent values, ties
// to the smallest) and hands DuckDB three Arrow batches: each record's
// person, the enrolments whose person changes, the persons;
// sql/link_publish.sql replaces the tables from them.
func (w *writer) publish(ctx context.Context, members [][]int32, ids []string) error {
	if _, err := w.conn.ExecContext(ctx, queries.Query("link_scratch"), w.runID); err != nil {
		return fmt.Errorf("preparing assignment: %w", err)
	}
	recs, err := readArrow(ctx, w.conn, queries.Query("link_publish_read"))
	if err != nil {
		return fmt.Errorf("reading enrolments to publish: %w", err)
	}
	defer func() {
		for _, b := range recs {
			b.Release()
		}
	}()
	c, err := newEnrolCols(recs, len(w.recs))
	if err != nil {
		return err
	}
	assign := newBatches(arrow.NewSchema([]arrow.Field{
		{Name: "rid", Type: arrow.PrimitiveTypes.Int32},
		{Name: "person_id", Type: arrow.BinaryTypes.String},
	}, nil))
	defer assign.release()
	rid, pid := assign.rb.Field(0).(*array.Int32Builder), assign.rb.Field(1).(*array.StringBuilder)
	update := newBatches(arrow.NewSchema([]arrow.Field{
		{Name: "erow", Type: arrow.PrimitiveTypes.Int64},
		{Name: "person_id", Type: arrow.BinaryTypes.String},
	}, nil))
	defer update.release()
	erow, upid := update.rb.Field(0).(*array.Int64Builder), update.rb.Field(1).(*array.StringBuilder)
	pb := newPersonBuilder()
	defer pb.b.release()
	for ci, ms := range members {
		id := ids[ci]
		for _, m := range ms {
			rid.Append(m)
			pid.Append(id)
			assign.row()
			// Only the enrolments whose person changes are updated.
			if e, i := c.row(m); e.person.IsNull(i) || e.person.Value(i) != id {
				erow.Append(e.erow.Value(i))
				upid.Append(id)
				update.row()
			}
		}
		pb.add(id, ms, c)
	}
	for _, t := range []struct {
		name string
		b    *batches
	}{{"link_assign", assign}, {"link_update", update}, {"link_persons", pb.b}} {
		if err := insertArrow(ctx, w.conn, t.name, t.b.done()); err != nil {
			return fmt.Errorf("preparing assignment: %w", err)
		}
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
	fields := []arrow.Field{
		{Name: "l", Type: arrow.PrimitiveTypes.Int32},
		{Name: "r", Type: arrow.PrimitiveTypes.Int32},
		{Name: "weight", Type: arrow.PrimitiveTypes.Float64},
		{Name: "prob", Type: arrow.PrimitiveTypes.Float64},
		{Name: "decision", Type: arrow.BinaryTypes.String},
		{Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "detail", Type: arrow.BinaryTypes.String, Nullable: true},
	}
	for k := range w.comps {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("lv%d", k), Type: arrow.PrimitiveTypes.Uint8},
			arrow.Field{Name: fmt.Sprintf("w%d", k), Type: arrow.PrimitiveTypes.Float64})
	}
	b := newBatches(arrow.NewSchema(fields, nil))
	defer b.release()
	lb, rb := b.rb.Field(0).(*array.Int32Builder), b.rb.Field(1).(*array.Int32Builder)
	weightB, probB := b.rb.Field(2).(*array.Float64Builder), b.rb.Field(3).(*array.Float64Builder)
	decisionB, sourceB, detailB := b.rb.Field(4).(*array.StringBuilder), b.rb.Field(5).(*array.StringBuilder), b.rb.Field(6).(*array.StringBuilder)
	lvB, wB := make([]*array.Uint8Builder, len(w.comps)), make([]*array.Float64Builder, len(w.comps))
	for k := range w.comps {
		lvB[k], wB[k] = b.rb.Field(7+2*k).(*array.Uint8Builder), b.rb.Field(8+2*k).(*array.Float64Builder)
	}
	lvs, wts := make([]uint8, len(w.comps)), make([]float64, len(w.comps))
	best := map[string]int{}
	for _, i := range keep {
		p := &pairs[i]
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
		lb.Append(p.l)
		rb.Append(p.r)
		weightB.Append(p.weight)
		probB.Append(p.prob)
		decisionB.Append(decision)
		sourceB.Append(source)
		if detail == "" {
			detailB.AppendNull()
		} else {
			detailB.Append(detail)
		}
		// The weights as they counted in the pair's match weight: of a
		// Group's agreements only the strongest counts (patternWeight), so
		// the others are written as 0 and the weights add up to it.
		clear(best)
		for k := range w.comps {
			lv := levelAt(p.levels, k)
			a, b := w.comps[k].ids(l, r, p.swapped)
			wt := levelWeight(md, tf, w.comps, k, lv, a, b)
			lvs[k], wts[k] = lv, wt
			if g := w.comps[k].Group; g != "" && wt > 0 {
				if b, ok := best[g]; !ok || wt > wts[b] {
					best[g] = k
				}
			}
		}
		for k := range w.comps {
			if g := w.comps[k].Group; g != "" && wts[k] > 0 && best[g] != k {
				wts[k] = 0
			}
			lvB[k].Append(lvs[k])
			wB[k].Append(wts[k])
		}
		b.row()
	}
	if err := insertArrow(ctx, w.conn, "link_links", b.done()); err != nil {
		return fmt.Errorf("preparing person_links: %w", err)
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
	b := newBatches(arrow.NewSchema([]arrow.Field{
		{Name: "run_id", Type: arrow.BinaryTypes.String},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "person_id", Type: arrow.BinaryTypes.String},
		{Name: "person_ids", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "detail", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil))
	defer b.release()
	runB, atB, kindB := b.rb.Field(0).(*array.StringBuilder), b.rb.Field(1).(*array.TimestampBuilder), b.rb.Field(2).(*array.StringBuilder)
	pidB, idsB, detailB := b.rb.Field(3).(*array.StringBuilder), b.rb.Field(4).(*array.ListBuilder), b.rb.Field(5).(*array.StringBuilder)
	idB := idsB.ValueBuilder().(*array.StringBuilder)
	for _, e := range evs {
		runB.Append(w.runID)
		atB.Append(arrow.Timestamp(at.UnixMicro()))
		kindB.Append(e.kind)
		pidB.Append(e.personID)
		idsB.Append(true)
		for _, id := range e.ids {
			idB.Append(id)
		}
		if e.detail == "" {
			detailB.AppendNull()
		} else {
			detailB.Append(e.detail)
		}
		b.row()
	}
	if err := insertArrow(ctx, w.conn, "person_events", b.done()); err != nil {
		return fmt.Errorf("writing person_events: %w", err)
	}
	return nil
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

// appendRows appends rows to table through a DuckDB appender on conn.
func appendRows(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return sinks.AppendRows(ctx, conn, table, n, row)
}
