package link

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Stats summarises a linkage run.
type Stats struct {
	Records        int     // enrolments linked
	CandidatePairs int     // pairs produced by blocking
	SubBlockPairs  int64   // pairs from sub-blocks of blocks over Config.MaxBlockRecords, all rules
	SkippedBlocks  int64   // sub-blocks still over Config.MaxBlockRecords, dropped, all rules
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
	// CPU seconds by phase: the process's user + system time (every thread,
	// Go's and DuckDB's; 0 where unknown). Unlike the seconds above they do
	// not grow when other processes share the cores, but they count what
	// else the process runs meanwhile.
	LoadCPU, BlockCPU, CompareCPU, FitCPU, ClusterCPU, WriteCPU float64
}

// candidate is one pair that blocking produced: its records (l < r) and
// the rules that produced it (bit i: rule i). A million records make tens of
// millions of them, so a candidate holds nothing else: its comparison
// vector is a pattern number (run.pat), and only the pairs worth keeping
// after scoring become a pairScore.
type candidate struct {
	l, r  int32
	rules uint32
}

// pairScore is one pair after comparison and scoring that the later stages
// read: at or above the lowest threshold in use (run.keepAt), or decided by
// an analyst.
type pairScore struct {
	l, r     int32
	swapped  bool  // r's names compared in reverse order
	analyst  int8  // +1 same, -1 different, 0 none
	blocked  uint8 // index in blockReasons: why an accepted pair was refused
	accepted bool
	levels   uint64 // 4 bits per comparison
	weight   float64
	prob     float64
}

// run is one linkage run as it goes through the stages; each stage reads
// what the previous ones left and is a method in the file of its name.
type run struct {
	conn      *sql.Conn
	runID     string
	cfg       Config
	log       *slog.Logger
	start     time.Time
	startCPU  float64 // cpuSeconds at start
	st        Stats
	decisions []Decision
	extras    []string // the extras headers the comparisons read

	comps    []comparer   // load: the comparison vector
	recs     []record     // load: the enrolments, by rid
	blank    uint32       // load: the link_load columns holding a non-NULL '' (see goKeys)
	vals     *values      // load: what the comparisons read, numbered
	pairs    []candidate  // block: the candidate pairs
	rules    []blockStats // block: what each rule produced
	pat      []uint32     // compare: each candidate's pattern
	pats     *patterns    // compare: the distinct comparison vectors, counted
	md       model        // fit
	tf       [][]float64  // fit: term frequencies, by comparison and value id
	sc       *scorer      // fit: the model's weights, for the pairs scored later
	scored   []pairScore  // fit: the pairs at or above keepAt; decide: and the analysts'
	cl       *clusterer   // decide: analysts' unions and refusals; cluster: the model's
	members  [][]int32    // ids: each person's records
	ids      []string     // ids: each person's person_id
	events   []event      // ids: person_events
	previous []string     // ids: the previous run's person ids, oldest first
	personOf []int32      // ids: record → person index

	// keepAt is the lowest probability a later stage reads (the match,
	// review and link thresholds; Assess's): fit keeps the pairs at or above
	// it. keepCandidates keeps pairs and pat after fit (Assess reads them).
	keepAt         float64
	keepCandidates bool
}

// elapsed is the seconds since the run started, for the log.
func (r *run) elapsed() float64 { return time.Since(r.start).Seconds() }

// Link links the enrolments of the warehouse db into persons and writes
// persons, enrolments.person_id, person_members, person_links,
// person_events, link_model and link_runs (see sql/002_persons.sql). It runs
// the stages of the package doc in order.
func Link(ctx context.Context, db *sql.DB, runID string, cfg Config, log *slog.Logger) (Stats, error) {
	r, err := prepare(ctx, db, cfg, log)
	if err != nil {
		return Stats{}, err
	}
	defer r.conn.Close()
	r.runID = runID
	st := &r.st
	stages := []struct {
		do           func(context.Context) error
		seconds, cpu *float64
	}{
		{r.load, &st.LoadSeconds, &st.LoadCPU},            // load.go
		{r.block, &st.BlockSeconds, &st.BlockCPU},         // block.go
		{r.compare, &st.CompareSeconds, &st.CompareCPU},   // compare.go
		{r.fit, &st.FitSeconds, &st.FitCPU},               // fit.go
		{r.decide, &st.ClusterSeconds, &st.ClusterCPU},    // decisions.go
		{r.cluster, &st.ClusterSeconds, &st.ClusterCPU},   // cluster.go
		{r.assignIDs, &st.ClusterSeconds, &st.ClusterCPU}, // ids.go
		{r.write, &st.WriteSeconds, &st.WriteCPU},         // write.go
	}
	lap, cpu := r.start, r.startCPU
	for _, s := range stages {
		if err := s.do(ctx); err != nil {
			return r.st, err
		}
		now, nowCPU := time.Now(), cpuSeconds()
		*s.seconds += now.Sub(lap).Seconds()
		*s.cpu += nowCPU - cpu
		lap, cpu = now, nowCPU
	}
	return r.st, nil
}

// releaseMemory returns the garbage of a phase to the operating system
// before the next one, so that DuckDB's memory and Go's peak add up less: a
// million records leave hundreds of megabytes of garbage behind each phase.
func releaseMemory() { debug.FreeOSMemory() }

// blockReasons are the conflicts that refuse an accepted pair (see
// clusterer.conflict); pairScore.blocked indexes them, 0 none.
var blockReasons = []string{"", "tax_code", "analyst"}

func reasonCode(why string) uint8 {
	for i, r := range blockReasons {
		if r == why {
			return uint8(i)
		}
	}
	panic("link: unknown conflict " + why)
}

func levelAt(packed uint64, k int) uint8 { return uint8(packed>>(4*k)) & 0xF }

// trainRules are the indexes of the blocking rules that are training rules.
func (r *run) trainRules() []int {
	var out []int
	for i, rule := range r.cfg.Blocking {
		if contains(r.cfg.Training, rule) {
			out = append(out, i)
		}
	}
	return out
}

// prepare checks cfg, reads the analysts' decisions and opens the
// connection a run works on (its temporary tables live there).
func prepare(ctx context.Context, db *sql.DB, cfg Config, log *slog.Logger) (*run, error) {
	start, startCPU := time.Now(), cpuSeconds()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	decisions, err := loadDecisions(cfg.Decisions)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to warehouse: %w", err)
	}
	r := &run{conn: conn, cfg: cfg, log: log, start: start, startCPU: startCPU, decisions: decisions}
	r.keepAt = min(cfg.MatchThreshold, cfg.ReviewThreshold, cfg.LinkThreshold)
	r.comps = make([]comparer, len(cfg.Comparisons))
	for i, c := range cfg.Comparisons {
		r.comps[i] = newComparer(c, i, &r.extras)
	}
	r.cfg.Comparisons = append([]Comparison(nil), cfg.Comparisons...)
	r.cfg.Blocking = append([]string(nil), cfg.Blocking...)
	if *cfg.AutoExtras {
		if err := r.addExtras(ctx); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return r, nil
}
