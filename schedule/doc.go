// Package schedule runs the nightly pipeline unattended: it computes the
// next run from a cron spec in a given time zone without losing or doubling
// a night across daylight saving changes, runs one job at a time with
// overlap skipping, panic recovery and a shutdown grace period, and exposes
// the outcome of the last run on /metrics (Prometheus) and /healthz.
//
// # Why a wrapper around robfig/cron/v3 and not go-co-op/gocron/v2
//
// Both parse the spec with robfig/cron/v3; the difference is how the next
// run is computed around daylight saving changes. robfig/cron walks the
// calendar in the zone of the schedule, so "30 2 * * *" in Europe/Rome
// never fires on the last Sunday of March (02:30 does not exist; the fix,
// robfig/cron#541, was never merged) and fires twice on the last Sunday of
// October (02:30 CEST and 02:30 CET). gocron v2.21.2 patches the result of
// robfig's Next: its opt-in DaylightSavingsTimeRunAfterTransition policy
// looks for a lost day only among the days after the previous run's day, so
// a scheduler started (or restarted) on the spring Sunday between midnight
// and 02:00 still loses that night. We checked v2.21.2 with a fake clock:
// started 2026-03-29 01:00 CET its next runs are 03-30 and 03-31; started
// the day before, it fires at 03:30 CEST (the wall time shifted by the
// hour) rather than at the transition. It also
// brings its own executor, a clock library and a UUID library for what is
// here a single job.
//
// This package therefore evaluates the cron spec on wall-clock time (the
// civil date and time as if the zone had no offset changes, where robfig's
// calendar walk is exact) and maps each matching wall time back to an
// instant in the zone:
//
//   - a wall time that does not exist (the spring-forward gap) fires at
//     the transition, i.e. 03:00 CEST for 02:30 in Rome, and several gap
//     times collapse into that one run;
//   - a wall time that exists twice (the autumn repeated hour) fires once,
//     at its first occurrence, when the spec names its hours; when the hour
//     field is "*" (hourly, every-n-minutes, seconds-level specs) the
//     schedule is an interval and fires at both occurrences, as ISC/Vixie
//     cron does for jobs that run more often than hourly;
//   - "@every d" schedules measure elapsed time and are unaffected.
//
// The run loop (Run) is ours as well, since its guarantees are the point
// of the package: one run at a time (a firing while a run is going is
// skipped and logged), a panic becomes the run's error with the stack in
// the log, and on cancellation no new run starts while the current one
// gets Options.Grace before its own context is cancelled.
//
// # /healthz
//
// /healthz answers 200 with {"status":"ok", ...} and the last run's
// status, times and stale provinces as JSON, and 503 with "status":
// "failing" when the last run failed (nothing new was published), so a
// plain HTTP check without Prometheus still alerts on a failed night. A
// partial run answers 200: the other provinces were published and the
// stale ones are listed in the body and in correlare_province_stale. Since
// a restart does not repair a failed run, do not use /healthz as a
// liveness probe that restarts the process.
package schedule
