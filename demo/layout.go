package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// colKind is what a generated column holds.
type colKind int

const (
	kSeq colKind = iota // progressive number "N."
	kSurname
	kGiven
	kFullName // "ROSSI Maria" (or "Maria ROSSI" when typed the other way)
	kTaxCode
	kSex
	kBirth
	kBirthPlace
	kEmail
	kPhone
	kMunicipality
	kOrg
	kOrgType
	kRole
	kModuleCode
	kModuleTitle
	kEdition
	kSite
	kAxis
	kPlannedHours
	kSessions
	kStart
	kEnd
	kApplied
	kStatus
	kHours
	kSatisfaction
	kNote        // extra: free text
	kOfficePhone // extra: a switchboard number that maps to nothing
)

type col struct {
	header string
	kind   colKind
}

// words are a sheet's habits for a value: the first is the usual one, the
// others turn up now and then. A '*' is the gender ending (a/o).
type words []string

func (w words) pick(r *rand.Rand, female bool) string {
	s := w[0]
	if len(w) > 1 && r.IntN(100) < 30 {
		s = w[1+r.IntN(len(w)-1)]
	}
	if female {
		return strings.ReplaceAll(s, "*", "a")
	}
	return strings.ReplaceAll(s, "*", "o")
}

// sheetLayout is how one enrolment sheet is laid out.
type sheetLayout struct {
	name       string // sheet name ("" for CSV)
	title      string // title typed in A1, "" for none
	blank      bool   // a blank row between title and header
	cols       []col
	upperNames bool // names typed in capitals throughout
	mixedFull  bool // full name typed "Rossi Maria" rather than "ROSSI Maria"
	sexF, sexM words
	accepted   words
	rejected   words
	withdrawn  words
	textDates  bool   // birth dates always typed as text
	axisPrefix string // "Asse " typed before the numeral
	total      bool   // a "Totale" row under the data
	officeArea string // area code of the extra office phone column
}

// headerRow is the 1-based row of the header.
func (s *sheetLayout) headerRow() int {
	h := 1
	if s.title != "" {
		h++
		if s.blank {
			h++
		}
	}
	return h
}

// fileLayout is one file of a province.
type fileLayout struct {
	name         string
	csv          bool     // ';'-separated, Windows-1252, decimal comma
	instructions []string // an instructions sheet before the data
	data         sheetLayout
	modules      *moduleSheet // a modules catalogue sheet after the data
	from, to     int          // the province's modules [from, to) in this file; 0,0: all
}

type moduleSheet struct {
	name string
	cols []col
}

var (
	sexFM        = words{"F", "f", "Femmina"}
	sexMF        = words{"M", "m", "Maschio"}
	crAcceptedW  = words{"Ammess*", "ammess*", "SI", "accettat*", "Sì", "AMMESS*"}
	crRejectedW  = words{"Non ammess*", "respint*", "esclus*", "NO", "non accettat*"}
	crWithdrawnW = words{"Ritirat*", "ritirat*", "rinuncia", "Rinuncia"}
)

