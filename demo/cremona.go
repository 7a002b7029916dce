package demo

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// The Cremona figures of domain.md, January–June 2013.
const (
	crApplications  = 437
	crNotAccepted   = 84
	crWithdrawn     = 39
	crAccepted      = 314
	crMaleAccepted  = 44
	crParticipants  = 246
	crRepeaters     = 52
	crModuleHours   = 16
	crMeanHours     = 12
	crSessionsTotal = 45
)

// crRepeats says how many participants take 2, 3 and 4 modules:
// 40×2 + 8×3 + 4×4 = 120 rows for 52 people.
var crRepeats = []struct{ people, modules int }{{40, 2}, {8, 3}, {4, 4}}

const (
	titleCertificazione = "Certificazione delle competenze: metodologie e pratiche di validazione"
	titleLavoratori     = "Lavoratori stranieri e procedure di ingresso: l'impatto della legislazione sui servizi al lavoro"
	titleFamiglia       = "Immigrazione formato famiglia"
	titleViolenza       = "La violenza sulle donne in un'ottica interculturale"
	titleSalute         = "Salute e immigrazione"
	titleServizi        = "I servizi territoriali: la presa in carico di utenti stranieri"
	titleConciliazione  = "Donne straniere e conciliazione vita-lavoro"
	titleAccesso        = "L'accesso ai servizi di utenti stranieri: acquisire competenza interculturale, una qualificazione essenziale nella società multiculturale"
)

// cremonaModules: Cremona 7, Crema 2, Casalmaggiore 3; axes I 1, II 1, IV 10;
// 3×3 + 9×4 = 45 sessions.
var cremonaModules = []struct {
	title, axis, site string
	sessions          int
	popularity        int // relative demand, for the rejected applications
}{
	{titleCertificazione, "I", "Cremona", 3, 2},
	{titleFamiglia, "IV", "Cremona", 4, 3},
	{titleViolenza, "IV", "Cremona", 4, 5},
	{titleLavoratori, "II", "Cremona", 3, 2},
	{titleFamiglia, "IV", "Crema", 4, 3},
	{titleViolenza, "IV", "Crema", 4, 5},
	{titleSalute, "IV", "Cremona", 4, 3},
	{titleServizi, "IV", "Cremona", 4, 2},
	{titleFamiglia, "IV", "Casalmaggiore", 4, 2},
	{titleViolenza, "IV", "Casalmaggiore", 4, 4},
	{titleConciliazione, "IV", "Casalmaggiore", 3, 3},
	{titleAccesso, "IV", "Cremona", 4, 2},
}

var errInfeasible = errors.New("cannot place participants in modules")

