package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// both runs its two functions at the same time: each sees the other
// running; the error returned is the first failure, not the other's
// cancellation; a panic comes back to the caller.
func TestBoth(t *testing.T) {
	ctx := context.Background()
	errA, errB := errors.New("a failed"), errors.New("b failed")

	// At the same time: each waits for the other to have started (one
	// after the other, the first would wait forever).
	startA, startB := make(chan struct{}), make(chan struct{})
	meet := func(mine, other chan struct{}) func(context.Context) error {
		return func(context.Context) error {
			close(mine)
			<-other
			return nil
		}
	}
	if err := both(ctx, meet(startA, startB), meet(startB, startA)); err != nil {
		t.Fatalf("both(meet, meet) = %v", err)
	}

	// The first failure wins; the other, cancelled, returns its context's error.
	waitCancel := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	fail := func(err error) func(context.Context) error { return func(context.Context) error { return err } }
	if err := both(ctx, fail(errA), waitCancel); err != errA {
		t.Errorf("a fails: %v, want %v", err, errA)
	}
	if err := both(ctx, waitCancel, fail(errB)); err != errB {
		t.Errorf("b fails: %v, want %v", err, errB)
	}

	// The caller's cancellation reaches both.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := both(cctx, waitCancel, waitCancel); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// A panic in one is raised again in the caller, once the other has returned.
	var otherDone atomic.Bool
	func() {
		defer func() {
			p := recover()
			if p == nil || !strings.Contains(p.(string), "boom") {
				t.Errorf("recovered %v, want the panic", p)
			}
			if !otherDone.Load() {
				t.Error("panic raised before the other returned")
			}
		}()
		both(ctx, func(context.Context) error { panic("boom") }, func(ctx context.Context) error {
			<-ctx.Done()
			otherDone.Store(true)
			return ctx.Err()
		})
	}()
}
