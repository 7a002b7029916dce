package schedule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts an optional leading seconds field ("*/2 * * * * *" as well
// as "30 2 * * *") and the descriptors (@daily, @hourly, @every 1h, ...).
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// starBit is robfig/cron's marker, in a SpecSchedule field, that the field
// was written "*" (or "?"); cron/v3 keeps it unexported.
const starBit = 1 << 63

// maxSteps bounds the wall-clock candidates Next examines; a seconds-level
// spec across a one-hour fall-back needs about 3,600.
const maxSteps = 200_000

// Schedule is a cron spec bound to a time zone. Next never loses a run to
// the spring-forward gap and runs a named hour once in the autumn (see the
// package documentation). The zero Schedule never fires.
type Schedule struct {
	spec  string
	loc   *time.Location
	wall  *cron.SpecSchedule // matched on wall-clock time, Location UTC
	every cron.Schedule      // "@every d": elapsed time, no wall clock
	// interval is set when the hour field is "*": then both occurrences of
	// a repeated wall time fire.
	interval bool
}

// Parse parses a cron spec with five fields (minute hour day-of-month month
// day-of-week), six (a leading seconds field) or a descriptor (@yearly,
// @monthly, @weekly, @daily, @hourly, @every <duration>), to be evaluated
// in tz. A TZ=/CRON_TZ= prefix is rejected: the zone is tz.
func Parse(spec string, tz *time.Location) (Schedule, error) {
	if tz == nil {
		return Schedule{}, fmt.Errorf("parsing schedule %q: %w", spec, ErrNoLocation)
	}
	trimmed := strings.TrimSpace(spec)
	if strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ=") {
		return Schedule{}, fmt.Errorf("parsing schedule %q: %w", spec, ErrZoneInSpec)
	}
	parsed, err := parser.Parse(trimmed)
	if err != nil {
		return Schedule{}, fmt.Errorf("parsing schedule %q: %w: %w", spec, ErrBadSpec, err)
	}
	s := Schedule{spec: trimmed, loc: tz}
	switch p := parsed.(type) {
	case *cron.SpecSchedule:
		w := *p
		w.Location = time.UTC
		s.wall = &w
		s.interval = w.Hour&starBit != 0
	default: // cron.ConstantDelaySchedule from @every
		s.every = p
	}
	return s, nil
}

// String returns the spec and the zone, e.g. "30 2 * * * (Europe/Rome)".
func (s Schedule) String() string {
	if s.loc == nil {
		return "(none)"
	}
	return s.spec + " (" + s.loc.String() + ")"
}

// Location returns the time zone the schedule is evaluated in.
func (s Schedule) Location() *time.Location { return s.loc }

// Next returns the first run strictly after after, in the schedule's zone,
// or the zero time if there is none within five years.
func (s Schedule) Next(after time.Time) time.Time {
	switch {
	case s.every != nil:
		return s.every.Next(after).In(s.loc)
	case s.wall == nil:
		return time.Time{}
	}
	after = after.In(s.loc)

	// The lowest wall time that can still occur after "after": normally the
	// wall time of after itself, an hour earlier when the clocks go back
	// soon (its second occurrence is then still ahead).
	lo := int64(1<<63 - 1)
	for _, p := range periods(s.loc, after, after.Add(48*time.Hour)) {
		st := after
		if !p.start.IsZero() && p.start.After(after) {
			st = p.start
		}
		lo = min(lo, st.Unix()+int64(p.offset))
	}

	// Walk matching wall times upwards; the earliest instant of a wall time
	// never decreases as the wall time grows, so stop once it passes the
	// best candidate.
	var best time.Time
	w := s.wall.Next(time.Unix(lo-1, 0).UTC())
	for i := 0; !w.IsZero() && i < maxSteps; i++ {
		occ := occurrences(s.loc, w)
		if len(occ) == 0 {
			break // cannot happen: a wall time either exists or is in a gap
		}
		if !best.IsZero() && !occ[0].Before(best) {
			break
		}
		if !s.interval {
			occ = occ[:1]
		}
		for _, t := range occ {
			if t.After(after) && (best.IsZero() || t.Before(best)) {
				best = t
			}
		}
		w = s.wall.Next(w)
	}
	if best.IsZero() {
		return best
	}
	return best.In(s.loc)
}

// period is a span [start, end) of instants with one UTC offset (seconds);
// a zero start or end is unbounded.
type period struct {
	start, end time.Time
	offset     int
}

func (p period) contains(t time.Time) bool {
	return (p.start.IsZero() || !t.Before(p.start)) && (p.end.IsZero() || t.Before(p.end))
}

// periods lists the zone's offset periods covering [from, to].
func periods(loc *time.Location, from, to time.Time) []period {
	var ps []period
	t := from.In(loc)
	for range 64 {
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		ps = append(ps, period{start: start, end: end, offset: off})
		if end.IsZero() || !end.Before(to) {
			break
		}
		t = end.In(loc)
	}
	return ps
}

// occurrences returns the instants whose wall-clock time in loc is w
// (given as a UTC time): one normally, two in a repeated hour (earliest
// first), and for a wall time in a gap the instant of the transition, the
// first one after it.
func occurrences(loc *time.Location, w time.Time) []time.Time {
	u := w.Unix()
	ps := periods(loc, w.Add(-48*time.Hour), w.Add(48*time.Hour))
	var out []time.Time
	for _, p := range ps {
		t := time.Unix(u-int64(p.offset), 0)
		if p.contains(t) {
			out = append(out, t)
		}
	}
	if len(out) > 0 {
		slices.SortFunc(out, time.Time.Compare)
		return slices.CompactFunc(out, time.Time.Equal)
	}
	for i := 1; i < len(ps); i++ {
		tr := ps[i].start
		before := tr.Unix() + int64(ps[i-1].offset) // wall clock reached just before
		after := tr.Unix() + int64(ps[i].offset)    // wall clock jumped to
		if before <= u && u < after {
			return []time.Time{tr}
		}
	}
	return nil
}
