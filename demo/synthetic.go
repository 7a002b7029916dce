package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/xuri/excelize/v2"
)

// Italian surname stems and endings, for the synthetic generator's larger
// variety of surnames (a million rows need more than a list of names).
var (
	surnameStems = []string{
		"Bram", "Bert", "Bon", "Bor", "Cald", "Cap", "Car", "Cas", "Cav", "Ces", "Col", "Cor",
		"Fer", "For", "Gal", "Gar", "Ghe", "Gian", "Gir", "Lom", "Lor", "Mag", "Man", "Mar",
		"Maz", "Mor", "Pag", "Pan", "Per", "Pes", "Pic", "Rad", "Ron", "Ros", "Sal", "San",
		"Ser", "Tor", "Val", "Ver", "Vil", "Zan", "Zuc", "Bals", "Bers", "Donz", "Fras", "Gual",
		"Marc", "Mont", "Pell", "Pozz", "Ricc", "Sart", "Tosc",
	}
	surnameEndings = []string{
		"i", "a", "o", "ini", "etti", "oni", "elli", "ato", "ari", "ieri", "otti", "ucci",
		"aghi", "ola", "engo", "asco", "ati",
	}
)

func syntheticSurname(r *rand.Rand, o *origin) string {
	if o.key == "it" && r.IntN(100) < 60 {
		return pick(r, surnameStems) + pick(r, surnameEndings)
	}
	return pick(r, o.surnames)
}

// synthPending is a person with rows still to come.
type synthPending struct {
	p    *person
	left int
}

// synth streams application rows with repeat participants: each new person
// is given a number of rows, and later rows are drawn from those still owed
// some, so repeats fall a few thousand rows apart.
type synth struct {
	r       *rand.Rand
	np      noiseParams
	pop     *population
	pending []synthPending
	recent  []*person // for homonyms
	modules [][]*module
	rows    []int // rows emitted per province
}

// synthRow is one generated row before it becomes cells or an Enrolment.
type synthRow struct {
	prov int
	row  int // 1-based sheet row (header on row 1)
	a    application
	t    typed
}

func newSynth(seed int64, noise Noise) *synth {
	r := rand.New(rand.NewPCG(uint64(seed), streamSynth+uint64(noise)))
	g := &synth{r: r, np: paramsFor(noise), pop: newPopulation(r), rows: make([]int, len(partners))}
	g.pop.sur = syntheticSurname
	for i := range partners {
		pi := &partners[i]
		var mods []*module
		for j, ct := range courseTitles {
			start := time.Date(2013, time.Month(1+j%11), 3+2*j, 0, 0, 0, 0, time.UTC)
			mods = append(mods, &module{
				code: moduleCode(pi.code, j+1), title: ct.title, axis: ct.axis,
				site: pi.sites[j%len(pi.sites)], edition: 1, hours: 16, sessions: 4,
				start: start, end: start.AddDate(0, 0, 21),
			})
		}
		g.modules = append(g.modules, mods)
	}
	return g
}

// next generates one row.
func (g *synth) next() synthRow {
	r := g.r
	var p *person
	prov, multi := -1, true
	// The more people are owed rows, the likelier the next row is a repeat.
	if n := len(g.pending); n > 0 && r.IntN(n+1500) < n {
		i := r.IntN(n)
		p = g.pending[i].p
		g.pending[i].left--
		if g.pending[i].left == 0 {
			g.pending[i] = g.pending[n-1]
			g.pending = g.pending[:n-1]
		}
		if r.IntN(100) < 90 {
			prov = homeProvince(p)
		}
	}
	if prov < 0 {
		prov = r.IntN(len(partners))
	}
	if p == nil {
		multi = false
		pi := &partners[prov]
		if len(g.recent) > 100 && r.IntN(1000) < 15 {
			p = g.pop.twin(g.recent[r.IntN(len(g.recent))], pi)
		} else {
			p = g.pop.newPerson(pi, r.IntN(100) < 86)
		}
		if len(g.recent) < 2000 {
			g.recent = append(g.recent, p)
		} else {
			g.recent[r.IntN(len(g.recent))] = p
		}
		if k := pickWeighted(r, []int{72, 18, 7, 3}); k > 0 {
			g.pending = append(g.pending, synthPending{p: p, left: k})
			multi = true
		}
	}
	mods := g.modules[prov]
	a := application{p: p, m: mods[r.IntN(len(mods))]}
	switch n := r.IntN(100); {
	case n < 76:
		a.status = canon.StatusAccepted
		a.hours, a.hasHours = float64(4+r.IntN(13)), true
		a.sat = drawSatisfaction(r, 15)
	case n < 91:
		a.status = canon.StatusNotAccepted
	default:
		a.status = canon.StatusWithdrawn
	}
	a.applied = a.m.start.AddDate(0, 0, -5-r.IntN(30))
	g.rows[prov]++
	t := g.np.typeRow(r, p, p.occ == 0, multi, false)
	p.occ++
	return synthRow{prov: prov, row: g.rows[prov] + 1, a: a, t: t}
}

