package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/lombardia-orim/correlare/landing"
)

// workers is how many provinces a run fetches and loads at once: the
// option, else the config's workers, else GOMAXPROCS.
func workers(cfg *Config, opt Options) int {
	switch {
	case opt.Workers > 0:
		return opt.Workers
	case cfg.Workers > 0:
		return cfg.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// provinceJob is one province's way through a run's loading: fetched, then
// applied (its plan: loads, renames, removals, the shrink guard).
type provinceJob struct {
	p    Province
	popt provinceOptions
	fopt landing.Options
	log  *slog.Logger // with the province; held (see heldLog)
	held *heldLog

	ctx    context.Context
	cancel context.CancelFunc

	state   jobState
	fetch   provinceFetch
	digests map[string]bool
	after   []*provinceJob // earlier provinces sharing bytes with this one; nil until known
	out     provinceOutcome
	err     error
}

type jobState int

const (
	jobNew jobState = iota
	jobFetching
	jobFetched
	jobApplying
	jobDone
)

// shares reports whether two provinces hold or fetched the same bytes.
func (j *provinceJob) shares(o *provinceJob) bool {
	a, b := j.digests, o.digests
	if len(a) > len(b) {
		a, b = b, a
	}
	for sha := range a {
		if b[sha] {
			return true
		}
	}
	return false
}

// hooks let tests see, and hold, the provinces of a run at chosen points.
type hooks struct {
	fetched  func(province string) // a province's sources are fetched
	applying func(province string) // a province's plan starts (its dependencies are applied)
	applied  func(province string) // a province's plan is over
}

// ingestProvinces fetches and applies the provinces of jobs, up to workers
// of them at once, and hands each one to emit in config order (the order
// of jobs), on the calling goroutine, as soon as it and every province
// before it are done. An error from emit stops the run: the provinces not
// yet started are not started, those after the failing one are cancelled,
// and ingestProvinces returns emit's error once every started province has
// stopped.
//
// What stays as in a run that takes the provinces one by one (workers = 1,
// which is exactly that: fetch, apply, next province):
//   - each province's plan runs on one goroutine, file after file;
//   - a province is applied only once it and every province before it are
//     fetched, and after every earlier province that holds or fetched any
//     of the same bytes is applied: the only reads of another province's
//     rows (the refusal of bytes loaded elsewhere, OtherProvinceError) see
//     what they would see one by one;
//   - the outcomes, the log (see heldLog) and the checkpoints come in
//     config order, whatever order the provinces finish in.
//
// Each file is loaded on its own connection, in its own transaction; two
// provinces never write the same rows (their rows differ by province_code,
// their module ids by the province prefix, their enrolment ids by the
// bytes), so their transactions do not conflict; should DuckDB report a
// conflict anyway, the file is tried again (see provinceOptions.retry).
//
// A panic while fetching or applying a province fails that province with
// the panic and its stack, as an error of that province.
func ingestProvinces(ctx context.Context, db *sql.DB, land *landing.Archive, runID string, jobs []*provinceJob, workers int, h hooks, emit func(*provinceJob) error) error {
	if workers < 1 {
		workers = 1
	}
	events := make(chan *provinceJob, len(jobs))
	var wg sync.WaitGroup
	defer func() {
		for _, j := range jobs {
			j.cancel()
		}
		wg.Wait()
	}()
	start := func(j *provinceJob, state jobState) {
		j.state = state
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					j.err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				}
				events <- j
			}()
			if state == jobFetching {
				j.fetch, j.err = fetchProvince(j.ctx, db, land, j.p, j.fopt, j.popt, j.log)
				if h.fetched != nil {
					h.fetched(j.p.Code)
				}
				return
			}
			if h.applying != nil {
				h.applying(j.p.Code)
			}
			j.out, j.err = applyProvince(j.ctx, db, runID, j.p, j.fetch, j.popt, j.log)
			if h.applied != nil {
				h.applied(j.p.Code)
			}
		}()
	}
	limit := len(jobs) // no province from here on starts: one before failed
	fetched := 0       // jobs[:fetched] are all fetched
	// next picks the province to start: the first one that can be applied,
	// else the first one to fetch.
	next := func() (*provinceJob, jobState) {
		for i, j := range jobs[:min(fetched, limit)] {
			if j.state != jobFetched {
				continue
			}
			if j.after == nil {
				j.after = []*provinceJob{}
				for _, o := range jobs[:i] {
					if j.shares(o) {
						j.after = append(j.after, o)
					}
				}
			}
			ready := true
			for _, o := range j.after {
				ready = ready && o.state == jobDone
			}
			if ready {
				return j, jobApplying
			}
		}
		for _, j := range jobs[:limit] {
			if j.state == jobNew {
				return j, jobFetching
			}
		}
		return nil, 0
	}
	running, emitted := 0, 0
	for emitted < len(jobs) {
		if err := ctx.Err(); err != nil {
			return err
		}
		for running < workers {
			j, state := next()
			if j == nil {
				break
			}
			start(j, state)
			running++
		}
		if running == 0 {
			return errors.New("loading provinces: no province can go on (a bug)")
		}
		j := <-events
		running--
		switch {
		case j.err != nil:
			j.state = jobDone
			if i := indexOf(jobs, j); i < limit {
				limit = i
				for _, o := range jobs[i+1:] {
					o.cancel()
				}
			}
		case j.state == jobFetching:
			j.state, j.digests = jobFetched, j.fetch.digests()
			for fetched < len(jobs) && jobs[fetched].state >= jobFetched {
				fetched++
			}
		default:
			j.state = jobDone
		}
		for emitted < len(jobs) && jobs[emitted].state == jobDone {
			if err := emit(jobs[emitted]); err != nil {
				return err
			}
			emitted++
			if emitted < len(jobs) {
				jobs[emitted].held.release()
			}
		}
	}
	return nil
}

func indexOf(jobs []*provinceJob, j *provinceJob) int {
	for i, o := range jobs {
		if o == j {
			return i
		}
	}
	return -1
}

// heldLog holds a province's log records until every province before it
// is done, then writes them and lets the rest through: the log of a run
// reads province by province, in config order, however the provinces
// interleave. The first province's log is never held.
type heldLog struct {
	mu   sync.Mutex
	live bool
	recs []heldRecord
}

type heldRecord struct {
	h   slog.Handler
	ctx context.Context
	r   slog.Record
}

// handler returns a handler that writes to next through l.
func (l *heldLog) handler(next slog.Handler) slog.Handler { return heldHandler{next: next, log: l} }

// release writes the records held so far and lets the next ones through.
func (l *heldLog) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.recs {
		r.h.Handle(r.ctx, r.r) // a handler's error has nowhere better to go than the log itself
	}
	l.recs, l.live = nil, true
}

type heldHandler struct {
	next slog.Handler
	log  *heldLog
}

func (h heldHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h heldHandler) Handle(ctx context.Context, r slog.Record) error {
	h.log.mu.Lock()
	defer h.log.mu.Unlock()
	if h.log.live {
		return h.next.Handle(ctx, r)
	}
	h.log.recs = append(h.log.recs, heldRecord{h: h.next, ctx: context.WithoutCancel(ctx), r: r.Clone()})
	return nil
}

func (h heldHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return heldHandler{next: h.next.WithAttrs(as), log: h.log}
}

func (h heldHandler) WithGroup(name string) slog.Handler {
	return heldHandler{next: h.next.WithGroup(name), log: h.log}
}
