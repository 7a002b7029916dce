// Package canon defines correlare's canonical enrolment schema and the
// normalisers that turn hand-typed spreadsheet cells into it.
//
// Everything here is pure: no I/O, no logging. The readers in package sources
// find a table and map its columns to canonical [Field]s; [NormaliseRow] turns
// one raw row into an [Enrolment] plus the data-quality [Issue]s found on the
// way, or into a [Rejection] when the row cannot be kept (it is quarantined).
// [Batch] accumulates enrolments into Arrow record batches with [EnrolmentSchema].
package canon