// layoutsFor returns the files of province sigla, each with its own habits.
func layoutsFor(sigla string) []fileLayout {
	switch sigla {
	case "MB":
		return []fileLayout{{
			name: "MB_Iscrizioni_CORRELARE_2013.xlsx",
			instructions: []string{
				"ISTRUZIONI PER LA COMPILAZIONE",
				"",
				"1. Compilare un rigo per ogni domanda di iscrizione (una persona può iscriversi a più corsi).",
				"2. Il codice fiscale è obbligatorio per il rilascio dell'attestato.",
				"3. Stato: ammesso/a, non ammesso/a, ritirato/a.",
				"4. Presenze: ore effettivamente frequentate; Valutazione: questionario di gradimento da 1 a 5.",
				"5. Non modificare l'ordine delle colonne del foglio Iscrizioni.",
			},
			data: sheetLayout{
				name:  "Iscrizioni",
				title: "Provincia di Monza e della Brianza - OPI - Progetto CORRELARE - Iscrizioni 2013",
				blank: true,
				cols: []col{
					{"N.", kSeq}, {"Cognome", kSurname}, {"Nome", kGiven}, {"Codice Fiscale", kTaxCode},
					{"Genere", kSex}, {"Nato/a il", kBirth}, {"Luogo di nascita", kBirthPlace},
					{"E-mail", kEmail}, {"Ente di appartenenza", kOrg}, {"Ruolo", kRole},
					{"Corso", kModuleTitle}, {"Edizione", kEdition}, {"Sede", kSite}, {"Asse", kAxis},
					{"Ore previste", kPlannedHours}, {"Stato", kStatus}, {"Presenze (ore)", kHours},
					{"Valutazione", kSatisfaction}, {"Note", kNote},
				},
				sexF: words{"Donna", "F"}, sexM: words{"Uomo", "M"},
				accepted:  words{"ammess*", "Ammess*"},
				rejected:  words{"non ammess*", "Non ammess*"},
				withdrawn: words{"ritirat*", "Ritirat*"},
			},
		}}
	case "BG":
		bg := func(name string, from, to int) fileLayout {
			return fileLayout{
				name: name, from: from, to: to,
				data: sheetLayout{
					name: "Foglio1",
					cols: []col{
						{"Cognome e nome", kFullName}, {"Sesso", kSex}, {"Data di nascita", kBirth},
						{"C.F.", kTaxCode}, {"Ente", kOrg}, {"Qualifica", kRole},
						{"Titolo corso", kModuleTitle}, {"Sede del corso", kSite}, {"Asse", kAxis},
						{"Ore previste", kPlannedHours}, {"Data iscrizione", kApplied}, {"Esito", kStatus},
						{"Ore frequentate", kHours}, {"Gradimento", kSatisfaction},
						{"Telefono", kPhone}, {"E-mail", kEmail},
					},
					sexF: sexFM, sexM: sexMF,
					accepted:  words{"ammess*", "accettat*"},
					rejected:  words{"non ammess*", "diniegat*"},
					withdrawn: words{"rinuncia", "ritirat*"},
				},
			}
		}
		return []fileLayout{
			bg("BG_CORRELARE_I_semestre_2013.xlsx", 0, 6),
			bg("BG_CORRELARE_II_semestre_2013.xlsx", 6, 12),
		}
	case "CR":
		return []fileLayout{{
			name: "CR_CORRELARE_iscrizioni_gen-giu_2013.xlsx",
			data: sheetLayout{
				name:  "Iscrizioni",
				title: "OPI Cremona - Progetto CORRELARE - Domande di iscrizione ai moduli formativi gennaio-giugno 2013",
				blank: true,
				cols: []col{
					{"N.", kSeq}, {"Codice corso", kModuleCode}, {"Titolo corso", kModuleTitle},
					{"Cognome", kSurname}, {"Nome", kGiven}, {"Sesso", kSex}, {"Data di nascita", kBirth},
					{"Luogo di nascita", kBirthPlace}, {"Codice fiscale", kTaxCode},
					{"Ente di appartenenza", kOrg}, {"Qualifica", kRole}, {"E-mail", kEmail},
					{"Telefono", kPhone}, {"Data domanda", kApplied}, {"Esito", kStatus},
					{"Ore frequentate", kHours}, {"Gradimento", kSatisfaction},
				},
				sexF: sexFM, sexM: sexMF,
				accepted: crAcceptedW, rejected: crRejectedW, withdrawn: crWithdrawnW,
			},
			modules: &moduleSheet{
				name: "Moduli",
				cols: []col{
					{"Codice corso", kModuleCode}, {"Titolo", kModuleTitle}, {"Asse", kAxis},
					{"Sede", kSite}, {"Ore previste", kPlannedHours}, {"N. incontri", kSessions},
				},
			},
		}}
	case "CO":
		return []fileLayout{{
			name: "CO_iscritti_correlare_2013.csv", csv: true,
			data: sheetLayout{
				cols: []col{
					{"COGNOME", kSurname}, {"NOME", kGiven}, {"CF", kTaxCode}, {"SESSO", kSex},
					{"DATA NASCITA", kBirth}, {"COMUNE DI RESIDENZA", kMunicipality}, {"ENTE", kOrg},
					{"PROFILO", kRole}, {"MODULO", kModuleTitle}, {"SEDE", kSite}, {"ASSE", kAxis},
					{"ORE PREVISTE", kPlannedHours}, {"ESITO", kStatus}, {"ORE DI PRESENZA", kHours},
					{"QUESTIONARIO", kSatisfaction}, {"EMAIL", kEmail},
				},
				upperNames: true,
				sexF:       sexFM, sexM: sexMF,
				accepted:  words{"accettat*", "ammess*"},
				rejected:  words{"respint*", "esclus*"},
				withdrawn: words{"rinuncia"},
			},
		}}
	case "LC":
		return []fileLayout{{
			name: "LC_Correlare_partecipanti.xlsx",
			data: sheetLayout{
				name: "Partecipanti",
				cols: []col{
					{"Cognome", kSurname}, {"Nome", kGiven}, {"Cod. Fisc.", kTaxCode}, {"Sesso", kSex},
					{"Data di nascita", kBirth}, {"Amministrazione", kOrg}, {"Profilo", kRole},
					{"Modulo", kModuleTitle}, {"Sede", kSite}, {"Asse", kAxis}, {"Ore previste", kPlannedHours},
					{"N. incontri", kSessions}, {"Ammesso/a", kStatus}, {"Ore di presenza", kHours},
					{"Gradimento", kSatisfaction}, {"Telefono ufficio", kOfficePhone},
				},
				sexF: words{"F"}, sexM: words{"M"},
				accepted:   words{"sì", "si", "SI"},
				rejected:   words{"no", "NO"},
				withdrawn:  words{"ritirat*", "rinuncia"},
				axisPrefix: "Asse ",
				total:      true,
				officeArea: "0341",
			},
		}}
	case "LO":
		return []fileLayout{{
			name: "LO_iscrizioni_2013.xlsx",
			data: sheetLayout{
				name:  "Iscrizioni 2013",
				title: "OPI Lodi - iscrizioni corsi CORRELARE",
				cols: []col{
					{"Cognome", kSurname}, {"Nome", kGiven}, {"Data di nascita", kBirth},
					{"Luogo di nascita", kBirthPlace}, {"Codice fiscale", kTaxCode}, {"Sesso", kSex},
					{"Servizio", kOrg}, {"Qualifica", kRole}, {"Corso", kModuleTitle}, {"Sede", kSite},
					{"Asse", kAxis}, {"Ore previste", kPlannedHours}, {"Data iscrizione", kApplied},
					{"Stato", kStatus}, {"Ore frequentate", kHours}, {"Gradimento", kSatisfaction},
					{"Email", kEmail}, {"Telefono ufficio", kOfficePhone}, {"Note", kNote},
				},
				sexF: sexFM, sexM: sexMF,
				accepted:   words{"Ammess*"},
				rejected:   words{"Non ammess*", "Esclus*"},
				withdrawn:  words{"Ritirat*"},
				textDates:  true,
				officeArea: "0371",
			},
		}}
	case "MN":
		return []fileLayout{{
			name: "MN_OPI_corsi_CORRELARE.xlsx",
			data: sheetLayout{
				name:  "Elenco",
				title: "Osservatorio Provinciale Immigrazione Mantova - corsi CORRELARE 2013",
				blank: true,
				cols: []col{
					{"Nominativo", kFullName}, {"Genere", kSex}, {"Nato/a il", kBirth}, {"CF", kTaxCode},
					{"Ente di appartenenza", kOrg}, {"Ruolo", kRole}, {"Edizione", kEdition},
					{"Titolo corso", kModuleTitle}, {"Sede", kSite}, {"Asse", kAxis},
					{"Ore previste", kPlannedHours}, {"Esito", kStatus}, {"Ore frequentate", kHours},
					{"Valutazione", kSatisfaction}, {"E-mail", kEmail},
				},
				mixedFull: true,
				sexF:      words{"Femmina", "F"}, sexM: words{"Maschio", "M"},
				accepted:  words{"ammess*", "SI"},
				rejected:  words{"non ammess*", "respint*"},
				withdrawn: words{"ritirat*"},
			},
		}}
	case "MI":
		return []fileLayout{{
			name: "MI_correlare_iscrizioni.xlsx",
			data: sheetLayout{
				name: "Iscrizioni",
				cols: []col{
					{"COGNOME", kSurname}, {"NOME", kGiven}, {"COD. FISC.", kTaxCode}, {"SESSO", kSex},
					{"DATA DI NASCITA", kBirth}, {"LUOGO DI NASCITA", kBirthPlace},
					{"AMMINISTRAZIONE", kOrg}, {"TIPO ENTE", kOrgType}, {"QUALIFICA", kRole},
					{"CORSO", kModuleTitle}, {"EDIZIONE", kEdition}, {"SEDE", kSite}, {"ASSE", kAxis},
					{"ORE PREVISTE", kPlannedHours}, {"DATA INIZIO", kStart}, {"DATA FINE", kEnd},
					{"ESITO", kStatus}, {"ORE FREQUENTATE", kHours}, {"GRADIMENTO", kSatisfaction},
					{"TELEFONO", kPhone}, {"EMAIL", kEmail}, {"NOTE", kNote},
				},
				upperNames: true,
				sexF:       words{"F"}, sexM: words{"M"},
				accepted:  words{"SI", "AMMESS*"},
				rejected:  words{"NO", "NON AMMESS*"},
				withdrawn: words{"RITIRAT*", "RINUNCIA"},
			},
		}}
	case "VA":
		return []fileLayout{{
			name: "VA_CORRELARE_2013.xlsx",
			data: sheetLayout{
				name: "Iscritti",
				cols: []col{
					{"Cognome", kSurname}, {"Nome", kGiven}, {"CF", kTaxCode}, {"Sesso", kSex},
					{"Data di nascita", kBirth}, {"Ente", kOrg}, {"Qualifica", kRole},
					{"Codice modulo", kModuleCode}, {"Modulo", kModuleTitle}, {"Stato", kStatus},
					{"Ore frequentate", kHours}, {"Gradimento", kSatisfaction}, {"Note", kNote},
				},
				sexF: sexFM, sexM: sexMF,
				accepted:  words{"Ammess*", "accettat*"},
				rejected:  words{"Non ammess*", "esclus*"},
				withdrawn: words{"Ritirat*", "rinuncia"},
			},
			modules: &moduleSheet{
				name: "Moduli",
				cols: []col{
					{"Codice modulo", kModuleCode}, {"Titolo", kModuleTitle}, {"Asse", kAxis},
					{"Sede", kSite}, {"Ore previste", kPlannedHours}, {"N. incontri", kSessions},
					{"Data inizio", kStart}, {"Data fine", kEnd},
				},
			},
		}}
	}
	return nil
}

