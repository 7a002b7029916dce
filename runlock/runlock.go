// Package runlock keeps two correlare processes from writing the warehouse
// at once: an exclusive flock(2) on a lock file beside it. The kernel drops
// the lock when its holder exits, even by SIGKILL, so a crashed run never
// blocks the next one; the pid, host and start time written in the file
// serve only to say who holds it.
//
// The lock file is never removed: deleting a flock'd file lets a third
// process lock a new file of the same name while a second still waits on
// the old one.
package runlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// pollInterval is how often Acquire retries a held lock.
const pollInterval = 50 * time.Millisecond

// Holder is what a lock file says about the process that holds it.
type Holder struct {
	PID     int
	Host    string
	Started time.Time
}

// Lock is a held run lock.
type Lock struct {
	f    *os.File
	path string
}

// PathFor returns the lock file path beside a warehouse file:
// "/data/warehouse.duckdb" → "/data/warehouse.duckdb.lock".
func PathFor(warehouse string) string { return warehouse + ".lock" }

// Acquire takes the exclusive lock on path, creating the file if needed.
// If another process holds it, Acquire retries until wait has elapsed
// (wait 0: one try) and then returns a *BusyError naming the holder; it
// returns ctx's error if ctx ends first.
func Acquire(ctx context.Context, path string, wait time.Duration) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening run lock: %w", err)
	}
	begin := time.Now()
	deadline := begin.Add(wait)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			holder, _ := readHolder(path) // best effort: the message says "unknown" otherwise
			f.Close()
			return nil, &BusyError{Path: path, Holder: holder, Waited: time.Since(begin)}
		}
		t := time.NewTimer(min(left, pollInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("waiting for run lock %s: %w", path, context.Cause(ctx))
		case <-t.C:
		}
	}
	l := &Lock{f: f, path: path}
	if err := l.writeHolder(); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

// Path returns the lock file path.
func (l *Lock) Path() string { return l.path }

func (l *Lock) writeHolder() error {
	host, err := os.Hostname()
	if err != nil {
		host = ""
	}
	h := Holder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second)}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("writing run lock %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt([]byte(formatHolder(h)), 0); err != nil {
		return fmt.Errorf("writing run lock %s: %w", l.path, err)
	}
	return nil
}

// Release empties the lock file, unlocks and closes it. Releasing twice is
// a no-op.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	errs := []error{f.Truncate(0)}
	errs = append(errs, unix.Flock(int(f.Fd()), unix.LOCK_UN), f.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("releasing run lock %s: %w", l.path, err)
	}
	return nil
}

func formatHolder(h Holder) string {
	return fmt.Sprintf("pid=%d\nhost=%s\nstarted=%s\n", h.PID, h.Host, h.Started.Format(time.RFC3339))
}

// readHolder reads the holder recorded in a lock file.
func readHolder(path string) (Holder, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}, fmt.Errorf("reading run lock %s: %w", path, err)
	}
	return ParseHolder(string(b))
}

// ParseHolder parses the "key=value" lines of a lock file; unknown keys
// are ignored, a bad pid or time is an error naming its line.
func ParseHolder(s string) (Holder, error) {
	var h Holder
	for i, line := range strings.Split(s, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch key {
		case "pid":
			pid, err := strconv.Atoi(value)
			if err != nil || pid <= 0 {
				return Holder{}, fmt.Errorf("lock file line %d: %w: pid %q", i+1, ErrBadLockFile, value)
			}
			h.PID = pid
		case "host":
			h.Host = value
		case "started":
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				return Holder{}, fmt.Errorf("lock file line %d: %w: start time: %w", i+1, ErrBadLockFile, err)
			}
			h.Started = t
		}
	}
	return h, nil
}
