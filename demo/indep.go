package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// The independent set (NoiseIndep) is a second labelled set whose people and
// typing owe nothing to the first model's assumptions: names are drawn by
// frequency (common names collide), people live in households whose members
// share a surname, a town, a landline and sometimes an e-mail address, a few
// people enrol eight to fifteen times, and every row is typed independently
// (no clean first row), mostly without a tax code. It is written with the
// first model's layouts for six provinces.

// streamIndep is the random stream of the independent set.
const streamIndep = 0x696e6470

// indepProvinces are the provinces of the independent set, with the weight
// of each as a home province; their layouts are those of layoutsFor.
var indepProvinces = []struct {
	code   string
	weight int
}{
	{"MB", 18}, {"BG", 20}, {"CO", 13}, {"MN", 13}, {"MI", 26}, {"LO", 10},
}

// indepPersons is the number of people of the independent set.
const indepPersons = 1100

// indepEnrolments are the weights of 1..15 enrolments per person: most
// people enrol once, one in twelve eight times or more.
var indepEnrolments = []int{440, 190, 110, 70, 50, 30, 20, 15, 15, 12, 10, 10, 8, 6, 5}

// household kinds.
const (
	hhSingle = iota
	hhCouple
	hhSiblings
	hhParentChild
	hhHomonym
)

// indepPerson is a person of the independent set with what the typing needs
// beyond the person record.
type indepPerson struct {
	p         *person
	origin    *indepOrigin
	sur, giv  wname        // canonical names with their other spellings
	household int          // people of the same household share this number (0: alone)
	kind      int          // hh* of the household
	landline  string       // shared with the household, "" for none
	usual     string       // the short form the person goes by ("Peppe"), "" for none
	husband   *indepPerson // a married woman's husband, whose surname she sometimes adds
	org2      *org         // the employer after a move, nil for none
	moved     time.Time    // modules starting from this day are typed with org2
	enrol     int          // enrolments
}

// indepSet is the whole independent set before it is written.
type indepSet struct {
	people []*indepPerson
	byP    map[*person]*indepPerson
	plans  []*provincePlan
	files  []*placedFile
	rows   [][][]cell       // per file, per row
	kinds  [][]noiseKindSet // per file, per row: the noise the typing applied
}

// buildIndep makes the independent set for seed: people, plans, placement
// and the typed cells. Deterministic for a seed.
func buildIndep(seed int64) *indepSet {
	r := rand.New(rand.NewPCG(uint64(seed), streamIndep))
	s := &indepSet{byP: map[*person]*indepPerson{}}
	infos := map[string]*provinceInfo{}
	for i := range partners {
		infos[partners[i].code] = &partners[i]
	}
	pg := &indepPeople{r: r, codes: map[string]bool{}, infos: infos}
	for len(pg.people) < indepPersons {
		pg.household()
	}
	s.people = pg.people
	for _, ip := range s.people {
		s.byP[ip.p] = ip
		// Some people go by a short form and give it on most rows.
		if nick := nicknames[ip.giv.name]; len(nick) > 0 && r.Float64() < indepRates.usualNick {
			ip.usual = pick(r, nick)
		}
		// Some repeaters change employer during the year.
		if ip.enrol >= 3 && r.Float64() < indepRates.moved {
			orgs := infos[ip.p.home].orgs
			o := orgs[r.IntN(len(orgs))]
			for o.name == ip.p.org.name {
				o = orgs[r.IntN(len(orgs))]
			}
			ip.org2 = &o
			ip.moved = time.Date(2014, time.Month(3+r.IntN(8)), 1, 0, 0, 0, 0, time.UTC)
		}
	}

	// Modules of each province.
	byCode := map[string]*provincePlan{}
	for _, ipv := range indepProvinces {
		pi := infos[ipv.code]
		pl := &provincePlan{info: pi}
		n := provinceSizes[ipv.code].modules
		for i := 0; i < n; i++ {
			// Titles spread over the catalogue, from another place per province.
			ct := courseTitles[(i*7+len(ipv.code)*3+int(pi.code[0]))%len(courseTitles)]
			hours := float64(8 + 4*r.IntN(5))
			start := time.Date(2014, time.Month(1+i*12/n), 2+r.IntN(24), 0, 0, 0, 0, time.UTC)
			sessions := max(2, int(hours)/4)
			pl.modules = append(pl.modules, &module{
				code: moduleCode(pi.code, i+1), title: ct.title, axis: ct.axis,
				site: pi.sites[r.IntN(len(pi.sites))], edition: 1 + i/len(courseTitles),
				hours: hours, sessions: sessions, start: start, end: start.AddDate(0, 0, 7*(sessions-1)),
			})
		}
		byCode[ipv.code] = pl
		s.plans = append(s.plans, pl)
	}

	// Enrolments: mostly in the home province, the rest anywhere.
	var all []*module
	owner := map[*module]*provincePlan{}
	for _, pl := range s.plans {
		for _, m := range pl.modules {
			all = append(all, m)
			owner[m] = pl
		}
	}
	for _, ip := range s.people {
		home := byCode[ip.p.home].modules
		hs := r.Perm(len(home))
		others := r.Perm(len(all))
		used := map[*module]bool{}
		for n := 0; n < ip.enrol; n++ {
			var m *module
			if r.IntN(100) < 80 {
				for len(hs) > 0 && m == nil {
					if c := home[hs[0]]; !used[c] {
						m = c
					}
					hs = hs[1:]
				}
			}
			for len(others) > 0 && m == nil {
				if c := all[others[0]]; !used[c] {
					m = c
				}
				others = others[1:]
			}
			if m == nil {
				break
			}
			used[m] = true
			a := &application{p: ip.p, m: m}
			switch x := r.IntN(100); {
			case x < 72:
				a.status = canon.StatusAccepted
				a.hours, a.hasHours = m.hours-float64(2*r.IntN(int(m.hours)/4+1)), true
				if r.IntN(100) < 80 {
					a.sat = 1 + pickWeighted(r, []int{2, 6, 25, 45, 22})
				}
			case x < 90:
				a.status = canon.StatusNotAccepted
			default:
				a.status = canon.StatusWithdrawn
			}
			a.applied = m.start.AddDate(0, 0, -3-r.IntN(50))
			pl := owner[m]
			pl.apps = append(pl.apps, a)
		}
	}
	for _, pl := range s.plans {
		sortApps(pl)
	}
	s.files = placeRows(s.plans)

	ty := newIndepTyper(r)
	for _, pf := range s.files {
		rows := make([][]cell, len(pf.apps))
		kinds := make([]noiseKindSet, len(pf.apps))
		for i, a := range pf.apps {
			t := ty.typeRow(s.byP[a.p], &pf.layout.data, a)
			kinds[i] = t.kinds
			row := make([]cell, len(pf.layout.data.cols))
			for j, c := range pf.layout.data.cols {
				row[j] = ty.cell(&pf.layout.data, a, &t, c, i+1)
			}
			rows[i] = row
		}
		s.rows = append(s.rows, rows)
		s.kinds = append(s.kinds, kinds)
	}
	return s
}

// generateIndep writes the independent set under dir and its truth file.
func generateIndep(ctx context.Context, dir string, opt Options) (Summary, error) {
	s := buildIndep(opt.Seed)
	var truth [][4]string
	for i, pf := range s.files {
		if err := ctx.Err(); err != nil {
			return Summary{}, err
		}
		path := filepath.Join(dir, pf.province.info.code, pf.layout.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return Summary{}, fmt.Errorf("creating directory for %s: %w", pf.layout.name, err)
		}
		var err error
		if pf.layout.csv {
			err = writeCSV(ctx, path, pf.layout, s.rows[i])
		} else {
			err = writeWorkbook(ctx, path, pf, s.rows[i])
		}
		if err != nil {
			return Summary{}, err
		}
		for _, a := range pf.apps {
			truth = append(truth, [4]string{a.file, a.sheet, fmt.Sprint(a.row), a.p.id})
		}
	}
	if err := writeTruth(ctx, filepath.Join(dir, TruthFile), truth); err != nil {
		return Summary{}, err
	}
	return summarise(opt, s.plans, s.files), nil
}

// indepPeople creates the people of the independent set, household by household.
type indepPeople struct {
	r      *rand.Rand
	codes  map[string]bool
	infos  map[string]*provinceInfo
	people []*indepPerson
	hh     int
}

func pickW(r *rand.Rand, l []wname) wname {
	w := make([]int, len(l))
	for i := range l {
		w[i] = l[i].weight
	}
	return l[pickWeighted(r, w)]
}

func (g *indepPeople) pickOrigin() *indepOrigin {
	w := make([]int, len(indepOrigins))
	for i := range indepOrigins {
		w[i] = indepOrigins[i].weight
	}
	return &indepOrigins[pickWeighted(g.r, w)]
}

func (g *indepPeople) pickProvince() *provinceInfo {
	w := make([]int, len(indepProvinces))
	for i := range indepProvinces {
		w[i] = indepProvinces[i].weight
	}
	return g.infos[indepProvinces[pickWeighted(g.r, w)].code]
}

// birthIn draws a birth date in year y.
func (g *indepPeople) birthIn(y int) time.Time {
	b := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return b.AddDate(0, 0, g.r.IntN(365))
}

// newOne creates a person of origin o living in pi; the caller sets
// household fields and then calls finish.
func (g *indepPeople) newOne(o *indepOrigin, pi *provinceInfo, female bool, sur wname, birth time.Time) *indepPerson {
	r := g.r
	ip := &indepPerson{origin: o, sur: sur}
	if female {
		ip.giv = pickW(r, o.female)
	} else {
		ip.giv = pickW(r, o.male)
	}
	p := &person{surname: sur.name, given: ip.giv.name, female: female, birth: birth,
		home: pi.code, foreign: o.key != "it"}
	switch x := r.IntN(100); {
	case p.foreign:
		p.place = pick(r, o.places)
	case x < 45:
		p.place = pi.capital
	case x < 75:
		p.place = pick(r, pi.towns)
	case x < 90:
		p.place = pick(r, southernPlaces)
	default:
		p.place = pick(r, []place{plBrescia, plPavia, plCremona, plLodi, plComo})
	}
	if r.IntN(100) < 55 {
		p.municipality = pi.capital.name
	} else {
		p.municipality = pick(r, pi.towns).name
	}
	p.org = pick(r, pi.orgs)
	ri := pickWeighted(r, roleWeights[p.org.kind])
	p.role = roles[ri].m
	if female {
		p.role = roles[ri].f
	}
	if r.IntN(100) < 50 {
		p.phone = fmt.Sprintf("3%d%d%07d", 3+r.IntN(7), r.IntN(10), r.IntN(10000000))
	}
	if r.IntN(100) < 60 {
		p.email = g.ownEmail(p)
	}
	ip.p = p
	ip.enrol = 1 + pickWeighted(r, indepEnrolments)
	return ip
}

// localPart is a name as it goes into an e-mail address.
func localPart(s string) string {
	return strings.ToLower(foldName(s))
}

var indepMailDomains = []string{"gmail.com", "libero.it", "hotmail.it", "yahoo.it", "alice.it", "virgilio.it", "tiscali.it", "outlook.it"}

func (g *indepPeople) ownEmail(p *person) string {
	r := g.r
	gv, sn := localPart(p.given), localPart(p.surname)
	switch r.IntN(6) {
	case 0:
		return gv + "." + sn + "@" + p.org.domain
	case 1:
		return sn + "." + gv + "@" + pick(r, indepMailDomains)
	case 2:
		return fmt.Sprintf("%s%s%d@%s", gv[:1], sn, 10+r.IntN(90), pick(r, indepMailDomains))
	case 3:
		return gv + sn + "@" + pick(r, indepMailDomains)
	case 4:
		return fmt.Sprintf("%s.%s%02d@%s", gv, sn, p.birth.Year()%100, pick(r, indepMailDomains))
	}
	return gv + "_" + sn + "@" + pick(r, indepMailDomains)
}

// finish registers a person: its id and tax code.
func (g *indepPeople) finish(ip *indepPerson, hh, kind int) {
	p := ip.p
	code := taxCode(p.surname, p.given, p.female, p.birth, p.place.code)
	for lvl := 1; g.codes[code]; lvl++ {
		code = omocode(code, lvl)
	}
	g.codes[code] = true
	p.taxCode = code
	p.id = fmt.Sprintf("I%05d", len(g.people)+1)
	ip.household, ip.kind = hh, kind
	g.people = append(g.people, ip)
}

