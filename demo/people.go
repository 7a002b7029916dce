package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// person is one true individual behind the application rows.
type person struct {
	id           string // truth label, "P000123"
	surname      string // canonical spelling: "D'Angelo", "El Amrani"
	given        string
	female       bool
	birth        time.Time
	place        place
	taxCode      string
	email        string // "" when the person gives none
	phone        string // digits only, "" when none
	municipality string
	org          org
	role         string
	foreign      bool
	home         string // sigla of the province where the person works
	occ          int    // rows rendered so far (synthetic generator)
}

// population creates people with unique tax codes (resolving omocodia as the
// tax office does).
type population struct {
	r      *rand.Rand
	codes  map[string]bool
	nextID int
	sur    func(r *rand.Rand, o *origin) string // surname picker; nil: from the origin's pool
}

func newPopulation(r *rand.Rand) *population {
	return &population{r: r, codes: make(map[string]bool)}
}

// pickOrigin draws an origin by weight.
func pickOrigin(r *rand.Rand) *origin {
	total := 0
	for i := range origins {
		total += origins[i].weight
	}
	n := r.IntN(total)
	for i := range origins {
		n -= origins[i].weight
		if n < 0 {
			return &origins[i]
		}
	}
	return &origins[0]
}

func pick[T any](r *rand.Rand, l []T) T { return l[r.IntN(len(l))] }

func pickWeighted(r *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		n -= x
		if n < 0 {
			return i
		}
	}
	return len(w) - 1
}

// newPerson creates a person who lives and works in province pi.
func (pop *population) newPerson(pi *provinceInfo, female bool) *person {
	r := pop.r
	o := pickOrigin(r)
	p := &person{female: female, foreign: o.key != "it", home: pi.code}
	if pop.sur != nil {
		p.surname = pop.sur(r, o)
	} else {
		p.surname = pick(r, o.surnames)
	}
	if female {
		p.given = pick(r, o.female)
	} else {
		p.given = pick(r, o.male)
	}
	year := 1951 + r.IntN(38)
	p.birth = time.Date(year, time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
	p.birth = p.birth.AddDate(0, 0, r.IntN(daysIn(p.birth)))
	switch {
	case p.foreign:
		p.place = pick(r, o.places)
	case r.IntN(100) < 15:
		p.place = pick(r, southernPlaces)
	case r.IntN(100) < 55:
		p.place = pi.capital
	default:
		p.place = pick(r, pi.towns)
	}
	if r.IntN(100) < 60 {
		p.municipality = pi.capital.name
	} else {
		p.municipality = pick(r, pi.towns).name
	}
	p.org = pick(r, pi.orgs)
	ri := pickWeighted(r, roleWeights[p.org.kind])
	if p.foreign && p.org.kind != kindPolice && r.IntN(100) < 40 {
		ri = 2 // cultural mediators are often of immigrant origin
	}
	if female {
		p.role = roles[ri].f
	} else {
		p.role = roles[ri].m
	}
	pop.nextID++
	p.id = fmt.Sprintf("P%06d", pop.nextID)
	pop.assign(p)
	return p
}

// twin creates a different person with the same name as p (homonym).
func (pop *population) twin(p *person, pi *provinceInfo) *person {
	q := pop.newPerson(pi, p.female)
	q.surname, q.given, q.foreign = p.surname, p.given, p.foreign
	switch {
	case p.foreign:
		q.place = p.place
	case q.place.code[0] == 'Z':
		q.place = pi.capital
	}
	for q.birth.Year() == p.birth.Year() {
		q.birth = q.birth.AddDate(1+pop.r.IntN(9), 0, 0)
	}
	delete(pop.codes, q.taxCode)
	pop.assign(q)
	return q
}

// assign gives p its tax code and contacts.
func (pop *population) assign(p *person) {
	r := pop.r
	code := taxCode(p.surname, p.given, p.female, p.birth, p.place.code)
	for lvl := 1; pop.codes[code]; lvl++ {
		code = omocode(code, lvl)
	}
	pop.codes[code] = true
	p.taxCode = code
	p.email, p.phone = "", ""
	if r.IntN(100) < 65 {
		g := strings.ToLower(foldName(p.given))
		s := strings.ToLower(foldName(p.surname))
		switch r.IntN(4) {
		case 0, 1:
			p.email = g + "." + s + "@" + p.org.domain
		case 2:
			p.email = g[:1] + s + "@" + pick(r, mailProviders)
		default:
			p.email = fmt.Sprintf("%s.%s%02d@%s", s, g, p.birth.Year()%100, pick(r, mailProviders))
		}
	}
	if r.IntN(100) < 55 {
		p.phone = fmt.Sprintf("3%d%d%07d", 2+r.IntN(8), r.IntN(10), r.IntN(10000000))
	}
}

func daysIn(month time.Time) int {
	return month.AddDate(0, 1, -1).Day()
}
