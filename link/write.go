package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
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
	// person_links' rows are built in Go while the persons are published.
	built := make(chan *linkBatches, 1)
	go func() { built <- w.buildLinks(r.scored, r.personOf, r.md, r.tf) }()
	var lb *linkBatches
	defer func() {
		if lb == nil {
			lb = <-built
		}
		lb.release()
	}()
	if err := w.publish(ctx, r.members, r.ids); err != nil {
		return err
	}
	r.log.Debug("linkage persons written", "seconds", r.elapsed())
	lb = <-built
	if err := w.links(ctx, lb); err != nil {
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
	if err := execSteps(ctx, w.conn, "link_scratch", w.runID); err != nil {
		return fmt.Errorf("preparing assignment: %w", err)
	}
	var recs []arrow.RecordBatch
	err := step("read link_publish_read", func() (err error) {
		recs, err = readArrow(ctx, w.conn, queries.Query("link_publish_read"))
		return err
	})
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
	// The persons are built in two halves, each on its own core, while a
	// third goroutine lists the assignment; the halves' batches are
	// appended in order.
	half := len(members) / 2
	pbs := []*personBuilder{newPersonBuilder(), newPersonBuilder()}
	for _, pb := range pbs {
		defer pb.b.release()
	}
	var wg sync.WaitGroup
	for h, pb := range pbs {
		from, to := 0, half
		if h == 1 {
			from, to = half, len(members)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ci := from; ci < to; ci++ {
				pb.add(ids[ci], members[ci], c)
			}
		}()
	}
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
	}
	wg.Wait()
	persons := append(pbs[0].b.done(), pbs[1].b.done()...)
	for _, t := range []struct {
		name string
		recs []arrow.RecordBatch
	}{{"link_assign", assign.done()}, {"link_update", update.done()}, {"link_persons", persons}} {
		if err := step("insert "+t.name, func() error { return insertArrow(ctx, w.conn, t.name, t.recs) }); err != nil {
			return fmt.Errorf("preparing assignment: %w", err)
		}
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("publishing persons: %w", err)
	}
	if err := execSteps(ctx, tx, "link_publish"); err != nil {
		tx.Rollback()
		return fmt.Errorf("publishing persons: %w", err)
	}
	if err := step("commit", tx.Commit); err != nil {
		return fmt.Errorf("publishing persons: %w", err)
	}
	return nil
}

// links writes person_links: accepted pairs, pairs an analyst or a rule
// decided, and near misses (probability ≥ LinkThreshold). Go appends numbers
// only to scratch tables (sql/link_links_scratch.sql): per pair its record
// numbers, decision, weights and the number of its level vector; each
// distinct level vector (3,118 of 538,468 pairs at 1M) once. DuckDB builds
// the levels' MAP per distinct vector, not per row (building a MAP checks its
// keys one by one: ~3 CPU-s per map column at 1M), and joins it in; the
// weights' MAP is built per row (half the pairs have weights of their own,
// and joining a MAP in cost more than building it). FSST is off while the
// rows are inserted (sql/link_fsst_off.sql), unless compression methods
// were disabled already.
// linkBatches are person_links' scratch rows as buildLinks built them,
// and the SQL that names their columns.
type linkBatches struct {
	rows                                  int
	b, lp                                 *batches
	lvCols, wCols, names, labels, weights []string
}

func (lb *linkBatches) release() {
	lb.b.release()
	lb.lp.release()
}

