package runlock

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrBusy matches (errors.Is) the error of Acquire when another process
// kept the lock for the whole wait; errors.As gives the *BusyError.
var ErrBusy = errors.New("run lock busy")

// ErrBadLockFile is returned by ParseHolder for a malformed lock file.
var ErrBadLockFile = errors.New("malformed run lock file")

// BusyError reports a lock held by another process past the wait.
type BusyError struct {
	Path   string
	Holder Holder // zero if the file could not be read or was being written
	Waited time.Duration
}

// Error names the lock file and its holder.
func (e *BusyError) Error() string {
	who := "another process (holder unknown)"
	if e.Holder.PID != 0 {
		who = "pid " + strconv.Itoa(e.Holder.PID)
		if e.Holder.Host != "" {
			who += " on " + e.Holder.Host
		}
		if !e.Holder.Started.IsZero() {
			who += ", started " + e.Holder.Started.Format(time.RFC3339)
		}
	}
	return fmt.Sprintf("run lock %s is held by %s; waited %s: another correlare run is writing the warehouse",
		e.Path, who, e.Waited.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }
