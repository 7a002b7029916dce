package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// module is one course edition.
type module struct {
	code     string
	title    string
	axis     string
	site     string
	edition  int // 1.. among the province's modules with the same title
	hours    float64
	sessions int
	start    time.Time
	end      time.Time
}

// badData marks a row deliberately spoiled the way real sheets are.
type badData int

const (
	badNone        badData = iota
	badNoSurname           // surname cell left empty: loaded, flagged missing_surname
	badEmail               // e-mail without a proper domain
	badHoursH              // hours typed "12h"
	badHoursComma          // hours typed "12,5" as text
	badSatFraction         // satisfaction typed "4/5"
)

// application is one application row.
type application struct {
	p        *person
	m        *module
	status   string  // canon.Status*
	hours    float64 // attended, when hasHours
	hasHours bool
	sat      int // 1..5, 0 = blank
	applied  time.Time
	bad      badData
	note     string

	// Placement and noise, set before rendering.
	file  string
	sheet string
	row   int
	occ   int  // 0 for the person's first row in output order
	multi bool // the person has more than one row overall
}

// provincePlan is what one province's files will contain.
type provincePlan struct {
	info    *provinceInfo
	modules []*module
	apps    []*application
}

// satWeights give an average satisfaction of about 3.6 on the 1–5 scale.
var satWeights = []int{3, 9, 27, 43, 18}

func drawSatisfaction(r *rand.Rand, blankPct int) int {
	if r.IntN(100) < blankPct {
		return 0
	}
	return 1 + pickWeighted(r, satWeights)
}

// sizes of the non-Cremona provinces: applications and modules.
var provinceSizes = map[string]struct{ apps, modules int }{
	"MB": {220, 10},
	"BG": {240, 12},
	"CO": {150, 8},
	"LC": {90, 6},
	"LO": {70, 5},
	"MN": {120, 8},
	"MI": {300, 14},
	"VA": {160, 9},
}

// planProvince plans an ordinary province: its modules and applications.
// shared holds people of provinces planned earlier, some of whom enrol here too.
func planProvince(pop *population, r *rand.Rand, pi *provinceInfo, shared []*person) *provincePlan {
	size := provinceSizes[pi.code]
	pl := &provincePlan{info: pi}
	editions := map[string]int{}
	for i := 0; i < size.modules; i++ {
		ct := pick(r, courseTitles)
		editions[ct.title]++
		hours := float64([]int{12, 16, 16, 20, 24}[r.IntN(5)])
		sessions := int(hours) / 4
		if r.IntN(3) == 0 {
			sessions = int(hours) / 6
		}
		// Modules spread over the year; BG's second half falls in the second semester.
		month := 1 + i*11/size.modules
		start := time.Date(2013, time.Month(month), 1+r.IntN(25), 0, 0, 0, 0, time.UTC)
		pl.modules = append(pl.modules, &module{
			code:     moduleCode(pi.code, i+1),
			title:    ct.title,
			axis:     ct.axis,
			site:     pick(r, pi.sites),
			edition:  editions[ct.title],
			hours:    hours,
			sessions: sessions,
			start:    start,
			end:      start.AddDate(0, 0, 7*(sessions-1)),
		})
	}

	var local []*person
	for len(pl.apps) < size.apps {
		k := 1 + pickWeighted(r, []int{75, 18, 6, 1})
		k = min(k, size.apps-len(pl.apps), len(pl.modules))
		var p *person
		switch {
		case len(shared) > 0 && r.IntN(100) < 4:
			p = shared[r.IntN(len(shared))]
			if slices.Contains(local, p) {
				continue
			}
		case len(local) > 10 && r.IntN(100) < 2:
			p = pop.twin(pick(r, local), pi)
		default:
			p = pop.newPerson(pi, r.IntN(100) < 86)
		}
		local = append(local, p)
		mods := slices.Clone(pl.modules)
		r.Shuffle(len(mods), func(i, j int) { mods[i], mods[j] = mods[j], mods[i] })
		for _, m := range mods[:k] {
			a := &application{p: p, m: m}
			switch n := r.IntN(100); {
			case n < 76:
				a.status = canon.StatusAccepted
				f := []float64{1, 1, 0.75, 0.75, 0.5}[r.IntN(5)]
				if r.IntN(4) == 0 {
					f = 0.5 + r.Float64()/2
				}
				a.hours, a.hasHours = float64(int(m.hours*f*2+0.5))/2, true
				a.sat = drawSatisfaction(r, 15)
			case n < 91:
				a.status = canon.StatusNotAccepted
			default:
				a.status = canon.StatusWithdrawn
			}
			a.applied = m.start.AddDate(0, 0, -5-r.IntN(40))
			if r.IntN(100) < 6 {
				a.note = pick(r, notes)
			}
			pl.apps = append(pl.apps, a)
		}
	}
	sortApps(pl)
	spoil(r, pl)
	return pl
}

// notes are what people write in a "Note" column.
var notes = []string{
	"già iscritta ad altro modulo", "richiede attestato", "in lista d'attesa",
	"trasferita dalla 1a edizione", "sollecitare conferma", "posti esauriti",
	"part-time, solo mattina", "autorizzazione del dirigente da allegare",
}

func moduleCode(sigla string, n int) string {
	switch sigla {
	case "VA":
		return fmt.Sprintf("VA/2013/%02d", n)
	case "MB", "MI":
		return fmt.Sprintf("%s-%02d", sigla, n)
	default:
		return fmt.Sprintf("%s%02d", sigla, n)
	}
}

// sortApps orders a province's rows by module, then by application date.
func sortApps(pl *provincePlan) {
	idx := make(map[*module]int, len(pl.modules))
	for i, m := range pl.modules {
		idx[m] = i
	}
	slices.SortStableFunc(pl.apps, func(a, b *application) int {
		return cmp.Or(cmp.Compare(idx[a.m], idx[b.m]), a.applied.Compare(b.applied))
	})
}

// spoils says which ordinary bad data each province's sheets contain.
var spoils = map[string][]badData{
	"MB": {badNoSurname, badSatFraction, badEmail},
	"BG": {badEmail, badHoursComma},
	"CO": {badEmail},
	"LC": {badHoursH, badSatFraction},
	"LO": {badHoursComma, badEmail},
	"MI": {badNoSurname, badHoursH, badHoursH, badEmail, badSatFraction},
	"MN": {badHoursH},
	"VA": {badNoSurname, badSatFraction, badHoursComma},
}

// spoil marks a few rows of a province with ordinary bad data.
func spoil(r *rand.Rand, pl *provincePlan) {
	for _, b := range spoils[pl.info.code] {
		for {
			a := pl.apps[r.IntN(len(pl.apps))]
			if a.bad != badNone {
				continue
			}
			switch b {
			case badHoursH, badHoursComma, badSatFraction:
				if a.status != canon.StatusAccepted || (b == badSatFraction && a.sat == 0) {
					continue
				}
			case badEmail:
				if a.p.email == "" {
					continue
				}
			}
			if b == badHoursComma {
				a.hours = float64(int(a.hours)) + 0.5
				if a.hours > a.m.hours {
					a.hours--
				}
			}
			a.bad = b
			break
		}
	}
}