// homeProvince is the index of the province p lives and works in.
func homeProvince(p *person) int {
	for i := range partners {
		if partners[i].code == p.home {
			return i
		}
	}
	return 0
}

var synthStatus = sheetLayout{
	accepted:  words{"ammess*", "Ammess*", "SI", "accettat*"},
	rejected:  words{"non ammess*", "respint*", "NO"},
	withdrawn: words{"ritirat*", "rinuncia"},
}

func (g *synth) statusRaw(a *application) string {
	switch a.status {
	case canon.StatusAccepted:
		return synthStatus.accepted.pick(g.r, a.p.female)
	case canon.StatusNotAccepted:
		return synthStatus.rejected.pick(g.r, a.p.female)
	}
	return synthStatus.withdrawn.pick(g.r, a.p.female)
}

// Synthetic returns n canonical enrolments with realistic repeat
// participants and the same kinds of noise as Generate, plus the true person
// label of each row. It writes no files; rows come from the nine partner
// provinces, with SourceFile "SYN_<SIGLA>.xlsx".
func Synthetic(n int, seed int64, noise Noise) (rows []canon.Enrolment, person []string) {
	if n <= 0 {
		return nil, nil
	}
	if seed == 0 {
		seed = 1
	}
	g := newSynth(seed, noise)
	rows = make([]canon.Enrolment, n)
	person = make([]string, n)
	for i := range rows {
		sr := g.next()
		g.enrolment(&rows[i], &sr)
		person[i] = sr.a.p.id
	}
	return rows, person
}

// enrolment fills e from a synthetic row, normalised the way canon would.
func (g *synth) enrolment(e *canon.Enrolment, sr *synthRow) {
	a, t, p, m := &sr.a, &sr.t, sr.a.p, sr.a.m
	code := partners[sr.prov].code
	e.ProvinceCode = code
	e.SourceFile = "SYN_" + code + ".xlsx"
	e.Sheet = "Iscrizioni"
	e.SourceRow = sr.row

	e.Surname = despace(t.surname)
	e.GivenName = despace(t.given)
	e.DisplayName = titleCase(e.Surname + " " + e.GivenName)
	e.SurnameFold = foldName(e.Surname)
	e.GivenNameFold = foldName(e.GivenName)
	e.TaxCode = strings.ToUpper(strings.ReplaceAll(t.taxCode, " ", ""))
	e.TaxCodeStatus = taxCodeStatus(e.TaxCode)
	switch e.TaxCodeStatus {
	case canon.TaxCodeBadCheck:
		e.Flags = []string{canon.FlagTaxCodeBadCheck}
	case canon.TaxCodeInvalid:
		e.Flags = []string{canon.FlagTaxCodeInvalid}
	}
	e.Sex = "M"
	if p.female {
		e.Sex = "F"
	}
	if !t.birthMissing {
		b := t.birth
		e.BirthDate = &b
	}
	e.BirthPlace = p.place.name
	e.BirthPlaceFold = foldName(p.place.name)
	e.Email = strings.ToLower(t.email)
	if t.phone != "" {
		e.Phone = "+39" + p.phone
	}
	e.Municipality = p.municipality
	e.MunicipalityFold = foldName(p.municipality)
	e.Organisation = p.org.name
	e.OrganisationFold = foldName(p.org.name)
	e.OrganisationType = p.org.kind
	e.OrganisationTypeFold = foldName(p.org.kind)
	e.Role = p.role
	e.RoleFold = foldName(p.role)

	e.ModuleCode = m.code
	e.ModuleTitle = m.title
	e.ModuleFold = foldName(m.title)
	e.Edition = fmt.Sprint(m.edition)
	e.Site = m.site
	e.Axis = m.axis
	hours, sessions := m.hours, int32(m.sessions)
	start, end, applied := m.start, m.end, a.applied
	e.PlannedHours, e.Sessions = &hours, &sessions
	e.StartDate, e.EndDate, e.ApplicationDate = &start, &end, &applied

	e.Status = a.status
	e.StatusRaw = g.statusRaw(a)
	if a.hasHours {
		h := a.hours
		e.HoursAttended = &h
	}
	if a.sat > 0 {
		s := float64(a.sat)
		e.Satisfaction = &s
	}
}

