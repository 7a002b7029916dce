package runlock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helper process: when the test binary is re-executed with
// RUNLOCK_HELPER=hold, TestHelperProcess takes the lock at RUNLOCK_PATH,
// prints "locked", and holds it until its stdin closes (then releases,
// prints "released" and exits) or until it is killed.
const helperEnv = "RUNLOCK_HELPER"

func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "hold" {
		return // not a helper: nothing to test in this process
	}
	l, err := Acquire(context.Background(), os.Getenv("RUNLOCK_PATH"), 10*time.Second)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin) // returns when the parent closes our stdin
	if err := l.Release(); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("released")
	os.Exit(0)
}

type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startHolder re-executes the test binary to hold the lock at path and
// returns once the child reports it holds it.
func startHolder(t *testing.T, path string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=hold", "RUNLOCK_PATH="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting helper: %v", err)
	}
	h := &helper{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			h.cmd.Process.Kill()
			h.cmd.Wait()
		}
	})
	if line := h.line(t); line != "locked" {
		t.Fatalf("helper said %q, want locked", line)
	}
	return h
}

func (h *helper) line(t *testing.T) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		if h.out.Scan() {
			lines <- h.out.Text()
		} else {
			lines <- fmt.Sprintf("(helper output ended: %v)", h.out.Err())
		}
	}()
	select {
	case l := <-lines:
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting for the helper")
		return ""
	}
}

func TestKilledHolderDoesNotBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warehouse.duckdb.lock")
	h := startHolder(t, path)

	_, err := Acquire(context.Background(), path, 0)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Acquire while the helper holds the lock = %v, want ErrBusy", err)
	}

	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err == nil {
		t.Fatal("the helper exited cleanly, want killed")
	}
	// The killed process's pid and start time are still in the file.
	if stale, err := readHolder(path); err != nil || stale.PID != h.cmd.Process.Pid {
		t.Fatalf("lock file after the kill: %+v, %v; want the dead helper's pid %d", stale, err, h.cmd.Process.Pid)
	}

	l, err := Acquire(context.Background(), path, 0)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed = %v, want the lock", err)
	}
	defer l.Release()
	if now, err := readHolder(path); err != nil || now.PID != os.Getpid() {
		t.Errorf("lock file now records %+v, %v; want our pid %d", now, err, os.Getpid())
	}
}

func TestSecondProcessWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warehouse.duckdb.lock")
	before := time.Now().UTC().Truncate(time.Second) // the holder records whole seconds
	h := startHolder(t, path)

	t.Run("wait 0 fails at once with a clear message", func(t *testing.T) {
		_, err := Acquire(context.Background(), path, 0)
		var busy *BusyError
		if !errors.As(err, &busy) {
			t.Fatalf("Acquire = %v, want a *BusyError", err)
		}
		// The holder's start is between the test's start and now, and the
		// message shows it (not today's date, which changes at midnight).
		if s := busy.Holder.Started; s.Before(before) || s.After(time.Now()) {
			t.Errorf("holder start time %v, want between %v and now", s, before)
		}
		msg := err.Error()
		for _, want := range []string{path, "pid " + strconv.Itoa(h.cmd.Process.Pid), "started " + busy.Holder.Started.Format(time.RFC3339), "another correlare run"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
		}
	})

	t.Run("a short wait times out", func(t *testing.T) {
		_, err := Acquire(context.Background(), path, 200*time.Millisecond)
		var busy *BusyError
		if !errors.As(err, &busy) || busy.Waited < 200*time.Millisecond {
			t.Fatalf("Acquire = %v, want ErrBusy after waiting 200ms", err)
		}
	})

	t.Run("a cancelled wait returns the context error", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := Acquire(ctx, path, time.Minute)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire = %v, want DeadlineExceeded", err)
		}
	})

	t.Run("the waiter gets the lock after release", func(t *testing.T) {
		got := make(chan error, 1)
		var l *Lock
		go func() {
			var err error
			l, err = Acquire(context.Background(), path, 20*time.Second)
			got <- err
		}()
		select {
		case err := <-got:
			t.Fatalf("Acquire returned %v while the helper still holds the lock", err)
		case <-time.After(300 * time.Millisecond):
		}
		h.stdin.Close() // the helper releases and exits
		if line := h.line(t); line != "released" {
			t.Fatalf("helper said %q, want released", line)
		}
		if err := <-got; err != nil {
			t.Fatalf("waiting Acquire = %v", err)
		}
		if err := h.cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
		if err := l.Release(); err != nil {
			t.Errorf("Release: %v", err)
		}
	})
}

func TestAcquireReleaseInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), PathFor("warehouse.duckdb"))
	l, err := Acquire(context.Background(), path, 0)
	if err != nil {
		t.Fatal(err)
	}
	// flock belongs to the open file, so a second open in this process is
	// refused just as another process would be.
	if _, err := Acquire(context.Background(), path, 0); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Acquire = %v, want ErrBusy", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release = %v, want nil", err)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) != 0 {
		t.Errorf("lock file after release: %q, %v; want empty", b, err)
	}
	l2, err := Acquire(context.Background(), path, 0)
	if err != nil {
		t.Fatalf("Acquire after release = %v", err)
	}
	if err := l2.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(context.Background(), filepath.Join(t.TempDir(), "missing", "x.lock"), 0); err == nil || errors.Is(err, ErrBusy) {
		t.Errorf("Acquire in a missing directory = %v, want an open error", err)
	}
}

func TestParseHolder(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Holder
		wantErr bool
	}{
		{"written by us", formatHolder(Holder{PID: 42, Host: "etl1", Started: time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)}),
			Holder{PID: 42, Host: "etl1", Started: time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)}, false},
		{"empty (just released or being written)", "", Holder{}, false},
		{"unknown keys and CRLF", "pid=7\r\nversion=1.2\r\n", Holder{PID: 7}, false},
		{"bad pid", "pid=abc\n", Holder{}, true},
		{"negative pid", "pid=-3\n", Holder{}, true},
		{"bad time", "pid=1\nstarted=yesterday\n", Holder{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseHolder(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseHolder(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if tc.wantErr {
				if !errors.Is(err, ErrBadLockFile) || !strings.Contains(err.Error(), "line ") {
					t.Errorf("error %v: want ErrBadLockFile with the line", err)
				}
				return
			}
			if got.PID != tc.want.PID || got.Host != tc.want.Host || !got.Started.Equal(tc.want.Started) {
				t.Errorf("ParseHolder(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzParseHolder(f *testing.F) {
	f.Add("pid=42\nhost=etl1\nstarted=2026-03-29T01:00:00Z\n")
	f.Add("")
	f.Add("pid=\n=\n==\nstarted=2026-13-01T00:00:00Z")
	f.Add("pid=99999999999999999999\n")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHolder(s)
		if err != nil {
			return
		}
		if h.PID < 0 {
			t.Fatalf("negative pid from %q", s)
		}
		if h.PID > 0 && h.Host == strings.TrimSpace(h.Host) && !strings.ContainsAny(h.Host, "\r\n") {
			again, err := ParseHolder(formatHolder(h))
			if err != nil || again.PID != h.PID || again.Host != h.Host || !again.Started.Equal(h.Started.Truncate(time.Second)) {
				t.Fatalf("round trip of %+v: %+v, %v", h, again, err)
			}
		}
	})
}
