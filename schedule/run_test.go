package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	calls   int           // After calls so far
	called  chan struct{} // closed and replaced at each After call; nil until waited on
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
	if c.called != nil {
		close(c.called)
		c.called = nil
	}
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
// loop is (or has been) waiting for its n-th timer. The loop calls After
// only when it goes to sleep until a firing (or, shutting down, for the
// grace period): after its start, after each firing it handled, after each
// clock tick that was not yet the firing.
func (c *fakeClock) waitCalls(t *testing.T, n int) {
	t.Helper()
	for {
		c.mu.Lock()
		calls := c.calls
		if calls >= n {
			c.mu.Unlock()
			return
		}
		if c.called == nil {
			c.called = make(chan struct{})
		}
		called := c.called
		c.mu.Unlock()
		recv(t, called, fmt.Sprintf("timer call %d (the loop made %d)", n, calls))
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

// recv waits for a value. The deadline only turns a hang into a failure
// that says what was awaited; nothing in these tests waits on real time.
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

// notifyHandler passes records on to Handler and closes the channel of a
// message when a record with that message is handled.
type notifyHandler struct {
	slog.Handler
	*notify
}

type notify struct {
	mu sync.Mutex
	on map[string]chan struct{}
}

func newNotifyHandler(h slog.Handler, on map[string]chan struct{}) *notifyHandler {
	return &notifyHandler{Handler: h, notify: &notify{on: on}}
}

func (n *notifyHandler) Handle(ctx context.Context, r slog.Record) error {
	n.mu.Lock()
	if ch, ok := n.on[r.Message]; ok {
		close(ch)
		delete(n.on, r.Message)
	}
	n.mu.Unlock()
	return n.Handler.Handle(ctx, r)
}

func (n *notifyHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &notifyHandler{Handler: n.Handler.WithAttrs(as), notify: n.notify}
}

func (n *notifyHandler) WithGroup(name string) slog.Handler {
	return &notifyHandler{Handler: n.Handler.WithGroup(name), notify: n.notify}
}

// TestRunFiringDuringOnFinishRuns: once OnFinish is called the run no
// longer counts as going, so a firing while OnFinish is still recording
// the outcome waits for it and runs; it is not skipped.
func TestRunFiringDuringOnFinishRuns(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)}
	_, logs := newLogger()
	waiting := make(chan struct{})
	h := newNotifyHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		map[string]chan struct{}{"firing waits for the previous run's OnFinish": waiting})
	finishing := make(chan Outcome, 10)
	release := make(chan struct{})
	started := make(chan Firing, 10)
	skipped := make(chan Firing, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := runAsync(ctx, everySecond(t), func(context.Context) error { return nil }, Options{
		Logger: slog.New(h), Clock: clock,
		OnStart: func(_ context.Context, f Firing) { started <- f },
		OnFinish: func(_ context.Context, o Outcome) {
			finishing <- o
			if o.Seq == 1 {
				<-release // still recording run 1 when firing 2 comes
			}
		},
		OnSkip: func(_ context.Context, f Firing) { skipped <- f },
	})
	clock.waitCalls(t, 1)
	clock.Advance(time.Second) // 12:00:01: run 1
	recv(t, started, "run 1")
	recv(t, finishing, "run 1's OnFinish")
	clock.waitCalls(t, 2)
	clock.Advance(time.Second) // 12:00:02: firing 2 while run 1's OnFinish is going
	recv(t, waiting, "firing 2 to wait for run 1's OnFinish")
	select {
	case f := <-started:
		t.Fatalf("run %d started before run 1's OnFinish returned", f.Seq)
	default:
	}
	close(release)
	if f := recv(t, started, "run 2"); f.Seq != 2 {
		t.Fatalf("run after firing 2 has Seq %d", f.Seq)
	}
	recv(t, finishing, "run 2's OnFinish")
	cancel()
	if err := recv(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := len(skipped); n != 0 {
		t.Errorf("%d firings skipped, want none", n)
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

// TestRunShutdown: on cancellation no new run starts; the current run gets
// the grace period on the scheduler's clock, not a moment less, and then
// its context is cancelled. Time is the fake clock's: the test moves it.
func TestRunShutdown(t *testing.T) {
	const grace = 5 * time.Minute
	tests := []struct {
		name string
		// finishEarly: the job returns on its own once the test lets it,
		// before the grace period is over.
		finishEarly   bool
		wantCancelled bool
		wantErr       error
	}{
		{name: "job outliving the grace period is cancelled after it", wantCancelled: true, wantErr: context.Canceled},
		{name: "job finishing within the grace period completes", finishEarly: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)}
			log, logs := newLogger()
			started := make(chan struct{}, 10)
			finish := make(chan struct{})
			finished := make(chan Outcome, 10)
			var ctxDoneAt time.Time // fake time the job saw its context cancelled
			job := func(ctx context.Context) error {
				started <- struct{}{}
				select {
				case <-finish:
					return ctx.Err() // nil: not cancelled
				case <-ctx.Done():
					ctxDoneAt = clock.Now()
					return ctx.Err()
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := runAsync(ctx, everySecond(t), job, Options{
				Grace: grace, Logger: log, Clock: clock,
				OnFinish: func(_ context.Context, o Outcome) { finished <- o },
			})
			clock.waitCalls(t, 1)
			clock.Advance(time.Second) // 12:00:01: the run starts
			recv(t, started, "the run to start")
			clock.waitCalls(t, 2) // the loop sleeps until 12:00:02
			cancelAt := clock.Now()
			cancel()
			clock.waitCalls(t, 3) // shutting down: the loop waits for the grace period
			// Every firing from now on falls in the shutdown: none may start.
			clock.Advance(grace - time.Second)
			select {
			case <-errc:
				t.Fatal("Run returned before the grace period was over")
			case o := <-finished:
				t.Fatalf("the run ended before the grace period was over: %+v", o)
			default:
			}
			if tc.finishEarly {
				close(finish)
			} else {
				clock.Advance(time.Second) // the grace period is over
			}
			if err := recv(t, errc, "Run to return"); err != nil {
				t.Fatalf("Run = %v", err)
			}
			o := recv(t, finished, "the outcome")
			if o.Cancelled != tc.wantCancelled || !errors.Is(o.Err, tc.wantErr) || (tc.wantErr == nil && o.Err != nil) {
				t.Errorf("outcome cancelled=%v err=%v, want cancelled=%v err=%v", o.Cancelled, o.Err, tc.wantCancelled, tc.wantErr)
			}
			switch {
			case tc.wantCancelled && ctxDoneAt.Sub(cancelAt) != grace:
				t.Errorf("job context cancelled %s after shutdown, want at the end of the %s grace", ctxDoneAt.Sub(cancelAt), grace)
			case !tc.wantCancelled && !ctxDoneAt.IsZero():
				t.Errorf("job context cancelled although the job finished within the grace")
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
