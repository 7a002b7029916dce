package link

import (
	"errors"
	"strconv"
)

// Configuration errors (Config.Validate).
var (
	ErrEmptyRule           = errors.New("empty blocking rule")
	ErrRuleStatement       = errors.New("blocking rule must be one join condition, without ';', '--' or '/*'")
	ErrTooManyComparisons  = errors.New("too many comparisons")
	ErrDuplicateComparison = errors.New("duplicate comparison name")
	ErrUnknownColumn       = errors.New("unknown column")
	ErrUnknownKind         = errors.New("unknown comparison kind")
	ErrKindColumn          = errors.New("comparison kind does not fit the column")
	ErrBadThreshold        = errors.New("bad threshold")
	ErrInvalidConfig       = errors.New("invalid linkage configuration")
	ErrTrainingRule        = errors.New("training rule is not a blocking rule")
	ErrTooManyRules        = errors.New("too many blocking rules")
)

// Input errors.
var (
	ErrBadDecision = errors.New("bad decision")     // decisions file
	ErrBadHeader   = errors.New("bad header")       // decisions or truth file
	ErrBadTruth    = errors.New("bad ground truth") // truth file
)

// PosError is an error at a line of a decisions or ground-truth file.
type PosError struct {
	File string // name as given, "" for a reader
	Line int    // 1-based
	Err  error
}

func (e *PosError) Error() string {
	if e.File != "" {
		return e.File + ": line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	}
	return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

func (e *PosError) Unwrap() error { return e.Err }