// buildLinks builds the scratch rows of person_links (see links).
func (w *writer) buildLinks(pairs []pairScore, personOf []int32, md model, tf [][]float64) *linkBatches {
	var keep []int
	for i := range pairs {
		p := &pairs[i]
		if p.prob >= w.cfg.LinkThreshold || p.analyst != 0 || p.accepted {
			keep = append(keep, i)
		}
	}
	nc := len(w.comps)
	var lvCols, wCols, names, labels, weights []string
	for k, c := range w.comps {
		lvCols = append(lvCols, fmt.Sprintf("lv%d UTINYINT NOT NULL", k))
		wCols = append(wCols, fmt.Sprintf("w%d DOUBLE NOT NULL", k))
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
	fields := []arrow.Field{
		{Name: "l", Type: arrow.PrimitiveTypes.Int32},
		{Name: "r", Type: arrow.PrimitiveTypes.Int32},
		{Name: "weight", Type: arrow.PrimitiveTypes.Float64},
		{Name: "prob", Type: arrow.PrimitiveTypes.Float64},
		{Name: "decision", Type: arrow.BinaryTypes.String},
		{Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "detail", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "lid", Type: arrow.PrimitiveTypes.Int32},
	}
	lf := []arrow.Field{{Name: "lid", Type: arrow.PrimitiveTypes.Int32}}
	for k := range w.comps {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("w%d", k), Type: arrow.PrimitiveTypes.Float64})
		lf = append(lf, arrow.Field{Name: fmt.Sprintf("lv%d", k), Type: arrow.PrimitiveTypes.Uint8})
	}
	b, lp := newBatches(arrow.NewSchema(fields, nil)), newBatches(arrow.NewSchema(lf, nil))
	lb, rb := b.rb.Field(0).(*array.Int32Builder), b.rb.Field(1).(*array.Int32Builder)
	weightB, probB := b.rb.Field(2).(*array.Float64Builder), b.rb.Field(3).(*array.Float64Builder)
	decisionB, sourceB, detailB := b.rb.Field(4).(*array.StringBuilder), b.rb.Field(5).(*array.StringBuilder), b.rb.Field(6).(*array.StringBuilder)
	lidB := b.rb.Field(7).(*array.Int32Builder)
	lvB, wB := make([]*array.Uint8Builder, nc), make([]*array.Float64Builder, nc)
	for k := range w.comps {
		wB[k], lvB[k] = b.rb.Field(8+k).(*array.Float64Builder), lp.rb.Field(1+k).(*array.Uint8Builder)
	}
	// A level vector is keyed by its levels, 4 bits each.
	lids := map[uint64]int32{}

	// group[k] numbers comparison k's Group (-1 none).
	group := make([]int, nc)
	var groups []string
	for k, c := range w.comps {
		group[k] = -1
		if c.Group == "" {
			continue
		}
		group[k] = slices.Index(groups, c.Group)
		if group[k] < 0 {
			group[k] = len(groups)
			groups = append(groups, c.Group)
		}
	}
	best := make([]int, len(groups))
	wts := make([]float64, nc)
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
		for g := range best {
			best[g] = -1
		}
		var lkey uint64
		for k := range w.comps {
			lv := levelAt(p.levels, k)
			lkey |= uint64(lv) << (4 * k)
			a, b := w.comps[k].ids(l, r, p.swapped)
			wt := levelWeight(md, tf, w.comps, k, lv, a, b)
			wts[k] = wt
			if g := group[k]; g >= 0 && wt > 0 && (best[g] < 0 || wt > wts[best[g]]) {
				best[g] = k
			}
		}
		for k := range w.comps {
			if g := group[k]; g >= 0 && wts[k] > 0 && best[g] != k {
				wts[k] = 0
			}
			wB[k].Append(wts[k])
		}
		lid, ok := lids[lkey]
		if !ok {
			lid = int32(len(lids))
			lids[lkey] = lid
			lp.rb.Field(0).(*array.Int32Builder).Append(lid)
			for k := range w.comps {
				lvB[k].Append(uint8(lkey >> (4 * k) & 0xF))
			}
			lp.row()
		}
		lidB.Append(lid)
		b.row()
	}
	return &linkBatches{rows: len(keep), b: b, lp: lp, lvCols: lvCols, wCols: wCols, names: names, labels: labels, weights: weights}
}

// links writes person_links from the rows buildLinks built.
func (w *writer) links(ctx context.Context, lb *linkBatches) error {
	w.linkRows = lb.rows
	create := strings.NewReplacer("{{levels}}", strings.Join(lb.lvCols, ", "), "{{weights}}", strings.Join(lb.wCols, ", ")).
		Replace(queries.Query("link_links_scratch"))
	if _, err := w.conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("preparing person_links: %w", err)
	}
	for _, t := range []struct {
		name string
		b    *batches
	}{{"link_links", lb.b}, {"link_lpat", lb.lp}} {
		if err := step("insert "+t.name, func() error { return insertArrow(ctx, w.conn, t.name, t.b.done()) }); err != nil {
			return fmt.Errorf("preparing person_links: %w", err)
		}
	}
	q := strings.NewReplacer("{{names}}", strings.Join(lb.names, ", "), "{{labels}}", strings.Join(lb.labels, ", "),
		"{{weights}}", strings.Join(lb.weights, ", ")).Replace(queries.Query("link_links"))
	var disabled string
	if err := w.conn.QueryRowContext(ctx, queries.Query("link_fsst_get")).Scan(&disabled); err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	if disabled == "" {
		if _, err := w.conn.ExecContext(ctx, queries.Query("link_fsst_off")); err != nil {
			return fmt.Errorf("writing person_links: %w", err)
		}
	}
	err := execQuery(ctx, w.conn, "link_links", q, w.runID)
	if disabled == "" {
		if _, errOn := w.conn.ExecContext(ctx, queries.Query("link_fsst_on")); errOn != nil && err == nil {
			err = errOn
		}
	}
	if err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	if _, err := w.conn.ExecContext(ctx, "DROP TABLE link_links; DROP TABLE link_lpat; DROP TABLE link_lmap"); err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	return nil
}

// traceStep, when set (a test), runs and times each step of the writer;
// step runs f through it.
var traceStep func(name string, f func() error) error

func step(name string, f func() error) error {
	if traceStep != nil {
		return traceStep(name, f)
	}
	return f()
}

// execSteps runs the statements of the query name on conn: at once, or one
// by one under traceStep.
func execSteps(ctx context.Context, conn execer, name string, args ...any) error {
	return execQuery(ctx, conn, name, queries.Query(name), args...)
}

type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

// execQuery runs the statements of q (the query name) on conn: at once, or
// one by one under traceStep.
func execQuery(ctx context.Context, conn execer, name, q string, args ...any) error {
	if traceStep == nil {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	for _, s := range strings.Split(q, ";\n") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		var a []any
		if strings.Contains(s, "?") {
			a = args
		}
		head := ""
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
				head = l
				break
			}
		}
		if err := step(name+": "+head, func() error {
			_, err := conn.ExecContext(ctx, s, a...)
			return err
		}); err != nil {
			return err
		}
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
