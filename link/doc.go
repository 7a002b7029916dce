// Package link links repeat participants into persons: the same person is
// typed differently in each module and province, often without a tax code,
// and different people share names.
//
// [Link] works as Splink does, inside the warehouse:
//
//  1. Blocking: DuckDB joins produce candidate pairs, one join per rule of
//     [Config.Blocking] (never all pairs).
//  2. Comparison: each pair gets a comparison vector, one level per
//     [Comparison] (exact, one edit, Jaro-Winkler bands from go-edlib, day and
//     month swapped, omocodia, conflicting valid tax codes, …).
//  3. Scoring: a Fellegi-Sunter model. u is estimated from random pairs;
//     m by expectation-maximisation over the pairs of the training rules
//     (each session leaves out the comparisons its rule reads); λ, the
//     probability that two random records match, by a fixed point over the
//     candidates. The exact level of the surname and the given name is
//     re-weighted by the value's frequency (ROSSI is weak evidence).
//  4. Clustering: connected components of the pairs at or above
//     MatchThreshold, strongest first, so that a chain's weakest pair is the
//     one refused when a component would hold two different valid tax codes
//     (the hard rule), two birth dates further apart than a typo, or two rows
//     an analyst said are different. Analysts' decisions ([ReadDecisions])
//     win over the model and over the hard rule.
//
// # Stable person ids
//
// A row is recognised across runs by its enrolment_id and, when a province
// re-sends a changed file, by its record key: the first 16 hex characters of
// the SHA-256 of province, folded surname and given name, tax code, birth
// date and folded module. Each new person keeps the id of the previous person
// that holds most of its rows (ties: the oldest id, by first_seen_run, then
// the smaller id), each previous id going to one person only, the persons
// with the largest share choosing first. So an unchanged person keeps its id;
// a new row joining a person keeps that person's id; when persons merge, the
// merged person keeps the id of the larger (else older) one and the others
// are retired; when a person splits, the largest part keeps the id and the
// smaller parts get new ids. A new id is "P" and 11 hex characters of the
// SHA-256 of the person's smallest record key. Every new id, merge, split and
// retirement is logged in person_events.
package link
