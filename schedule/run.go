package schedule

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"
)

// maxSleep caps one wait for the next run, so that a wall-clock step (NTP,
// suspend) delays a run by at most this much.
const maxSleep = time.Minute

// Job is the work run at each firing. Its context is cancelled Grace after
// Run's context, not with it.
type Job func(ctx context.Context) error

// Clock is the time source of Run; tests pass a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Options configures Run. The zero value is usable: no grace, logs
// discarded, the real clock, no hooks.
type Options struct {
	// Grace is how long a run still going when Run's context is cancelled
	// may continue before its own context is cancelled. Zero cancels it at
	// once.
	Grace time.Duration
	// Logger receives skips, panics (with stack) and shutdown; nil discards.
	Logger *slog.Logger
	// Clock defaults to the system clock.
	Clock Clock
	// OnStart is called, on the run's goroutine, before the job starts; a
	// panic in it fails the run like a panic in the job.
	OnStart func(ctx context.Context, f Firing)
	// OnFinish is called, on the run's goroutine, after the job returned or
	// panicked, with a context that is not cancelled by shutdown (so the
	// outcome can still be recorded in the runs table); keep it short. A
	// panic in it is recovered and logged. By the time it is called the run
	// no longer counts as going: a firing from then on is not skipped, it
	// starts the next run as soon as OnFinish has returned.
	OnFinish func(ctx context.Context, o Outcome)
	// OnSkip is called when a firing is skipped because a run is going.
	OnSkip func(ctx context.Context, f Firing)
}

// Firing describes one scheduled run.
type Firing struct {
	Seq       int       // 1-based number of the firing within this Run, skipped ones included
	Scheduled time.Time // the time the schedule gave, in its zone
	Start     time.Time // when the run started (for a skip: when it was skipped)
}

// Outcome is how a run ended.
type Outcome struct {
	Firing
	End time.Time
	// Err is the job's error, or a *PanicError (errors.Is(err, ErrPanic))
	// if the job or OnStart panicked.
	Err error
	// Cancelled is true when the run's context was cancelled by shutdown
	// before the job returned.
	Cancelled bool
}

// Run fires job on s until ctx is cancelled. Only one run goes at a time:
// a firing while a run's job (or OnStart) is going is skipped and logged;
// a firing while the ended run's OnFinish is still recording its outcome
// waits for OnFinish, then runs. A panicking job is
// recovered, logged with its stack and reported as a *PanicError through
// OnFinish; the loop goes on. When ctx is cancelled no new run starts, the
// current one gets opt.Grace to finish and then its context is cancelled;
// Run returns once it has ended, with nil. Run returns ErrNoNextRun if the
// schedule has no next time.
func Run(ctx context.Context, s Schedule, job Job, opt Options) error {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	clock := opt.Clock
	if clock == nil {
		clock = systemClock{}
	}
	log = log.With("schedule", s.String())

	var (
		// The current run, nil when idle: ended is closed when its job has
		// returned (or panicked), before OnFinish is called; done when
		// OnFinish has returned too.
		ended, done chan struct{}
		cancel      context.CancelFunc // cancels the current run
		seq         int
		lastRun     time.Time
	)
	for {
		now := clock.Now()
		from := now
		if lastRun.After(from) {
			from = lastRun
		}
		next := s.Next(from)
		if next.IsZero() {
			log.Error("schedule has no next run")
			if done != nil {
				<-done
			}
			return fmt.Errorf("running %s: %w", s, ErrNoNextRun)
		}
		log.Debug("next run", "at", next)

		// Sleep until next, in slices of at most maxSleep. Only the clock
		// and ctx wake the loop (not the end of a run), so what a firing
		// does depends on the run's state at the firing alone.
		for wait := next.Sub(clock.Now()); wait > 0; wait = next.Sub(clock.Now()) {
			select {
			case <-ctx.Done():
				return shutdown(ctx, log, clock, opt.Grace, done, cancel)
			case <-clock.After(min(wait, maxSleep)):
			}
		}
		if ctx.Err() != nil {
			return shutdown(ctx, log, clock, opt.Grace, done, cancel)
		}
		lastRun = next
		seq++

		if ended != nil {
			select {
			case <-ended: // the job is over; let OnFinish finish recording it
				log.Debug("firing waits for the previous run's OnFinish", "seq", seq)
				select {
				case <-done:
				case <-ctx.Done():
					return shutdown(ctx, log, clock, opt.Grace, done, cancel)
				}
				ended, done, cancel = nil, nil, nil
			default:
			}
		}
		f := Firing{Seq: seq, Scheduled: next, Start: clock.Now()}
		if ended != nil {
			log.Warn("run skipped: previous run still going", "seq", seq, "scheduled", next)
			if opt.OnSkip != nil {
				err := call(ctx, func(ctx context.Context) error { opt.OnSkip(ctx, f); return nil })
				if pe, ok := err.(*PanicError); ok {
					log.Error("OnSkip panicked", "panic", panicString(pe.Value), "stack", string(pe.Stack))
				}
			}
			continue
		}

		runCtx, runCancel := context.WithCancel(context.WithoutCancel(ctx))
		endedCh, doneCh := make(chan struct{}), make(chan struct{})
		ended, done, cancel = endedCh, doneCh, runCancel
		go func() {
			defer close(doneCh)
			defer runCancel()
			execute(runCtx, ctx, log, clock, job, f, opt, endedCh)
		}()
	}
}

// shutdown lets the current run (if any) finish within grace, then cancels
// it and waits for it to end.
func shutdown(ctx context.Context, log *slog.Logger, clock Clock, grace time.Duration,
	done chan struct{}, cancel context.CancelFunc) error {
	if done == nil {
		log.Info("scheduler stopping", "cause", context.Cause(ctx))
		return nil
	}
	log.Info("scheduler stopping: waiting for the current run", "grace", grace)
	select {
	case <-done:
		return nil
	case <-clock.After(grace):
	}
	log.Warn("grace period over: cancelling the current run", "grace", grace)
	cancel()
	<-done
	return nil
}

// execute runs one firing, turning a panic into a *PanicError. It closes
// ended once the job is over, before calling OnFinish.
func execute(runCtx, parent context.Context, log *slog.Logger, clock Clock, job Job, f Firing, opt Options, ended chan<- struct{}) {
	log = log.With("seq", f.Seq, "scheduled", f.Scheduled)
	log.Info("run started")
	err := call(runCtx, func(ctx context.Context) error {
		if opt.OnStart != nil {
			opt.OnStart(ctx, f)
		}
		return job(ctx)
	})
	o := Outcome{Firing: f, End: clock.Now(), Err: err, Cancelled: runCtx.Err() != nil}
	close(ended)
	attrs := []any{"duration", o.End.Sub(f.Start), "cancelled", o.Cancelled}
	if pe, ok := err.(*PanicError); ok {
		log.Error("run panicked", append(attrs, "panic", panicString(pe.Value), "stack", string(pe.Stack))...)
	} else if err != nil {
		log.Error("run failed", append(attrs, "err", err)...)
	} else {
		log.Info("run finished", attrs...)
	}
	if opt.OnFinish != nil {
		hookErr := call(context.WithoutCancel(parent), func(ctx context.Context) error {
			opt.OnFinish(ctx, o)
			return nil
		})
		if pe, ok := hookErr.(*PanicError); ok {
			log.Error("OnFinish panicked", "panic", panicString(pe.Value), "stack", string(pe.Stack))
		}
	}
}

// call runs job, recovering a panic.
func call(ctx context.Context, job Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return job(ctx)
}

func panicString(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