// household creates one household: a person alone, a couple, siblings, a
// parent and a child, or a person with a name already taken.
func (g *indepPeople) household() {
	r := g.r
	pi := g.pickProvince()
	o := g.pickOrigin()
	female := r.IntN(100) < 78
	year := 1952 + r.IntN(40)
	switch x := r.IntN(100); {
	case x < 60 || len(g.people) < 20:
		g.finish(g.newOne(o, pi, female, pickW(r, o.surnames), g.birthIn(year)), 0, hhSingle)
	case x < 75: // a couple: own surnames, one town, a family e-mail, a landline
		g.hh++
		a := g.newOne(o, pi, true, pickW(r, o.surnames), g.birthIn(year))
		b := g.newOne(o, pi, false, pickW(r, o.surnames), g.birthIn(max(1950, year-3+r.IntN(7))))
		g.share(a, b)
		a.husband = b
		switch y := r.IntN(100); {
		case y < 35:
			fam := fmt.Sprintf("fam.%s%s@%s", localPart(a.p.surname), localPart(b.p.surname), pick(r, indepMailDomains))
			if r.IntN(2) == 0 {
				fam = fmt.Sprintf("%s.%s@%s", localPart(b.p.surname), localPart(a.p.surname), pick(r, indepMailDomains))
			}
			a.p.email, b.p.email = fam, fam
		case y < 55 && b.p.email != "":
			a.p.email = b.p.email // registered with the husband's address
		}
		g.finish(a, g.hh, hhCouple)
		g.finish(b, g.hh, hhCouple)
	case x < 87: // siblings: one surname, births apart (or twins)
		g.hh++
		sur := pickW(r, o.surnames)
		n := 2 + r.IntN(2)
		first := g.newOne(o, pi, female, sur, g.birthIn(year))
		sibs := []*indepPerson{first}
		for i := 1; i < n; i++ {
			b := first.p.birth.AddDate(1+r.IntN(8), r.IntN(12), 0)
			if r.IntN(100) < 15 {
				b = first.p.birth // twins
			}
			if b.Year() > 1993 {
				b = b.AddDate(-10, 0, 0)
			}
			s := g.newOne(o, pi, r.IntN(100) < 70, sur, b)
			for s.p.given == first.p.given {
				s.giv = pickW(r, o.female)
				if !s.p.female {
					s.giv = pickW(r, o.male)
				}
				s.p.given = s.giv.name
				if s.p.email != "" {
					s.p.email = g.ownEmail(s.p)
				}
			}
			g.share(first, s)
			if first.p.email != "" && r.IntN(100) < 15 {
				s.p.email = first.p.email
			}
			sibs = append(sibs, s)
		}
		for _, s := range sibs {
			g.finish(s, g.hh, hhSiblings)
		}
	case x < 95: // a parent and a grown-up child
		g.hh++
		sur := pickW(r, o.surnames)
		par := g.newOne(o, pi, female, sur, g.birthIn(1950+r.IntN(12)))
		ch := g.newOne(o, pi, r.IntN(100) < 70, sur, g.birthIn(par.p.birth.Year()+22+r.IntN(12)))
		g.share(par, ch)
		if par.p.email != "" && r.IntN(100) < 25 {
			ch.p.email = par.p.email
		}
		g.finish(par, g.hh, hhParentChild)
		g.finish(ch, g.hh, hhParentChild)
	case x < 97: // a different person with a name already taken, another birth date
		src := g.people[r.IntN(len(g.people))]
		for i := 0; i < 30 && src.sur.weight < 5; i++ {
			src = g.people[r.IntN(len(g.people))]
		}
		g.namesake(src.origin, pi, src.p.female, src.sur, src.giv, year)
	default: // one of the commonest names once more
		c := commonNames[r.IntN(len(commonNames))]
		it := &indepOrigins[0]
		pool := it.male
		if c.female {
			pool = it.female
		}
		g.namesake(it, pi, c.female, findW(it.surnames, c.surname), findW(pool, c.given), year)
	}
}

// commonNames are the names most often shared by different people.
var commonNames = []struct {
	surname, given string
	female         bool
}{
	{"Rossi", "Maria", true}, {"Colombo", "Giuseppe", false}, {"Russo", "Anna", true},
	{"Ferrari", "Francesca", true}, {"Bianchi", "Giovanni", false}, {"Esposito", "Maria", true},
	{"Romano", "Antonio", false},
}

// findW returns the name called name in l.
func findW(l []wname, name string) wname {
	for _, w := range l {
		if w.name == name {
			return w
		}
	}
	return wname{name: name, weight: 1}
}

// namesake creates a person called sur giv whose birth date differs from
// that of everyone already so called.
func (g *indepPeople) namesake(o *indepOrigin, pi *provinceInfo, female bool, sur, giv wname, year int) {
	q := g.newOne(o, pi, female, sur, g.birthIn(year))
	q.giv, q.p.given = giv, giv.name
	for taken := true; taken; {
		taken = false
		for _, other := range g.people {
			if other.p.surname == sur.name && other.p.given == giv.name && other.p.birth.Year() == q.p.birth.Year() {
				taken = true
				q.p.birth = q.p.birth.AddDate(1+g.r.IntN(6), 0, 0)
				if q.p.birth.Year() > 1993 {
					q.p.birth = q.p.birth.AddDate(-40, 0, 0)
				}
				break
			}
		}
	}
	if q.p.email != "" {
		q.p.email = g.ownEmail(q.p)
	}
	g.finish(q, 0, hhHomonym)
}

// share makes b live with a: same town and landline, same birthplace when
// both were born abroad.
func (g *indepPeople) share(a, b *indepPerson) {
	b.p.municipality = a.p.municipality
	if a.landline == "" && g.r.IntN(100) < 60 {
		a.landline = fmt.Sprintf("0%d%d %06d", 2+g.r.IntN(2), 1+g.r.IntN(9), g.r.IntN(1000000))
	}
	b.landline = a.landline
	if a.p.foreign && b.p.foreign {
		b.p.place = a.p.place
	}
}
