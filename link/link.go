package link

import (
	"cmp"
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
	"runtime/debug"
	"slices"
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
	SkippedBlocks  int64   // blocks over Config.MaxBlockRecords, all rules
	SkippedPairs   int64   // the pairs they would have produced (ordered, approximate)
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
	// Seconds by phase: reading the records, blocking (DuckDB) and reading
	// the pairs, comparing the pairs, fitting the model and scoring,
	// clustering and stable ids, writing the tables.
	LoadSeconds, BlockSeconds, CompareSeconds, FitSeconds, ClusterSeconds, WriteSeconds float64
}

// pairScore is one candidate pair after comparison and scoring.
type pairScore struct {
	l, r     int32
	rules    uint32 // bit i: blocking rule i produced the pair
	swapped  bool   // r's names compared in reverse order
	analyst  int8   // +1 same, -1 different, 0 none
	blocked  uint8  // index in blockReasons: why an accepted pair was refused
	accepted bool
	levels   uint64 // 4 bits per comparison
	weight   float64
	prob     float64
}

// releaseMemory returns the garbage of a phase to the operating system
// before the next one, so that DuckDB's memory and Go's peak add up less: a
// million records leave hundreds of megabytes of garbage behind each phase.
func releaseMemory() { debug.FreeOSMemory() }

// blockReasons are the conflicts that refuse an accepted pair (see
// clusterer.conflict); pairScore.blocked indexes them, 0 none.
var blockReasons = []string{"", "tax_code", "birth_date", "analyst"}

func reasonCode(why string) uint8 {
	for i, r := range blockReasons {
		if r == why {
			return uint8(i)
		}
	}
	panic("link: unknown conflict " + why)
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
		comps[i] = newComparer(c, i, &extras)
	}
	recs, err := loadRecords(ctx, conn, extras)
	if err != nil {
		return st, err
	}
	st.Records = len(recs)
	indexValues(recs, comps)
	lap := start
	phase := func(d *float64) {
		now := time.Now()
		*d = now.Sub(lap).Seconds()
		lap = now
	}
	phase(&st.LoadSeconds)
	log.Info("linkage records loaded", "records", len(recs), "seconds", time.Since(start).Seconds())

	pairs, skipped, err := block(ctx, conn, cfg.Blocking, cfg.MaxBlockRecords, log)
	if err != nil {
		return st, err
	}
	st.CandidatePairs = len(pairs)
	st.SkippedBlocks, st.SkippedPairs = skipped.SkippedBlocks, skipped.SkippedPairs
	phase(&st.BlockSeconds)
	releaseMemory()
	log.Info("linkage candidate pairs", "pairs", len(pairs), "skipped_blocks", st.SkippedBlocks, "skipped_pairs", st.SkippedPairs, "seconds", time.Since(start).Seconds())

	compareAll(ctx, recs, comps, pairs)
	if err := ctx.Err(); err != nil {
		return st, err
	}
	phase(&st.CompareSeconds)
	md, iters := fit(recs, comps, pairs, cfg)
	st.EMIterations, st.Lambda = iters, md.lambda
	tf := termFrequencies(recs, comps)
	scoreAll(recs, comps, md, tf, pairs)
	st.Patterns = countPatterns(pairs)
	releaseMemory() // the comparison caches
	phase(&st.FitSeconds)
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
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(pairs[b].weight, pairs[a].weight); c != 0 {
			return c
		}
		return cmp.Compare(a, b) // ties in pair order: the same run links the same way
	})
	for _, i := range order {
		p := &pairs[i]
		sameTax := false
		if taxIdx >= 0 {
			lv := levelAt(p.levels, taxIdx)
			sameTax = (lv == 1 || lv == 2) && recs[p.l].taxValid && recs[p.r].taxValid
			if lv == comps[taxIdx].idxConflict {
				p.blocked = reasonCode("tax_code")
				continue
			}
		}
		if why := cl.union(p.l, p.r, false, !sameTax); why != "" {
			p.blocked = reasonCode(why)
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
		if personOf[p.l] != personOf[p.r] && p.analyst == 0 && (p.blocked != 0 && p.blocked != reasonCode("tax_code") || p.prob >= cfg.ReviewThreshold && p.prob < cfg.MatchThreshold) {
			st.ReviewPairs++
		}
	}
	releaseMemory()
	phase(&st.ClusterSeconds)
	log.Info("linkage clustered", "persons", st.Persons, "multi", st.PersonsMulti, "merges", st.Merges, "splits", st.Splits, "seconds", time.Since(start).Seconds())

	w := writer{conn: conn, runID: runID, cfg: cfg, recs: recs, comps: comps}
	if err := w.publish(ctx, members, ids, previous); err != nil {
		return st, err
	}
	log.Info("linkage persons written", "seconds", time.Since(start).Seconds())
	if err := w.links(ctx, pairs, personOf, md, tf); err != nil {
		return st, err
	}
	log.Info("linkage person_links written", "rows", w.linkRows, "seconds", time.Since(start).Seconds())
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
	phase(&st.WriteSeconds)
	log.Info("linkage done", "persons", st.Persons, "candidate_pairs", st.CandidatePairs, "seconds", st.Seconds)
	return st, nil
}

