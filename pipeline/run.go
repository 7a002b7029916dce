package pipeline

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/link"
	"github.com/lombardia-orim/correlare/runlock"
	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// Run statuses.
const (
	StatusRunning = "running"
	StatusSuccess = "success"
	StatusPartial = "partial" // published, but some province kept its last good data
	StatusFailed  = "failed"  // nothing published
)

// Options tune one run.
type Options struct {
	Logger   *slog.Logger
	Progress io.Writer // a terminal to draw a progress bar on; nil under cron
	Version  string
	Now      func() time.Time
	// Reload re-reads every current file even when its bytes were already
	// loaded (`correlare run --reload`), e.g. after changing a province's
	// column mappings.
	Reload bool
	// AcceptShrink lists the provinces (siglas) whose shrink this run
	// accepts (`correlare run --accept-shrink CR,MI`), on top of the
	// config's guard.accept_shrink.
	AcceptShrink []string
	// Workers is how many provinces are fetched and loaded at once
	// (`correlare run --workers N`); 0 takes the config's workers. 1 takes
	// them one after the other.
	Workers int
	// Checkpoint, when set, is called at named points of the run: "loaded
	// CR" after each province, "linked", "reported" (exports and reports
	// written) and "publish" (just before the rename). Tests kill a run
	// there.
	Checkpoint func(point string)
	// BeforePublish, when set, is called just before the new warehouse is
	// renamed into place (tests use it to kill a run at that moment).
	BeforePublish func()
	// afterDerive, when set, runs as the last stage after linkage, on the
	// building warehouse (tests use it to fail on chosen data).
	afterDerive func(ctx context.Context, db *sql.DB) error
	// beforeOutput, when set, runs before each output ("exports", "report",
	// "feedback", "review", "page") on the building warehouse (tests use it
	// to make one output fail on chosen data).
	beforeOutput outputHook
	// hooks, when set, are called at points of each province's loading
	// (tests hold provinces there to force interleavings).
	hooks hooks
	// retried is provinceOptions.retried, for every province.
	retried func(attempt int)
}

func (o Options) checkpoint(point string) {
	if o.Checkpoint != nil {
		o.Checkpoint(point)
	}
}

// Result is what a run did.
type Result struct {
	RunID     string
	Status    string
	Started   time.Time
	Finished  time.Time
	Files     []FileResult
	Stale     []string          // provinces that kept their last good data
	Held      []string          // of those, the ones the shrink guard held back
	Reasons   map[string]Reason // why each stale province is stale
	Published bool
	Err       error
}

// Totals adds up the files' counts.
func (r *Result) Totals() Counts {
	var t Counts
	for _, f := range r.Files {
		t.Read += f.Counts.Read
		t.Loaded += f.Counts.Loaded
		t.Quarantined += f.Counts.Quarantined
		t.Skipped += f.Counts.Skipped
		t.Issues += f.Counts.Issues
	}
	return t
}

// Summary is the one-line outcome printed by `correlare run`.
func (r *Result) Summary() string {
	t := r.Totals()
	var failed []string
	for _, f := range r.Files {
		if f.Status == FileFailed || f.Status == FileFetchFail {
			name := f.Name
			if name == "" {
				name = f.Source
			}
			failed = append(failed, f.Province+" "+name)
		}
	}
	s := fmt.Sprintf("run %s %s: %d files, %d rows read, %d loaded, %d quarantined, %d skipped",
		r.RunID, r.Status, len(r.Files), t.Read, t.Loaded, t.Quarantined, t.Skipped)
	if len(failed) > 0 {
		s += fmt.Sprintf("; %d file(s) failed: %s", len(failed), strings.Join(failed, ", "))
	}
	if len(r.Stale) > 0 {
		s += "; stale: " + strings.Join(r.Stale, ",")
	}
	if len(r.Held) > 0 {
		s += fmt.Sprintf("; shrink held back by the guard (last good data kept): %s; to accept: correlare run --accept-shrink %s",
			strings.Join(r.Held, ","), strings.Join(r.Held, ","))
	}
	if r.Err != nil {
		s += "; error: " + r.Err.Error()
	}
	return s
}

