// Package demo generates correlare's deterministic demonstration data: the
// nine partner provinces' hand-made enrolment workbooks, each laid out in its
// own way and typed with the habits of real people, plus a truth file that
// labels every application row with the person behind it.
//
// Cremona's workbook reproduces the figures of the project's slides exactly
// (437 applications, 314 participations by 246 people, 12 modules, 45
// sessions…), so the pipeline's reports can be checked against them.
//
// With [NoiseIndep], [Generate] writes another labelled set instead: other
// people in six provinces, typed by a second noise model that shares none of
// the first one's assumptions (indep.go, noise_indep.go), to score the
// linkage on data it was not designed around.
//
// [Generate] writes the workbooks, [Large] one big workbook for benchmarks,
// and [Synthetic] a million canonical rows in memory for the linkage
// benchmark. The same seed always gives the same bytes.
package demo
