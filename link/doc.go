// Package link links repeat participants into persons: the same person is
// typed differently in each module and province, often without a tax code,
// and different people share names.
//
// [Link] works as Splink does, inside the warehouse, in stages, one file
// each, which it runs in order:
//
//  1. Load (load.go): link_rec is built in DuckDB and read into Go records;
//     the values the comparisons read are numbered, one vocabulary per
//     column (the two name columns share one), so that a pair compares
//     numbers.
//  2. Blocking (block.go, block_go.go): the rules of [Config.Blocking]
//     produce the candidate pairs (never all pairs). A rule's equalities are its
//     block key; a block with more than [Config.MaxBlockRecords] records
//     (default 40) is cut into sub-blocks by birth year and name initials,
//     since its pairs grow quadratically with the data (a million records
//     with a small vocabulary of names hold same-name blocks of hundreds);
//     a sub-block still too large is dropped, and what was dropped is
//     counted per rule in link_runs. When every rule is a conjunction of
//     equalities (the defaults are), DuckDB hashes each rule's key once per
//     record and Go groups the records by key (a radix sort per rule) and
//     lists each pair once, with the bits of all the rules that produce it
//     (no join, no de-duplication); otherwise each rule is a DuckDB join
//     inserting its pairs and the union is de-duplicated. Extras columns that look like identifiers
//     (profile.go) get a rule of their own.
//     A candidate is 12 bytes: its two records and the rules that
//     produced it.
//  3. Comparison (compare.go): each pair gets a comparison vector, one level per
//     [Comparison] (exact, one edit, Jaro-Winkler bands with go-edlib's
//     arithmetic, day and month swapped, omocodia, conflicting valid tax
//     codes, …), on every core in chunks; the fuzzy levels of two values
//     are remembered by value ids (a square table for a small vocabulary,
//     a bounded hash table otherwise), since names, places and
//     organisations repeat. A pair keeps only its vector's number: the
//     distinct vectors (patterns) are counted as they come, in all and per
//     training rule.
//  4. Scoring (fit.go, em.go): a Fellegi-Sunter model. u is estimated from random pairs;
//     m by expectation-maximisation over the patterns (not the pairs) of
//     the training rules (each session leaves out the comparisons its rule
//     reads); λ, the probability that two random records match, by a fixed
//     point over the patterns. The hard rule
//     holds in EM too: a pair with two different valid tax codes is a
//     non-match there, so that namesakes cannot teach the match class that a
//     different birth date is typical of one person. The exact and
//     fuzzy levels of the surname and the given name are re-weighted by the
//     value's frequency (ROSSI is weak evidence); the comparisons of one
//     group (organisation, role, province) add only their strongest
//     agreement. A pattern's weight is computed once; the pairs whose
//     pattern cannot reach the lowest threshold in use (link, review,
//     match), even with the rarest values, are not scored one by one, and
//     only the pairs at or above it are kept for the stages below: the
//     candidates are then released.
//  5. Analysts' decisions (decisions.go, [ReadDecisions]): "same" unites two
//     records first, "different" forbids them in one person; they win over
//     the model and over the hard rule. A decided pair that fit did not
//     keep is compared and scored then.
//  6. Clustering (cluster.go): union-find over the pairs at or above
//     MatchThreshold, strongest first, so that a chain's weakest pair is the
//     one refused when a component would hold two different valid tax codes
//     (the hard rule, after de-omocodia) or two rows an analyst said are
//     different. Nothing else vetoes: a birth date a digit or a month off is
//     evidence weighed by the model, like every other comparison.
//  7. Stable ids (ids.go): each component becomes a person, see below.
//  8. Writing (write.go): persons, person_members, enrolments.person_id,
//     person_links, link_model, person_events and link_runs.
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
//
// # Scale
//
// Records and pairs move between DuckDB and Go as Arrow batches when built
// with the duckdb_arrow tag (row by row otherwise), and person_links is
// built by DuckDB from numbers. A candidate pair costs 16 bytes in Go (12,
// and 4 for its pattern number) until fit releases it. BenchmarkLink1M
// links 1,000,000 demo.Synthetic enrolments; see BENCH.md for what was
// measured, stage by stage, in seconds and CPU seconds ([Stats]; the
// blocking stage alone: BenchmarkBlock1M).
package link
