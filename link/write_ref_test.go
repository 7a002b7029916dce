package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/sinks"
)

// The reference writer: link/write.go and its SQL as they were on main
// before the writing stage was reworked (2026-12-02), frozen here so that
// TestWriteIdentical holds the new writer to exactly its rows.

var refLinkScratch = `-- link_scratch: where Go writes the new assignment before it replaces the old.
-- Parameter 1: the run_id.
CREATE OR REPLACE TEMP TABLE link_assign (
    rid          INTEGER NOT NULL,   -- link_rec.rid
    person_id    VARCHAR NOT NULL,
    multi        BOOLEAN NOT NULL    -- the person has more than one row
);
CREATE OR REPLACE TEMP TABLE link_first (
    person_id      VARCHAR NOT NULL,
    first_seen_run VARCHAR NOT NULL
);
CREATE OR REPLACE TEMP TABLE link_ctx AS SELECT CAST(? AS VARCHAR) AS run_id;
`
var refLinkPublish = `-- link_publish: replaces persons and person_members with the new assignment
-- and sets enrolments.person_id; the run is the one in link_ctx. A person of
-- one row (most of them) is that row: only the others are aggregated.
CREATE OR REPLACE TEMP TABLE link_assigned AS
SELECT r.enrolment_id, r.record_key, a.person_id, a.multi
FROM link_assign AS a JOIN link_rec AS r USING (rid);

UPDATE enrolments SET person_id = a.person_id
FROM link_assigned AS a
WHERE enrolments.enrolment_id = a.enrolment_id;

DELETE FROM person_members;
INSERT INTO person_members SELECT enrolment_id, record_key, person_id, (SELECT run_id FROM link_ctx) FROM link_assigned;

DELETE FROM persons;
INSERT INTO persons
SELECT e.person_id, e.display_name, e.surname, e.given_name, e.sex, e.birth_date,
       CASE WHEN e.tax_code_status = 'valid' THEN e.tax_code END,
       CAST(coalesce(e.status = 'accepted', false) AS INTEGER),  -- status NULL: unreadable, not a participation
       1,
       1,
       [e.province_code],
       coalesce(f.first_seen_run, (SELECT run_id FROM link_ctx)),
       (SELECT run_id FROM link_ctx)
FROM enrolments AS e
JOIN link_assigned AS a ON a.enrolment_id = e.enrolment_id AND NOT a.multi
LEFT JOIN link_first AS f ON f.person_id = e.person_id
UNION ALL
SELECT e.person_id,
       coalesce(mode(e.display_name) FILTER (WHERE e.surname IS NOT NULL AND e.given_name IS NOT NULL), mode(e.display_name)),
       mode(e.surname),
       mode(e.given_name),
       mode(e.sex),
       mode(e.birth_date),
       mode(e.tax_code) FILTER (WHERE e.tax_code_status = 'valid'),
       CAST(count(*) FILTER (WHERE e.status = 'accepted') AS INTEGER),
       CAST(count(*) AS INTEGER),
       CAST(count(DISTINCT e.province_code || ':' || e.module_fold) AS INTEGER),
       list_sort(list(DISTINCT e.province_code)),
       coalesce(any_value(f.first_seen_run), (SELECT run_id FROM link_ctx)),
       (SELECT run_id FROM link_ctx)
FROM enrolments AS e
JOIN link_assigned AS a ON a.enrolment_id = e.enrolment_id AND a.multi
LEFT JOIN link_first AS f ON f.person_id = e.person_id
GROUP BY e.person_id;

DELETE FROM person_links;
DELETE FROM link_model;
`
var refLinkLinks = `-- link_links: person_links from the scratch table link_links that Go filled
-- with record numbers, level indexes (lv<k>) and weights (w<k>) per
-- comparison. {{names}} are the comparison names, {{labels}} each
-- comparison's label picked by its level, {{weights}} the weight columns.
-- Parameter 1: the run_id.
INSERT INTO person_links
SELECT CAST(? AS VARCHAR), lr.enrolment_id, rr.enrolment_id, lr.record_key, rr.record_key,
       MAP([{{names}}], [{{labels}}]),
       MAP([{{names}}], [{{weights}}]),
       s.weight, s.prob, s.decision, s.source, s.detail
FROM link_links AS s
JOIN link_rec AS lr ON lr.rid = s.l
JOIN link_rec AS rr ON rr.rid = s.r;
`
var refLinkPrevious = `-- link_previous: the persons of the previous run, oldest first.
SELECT person_id, first_seen_run FROM persons ORDER BY first_seen_run, person_id;
`

