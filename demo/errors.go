package demo

import "errors"

// ErrUnknownNoise is returned by ParseNoise for a name that is not a Noise.
var ErrUnknownNoise = errors.New("unknown noise level")

// ErrBadSize is returned by Large for a negative row count.
var ErrBadSize = errors.New("row count must not be negative")
