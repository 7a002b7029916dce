package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("loading zone %s: %v", name, err)
	}
	return loc
}

// runsBetween iterates Next from from (exclusive) while the result is
// before to, and formats each run as RFC 3339 in the schedule's zone.
func runsBetween(t *testing.T, s Schedule, from, to time.Time) []string {
	t.Helper()
	var out []string
	for at := s.Next(from); !at.IsZero() && at.Before(to); at = s.Next(at) {
		out = append(out, at.Format(time.RFC3339))
		if len(out) > 1000 {
			t.Fatal("runaway schedule")
		}
	}
	return out
}

func TestNextAcrossDaylightSaving(t *testing.T) {
	rome := mustLoad(t, "Europe/Rome")
	santiago := mustLoad(t, "America/Santiago")
	day := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	tests := []struct {
		name     string
		spec     string
		loc      *time.Location
		from, to time.Time
		want     []string
	}{
		{
			name: "normal week", spec: "30 2 * * *", loc: rome,
			from: day(rome, 2026, 6, 10, 0, 0), to: day(rome, 2026, 6, 13, 0, 0),
			want: []string{"2026-06-10T02:30:00+02:00", "2026-06-11T02:30:00+02:00", "2026-06-12T02:30:00+02:00"},
		},
		{
			name: "spring forward: 02:30 on the gap Sunday runs at 03:00 CEST", spec: "30 2 * * *", loc: rome,
			from: day(rome, 2026, 3, 27, 0, 0), to: day(rome, 2026, 4, 1, 0, 0),
			want: []string{
				"2026-03-27T02:30:00+01:00",
				"2026-03-28T02:30:00+01:00",
				"2026-03-29T03:00:00+02:00",
				"2026-03-30T02:30:00+02:00",
				"2026-03-31T02:30:00+02:00",
			},
		},
		{
			name: "fall back: 02:30 on the repeated-hour Sunday runs once", spec: "30 2 * * *", loc: rome,
			from: day(rome, 2026, 10, 23, 0, 0), to: day(rome, 2026, 10, 28, 0, 0),
			want: []string{
				"2026-10-23T02:30:00+02:00",
				"2026-10-24T02:30:00+02:00",
				"2026-10-25T02:30:00+02:00",
				"2026-10-26T02:30:00+01:00",
				"2026-10-27T02:30:00+01:00",
			},
		},
		{
			name: "several gap times collapse into one run", spec: "*/20 2 * * *", loc: rome,
			from: day(rome, 2026, 3, 29, 0, 0), to: day(rome, 2026, 3, 30, 0, 0),
			want: []string{"2026-03-29T03:00:00+02:00"},
		},
		{
			name: "named hour in the repeated hour fires on the first pass only", spec: "*/20 2 * * *", loc: rome,
			from: day(rome, 2026, 10, 25, 0, 0), to: day(rome, 2026, 10, 26, 0, 0),
			want: []string{"2026-10-25T02:00:00+02:00", "2026-10-25T02:20:00+02:00", "2026-10-25T02:40:00+02:00"},
		},
		{
			name: "hourly spec runs in both passes of the repeated hour", spec: "0 * * * *", loc: rome,
			from: day(rome, 2026, 10, 25, 1, 30), to: day(rome, 2026, 10, 25, 4, 30),
			want: []string{
				"2026-10-25T02:00:00+02:00",
				"2026-10-25T02:00:00+01:00",
				"2026-10-25T03:00:00+01:00",
				"2026-10-25T04:00:00+01:00",
			},
		},
		{
			name: "hourly spec across the gap", spec: "@hourly", loc: rome,
			from: day(rome, 2026, 3, 29, 0, 30), to: day(rome, 2026, 3, 29, 4, 30),
			want: []string{"2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"},
		},
		{
			name: "@every measures elapsed time", spec: "@every 1h", loc: rome,
			from: day(rome, 2026, 10, 25, 1, 30), to: day(rome, 2026, 10, 25, 3, 31),
			want: []string{
				"2026-10-25T02:30:00+02:00",
				"2026-10-25T02:30:00+01:00",
				"2026-10-25T03:30:00+01:00",
			},
		},
		{
			name: "seconds field", spec: "*/2 * * * * *", loc: rome,
			from: day(rome, 2026, 6, 10, 12, 0), to: day(rome, 2026, 6, 10, 12, 0).Add(7 * time.Second),
			want: []string{"2026-06-10T12:00:02+02:00", "2026-06-10T12:00:04+02:00", "2026-06-10T12:00:06+02:00"},
		},
		{
			name: "seconds field across the gap", spec: "*/30 * * * * *", loc: rome,
			from: day(rome, 2026, 3, 29, 1, 59), to: day(rome, 2026, 3, 29, 3, 1),
			want: []string{"2026-03-29T01:59:30+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:00:30+02:00"},
		},
		{
			name: "midnight does not exist: @daily runs at 01:00", spec: "@daily", loc: santiago,
			from: day(santiago, 2026, 9, 5, 12, 0), to: day(santiago, 2026, 9, 7, 12, 0),
			want: []string{"2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"},
		},
		{
			name: "weekly Sunday spec on the gap Sunday", spec: "30 2 * * SUN", loc: rome,
			from: day(rome, 2026, 3, 20, 0, 0), to: day(rome, 2026, 4, 6, 0, 0),
			want: []string{"2026-03-22T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-04-05T02:30:00+02:00"},
		},
		{
			name: "UTC has no transitions", spec: "30 2 * * *", loc: time.UTC,
			from: time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), to: time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC),
			want: []string{"2026-03-29T02:30:00Z", "2026-03-30T02:30:00Z"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.spec, tc.loc)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.spec, err)
			}
			got := runsBetween(t, s, tc.from, tc.to)
			if len(got) != len(tc.want) {
				t.Fatalf("runs between %s and %s:\n got %q\nwant %q", tc.from, tc.to, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("run %d = %s, want %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestNextFromInsideTransitions starts the computation at awkward instants,
// as a scheduler (re)started during the night would.
func TestNextFromInsideTransitions(t *testing.T) {
	rome := mustLoad(t, "Europe/Rome")
	nightly, err := Parse("30 2 * * *", rome)
	if err != nil {
		t.Fatal(err)
	}
	cest := time.FixedZone("CEST", 2*3600)
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name  string
		after time.Time
		want  string
	}{
		{"started just before the spring gap", time.Date(2026, 3, 29, 1, 59, 59, 0, cet), "2026-03-29T03:00:00+02:00"},
		{"started at the spring transition", time.Date(2026, 3, 29, 3, 0, 0, 0, cest), "2026-03-30T02:30:00+02:00"},
		{"started in the first pass before 02:30", time.Date(2026, 10, 25, 2, 10, 0, 0, cest), "2026-10-25T02:30:00+02:00"},
		{"started at the first 02:30", time.Date(2026, 10, 25, 2, 30, 0, 0, cest), "2026-10-26T02:30:00+01:00"},
		{"started in the second pass before 02:30", time.Date(2026, 10, 25, 2, 10, 0, 0, cet), "2026-10-26T02:30:00+01:00"},
		{"nanoseconds before a run", time.Date(2026, 6, 10, 2, 29, 59, 999_999_999, rome), "2026-06-10T02:30:00+02:00"},
		{"another zone's time: 01:00Z is 03:00 CEST", time.Date(2026, 6, 10, 1, 0, 0, 0, time.UTC), "2026-06-11T02:30:00+02:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nightly.Next(tc.after).Format(time.RFC3339); got != tc.want {
				t.Errorf("Next(%s) = %s, want %s", tc.after.Format(time.RFC3339Nano), got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	rome := mustLoad(t, "Europe/Rome")
	tests := []struct {
		name string
		spec string
		loc  *time.Location
		want error
	}{
		{"too few fields", "30 2 *", rome, ErrBadSpec},
		{"hour out of range", "30 25 * * *", rome, ErrBadSpec},
		{"unknown descriptor", "@nightly", rome, ErrBadSpec},
		{"empty", "", rome, ErrBadSpec},
		{"zone prefix", "CRON_TZ=Europe/Rome 30 2 * * *", rome, ErrZoneInSpec},
		{"TZ prefix", "TZ=UTC 30 2 * * *", rome, ErrZoneInSpec},
		{"no zone", "30 2 * * *", nil, ErrNoLocation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.spec, tc.loc)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.spec, err, tc.want)
			}
		})
	}
}

func TestZeroScheduleNeverFires(t *testing.T) {
	var s Schedule
	if got := s.Next(time.Now()); !got.IsZero() {
		t.Errorf("zero Schedule Next = %v, want zero", got)
	}
	never, err := Parse("0 0 30 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := never.Next(time.Now()); !got.IsZero() {
		t.Errorf("30 February Next = %v, want zero", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"30 2 * * *", "*/2 * * * * *", "@daily", "@every 1h", "@every 1ms", "0 0 30 2 *",
		"0 */15 1-3 * * MON-FRI", "5 4 L * *", "? ? ? ? ?", "0 0 1 1 *", "1-59/7 2 * 3,10 SUN",
		"CRON_TZ=UTC 0 0 * * *", "@every -5s", "60 * * * *",
	} {
		f.Add(s)
	}
	rome := mustLoad(f, "Europe/Rome")
	starts := []time.Time{
		time.Date(2026, 3, 29, 1, 59, 0, 0, rome),
		time.Date(2026, 10, 25, 2, 15, 0, 0, time.FixedZone("CEST", 2*3600)),
		time.Date(2026, 10, 25, 2, 15, 0, 0, time.FixedZone("CET", 3600)),
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec, rome)
		if err != nil {
			return
		}
		for _, from := range starts {
			at := from
			for range 3 {
				next := s.Next(at)
				if next.IsZero() {
					break
				}
				if !next.After(at) {
					t.Fatalf("%q: Next(%s) = %s, not after", spec, at, next)
				}
				at = next
			}
		}
	})
}