// cellKind is how a value is stored.
type cellKind int

const (
	cText cellKind = iota
	cNumber
	cDate
)

// cell is one rendered value.
type cell struct {
	kind cellKind
	s    string
	n    float64
	t    time.Time
}

func text(s string) cell        { return cell{kind: cText, s: s} }
func number(n float64) cell     { return cell{kind: cNumber, n: n} }
func date(t time.Time) cell     { return cell{kind: cDate, t: t} }
func (c cell) empty() bool      { return c.kind == cText && c.s == "" }
func itDate(t time.Time) string { return t.Format("02/01/2006") }

// csvText renders a cell for the ';'-separated file: decimal comma, Italian dates.
func (c cell) csvText() string {
	switch c.kind {
	case cNumber:
		return strings.ReplaceAll(strconv.FormatFloat(c.n, 'f', -1, 64), ".", ",")
	case cDate:
		return itDate(c.t)
	}
	return c.s
}

// moduleCell renders a column of a modules catalogue.
func moduleCell(m *module, k colKind, axisPrefix string) cell {
	switch k {
	case kModuleCode:
		return text(m.code)
	case kModuleTitle:
		return text(m.title)
	case kEdition:
		return number(float64(m.edition))
	case kSite:
		return text(m.site)
	case kAxis:
		return text(axisPrefix + m.axis)
	case kPlannedHours:
		return number(m.hours)
	case kSessions:
		return number(float64(m.sessions))
	case kStart:
		return date(m.start)
	case kEnd:
		return date(m.end)
	}
	return text("")
}