// Run does one nightly run: lock, fetch every province's files into the
// landing archive, load what changed into a new copy of the warehouse, link
// persons, write exports and reports, and publish the new warehouse with an
// atomic rename. The published warehouse is never written in place.
func Run(ctx context.Context, cfg *Config, opt Options) (res *Result) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	start := opt.Now().UTC()
	res = &Result{RunID: NewRunID(start), Status: StatusFailed, Started: start}
	log := opt.Logger.With("run_id", res.RunID)
	defer func() {
		if p := recover(); p != nil {
			res.Status = StatusFailed
			res.Err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
		res.Finished = opt.Now().UTC()
		if err := appendHistory(cfg, res); err != nil {
			log.Warn("recording run history", "err", err)
		}
	}()
	res.Err = redactErr(run(ctx, cfg, opt, res, log)) // DuckDB may quote a value
	if res.Err != nil {
		res.Status = StatusFailed
	}
	return res
}

func run(ctx context.Context, cfg *Config, opt Options, res *Result, log *slog.Logger) error {
	key, err := sinks.LoadKey(cfg.Exports.KeyEnv, cfg.Exports.KeyFile)
	if err != nil {
		return fmt.Errorf("loading export key: %w", err)
	}
	for _, d := range []string{filepath.Dir(cfg.Paths.Warehouse), cfg.Paths.Exports, cfg.Paths.Reports} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	lock, err := runlock.Acquire(ctx, cfg.Paths.Warehouse+".lock", cfg.LockWait.Duration)
	if err != nil {
		return err
	}
	defer lock.Release()
	land, err := landing.New(cfg.Paths.Landing)
	if err != nil {
		return err
	}

	building := cfg.Paths.Warehouse + ".building"
	os.Remove(building) // left by a killed run; we hold the lock
	os.Remove(building + ".wal")
	defer os.Remove(building)
	defer os.Remove(building + ".wal")
	if err := copyFile(cfg.Paths.Warehouse, building); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("copying the published warehouse: %w", err)
	}
	w, err := sinks.OpenWarehouse(ctx, building)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			w.Close(context.WithoutCancel(ctx))
		}
	}()
	db := w.DB
	if err := startRun(ctx, db, cfg, res, opt.Version); err != nil {
		return err
	}

	var bar *progressbar.ProgressBar
	if opt.Progress != nil {
		bar = progressbar.NewOptions(len(cfg.Provinces), progressbar.OptionSetWriter(opt.Progress),
			progressbar.OptionSetDescription("provinces"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	loadStart := time.Now()
	if err := loadProvinces(ctx, db, land, cfg, opt, res, log, bar); err != nil {
		return err
	}
	log.Debug("provinces loaded", "provinces", len(cfg.Provinces), "workers", workers(cfg, opt),
		"seconds", time.Since(loadStart).Seconds())
	if bar != nil {
		bar.Finish()
	}
	lcfg := cfg.Linkage
	lcfg.Decisions = cfg.Resolve(lcfg.Decisions)
	var stats link.Stats
	derive := func(ctx context.Context) error {
		if _, err := db.ExecContext(ctx, queries.Query("modules_derive")); err != nil {
			return fmt.Errorf("deriving modules: %w", err)
		}
		s, err := link.Link(ctx, db, res.RunID, lcfg, log)
		if err != nil {
			return fmt.Errorf("linking persons: %w", err)
		}
		stats = s
		if opt.afterDerive != nil {
			return opt.afterDerive(ctx, db)
		}
		return nil
	}
	// A province whose data makes these stages fail pays for it alone (see deriveIsolated).
	if err := deriveIsolated(ctx, db, cfg.Paths.Warehouse, res, log, derive); err != nil {
		return err
	}
	// One line for people (the counts); "stats" keeps every field for JSON logs
	// (a terminal's text handler leaves it out: see cmd/correlare/logging.go).
	log.Info("persons linked", "records", stats.Records, "candidate_pairs", stats.CandidatePairs,
		"accepted_pairs", stats.AcceptedPairs, "review_pairs", stats.ReviewPairs, "persons", stats.Persons,
		"persons_multi", stats.PersonsMulti, "seconds", stats.Seconds, "stats", stats)
	opt.checkpoint("linked")
	marks, err := readMarks(ctx, db)
	if err != nil {
		return err
	}
	// Outputs, from the new warehouse, before it is published. They are
	// written again, from scratch, when a province is left out below.
	var manifest sinks.Manifest
	exported := false
	outputs := func(ctx context.Context) error {
		if err := putMarks(ctx, db, marks); err != nil {
			return err
		}
		if err := markProvinces(ctx, db, res); err != nil {
			return err
		}
		res.Status = StatusSuccess
		if len(res.Stale) > 0 {
			res.Status = StatusPartial
		}
		if err := finishRun(ctx, db, res, opt.Now().UTC()); err != nil {
			return err
		}
		if exported { // this run's own export directory, from a try that failed later
			if err := os.RemoveAll(filepath.Join(cfg.Paths.Exports, res.RunID)); err != nil {
				return fmt.Errorf("removing this run's failed export: %w", err)
			}
			exported = false
		}
		// The exports and the reports run at the same time (see both).
		return both(ctx, func(ctx context.Context) error {
			if err := opt.beforeOutput.call(ctx, db, "exports"); err != nil {
				return err
			}
			t0 := time.Now()
			m, err := sinks.Export(ctx, db, cfg.Paths.Exports, sinks.ExportOptions{RunID: res.RunID, Key: key, Now: res.Started, DeferLatest: true})
			if err != nil {
				return fmt.Errorf("writing exports: %w", err)
			}
			manifest, exported = m, true
			log.Debug("exports written", "dir", cfg.Paths.Exports, "seconds", time.Since(t0).Seconds())
			return nil
		}, func(ctx context.Context) error {
			return writeReports(ctx, db, cfg, log, opt.beforeOutput, false)
		})
	}
	// A province whose new data makes an output fail pays for it alone:
	// it keeps its last good data (linked again without its new rows) and
	// the outputs are written again (see isolated).
	if err := outputs(ctx); err != nil {
		rederive := func(ctx context.Context) error {
			if err := derive(ctx); err != nil {
				return err
			}
			return outputs(ctx)
		}
		if err := isolated(ctx, db, cfg.Paths.Warehouse, res, log, StageOutputs, rederive, err); err != nil {
			return err
		}
	}

	opt.checkpoint("reported")
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("closing new warehouse: %w", err)
	}
	closed = true
	opt.checkpoint("publish")
	if opt.BeforePublish != nil {
		opt.BeforePublish()
	}
	if err := publish(building, cfg.Paths.Warehouse); err != nil {
		return err
	}
	res.Published = true
	log.Info("warehouse published", "path", cfg.Paths.Warehouse, "status", res.Status)
	if err := sinks.PointLatest(cfg.Paths.Exports, manifest); err != nil {
		// The warehouse is published; ORIM keeps reading the previous export.
		return fmt.Errorf("run published, but the exports' latest.json was not updated: %w", err)
	}
	removed, err := sinks.PruneExports(cfg.Paths.Exports, cfg.Exports.KeepRuns)
	if err != nil {
		log.Warn("pruning old exports", "err", err)
	}
	if len(removed) > 0 {
		log.Info("old exports removed", "removed", removed, "keep_runs", cfg.Exports.KeepRuns)
	}
	return nil
}

// loadProvinces fetches every province's files and loads them into the
// building warehouse db, up to workers provinces at a time, and records
// their outcomes in res, in config order.
func loadProvinces(ctx context.Context, db *sql.DB, land *landing.Archive, cfg *Config, opt Options, res *Result, log *slog.Logger, bar *progressbar.ProgressBar) (err error) {
	// DuckDB on one thread while files load in parallel (sinks.LoadingThreads).
	restore, err := sinks.LoadingThreads(ctx, db)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore(ctx)) }()
	fopt := landing.Options{
		Timeout: cfg.HTTP.Timeout.Duration, MaxBytes: cfg.HTTP.MaxMiB << 20,
		Retries: *cfg.HTTP.Retries, Backoff: cfg.HTTP.Backoff.Duration,
	}
	accepted := map[string]bool{}
	for _, c := range append(append([]string(nil), cfg.Guard.AcceptShrink...), opt.AcceptShrink...) {
		accepted[strings.ToUpper(strings.TrimSpace(c))] = true
	}
	// Provinces are fetched and loaded up to workers at a time; their
	// outcomes come back here in config order (see ingestProvinces).
	jobs := make([]*provinceJob, len(cfg.Provinces))
	for i, p := range cfg.Provinces {
		held := &heldLog{live: i == 0}
		base := slog.New(held.handler(log.Handler()))
		jctx, cancel := context.WithCancel(ctx)
		fo := fopt
		fo.Logger = base
		jobs[i] = &provinceJob{p: p, fopt: fo, held: held, log: base.With("province", p.Code), ctx: jctx, cancel: cancel,
			popt: provinceOptions{Reload: opt.Reload, MaxShrink: *cfg.Guard.MaxShrink, AcceptShrink: accepted[p.Code], retried: opt.retried}}
	}
	return ingestProvinces(ctx, db, land, res.RunID, jobs, workers(cfg, opt), opt.hooks, func(j *provinceJob) error {
		p, po := j.p, j.out
		res.Files = append(res.Files, po.Files...)
		if j.err != nil {
			return fmt.Errorf("loading province %s: %w", p.Code, j.err)
		}
		if po.Stale {
			res.Stale = append(res.Stale, p.Code)
			if res.Reasons == nil {
				res.Reasons = map[string]Reason{}
			}
			res.Reasons[p.Code] = po.Reason
		}
		if po.Held {
			res.Held = append(res.Held, p.Code)
		}
		opt.checkpoint("loaded " + p.Code)
		if bar != nil {
			bar.Describe(p.Code)
			bar.Add(1)
		}
		return nil
	})
}

