package schedule

import "errors"

var (
	// ErrBadSpec is returned by Parse when the cron spec does not parse; the
	// wrapped error carries robfig/cron's reason.
	ErrBadSpec = errors.New("bad schedule spec")
	// ErrZoneInSpec is returned by Parse for a spec with a TZ= or CRON_TZ=
	// prefix: the time zone comes from the configuration only.
	ErrZoneInSpec = errors.New("time zone given in the schedule spec")
	// ErrNoLocation is returned by Parse when no time zone is given.
	ErrNoLocation = errors.New("no time zone for the schedule")
	// ErrNoNextRun is returned by Run when the schedule has no next time
	// (a zero Schedule, or a spec such as "0 0 30 2 *" that never matches).
	ErrNoNextRun = errors.New("schedule has no next run")
	// ErrPanic matches (errors.Is) the error of a job that panicked; use
	// errors.As with *PanicError for the value and stack.
	ErrPanic = errors.New("job panicked")
)

// PanicError is the error of a run whose job panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic
}

// Error reports the panic value without the stack (the stack is logged).
func (e *PanicError) Error() string {
	return "job panicked: " + panicString(e.Value)
}

// Is makes errors.Is(err, ErrPanic) true.
func (e *PanicError) Is(target error) bool { return target == ErrPanic }

// Unwrap returns the panic value when it is an error (panic(err)).
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}