// rowCell renders column c of application a as typed t.
func (s *sheetLayout) rowCell(r *rand.Rand, a *application, t *typed, c col, seq int) cell {
	p := a.p
	name := func(v string) string {
		if s.upperNames {
			return strings.ToUpper(v)
		}
		return v
	}
	switch c.kind {
	case kSeq:
		return number(float64(seq))
	case kSurname:
		if a.bad == badNoSurname {
			return text("")
		}
		return text(name(t.surname))
	case kGiven:
		return text(name(t.given))
	case kFullName:
		sur := strings.TrimSpace(t.surname)
		if !s.mixedFull {
			sur = strings.ToUpper(sur)
		}
		if t.givenFirst {
			return text(strings.TrimSpace(t.given) + " " + sur)
		}
		return text(sur + " " + strings.TrimSpace(t.given))
	case kTaxCode:
		return text(t.taxCode)
	case kSex:
		if p.female {
			return text(s.sexF.pick(r, true))
		}
		return text(s.sexM.pick(r, false))
	case kBirth:
		switch {
		case t.birthMissing:
			return text("")
		case t.birthText != "":
			return text(t.birthText)
		case s.textDates:
			return text(itDate(t.birth))
		}
		return date(t.birth)
	case kBirthPlace:
		return text(name(p.place.name))
	case kEmail:
		if a.bad == badEmail {
			return text(brokenEmail(p.email))
		}
		return text(t.email)
	case kPhone:
		return text(t.phone)
	case kMunicipality:
		return text(name(p.municipality))
	case kOrg:
		if r.IntN(100) < 8 {
			return text(strings.ToUpper(p.org.name))
		}
		return text(p.org.name)
	case kOrgType:
		return text(p.org.kind)
	case kRole:
		if r.IntN(100) < 10 {
			return text(strings.ToLower(p.role))
		}
		return text(p.role)
	case kApplied:
		return date(a.applied)
	case kStatus:
		switch a.status {
		case canon.StatusAccepted:
			return text(s.accepted.pick(r, p.female))
		case canon.StatusNotAccepted:
			return text(s.rejected.pick(r, p.female))
		}
		return text(s.withdrawn.pick(r, p.female))
	case kHours:
		switch {
		case !a.hasHours:
			return text("")
		case a.bad == badHoursH:
			return text(strconv.FormatFloat(a.hours, 'f', -1, 64) + "h")
		case a.bad == badHoursComma:
			return text(strings.ReplaceAll(strconv.FormatFloat(a.hours, 'f', -1, 64), ".", ","))
		}
		return number(a.hours)
	case kSatisfaction:
		switch {
		case a.sat == 0:
			return text("")
		case a.bad == badSatFraction:
			return text(fmt.Sprintf("%d/5", a.sat))
		}
		return number(float64(a.sat))
	case kNote:
		return text(a.note)
	case kOfficePhone:
		if r.IntN(100) < 40 {
			return text("")
		}
		return text(fmt.Sprintf("%s %06d", s.officeArea, r.IntN(1000000)))
	}
	return moduleCell(a.m, c.kind, s.axisPrefix)
}

// brokenEmail spoils an address the way people do: no dot in the domain, two
// '@', or a space.
func brokenEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at < 0 {
		return e + "@"
	}
	switch len(e) % 3 {
	case 0:
		return e[:strings.LastIndexByte(e, '.')]
	case 1:
		return e[:at] + "@@" + e[at+1:]
	}
	return e[:at] + " " + e[at:]
}