// writeReports writes the funder report, the provinces' feedback, the
// linkage review workbook and the run report page. The run stops at the
// first that fails (its isolation then finds the province to blame and
// writes them all again); with keepGoing (`correlare report`, which reads
// the published warehouse and cannot set a province aside) a failed output
// does not stop the others, and the error returned joins every failure.
func writeReports(ctx context.Context, db *sql.DB, cfg *Config, log *slog.Logger, hook outputHook, keepGoing bool) error {
	// Each part's seconds go in the log line (the end-to-end benchmark reads them).
	t0 := time.Now()
	lap := func() float64 { t := time.Now(); s := t.Sub(t0).Seconds(); t0 = t; return s }
	var (
		figs    []sinks.Figures // the funder's figures of every scope, read once for the report and the page
		fb      []string
		n       int
		seconds = map[string]float64{}
		errs    []error
	)
	outputs := []struct {
		name  string
		write func() error
	}{
		{"report", func() (err error) {
			if figs, err = sinks.ReadFigures(ctx, db); err != nil {
				return fmt.Errorf("writing funder report: computing indicators: %w", err)
			}
			if err := sinks.WriteReport(ctx, db, filepath.Join(cfg.Paths.Reports, ReportFile), sinks.ReportOptions{Figures: figs}); err != nil {
				return fmt.Errorf("writing funder report: %w", err)
			}
			return nil
		}},
		{"feedback", func() (err error) {
			if fb, err = sinks.WriteFeedback(ctx, db, filepath.Join(cfg.Paths.Reports, "feedback")); err != nil {
				return fmt.Errorf("writing feedback workbooks: %w", err)
			}
			return nil
		}},
		{"review", func() (err error) {
			if n, err = link.WriteReview(ctx, db, filepath.Join(cfg.Paths.Reports, "review.xlsx")); err != nil {
				return fmt.Errorf("writing review workbook: %w", err)
			}
			return nil
		}},
		// The page links the feedback workbooks, so it is written after them
		// (without the report's figures, should that have failed, it reads them).
		{"page", func() error {
			if err := sinks.WritePage(ctx, db, filepath.Join(cfg.Paths.Reports, sinks.PageFile), sinks.PageOptions{Figures: figs}); err != nil {
				return fmt.Errorf("writing report page: %w", err)
			}
			return nil
		}},
	}
	for _, o := range outputs {
		err := hook.call(ctx, db, o.name)
		if err == nil {
			err = o.write()
		}
		seconds[o.name] = lap()
		if err == nil {
			continue
		}
		if !keepGoing || ctx.Err() != nil {
			if len(errs) == 0 {
				return err
			}
			return errors.Join(append(errs, err)...)
		}
		log.Error("output not written", "output", o.name, "err", redactErr(err)) // DuckDB may quote a value
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	log.Info("reports written", "dir", cfg.Paths.Reports, "feedback_files", len(fb), "review_pairs", n, "page", sinks.PageFile,
		"report_seconds", seconds["report"], "feedback_seconds", seconds["feedback"], "review_seconds", seconds["review"], "page_seconds", seconds["page"])
	return nil
}

// both runs a and b at the same time and returns the error of the one that
// failed first (nil when neither failed); the first failure cancels the
// other, whose error (its context cancelled) is then not the one returned.
// A panic in either is raised again here once both have returned (Run
// recovers it, as when they ran one after the other).
//
// The run's outputs go through it: the exports (a) and the reports (b) only
// read the warehouse, which holds this run's records already and is not
// written again until both are done (the exports' scratch tables live in
// their own attached in-memory database), and they write files apart (the
// exports a directory renamed into place when complete, the reports
// paths.reports), each from its own connections.
func both(ctx context.Context, a, b func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		first    error
		panicked any
		wg       sync.WaitGroup
	)
	for _, f := range []func(context.Context) error{a, b} {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					if panicked == nil {
						panicked = fmt.Sprintf("%v\n%s", p, debug.Stack())
					}
					mu.Unlock()
					cancel()
				}
			}()
			if err := f(ctx); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel() // after first is set: the other's cancelled error comes second
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return first
}