// planCremona plans Cremona's figures exactly.
func planCremona(pop *population, r *rand.Rand, pi *provinceInfo) (*provincePlan, error) {
	pl := &provincePlan{info: pi}
	editions := map[string]int{}
	for i, cm := range cremonaModules {
		editions[cm.title]++
		start := time.Date(2013, time.January, 15, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 13*i)
		pl.modules = append(pl.modules, &module{
			code:     fmt.Sprintf("CR%02d", i+1),
			title:    cm.title,
			axis:     cm.axis,
			site:     cm.site,
			edition:  editions[cm.title],
			hours:    crModuleHours,
			sessions: cm.sessions,
			start:    start,
			end:      start.AddDate(0, 0, 7*(cm.sessions-1)),
		})
	}

	// How many accepted rows each participant has.
	var ks []int
	for _, rp := range crRepeats {
		for range rp.people {
			ks = append(ks, rp.modules)
		}
	}
	for len(ks) < crParticipants {
		ks = append(ks, 1)
	}
	r.Shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })

	// Sex: exactly 44 accepted rows by men, spread over single and repeat participants.
	male := make([]bool, len(ks))
	mrows := 0
	for i, k := range ks {
		if mrows+k <= crMaleAccepted && r.IntN(100) < 15 {
			male[i] = true
			mrows += k
		}
	}
	for i := 0; mrows < crMaleAccepted; i++ {
		if !male[i] && ks[i] == 1 {
			male[i] = true
			mrows++
		}
	}

	people := make([]*person, len(ks))
	for i := range ks {
		people[i] = pop.newPerson(pi, !male[i])
	}
	// A few homonyms: different women called the same, one pair of them "Rossi Maria".
	var singlesF []int
	for i, k := range ks {
		if k == 1 && !male[i] {
			singlesF = append(singlesF, i)
		}
	}
	pop.rename(people[singlesF[0]], "Rossi", "Maria")
	for h := 0; h < 3; h++ {
		people[singlesF[2*h+1]] = pop.twin(people[singlesF[2*h]], pi)
	}

	// Accepted rows per module: about 26 each, summing to 314.
	quota := make([]int, len(pl.modules))
	for i := range quota {
		quota[i] = crAccepted / len(quota)
	}
	for i := 0; i < crAccepted%len(quota); i++ {
		quota[r.IntN(len(quota))]++
	}
	for range 60 {
		from, to := r.IntN(len(quota)), r.IntN(len(quota))
		if quota[from] > 20 && quota[to] < 33 {
			quota[from]--
			quota[to]++
		}
	}

	// Place people with the most modules first, each in the modules with the
	// most places left: no one twice in the same edition.
	order := make([]int, len(ks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ks[b], ks[a]) })
	taken := map[*person]map[*module]bool{}
	for _, i := range order {
		p := people[i]
		mods := make([]int, len(pl.modules))
		for j := range mods {
			mods[j] = j
		}
		r.Shuffle(len(mods), func(a, b int) { mods[a], mods[b] = mods[b], mods[a] })
		slices.SortStableFunc(mods, func(a, b int) int { return cmp.Compare(quota[b], quota[a]) })
		taken[p] = map[*module]bool{}
		for _, j := range mods[:ks[i]] {
			if quota[j] == 0 {
				return nil, errInfeasible
			}
			quota[j]--
			m := pl.modules[j]
			taken[p][m] = true
			pl.apps = append(pl.apps, &application{
				p: p, m: m, status: canon.StatusAccepted,
				applied: m.start.AddDate(0, 0, -7-r.IntN(30)),
			})
		}
	}

	// Attendance: integers drawn around 12, nudged to an exact mean of 12,
	// then a few half hours moved between rows.
	acc := slices.Clone(pl.apps)
	sum := 0.0
	for _, a := range acc {
		a.hours = float64([]int{16, 16, 16, 12, 12, 12, 14, 14, 10, 8, 8, 6, 4}[r.IntN(13)])
		a.hasHours = true
		a.sat = drawSatisfaction(r, 10)
		sum += a.hours
	}
	target := float64(crMeanHours * crAccepted)
	for sum != target {
		a := acc[r.IntN(len(acc))]
		switch {
		case sum < target && a.hours < crModuleHours:
			a.hours++
			sum++
		case sum > target && a.hours > 4:
			a.hours--
			sum--
		}
	}
	for range 25 {
		a, b := acc[r.IntN(len(acc))], acc[r.IntN(len(acc))]
		if a != b && a.hours < crModuleHours && b.hours > 4 {
			a.hours += 0.5
			b.hours -= 0.5
		}
	}

	// Rejected and withdrawn applications: some from participants (for other
	// modules), most from people who never took part.
	weights := make([]int, len(cremonaModules))
	for i, cm := range cremonaModules {
		weights[i] = cm.popularity
	}
	var applicants []*person
	statuses := make([]string, 0, crNotAccepted+crWithdrawn)
	for range crNotAccepted {
		statuses = append(statuses, canon.StatusNotAccepted)
	}
	for range crWithdrawn {
		statuses = append(statuses, canon.StatusWithdrawn)
	}
	r.Shuffle(len(statuses), func(i, j int) { statuses[i], statuses[j] = statuses[j], statuses[i] })
	for _, st := range statuses {
		var p *person
		switch n := r.IntN(100); {
		case n < 28:
			p = people[r.IntN(len(people))]
		case n < 38 && len(applicants) > 0:
			p = applicants[r.IntN(len(applicants))]
		default:
			p = pop.newPerson(pi, r.IntN(100) < 86)
			applicants = append(applicants, p)
			taken[p] = map[*module]bool{}
		}
		var m *module
		for m == nil || taken[p][m] {
			m = pl.modules[pickWeighted(r, weights)]
		}
		taken[p][m] = true
		pl.apps = append(pl.apps, &application{
			p: p, m: m, status: st,
			applied: m.start.AddDate(0, 0, -7-r.IntN(30)),
		})
	}
	sortApps(pl)
	return pl, nil
}

// rename gives p another name, recomputing its tax code and contacts.
func (pop *population) rename(p *person, surname, given string) {
	delete(pop.codes, p.taxCode)
	p.surname, p.given, p.foreign = surname, given, false
	if p.place.code[0] == 'Z' {
		p.place = plCremona
	}
	pop.assign(p)
}