// despace trims s and collapses runs of spaces.
func despace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// titleCase upper-cases the first letter of each word and lower-cases the rest.
func titleCase(s string) string {
	b := []rune(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up {
			b[i] = []rune(strings.ToUpper(string(c)))[0]
		}
		up = c == ' ' || c == '\'' || c == '-'
	}
	return string(b)
}

// largeHeaders are the eleven columns of the benchmark workbook.
var largeHeaders = []any{
	"Cognome", "Nome", "Codice fiscale", "Sesso", "Data di nascita", "Ente",
	"Qualifica", "Titolo corso", "Sede", "Esito", "Ore frequentate",
}

// Large writes one 11-column enrolment workbook of n rows at path, for
// benchmarks, streaming the rows so that memory stays flat.
func Large(ctx context.Context, path string, n int, seed int64) error {
	if n < 0 {
		return fmt.Errorf("writing large workbook of %d rows: %w", n, ErrBadSize)
	}
	if seed == 0 {
		seed = 1
	}
	wrap := func(err error) error { return fmt.Errorf("writing large workbook: %w", err) }
	b, err := newBook("correlare demo")
	if err != nil {
		return wrap(err)
	}
	defer b.f.Close()
	const sheet = "Iscrizioni"
	if err := b.f.SetSheetName("Sheet1", sheet); err != nil {
		return wrap(err)
	}
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return wrap(err)
	}
	if err := sw.SetRow("A1", largeHeaders, excelize.RowOpts{StyleID: b.header}); err != nil {
		return wrap(err)
	}
	g := newSynth(seed, NoiseNormal)
	vals := make([]any, len(largeHeaders))
	for i := 0; i < n; i++ {
		if i%10000 == 0 {
			if err := ctx.Err(); err != nil {
				return wrap(err)
			}
		}
		sr := g.next()
		a, t, p := &sr.a, &sr.t, sr.a.p
		vals[0], vals[1], vals[2] = t.surname, t.given, t.taxCode
		vals[3] = "M"
		if p.female {
			vals[3] = "F"
		}
		switch {
		case t.birthMissing:
			vals[4] = ""
		case t.birthText != "":
			vals[4] = t.birthText
		default:
			vals[4] = excelize.Cell{StyleID: b.date, Value: excelSerial(t.birth)}
		}
		vals[5], vals[6], vals[7], vals[8] = p.org.name, p.role, a.m.title, a.m.site
		vals[9] = g.statusRaw(a)
		vals[10] = ""
		if a.hasHours {
			vals[10] = a.hours
		}
		cellRef, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return wrap(err)
		}
		if err := sw.SetRow(cellRef, vals); err != nil {
			return wrap(err)
		}
	}
	if err := sw.Flush(); err != nil {
		return wrap(err)
	}
	out, err := os.Create(path)
	if err != nil {
		return wrap(err)
	}
	if _, err := b.f.WriteTo(out); err != nil {
		out.Close()
		return wrap(err)
	}
	if err := out.Close(); err != nil {
		return wrap(err)
	}
	return nil
}