// outputHook is Options.beforeOutput.
type outputHook func(ctx context.Context, db *sql.DB, output string) error

func (h outputHook) call(ctx context.Context, db *sql.DB, output string) error {
	if h == nil {
		return nil
	}
	if err := h(ctx, db, output); err != nil {
		return fmt.Errorf("writing %s: %w", output, err)
	}
	return nil
}

// mark is a province's stale/fresh mark as the run found it.
type mark struct {
	code             string
	since            sql.NullTime
	reason, reasonIT sql.NullString
	lastGood         sql.NullString
}

// readMarks reads every province's mark before the run sets them.
func readMarks(ctx context.Context, db *sql.DB) ([]mark, error) {
	rows, err := db.QueryContext(ctx, queries.Query("province_marks"))
	if err != nil {
		return nil, fmt.Errorf("reading provinces' marks: %w", err)
	}
	defer rows.Close()
	var ms []mark
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.code, &m.since, &m.reason, &m.reasonIT, &m.lastGood); err != nil {
			return nil, fmt.Errorf("reading provinces' marks: %w", err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading provinces' marks: %w", err)
	}
	return ms, nil
}

// putMarks puts back the marks readMarks read, so that markProvinces marks
// from them again.
func putMarks(ctx context.Context, db *sql.DB, ms []mark) error {
	for _, m := range ms {
		if _, err := db.ExecContext(ctx, queries.Query("province_marks_put"), m.code, m.since, m.reason, m.reasonIT, m.lastGood); err != nil {
			return fmt.Errorf("putting back the mark of %s: %w", m.code, err)
		}
	}
	return nil
}

