package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// Stats summarises a linkage run.
type Stats struct {
	Records        int     // enrolments linked
	CandidatePairs int     // pairs produced by blocking
	Patterns       int     // distinct comparison vectors
	EMIterations   int     // iterations until convergence (or the cap)
	Lambda         float64 // estimated probability that two random records match
	AcceptedPairs  int     // pairs at or above the match threshold
	ReviewPairs    int     // pairs sent to review
	Decisions      int     // analyst decisions applied
	Persons        int
	PersonsMulti   int // persons with more than one enrolment
	New, Merges    int // person_events by kind
	Splits         int
	Retired        int
	Seconds        float64
}

// pairScore is one candidate pair after comparison and scoring.
type pairScore struct {
	l, r     int32
	rules    uint32 // bit i: blocking rule i produced the pair
	levels   uint64 // 4 bits per comparison
	weight   float64
	prob     float64
	analyst  int8 // +1 same, -1 different, 0 none
	blocked  string
	accepted bool
}

func levelAt(packed uint64, k int) uint8 { return uint8(packed>>(4*k)) & 0xF }

// Link links the enrolments of the warehouse db into persons and writes
// persons, enrolments.person_id, person_members, person_links,
// person_events, link_model and link_runs (see sql/002_persons.sql).
func Link(ctx context.Context, db *sql.DB, runID string, cfg Config, log *slog.Logger) (Stats, error) {
	start := time.Now()
	var st Stats
	if errs := cfg.Validate(); len(errs) > 0 {
		return st, fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var decisions []Decision
	if cfg.Decisions != "" {
		f, err := os.Open(cfg.Decisions)
		if err != nil {
			return st, fmt.Errorf("opening decisions %s: %w", cfg.Decisions, err)
		}
		decisions, err = ReadDecisions(f)
		f.Close()
		if err != nil {
			var pe *PosError
			if errors.As(err, &pe) {
				pe.File = cfg.Decisions
			}
			return st, fmt.Errorf("reading decisions: %w", err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("connecting to warehouse: %w", err)
	}
	defer conn.Close()

	var extras []string
	comps := make([]comparer, len(cfg.Comparisons))
	for i, c := range cfg.Comparisons {
		comps[i] = newComparer(c, &extras)
	}
	recs, err := loadRecords(ctx, conn, extras)
	if err != nil {
		return st, err
	}
	st.Records = len(recs)
	log.Info("linkage records loaded", "records", len(recs), "seconds", time.Since(start).Seconds())

	pairs, err := block(ctx, conn, cfg.Blocking)
	if err != nil {
		return st, err
	}
	st.CandidatePairs = len(pairs)
	log.Info("linkage candidate pairs", "pairs", len(pairs), "seconds", time.Since(start).Seconds())

	compareAll(ctx, recs, comps, pairs)
	if err := ctx.Err(); err != nil {
		return st, err
	}
	md, iters := fit(recs, comps, pairs, cfg)
	st.EMIterations, st.Lambda = iters, md.lambda
	tf := termFrequencies(recs, comps)
	scoreAll(recs, comps, md, tf, pairs)
	st.Patterns = countPatterns(pairs)
	log.Info("linkage model fitted", "iterations", iters, "lambda", md.lambda, "patterns", st.Patterns, "seconds", time.Since(start).Seconds())

	// Analyst decisions, by record key.
	byKey := map[string][]int32{}
	decisions = latestDecisions(decisions)
	if len(decisions) > 0 {
		for i := range recs {
			byKey[recs[i].key] = append(byKey[recs[i].key], int32(i))
		}
	}
	cl := newClusterer(recs)
	type decided struct {
		l, r int32
		same bool
	}
	var analystPairs []decided
	for _, d := range decisions {
		ls, rs := byKey[d.Left], byKey[d.Right]
		if len(ls) == 0 || len(rs) == 0 {
			continue
		}
		st.Decisions++
		for _, a := range ls {
			for _, b := range rs {
				analystPairs = append(analystPairs, decided{min(a, b), max(a, b), d.Same})
				if !d.Same {
					cl.forbid(a, b)
				}
			}
		}
	}
	analyst := map[[2]int32]int8{}
	for _, d := range analystPairs {
		v := int8(-1)
		if d.same {
			v = 1
			cl.union(d.l, d.r, true, false)
		}
		analyst[[2]int32{d.l, d.r}] = v
	}
	// Pairs an analyst decided but blocking did not produce are scored too.
	seen := make(map[[2]int32]bool, len(analyst))
	for i := range pairs {
		if _, ok := analyst[[2]int32{pairs[i].l, pairs[i].r}]; ok {
			seen[[2]int32{pairs[i].l, pairs[i].r}] = true
		}
	}
	for k := range analyst {
		if !seen[k] {
			p := pairScore{l: k[0], r: k[1]}
			pairs = append(pairs, p)
			compareAll(ctx, recs, comps, pairs[len(pairs)-1:])
			scoreAll(recs, comps, md, tf, pairs[len(pairs)-1:])
		}
	}
	for i := range pairs {
		pairs[i].analyst = analyst[[2]int32{pairs[i].l, pairs[i].r}]
	}

	// Model edges, strongest first: a chain's weakest link is the one refused.
	taxIdx := -1
	for k, c := range comps {
		if c.Kind == KindTaxCode {
			taxIdx = k
		}
	}
	order := make([]int32, 0, len(pairs))
	for i := range pairs {
		if pairs[i].prob >= cfg.MatchThreshold && pairs[i].analyst == 0 {
			order = append(order, int32(i))
		}
	}
	sort.Slice(order, func(a, b int) bool { return pairs[order[a]].weight > pairs[order[b]].weight })
	for _, i := range order {
		p := &pairs[i]
		sameTax := false
		if taxIdx >= 0 {
			lv := levelAt(p.levels, taxIdx)
			sameTax = (lv == 1 || lv == 2) && recs[p.l].taxValid && recs[p.r].taxValid
			if lv == comps[taxIdx].idxConflict {
				p.blocked = "tax_code"
				continue
			}
		}
		if why := cl.union(p.l, p.r, false, !sameTax); why != "" {
			p.blocked = why
			continue
		}
		p.accepted = true
	}
	st.AcceptedPairs = len(order)

	// Components → stable ids.
	byRoot := cl.components()
	roots := make([]int32, 0, len(byRoot))
	for r := range byRoot {
		roots = append(roots, r)
	}
	sort.Slice(roots, func(a, b int) bool { return roots[a] < roots[b] })
	members := make([][]int32, len(roots))
	for i, r := range roots {
		members[i] = byRoot[r]
	}
	previous, err := loadPrevious(ctx, conn)
	if err != nil {
		return st, err
	}
	ids, events := assignIDs(recs, members, previous)
	personOf := make([]int32, len(recs)) // record → component index
	for ci, ms := range members {
		for _, m := range ms {
			personOf[m] = int32(ci)
		}
		if len(ms) > 1 {
			st.PersonsMulti++
		}
	}
	st.Persons = len(members)
	for _, e := range events {
		switch e.kind {
		case "new":
			st.New++
		case "merge":
			st.Merges++
		case "split":
			st.Splits++
		case "retired":
			st.Retired++
		}
	}
	for i := range pairs {
		p := &pairs[i]
		if personOf[p.l] != personOf[p.r] && p.analyst == 0 && (p.blocked != "" && p.blocked != "tax_code" || p.prob >= cfg.ReviewThreshold && p.prob < cfg.MatchThreshold) {
			st.ReviewPairs++
		}
	}
	log.Info("linkage clustered", "persons", st.Persons, "multi", st.PersonsMulti, "merges", st.Merges, "splits", st.Splits, "seconds", time.Since(start).Seconds())

	w := writer{conn: conn, runID: runID, cfg: cfg, recs: recs, comps: comps}
	if err := w.publish(ctx, members, ids, previous); err != nil {
		return st, err
	}
	if err := w.links(ctx, pairs, personOf, md, tf); err != nil {
		return st, err
	}
	if err := w.model(ctx, md); err != nil {
		return st, err
	}
	if err := w.events(ctx, events); err != nil {
		return st, err
	}
	st.Seconds = time.Since(start).Seconds()
	if err := w.run(ctx, st); err != nil {
		return st, err
	}
	log.Info("linkage done", "persons", st.Persons, "candidate_pairs", st.CandidatePairs, "seconds", st.Seconds)
	return st, nil
}

func loadRecords(ctx context.Context, conn *sql.Conn, extras []string) ([]record, error) {
	if extras == nil {
		extras = []string{}
	}
	if _, err := conn.ExecContext(ctx, queries.Query("link_records"), extras); err != nil {
		return nil, fmt.Errorf("preparing linkage records: %w", err)
	}
	rows, err := conn.QueryContext(ctx, queries.Query("link_load"))
	if err != nil {
		return nil, fmt.Errorf("reading linkage records: %w", err)
	}
	defer rows.Close()
	var recs []record
	intern := map[string]string{}
	in := func(s sql.NullString) string {
		if !s.Valid {
			return ""
		}
		if v, ok := intern[s.String]; ok {
			return v
		}
		if len(intern) < 1<<20 {
			intern[s.String] = s.String
		}
		return s.String
	}
	for rows.Next() {
		var (
			rid                                                   int32
			id, key                                               string
			prev, prov, sur, giv, tax, taxStatus, taxKey, sex     sql.NullString
			birth                                                 sql.NullInt32
			place, email, phone, muni, org, orgType, role, module sql.NullString
			extraVals                                             []any
		)
		if err := rows.Scan(&rid, &id, &key, &prev, &prov, &sur, &giv, &tax, &taxStatus, &taxKey, &sex,
			&birth, &place, &email, &phone, &muni, &org, &orgType, &role, &module, &extraVals); err != nil {
			return nil, fmt.Errorf("reading linkage records: %w", err)
		}
		r := record{
			enrolmentID: id, key: key, prev: prev.String, province: in(prov),
			surname: sur.String, given: in(giv), taxCode: tax.String,
			taxValid: taxStatus.String == "valid", taxKey: taxKey.String,
			sex: in(sex), birth: birth.Int32, hasBirth: birth.Valid,
			birthPlace: in(place), email: email.String, phone: phone.String,
			municipal: in(muni), org: in(org), orgType: in(orgType), role: in(role), module: in(module),
		}
		for _, v := range extraVals {
			s, _ := v.(string)
			r.extras = append(r.extras, s)
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading linkage records: %w", err)
	}
	return recs, nil
}

func block(ctx context.Context, conn *sql.Conn, rules []string) ([]pairScore, error) {
	if _, err := conn.ExecContext(ctx, queries.Query("link_pairs")); err != nil {
		return nil, fmt.Errorf("preparing blocking: %w", err)
	}
	tmpl := queries.Query("link_block")
	for i, rule := range rules {
		if _, err := conn.ExecContext(ctx, strings.ReplaceAll(tmpl, "{{condition}}", rule), i); err != nil {
			return nil, fmt.Errorf("blocking rule %d: %w", i, err)
		}
	}
	rows, err := conn.QueryContext(ctx, queries.Query("link_candidates"))
	if err != nil {
		return nil, fmt.Errorf("reading candidate pairs: %w", err)
	}
	defer rows.Close()
	var pairs []pairScore
	for rows.Next() {
		var p pairScore
		var rules int64
		if err := rows.Scan(&p.l, &p.r, &rules); err != nil {
			return nil, fmt.Errorf("reading candidate pairs: %w", err)
		}
		p.rules = uint32(rules)
		pairs = append(pairs, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading candidate pairs: %w", err)
	}
	return pairs, nil
}

// comparePair packs the comparison levels of records l and r.
func comparePair(l, r *record, comps []comparer) uint64 {
	sw := swapBetter(l, r)
	var packed uint64
	for k := range comps {
		packed |= uint64(comps[k].level(l, r, sw)) << (4 * k)
	}
	return packed
}

// compareAll fills the levels of pairs, on every core.
func compareAll(ctx context.Context, recs []record, comps []comparer, pairs []pairScore) {
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(pairs) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(pairs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(ps []pairScore) {
			defer wg.Done()
			for i := range ps {
				if i%65536 == 0 && ctx.Err() != nil {
					return
				}
				ps[i].levels = comparePair(&recs[ps[i].l], &recs[ps[i].r], comps)
			}
		}(pairs[lo:hi])
	}
	wg.Wait()
}

// fit estimates u from random pairs and then λ and m by EM over the
// candidate pairs' distinct comparison vectors (u fixed, as Splink does).
func fit(recs []record, comps []comparer, pairs []pairScore, cfg Config) (model, int) {
	md := model{lambda: 0.3, m: make([][]float64, len(comps)), u: make([][]float64, len(comps))}
	counts := make([][]float64, len(comps))
	for k, c := range comps {
		md.m[k] = initialM(len(c.labels))
		counts[k] = make([]float64, len(c.labels))
	}
	n := len(recs)
	add := func(a, b int) {
		packed := comparePair(&recs[a], &recs[b], comps)
		for k := range comps {
			counts[k][levelAt(packed, k)]++
		}
	}
	if total := n * (n - 1) / 2; total <= cfg.USamplePairs {
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				add(a, b)
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c696e6b))
		for i := 0; i < cfg.USamplePairs; i++ {
			a, b := rng.IntN(n), rng.IntN(n)
			if a != b {
				add(a, b)
			}
		}
	}
	for k := range comps {
		u := make([]float64, len(counts[k]))
		for l := 1; l < len(u); l++ {
			u[l] = counts[k][l] + 0.5 // Jeffreys smoothing: no level is impossible
		}
		normalise(u)
		md.u[k] = u
	}
	// One EM session per blocking rule, as Splink trains: the comparisons
	// a rule reads are left out of its session (they agree by construction),
	// and each comparison's m is the mean over the sessions that estimate it.
	sums := make([][]float64, len(comps))
	seen := make([]float64, len(comps))
	for k := range comps {
		sums[k] = make([]float64, len(md.m[k]))
	}
	iters := 0
	for i, rule := range cfg.Blocking {
		if !contains(cfg.Training, rule) {
			continue
		}
		var mask uint64
		for k, c := range comps {
			if !ruleReads(rule, c.Column) {
				mask |= 0xF << (4 * k)
			}
		}
		pats := patterns(pairs, comps, func(p *pairScore) bool { return p.rules&(1<<i) != 0 }, mask)
		if len(pats) == 0 {
			continue
		}
		fitted, n := estimate(pats, md, true, false, cfg.EMIterations)
		iters += n
		var total float64
		for _, p := range pats {
			total += p.count
		}
		weight := fitted.lambda * total // the session's expected matches
		for k := range comps {
			if mask&(0xF<<(4*k)) == 0 {
				continue
			}
			seen[k] += weight
			for l := range sums[k] {
				sums[k][l] += weight * fitted.m[k][l]
			}
		}
	}
	for k := range comps {
		if seen[k] == 0 {
			continue
		}
		for l := range sums[k] {
			md.m[k][l] = sums[k][l] / seen[k]
		}
		normalise(md.m[k])
	}
	md.lambda = priorAllPairs(recs, comps, pairs, md)
	return md, iters
}

// priorAllPairs estimates λ, the probability that two records drawn at random
// match, by the fixed point of λ = Σ P(match | pair, λ) / all pairs, where
// pairs that blocking did not produce count as non-matches.
func priorAllPairs(recs []record, comps []comparer, pairs []pairScore, md model) float64 {
	n := float64(len(recs))
	all := n * (n - 1) / 2
	if all < 1 || len(pairs) == 0 {
		return probFloor
	}
	pats := patterns(pairs, comps, func(*pairScore) bool { return true }, ^uint64(0))
	md.lambda = clamp(float64(len(pairs)) / all / 2)
	for it := 0; it < 100; it++ {
		var expected float64
		for _, p := range pats {
			expected += p.count * md.expectation(p.levels)
		}
		next := clamp(expected / all)
		if math.Abs(next-md.lambda) < 1e-12+1e-6*md.lambda {
			return next
		}
		md.lambda = next
	}
	return md.lambda
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ruleReads says whether a blocking rule reads the column a comparison compares.
func ruleReads(rule, column string) bool {
	if column == "tax_code" {
		return strings.Contains(rule, "tax_code") || strings.Contains(rule, "tax_key")
	}
	if h, ok := strings.CutPrefix(column, "extras."); ok {
		return strings.Contains(rule, h)
	}
	return strings.Contains(rule, column)
}

// patterns aggregates the comparison vectors of the pairs keep accepts,
// with the levels outside mask set to null.
func patterns(pairs []pairScore, comps []comparer, keep func(*pairScore) bool, mask uint64) []pattern {
	agg := map[uint64]float64{}
	for i := range pairs {
		if keep(&pairs[i]) {
			agg[pairs[i].levels&mask]++
		}
	}
	pats := make([]pattern, 0, len(agg))
	for packed, c := range agg {
		lv := make([]uint8, len(comps))
		for k := range comps {
			lv[k] = levelAt(packed, k)
		}
		pats = append(pats, pattern{levels: lv, count: c})
	}
	sort.Slice(pats, func(i, j int) bool { return pats[i].count > pats[j].count })
	return pats
}

// termFrequencies returns, per comparison with TermFrequency, each value's
// share of the records.
func termFrequencies(recs []record, comps []comparer) []map[string]float64 {
	tf := make([]map[string]float64, len(comps))
	for k, c := range comps {
		if !c.TermFrequency || c.Kind == KindDate {
			continue
		}
		counts := map[string]int{}
		total := 0
		for i := range recs {
			if v := c.get(&recs[i], false); v != "" {
				counts[v]++
				total++
			}
		}
		f := make(map[string]float64, len(counts))
		for v, n := range counts {
			f[v] = float64(n) / float64(total)
		}
		tf[k] = f
	}
	return tf
}

// levelWeight is the match weight (log2 Bayes factor) of comparison k at
// level lv for the pair, with the exact level re-weighted by the value's
// frequency when the comparison uses term frequencies.
func levelWeight(md model, tf []map[string]float64, comps []comparer, k int, lv uint8, l, r *record, swapped bool) float64 {
	if lv == 0 {
		return 0
	}
	u := md.u[k][lv]
	if lv == 1 && tf[k] != nil {
		if f, ok := tf[k][comps[k].get(l, false)]; ok {
			u = math.Max(f, probFloor)
		}
	}
	return math.Log2(md.m[k][lv] / u)
}

func scoreAll(recs []record, comps []comparer, md model, tf []map[string]float64, pairs []pairScore) {
	prior := math.Log2(md.lambda / (1 - md.lambda))
	for i := range pairs {
		p := &pairs[i]
		l, r := &recs[p.l], &recs[p.r]
		sw := swapBetter(l, r)
		w := prior
		for k := range comps {
			w += levelWeight(md, tf, comps, k, levelAt(p.levels, k), l, r, sw)
		}
		p.weight = w
		p.prob = 1 / (1 + math.Exp2(-w))
	}
}

func countPatterns(pairs []pairScore) int {
	seen := map[uint64]bool{}
	for i := range pairs {
		seen[pairs[i].levels] = true
	}
	return len(seen)
}

func loadPrevious(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("link_previous"))
	if err != nil {
		return nil, fmt.Errorf("reading previous persons: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, first string
		if err := rows.Scan(&id, &first); err != nil {
			return nil, fmt.Errorf("reading previous persons: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// appendRows appends rows to table through a DuckDB appender on conn.
func appendRows(ctx context.Context, conn *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		for i := 0; i < n; i++ {
			if i%65536 == 0 && ctx.Err() != nil {
				a.Close()
				return ctx.Err()
			}
			if err := a.AppendRow(row(i)...); err != nil {
				a.Close()
				return fmt.Errorf("appending to %s: %w", table, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("appending to %s: %w", table, err)
		}
		return nil
	})
}