// write is the last stage: persons, person_links, link_model,
// person_events and link_runs.
func (r *run) writeRef(ctx context.Context) error {
	w := refWriter{conn: r.conn, runID: r.runID, cfg: r.cfg, recs: r.recs, vals: r.vals, comps: r.comps}
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
type refWriter struct {
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
func (w *refWriter) publish(ctx context.Context, members [][]int32, ids []string, previous []string) error {
	if _, err := w.conn.ExecContext(ctx, refLinkScratch, w.runID); err != nil {
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
	if err := refAppendTemp(ctx, w.conn, "link_assign", len(rows), func(i int) []driver.Value {
		return []driver.Value{rows[i].rec, ids[rows[i].comp], rows[i].multi}
	}); err != nil {
		return err
	}
	first, err := refPreviousFirstSeen(ctx, w.conn)
	if err != nil {
		return err
	}
	if err := refAppendTemp(ctx, w.conn, "link_first", len(first), func(i int) []driver.Value {
		return []driver.Value{first[i][0], first[i][1]}
	}); err != nil {
		return err
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("publishing persons: %w", err)
	}
	for _, q := range strings.SplitAfter(refLinkPublish, ";\n") {
		if strings.TrimSpace(q) == "" {
			continue
		}
		start := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("publishing persons: %w", err)
		}
		traceWrite("publish "+firstLine(q), start)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("publishing persons: %w", err)
	}
	return nil
}

func refPreviousFirstSeen(ctx context.Context, conn *sql.Conn) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, refLinkPrevious)
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
func (w *refWriter) links(ctx context.Context, pairs []pairScore, personOf []int32, md model, tf [][]float64) error {
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
		names = append(names, refSQLString(c.Name))
		var b strings.Builder
		fmt.Fprintf(&b, "CASE lv%d", k)
		for l, label := range c.labels {
			fmt.Fprintf(&b, " WHEN %d THEN %s", l, refSQLString(label))
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
	if err := refAppendTemp(ctx, w.conn, "link_links", len(keep), func(j int) []driver.Value {
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
		vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6] = p.l, p.r, p.weight, p.prob, decision, source, refNullable(detail)
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
		"{{weights}}", strings.Join(weights, ", ")).Replace(refLinkLinks)
	if _, err := w.conn.ExecContext(ctx, q, w.runID); err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	if _, err := w.conn.ExecContext(ctx, "DROP TABLE link_links"); err != nil {
		return fmt.Errorf("writing person_links: %w", err)
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func refSQLString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func refNullable(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// model writes link_model: m, u and weight of every level.
func (w *refWriter) model(ctx context.Context, md model) error {
	type row struct{ k, l int }
	var rows []row
	for k, c := range w.comps {
		for l := range c.labels {
			rows = append(rows, row{k, l})
		}
	}
	return refAppendRows(ctx, w.conn, "link_model", len(rows), func(i int) []driver.Value {
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
func (w *refWriter) events(ctx context.Context, evs []event) error {
	at := time.Now().UTC()
	return refAppendRows(ctx, w.conn, "person_events", len(evs), func(i int) []driver.Value {
		e := evs[i]
		ids := make([]any, len(e.ids))
		for j, s := range e.ids {
			ids[j] = s
		}
		return []driver.Value{w.runID, at, e.kind, e.personID, ids, refNullable(e.detail)}
	})
}

// run appends the run's link_runs row.
func (w *refWriter) run(ctx context.Context, st Stats, rules []blockStats) error {
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
	return refAppendRows(ctx, w.conn, "link_runs", 1, func(int) []driver.Value {
		return []driver.Value{w.runID, time.Now().UTC(), int64(st.Records), int64(st.CandidatePairs),
			int32(st.EMIterations), st.Lambda, w.cfg.MatchThreshold, w.cfg.ReviewThreshold,
			int64(st.AcceptedPairs), int64(st.ReviewPairs), int64(st.Persons), int64(st.PersonsMulti), st.Seconds,
			st.SubBlockPairs, st.SkippedBlocks, st.SkippedPairs, string(js)}
	})
}

// appendTemp appends rows to a temporary table (the project's one appender
// loop, in sinks).
func refAppendTemp(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return sinks.AppendTempRows(ctx, conn, table, n, row)
}

// appendRows appends rows to table through a DuckDB appender on conn.
func refAppendRows(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return sinks.AppendRows(ctx, conn, table, n, row)
}

// traceWrite logs the seconds since start when LINK_WRITE_TRACE is set.
func traceWrite(what string, start time.Time) {
	if os.Getenv("LINK_WRITE_TRACE") != "" {
		fmt.Fprintf(os.Stderr, "%6.2f s  %s\n", time.Since(start).Seconds(), what)
	}
}

// firstLine is the first line of q that is not a comment.
func firstLine(q string) string {
	for _, l := range strings.Split(q, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			return l
		}
	}
	return ""
}