// ReportFile is the funder report's file name under paths.reports.
const ReportFile = "rapporto_correlare.xlsx"

func startRun(ctx context.Context, db *sql.DB, cfg *Config, res *Result, version string) error {
	if err := importHistory(ctx, db, cfg); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, queries.Query("run_start"), res.RunID, res.Started, StatusRunning, version); err != nil {
		return fmt.Errorf("recording run start: %w", err)
	}
	for _, p := range cfg.Provinces {
		if _, err := db.ExecContext(ctx, queries.Query("province_put"), p.Code, p.ISTAT, p.Name, p.Partner); err != nil {
			return fmt.Errorf("recording province %s: %w", p.Code, err)
		}
	}
	return nil
}

func markProvinces(ctx context.Context, db *sql.DB, res *Result) error {
	stale := map[string]bool{}
	for _, p := range res.Stale {
		stale[p] = true
	}
	provs := map[string]bool{}
	for _, f := range res.Files {
		provs[f.Province] = true
	}
	for p := range provs {
		var err error
		if stale[p] {
			r := res.Reasons[p]
			_, err = db.ExecContext(ctx, queries.Query("province_stale"), p, res.Started, res.RunID, nullable(r.EN), nullable(r.IT))
		} else {
			_, err = db.ExecContext(ctx, queries.Query("province_fresh"), p, res.Started, res.RunID)
		}
		if err != nil {
			return fmt.Errorf("marking province %s: %w", p, err)
		}
	}
	return nil
}