// TestNextMatchesCronAwayFromTransitions checks that, in weeks without an
// offset change, Next is exactly robfig/cron's Next in the zone.
func TestNextMatchesCronAwayFromTransitions(t *testing.T) {
	rome := mustLoad(t, "Europe/Rome")
	specs := []string{
		"30 2 * * *", "*/7 * * * *", "0 0 * * MON", "15 3,15 1-10 * *", "*/13 * * * * *",
		"@hourly", "@daily", "@weekly", "0 30 2 * * SUN", "5 4 * 6 0",
	}
	parser := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for _, spec := range specs {
		t.Run(spec, func(t *testing.T) {
			ours, err := Parse(spec, rome)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := parser.Parse("CRON_TZ=Europe/Rome " + spec)
			if err != nil {
				t.Fatal(err)
			}
			// 1 to 28 June 2026, stepping 97 minutes 13 seconds from odd instants.
			end := time.Date(2026, 6, 28, 0, 0, 0, 0, rome)
			for at := time.Date(2026, 6, 1, 0, 0, 0, 123, rome); at.Before(end); at = at.Add(97*time.Minute + 13*time.Second) {
				got, want := ours.Next(at), theirs.Next(at)
				if !got.Equal(want) {
					t.Fatalf("Next(%s) = %s, robfig/cron says %s", at, got, want)
				}
			}
		})
	}
}