// loadRecords builds link_rec (sql/link_records.sql) and reads it into Go,
// in rid order (readRecords: Arrow when built with duckdb_arrow, else rows).
func loadRecords(ctx context.Context, conn *sql.Conn, extras []string) ([]record, error) {
	if extras == nil {
		extras = []string{}
	}
	if _, err := conn.ExecContext(ctx, queries.Query("link_records"), extras); err != nil {
		return nil, fmt.Errorf("preparing linkage records: %w", err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM link_rec").Scan(&n); err != nil {
		return nil, fmt.Errorf("counting linkage records: %w", err)
	}
	recs, err := readRecords(ctx, conn, n)
	if err != nil {
		return nil, fmt.Errorf("reading linkage records: %w", err)
	}
	if len(recs) != n {
		return nil, fmt.Errorf("reading linkage records: %d of %d read", len(recs), n)
	}
	return recs, nil
}

// interner shares the copies of repeated values (places, organisations,
// names) between records; it stops growing at 1<<20 values.
type interner map[string]string

// get returns a shared copy of s, which may point into a buffer about to be
// released.
func (in interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(in) < 1<<20 {
		in[c] = c
	}
	return c
}

// comparePair packs the comparison levels of records l and r and says
// whether r's names were read in reverse order; caches (one per comparison,
// nil: none) remember fuzzy levels.
func comparePair(l, r *record, comps []comparer, caches *caches) (uint64, bool) {
	var sw bool
	if caches != nil {
		sw = swapBetterCached(l, r, caches.jw)
	} else {
		sw = swapBetter(l, r)
	}
	var packed uint64
	for k := range comps {
		var c map[uint64]uint8
		if caches != nil {
			c = caches.levels[k]
		}
		packed |= uint64(comps[k].levelCached(l, r, sw, c)) << (4 * k)
	}
	return packed, sw
}

// caches are one goroutine's memory of fuzzy comparisons, by value ids.
type caches struct {
	levels []map[uint64]uint8 // per comparison
	jw     map[uint64]float32 // name similarities, for swapBetter
}

func newCaches(n int) *caches {
	c := &caches{levels: make([]map[uint64]uint8, n), jw: map[uint64]float32{}}
	for k := range c.levels {
		c.levels[k] = map[uint64]uint8{}
	}
	return c
}

// parallel calls f on GOMAXPROCS consecutive parts [lo, hi) of [0, n), one
// goroutine each, w numbering the parts, and waits for them.
func parallel(n int, f func(w, lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, lo, hi)
		}()
	}
	wg.Wait()
}

// compareAll fills the levels of pairs, on every core.
func compareAll(ctx context.Context, recs []record, comps []comparer, pairs []pairScore) {
	parallel(len(pairs), func(_, lo, hi int) {
		caches := newCaches(len(comps))
		for i := lo; i < hi; i++ {
			if (i-lo)%65536 == 0 && ctx.Err() != nil {
				return
			}
			p := &pairs[i]
			p.levels, p.swapped = comparePair(&recs[p.l], &recs[p.r], comps, caches)
		}
	})
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
	var sample [][2]int32
	if total := n * (n - 1) / 2; total <= cfg.USamplePairs {
		sample = make([][2]int32, 0, total)
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				sample = append(sample, [2]int32{int32(a), int32(b)})
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c696e6b))
		sample = make([][2]int32, 0, cfg.USamplePairs)
		for i := 0; i < cfg.USamplePairs; i++ {
			a, b := rng.IntN(n), rng.IntN(n)
			if a != b {
				sample = append(sample, [2]int32{int32(a), int32(b)})
			}
		}
	}
	packed := make([]uint64, len(sample))
	parallel(len(sample), func(_, lo, hi int) {
		caches := newCaches(len(comps))
		for i := lo; i < hi; i++ {
			packed[i], _ = comparePair(&recs[sample[i][0]], &recs[sample[i][1]], comps, caches)
		}
	})
	for _, p := range packed {
		for k := range comps {
			counts[k][levelAt(p, k)]++
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

// scoreAll sets the match weight and probability of pairs, on every core:
// the weight of a comparison vector is computed once, then the exact levels
// of the term-frequency comparisons are re-weighted by the value's frequency.
func scoreAll(recs []record, comps []comparer, md model, tf []map[string]float64, pairs []pairScore) {
	prior := math.Log2(md.lambda / (1 - md.lambda))
	noTF := make([]map[string]float64, len(comps))
	var tfComps []int
	for k := range comps {
		if tf[k] != nil {
			tfComps = append(tfComps, k)
		}
	}
	parallel(len(pairs), func(_, lo, hi int) {
		base := map[uint64]float64{}
		for i := lo; i < hi; i++ {
			p := &pairs[i]
			w, ok := base[p.levels]
			if !ok {
				for k := range comps {
					w += levelWeight(md, noTF, comps, k, levelAt(p.levels, k), nil, nil, false)
				}
				base[p.levels] = w
			}
			for _, k := range tfComps {
				if lv := levelAt(p.levels, k); lv == 1 {
					l, r := &recs[p.l], &recs[p.r]
					w += levelWeight(md, tf, comps, k, lv, l, r, p.swapped) - levelWeight(md, noTF, comps, k, lv, l, r, p.swapped)
				}
			}
			p.weight = prior + w
			p.prob = 1 / (1 + math.Exp2(-p.weight))
		}
	})
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
