package sources

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/lombardia-orim/correlare/canon"
)

// synonymList holds, for every canonical field, the header wordings that
// mean it, in Italian and in English. They are compared folded (see
// foldHeader), so case, accents, punctuation and spacing do not matter and
// "C.F.", "CF" and "c f" are one entry.
var synonymList = map[canon.Field][]string{
	canon.FieldSurname: {
		"Cognome", "Cognomi", "Cognome partecipante", "Cognome del partecipante",
		"Surname", "Last name", "Family name",
	},
	canon.FieldGivenName: {
		"Nome", "Nomi", "Nome proprio", "Nome partecipante", "Nome del partecipante",
		"First name", "Given name", "Given names", "Forename",
	},
	canon.FieldFullName: {
		"Cognome e nome", "Nome e cognome", "Cognome nome", "Nome cognome",
		"Cognome/Nome", "Nominativo", "Nominativo partecipante", "Partecipante",
		"Full name", "Name", "Participant", "Name and surname", "Surname and name",
	},
	canon.FieldTaxCode: {
		"Codice fiscale", "C.F.", "Cod. Fisc.", "Cod. fiscale", "Codice fisc.",
		"Cod. Fis.", "Codice fiscale partecipante",
		"Tax code", "Fiscal code", "Tax ID", "Tax number",
	},
	canon.FieldSex: {
		"Sesso", "Genere", "M/F", "F/M", "Sex", "Gender",
	},
	canon.FieldBirthDate: {
		"Data di nascita", "Data nascita", "Nato/a il", "Nato il", "Nata il",
		"Nata/o il", "D.N.", "Date of birth", "Birth date", "Birthdate", "DOB",
	},
	canon.FieldBirthPlace: {
		"Luogo di nascita", "Luogo nascita", "Nato/a a", "Nato a", "Nata a",
		"Nata/o a", "Comune di nascita", "Comune o stato di nascita",
		"Place of birth", "Birthplace", "Birth place",
	},
	canon.FieldMunicipality: {
		"Comune", "Comune di residenza", "Comune residenza", "Residenza",
		"Residente a", "Città", "Città di residenza",
		"Municipality", "City", "Town", "Town of residence",
	},
	canon.FieldEmail: {
		"E-mail", "Posta elettronica", "Indirizzo e-mail", "Indirizzo di posta elettronica",
		"Mail", "E-mail address", "Email address",
	},
	canon.FieldPhone: {
		"Telefono", "Cellulare", "Tel.", "Cell.", "Tel./Cell.", "Telefono/Cellulare",
		"Recapito telefonico", "Numero di telefono", "N. telefono",
		"Phone", "Telephone", "Mobile", "Phone number", "Mobile phone",
	},
	canon.FieldOrganisation: {
		"Ente", "Ente di appartenenza", "Amministrazione", "Servizio", "Ente/Servizio",
		"Ente di provenienza", "Amministrazione di appartenenza", "Servizio di appartenenza",
		"Organizzazione", "Datore di lavoro", "Struttura", "Struttura di appartenenza",
		"Organisation", "Organization", "Employer", "Agency",
	},
	canon.FieldOrganisationType: {
		"Tipo ente", "Tipologia ente", "Tipo di ente", "Tipologia di ente",
		"Tipologia", "Tipologia servizio",
		"Organisation type", "Organization type", "Type of organisation",
	},
	canon.FieldRole: {
		"Qualifica", "Ruolo", "Profilo", "Profilo professionale", "Mansione",
		"Professione", "Qualifica professionale", "Funzione",
		"Role", "Job title", "Position", "Job",
	},
	canon.FieldModuleCode: {
		"Codice corso", "Cod. modulo", "Codice modulo", "Cod. corso", "ID modulo",
		"ID corso", "Module code", "Course code", "Module ID",
	},
	canon.FieldModule: {
		"Modulo", "Corso", "Titolo corso", "Titolo modulo", "Titolo", "Titolo del corso",
		"Titolo del modulo", "Nome corso", "Nome modulo", "Modulo formativo", "Corso scelto",
		"Module", "Course", "Course title", "Module title", "Title",
	},
	canon.FieldEdition: {
		"Edizione", "Ed.", "N. edizione", "Edition",
	},
	canon.FieldSite: {
		"Sede", "Sede del corso", "Sede corso", "Sede di svolgimento", "Luogo del corso",
		"Luogo di svolgimento", "Sede modulo", "Site", "Venue", "Location",
	},
	canon.FieldAxis: {
		"Asse", "Asse di intervento", "Asse tematico", "Axis",
	},
	canon.FieldPlannedHours: {
		"Ore previste", "Durata", "Durata (ore)", "Durata ore", "Ore totali", "Monte ore",
		"N. ore", "Numero ore", "Numero di ore", "Ore corso", "Ore modulo",
		"Planned hours", "Duration", "Duration (hours)", "Hours planned",
	},
	canon.FieldSessions: {
		"N. incontri", "Incontri", "Numero incontri", "Numero di incontri", "N° incontri",
		"Sessioni", "N. sessioni", "Numero sessioni", "Giornate",
		"Sessions", "Number of sessions",
	},
	canon.FieldStartDate: {
		"Data inizio", "Data di inizio", "Inizio", "Data avvio", "Data inizio corso",
		"Start date", "Start",
	},
	canon.FieldEndDate: {
		"Data fine", "Data di fine", "Fine", "Data conclusione", "Data fine corso",
		"End date", "End",
	},
	canon.FieldApplicationDate: {
		"Data domanda", "Data della domanda", "Data iscrizione", "Data di iscrizione",
		"Data richiesta", "Data presentazione domanda",
		"Application date", "Date of application", "Enrolment date", "Enrollment date",
	},
	canon.FieldStatus: {
		"Esito", "Stato", "Ammesso/a", "Ammesso", "Ammessa", "Ammessa/o", "Esito domanda",
		"Esito iscrizione", "Esito selezione", "Stato iscrizione", "Stato domanda",
		"Status", "Outcome", "Admitted", "Application status",
		// Yes/no columns ("Ammesso/a?", "Accettato/a? (S/N)"): ? and notes are ignored.
		"Accettato/a", "Accettata/o", "Accettato", "Accettata", "Ammesso/a al corso", "Accettazione",
	},
	canon.FieldHoursAttended: {
		"Ore frequentate", "Ore di presenza", "Presenze (ore)", "Presenze", "Ore presenza",
		"Ore effettive", "Ore frequenza", "Frequenza (ore)", "Ore di frequenza",
		"Hours attended", "Attended hours", "Attendance (hours)", "Hours of attendance",
	},
	canon.FieldSatisfaction: {
		"Gradimento", "Valutazione", "Questionario", "Questionario di gradimento",
		"Voto gradimento", "Soddisfazione", "Livello di gradimento", "Giudizio",
		"Satisfaction", "Rating", "Evaluation", "Satisfaction score",
	},
}

