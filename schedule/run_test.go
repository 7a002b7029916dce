package schedule

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a Clock the test moves by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	calls   int // After calls so far
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// waitCalls blocks until After has been called at least n times, i.e. the
// loop is (or has been) waiting for its n-th timer.
func (c *fakeClock) waitCalls(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		calls := c.calls
		c.mu.Unlock()
		if calls >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the loop made %d timer calls, want %d", calls, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the loop's and the test's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// recv waits for a value with a generous deadline.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func everySecond(t *testing.T) Schedule {
	t.Helper()
	s, err := Parse("* * * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runAsync starts Run and returns a channel with its result.
func runAsync(ctx context.Context, s Schedule, job Job, opt Options) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, s, job, opt) }()
	return errc
}

func TestRunSkipsOverlappingRun(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)}
	log, logs := newLogger()
	release := make(chan struct{})
	started := make(chan Firing, 10)
	finished := make(chan Outcome, 10)
	skipped := make(chan Firing, 10)
	var calls atomic.Int32
	job := func(ctx context.Context) error {
		if calls.Add(1) == 1 { // the first run blocks until released
			<-release
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := runAsync(ctx, everySecond(t), job, Options{
		Logger:   log,
		Clock:    clock,
		OnStart:  func(_ context.Context, f Firing) { started <- f },
		OnFinish: func(_ context.Context, o Outcome) { finished <- o },
		OnSkip:   func(_ context.Context, f Firing) { skipped <- f },
	})

	clock.waitCalls(t, 1)
	clock.Advance(time.Second) // 12:00:01: run 1 starts and blocks
	if f := recv(t, started, "run 1"); f.Seq != 1 {
		t.Fatalf("first run Seq = %d", f.Seq)
	}
	clock.waitCalls(t, 2)
	clock.Advance(time.Second) // 12:00:02: run 1 still going, firing 2 is skipped
	if f := recv(t, skipped, "the skip"); f.Seq != 2 || !f.Scheduled.Equal(clock.Now()) {
		t.Fatalf("skipped firing = %+v", f)
	}
	close(release)
	if o := recv(t, finished, "run 1 to finish"); o.Seq != 1 || o.Err != nil {
		t.Fatalf("run 1 outcome = %+v", o)
	}
	clock.waitCalls(t, 3)
	clock.Advance(time.Second) // 12:00:03: idle again, firing 3 runs
	if f := recv(t, started, "run 3"); f.Seq != 3 {
		t.Fatalf("third firing Seq = %d, want 3", f.Seq)
	}
	recv(t, finished, "run 3 to finish")
	cancel()
	if err := recv(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v, want nil after cancellation", err)
	}
	if got := len(started); got != 0 {
		t.Errorf("%d unexpected extra runs", got)
	}
	out := logs.String()
	if !strings.Contains(out, "run skipped: previous run still going") || !strings.Contains(out, "seq=2") {
		t.Errorf("skip not logged:\n%s", out)
	}
}

func TestRunRecoversPanic(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)}
	log, logs := newLogger()
	finished := make(chan Outcome, 10)
	var calls int
	job := func(ctx context.Context) error {
		calls++ // runs never overlap here, so no race
		if calls == 1 {
			var m map[string]int
			m["boom"]++ // a real runtime panic: assignment to entry in nil map
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := runAsync(ctx, everySecond(t), job, Options{
		Logger: log, Clock: clock,
		OnFinish: func(_ context.Context, o Outcome) { finished <- o },
	})

	clock.waitCalls(t, 1)
	clock.Advance(time.Second)
	o := recv(t, finished, "the panicking run")
	var pe *PanicError
	if !errors.As(o.Err, &pe) || !errors.Is(o.Err, ErrPanic) {
		t.Fatalf("outcome error = %v, want a *PanicError", o.Err)
	}
	if !strings.Contains(string(pe.Stack), "TestRunRecoversPanic") {
		t.Errorf("panic stack does not show the job:\n%s", pe.Stack)
	}
	clock.waitCalls(t, 2)
	clock.Advance(time.Second)
	if o := recv(t, finished, "the run after the panic"); o.Err != nil || o.Seq != 2 {
		t.Fatalf("run after the panic = %+v, want success", o)
	}
	cancel()
	if err := recv(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v", err)
	}
	out := logs.String()
	for _, want := range []string{"run panicked", "assignment to entry in nil map", "stack=", "TestRunRecoversPanic"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestRunSecondsSpecRealClock(t *testing.T) {
	s, err := Parse("* * * * * *", time.Local)
	if err != nil {
		t.Fatal(err)
	}
	finished := make(chan Outcome, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := runAsync(ctx, s, func(context.Context) error { return nil }, Options{
		OnFinish: func(_ context.Context, o Outcome) { finished <- o },
	})
	first := recv(t, finished, "the first run")
	second := recv(t, finished, "the second run")
	cancel()
	if err := recv(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !second.Scheduled.After(first.Scheduled) || second.Seq != first.Seq+1 {
		t.Errorf("runs %+v then %+v: want consecutive firings", first, second)
	}
	if first.Scheduled.Nanosecond() != 0 || first.Start.Before(first.Scheduled) {
		t.Errorf("run scheduled %s started %s: want a whole second, not early", first.Scheduled, first.Start)
	}
}

func TestRunShutdown(t *testing.T) {
	const grace = 600 * time.Millisecond
	tests := []struct {
		name string
		// work is what the job does after the scheduler's ctx was
		// cancelled; it returns the job's error.
		work          func(ctx context.Context) error
		wantCancelled bool
		wantErr       error
	}{
		{
			name: "job outliving the grace period is cancelled after it",
			work: func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			},
			wantCancelled: true,
			wantErr:       context.Canceled,
		},
		{
			name: "job finishing within the grace period completes",
			work: func(ctx context.Context) error {
				select {
				case <-time.After(grace / 4):
					return ctx.Err() // nil: not cancelled
				case <-ctx.Done():
					return ctx.Err()
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log, logs := newLogger()
			started := make(chan struct{}, 10)
			stopped := make(chan struct{})
			finished := make(chan Outcome, 10)
			var ctxDoneAt time.Time // written by the job before it returns
			job := func(ctx context.Context) error {
				started <- struct{}{}
				<-stopped
				err := tc.work(ctx)
				if ctx.Err() != nil {
					ctxDoneAt = time.Now()
				}
				return err
			}
			ctx, cancel := context.WithCancel(context.Background())
			errc := runAsync(ctx, everySecond(t), job, Options{
				Grace: grace, Logger: log,
				OnFinish: func(_ context.Context, o Outcome) { finished <- o },
			})
			recv(t, started, "the run to start")
			cancelAt := time.Now()
			cancel()
			close(stopped)
			if err := recv(t, errc, "Run to return"); err != nil {
				t.Fatalf("Run = %v", err)
			}
			returned := time.Since(cancelAt)
			o := recv(t, finished, "the outcome")
			if o.Cancelled != tc.wantCancelled || !errors.Is(o.Err, tc.wantErr) || (tc.wantErr == nil && o.Err != nil) {
				t.Errorf("outcome cancelled=%v err=%v, want cancelled=%v err=%v", o.Cancelled, o.Err, tc.wantCancelled, tc.wantErr)
			}
			if tc.wantCancelled {
				if seen := ctxDoneAt.Sub(cancelAt); seen < grace {
					t.Errorf("job context cancelled %s after shutdown, before the %s grace", seen, grace)
				}
			} else if !ctxDoneAt.IsZero() {
				t.Errorf("job context cancelled although the job finished within the grace")
			}
			if returned > grace+5*time.Second {
				t.Errorf("Run returned %s after cancellation, grace is %s", returned, grace)
			}
			if n := len(started); n != 0 {
				t.Errorf("%d runs started after cancellation", n)
			}
			if !strings.Contains(logs.String(), "scheduler stopping") {
				t.Errorf("shutdown not logged:\n%s", logs.String())
			}
		})
	}
}

func TestRunNoNextRun(t *testing.T) {
	err := Run(context.Background(), Schedule{}, func(context.Context) error { return nil }, Options{})
	if !errors.Is(err, ErrNoNextRun) {
		t.Fatalf("Run with a zero Schedule = %v, want ErrNoNextRun", err)
	}
}
