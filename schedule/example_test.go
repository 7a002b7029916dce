package schedule_test

import (
	"fmt"
	"time"

	"github.com/lombardia-orim/correlare/schedule"
)

// A nightly 02:30 run in Rome across both daylight saving Sundays of 2026:
// one run each night, at 03:00 CEST when 02:30 does not exist, once when
// 02:30 happens twice.
func ExampleParse() {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	s, err := schedule.Parse("30 2 * * *", rome)
	if err != nil {
		panic(err)
	}
	for _, from := range []time.Time{
		time.Date(2026, 3, 28, 12, 0, 0, 0, rome),
		time.Date(2026, 10, 24, 12, 0, 0, 0, rome),
	} {
		at := from
		for range 3 {
			at = s.Next(at)
			fmt.Println(at.Format("Mon 2006-01-02 15:04 MST"))
		}
	}
	// Output:
	// Sun 2026-03-29 03:00 CEST
	// Mon 2026-03-30 02:30 CEST
	// Tue 2026-03-31 02:30 CEST
	// Sun 2026-10-25 02:30 CEST
	// Mon 2026-10-26 02:30 CET
	// Tue 2026-10-27 02:30 CET
}