// synonyms maps a folded header to its field; built once from synonymList.
var synonyms = buildSynonyms()

func buildSynonyms() map[string]canon.Field {
	m := make(map[string]canon.Field)
	for field, words := range synonymList {
		for _, w := range words {
			k := foldHeader(w)
			if prev, ok := m[k]; ok && prev != field {
				panic(fmt.Sprintf("sources: header synonym %q means both %s and %s", w, prev, field))
			}
			m[k] = field
		}
	}
	return m
}

// MatchHeader returns the canonical field a header text means, or
// canon.FieldNone. overrides (header text → field, compared folded like the
// built-in synonyms) take precedence; an override to canon.FieldNone keeps
// the column as an extra even if a synonym would match. A trailing
// parenthesis such as "(ore)" or "(gg/mm/aaaa)" is ignored when the full text
// matches nothing.
func MatchHeader(text string, overrides map[string]canon.Field) canon.Field {
	return newMatcher(overrides).match(text)
}

// matcher is MatchHeader with the overrides folded once.
type matcher struct {
	over map[string]canon.Field
}

func newMatcher(overrides map[string]canon.Field) matcher {
	m := matcher{over: make(map[string]canon.Field, len(overrides))}
	for k, f := range overrides {
		m.over[foldHeader(k)] = f
	}
	return m
}

func (m matcher) match(text string) canon.Field {
	for _, t := range [2]string{text, stripTrailingNote(text)} {
		k := foldHeader(t)
		if k == "" {
			continue
		}
		if f, ok := m.over[k]; ok {
			return f
		}
		if f, ok := synonyms[k]; ok {
			return f
		}
	}
	return canon.FieldNone
}

// stripTrailingNote removes a trailing parenthesised or bracketed remark and
// trailing ":" or "*": "Durata (ore):" → "Durata".
func stripTrailingNote(s string) string {
	s = strings.TrimRight(s, " \t\r\n:*")
	if n := len(s); n > 0 && (s[n-1] == ')' || s[n-1] == ']') {
		open := "("
		if s[n-1] == ']' {
			open = "["
		}
		if i := strings.LastIndex(s, open); i > 0 {
			s = strings.TrimRight(s[:i], " \t\r\n:*")
		}
	}
	return s
}

// foldHeader folds a header for comparison: accents removed, lower case,
// only letters and digits kept ("Cod. Fisc." → "codfisc", "E-mail" →
// "email"). The ordinal indicators º and ª ("Nº incontri") are dropped.
func foldHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'º' || r == 'ª':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