func finishRun(ctx context.Context, db *sql.DB, res *Result, now time.Time) error {
	if _, err := db.ExecContext(ctx, queries.Query("run_files_clear"), res.RunID); err != nil {
		return fmt.Errorf("recording run files: %w", err)
	}
	var loaded, unchanged, failed, held int
	for _, f := range res.Files {
		switch f.Status {
		case FileLoaded:
			loaded++
		case FileUnchanged, FileDuplicate, FileRenamed, FileMoved:
			unchanged++
		case FileFailed, FileFetchFail:
			failed++
		case FileHeld:
			held++
		}
		msg := ""
		if f.Err != nil {
			msg = redactErr(f.Err).Error() // DuckDB may quote a value
		}
		if _, err := db.ExecContext(ctx, queries.Query("run_file_put"), res.RunID, f.Province, f.Source, f.Name,
			nullable(f.SHA256), f.Status, f.Counts.Read, f.Counts.Loaded, f.Counts.Quarantined, f.Counts.Skipped,
			f.Counts.Issues, f.Sheets, nullable(msg), nullable(f.Other)); err != nil {
			return fmt.Errorf("recording run files: %w", err)
		}
	}
	t := res.Totals()
	if _, err := db.ExecContext(ctx, queries.Query("run_finish"), now, res.Status, len(res.Files), loaded, unchanged, failed,
		t.Read, t.Loaded, t.Quarantined, t.Skipped, nullable(strings.Join(res.Stale, ",")), res.RunID, held); err != nil {
		return fmt.Errorf("recording run end: %w", err)
	}
	return nil
}

// publish fsyncs the new warehouse and renames it over the published one.
func publish(building, published string) error {
	f, err := os.Open(building)
	if err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("publishing: syncing: %w", err)
	}
	f.Close()
	if err := os.Chmod(building, 0o600); err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	if err := os.Rename(building, published); err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	if d, err := os.Open(filepath.Dir(published)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// NewRunID names a run by its start time (UTC) plus a random suffix.
func NewRunID(t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%x", t.UTC().Format("20060102T150405Z"), b)
}
