package sources

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lombardia-orim/correlare/canon"
)

func TestMatchHeader(t *testing.T) {
	tests := []struct {
		text string
		over map[string]canon.Field
		want canon.Field
	}{
		{"Cognome", nil, canon.FieldSurname},
		{"Ammesso/a?", nil, canon.FieldStatus},
		{"Ammesso?", nil, canon.FieldStatus},
		{"Accettato/a?", nil, canon.FieldStatus},
		{"Accettato/a? (S/N)", nil, canon.FieldStatus},
		{"  COGNOME: ", nil, canon.FieldSurname},
		{"Cognome *", nil, canon.FieldSurname},
		{"Nome", nil, canon.FieldGivenName},
		{"Cognome e nome", nil, canon.FieldFullName},
		{"NOMINATIVO", nil, canon.FieldFullName},
		{"Nome e Cognome", nil, canon.FieldFullName},
		{"Codice fiscale", nil, canon.FieldTaxCode},
		{"C.F.", nil, canon.FieldTaxCode},
		{"CF", nil, canon.FieldTaxCode},
		{"Cod. Fisc.", nil, canon.FieldTaxCode},
		{"Sesso", nil, canon.FieldSex},
		{"Genere", nil, canon.FieldSex},
		{"Data di nascita", nil, canon.FieldBirthDate},
		{"Data di nascita (gg/mm/aaaa)", nil, canon.FieldBirthDate},
		{"Data di\nnascita", nil, canon.FieldBirthDate},
		{"Nato/a il", nil, canon.FieldBirthDate},
		{"Luogo di nascita", nil, canon.FieldBirthPlace},
		{"Nato/a a", nil, canon.FieldBirthPlace},
		{"Comune di residenza", nil, canon.FieldMunicipality},
		{"Città", nil, canon.FieldMunicipality},
		{"CITTA'", nil, canon.FieldMunicipality},
		{"E-mail", nil, canon.FieldEmail},
		{"EMAIL", nil, canon.FieldEmail},
		{"Posta elettronica", nil, canon.FieldEmail},
		{"Tel.", nil, canon.FieldPhone},
		{"Cellulare", nil, canon.FieldPhone},
		{"Ente di appartenenza", nil, canon.FieldOrganisation},
		{"Amministrazione", nil, canon.FieldOrganisation},
		{"Servizio", nil, canon.FieldOrganisation},
		{"Tipologia ente", nil, canon.FieldOrganisationType},
		{"Qualifica", nil, canon.FieldRole},
		{"Profilo", nil, canon.FieldRole},
		{"Modulo", nil, canon.FieldModule},
		{"Titolo corso", nil, canon.FieldModule},
		{"Codice corso", nil, canon.FieldModuleCode},
		{"Cod. modulo", nil, canon.FieldModuleCode},
		{"Edizione", nil, canon.FieldEdition},
		{"Sede del corso", nil, canon.FieldSite},
		{"Asse", nil, canon.FieldAxis},
		{"Ore previste", nil, canon.FieldPlannedHours},
		{"Durata (ore)", nil, canon.FieldPlannedHours},
		{"N. incontri", nil, canon.FieldSessions},
		{"N° incontri", nil, canon.FieldSessions},
		{"Nº incontri", nil, canon.FieldSessions},
		{"Data inizio", nil, canon.FieldStartDate},
		{"Data fine", nil, canon.FieldEndDate},
		{"Data domanda", nil, canon.FieldApplicationDate},
		{"Esito", nil, canon.FieldStatus},
		{"Ammesso/a", nil, canon.FieldStatus},
		{"Ore frequentate", nil, canon.FieldHoursAttended},
		{"Ore di presenza", nil, canon.FieldHoursAttended},
		{"Presenze (ore)", nil, canon.FieldHoursAttended},
		{"Gradimento (1-5)", nil, canon.FieldSatisfaction},
		{"Questionario", nil, canon.FieldSatisfaction},
		{"Date of birth", nil, canon.FieldBirthDate},
		{"First name", nil, canon.FieldGivenName},
		{"Hours attended", nil, canon.FieldHoursAttended},
		{"Note", nil, canon.FieldNone},
		{"", nil, canon.FieldNone},
		{"N.", nil, canon.FieldNone},
		{"Dati anagrafici", nil, canon.FieldNone},
		{"Denominazione", map[string]canon.Field{"denominazione": canon.FieldOrganisation}, canon.FieldOrganisation},
		{"Ente", map[string]canon.Field{"ENTE": canon.FieldNone}, canon.FieldNone},
		{"Ente (sede)", map[string]canon.Field{"Ente (sede)": canon.FieldSite}, canon.FieldSite},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if got := MatchHeader(tc.text, tc.over); got != tc.want {
				t.Errorf("MatchHeader(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestSynonymsCoverFields(t *testing.T) {
	for _, f := range canon.Fields {
		if len(synonymList[f]) == 0 {
			t.Errorf("no header synonym for %s", f)
		}
		for _, w := range synonymList[f] {
			if got := MatchHeader(w, nil); got != f {
				t.Errorf("synonym %q of %s matches %s", w, f, got)
			}
		}
	}
	for f := range synonymList {
		if _, ok := canon.ParseField(string(f)); !ok {
			t.Errorf("synonyms for unknown field %q", f)
		}
	}
}

func FuzzMatchHeader(f *testing.F) {
	for _, s := range []string{"Cognome", "C.F.", "Durata (ore):", "Nº incontri", "Città", "(", ")", "Ente (", "x)"} {
		f.Add(s)
	}
	valid := map[canon.Field]bool{canon.FieldNone: true}
	for _, fl := range canon.Fields {
		valid[fl] = true
	}
	over := map[string]canon.Field{"Denominazione": canon.FieldOrganisation, "Ente": canon.FieldNone}
	f.Fuzz(func(t *testing.T, s string) {
		got := MatchHeader(s, over)
		if !valid[got] {
			t.Fatalf("MatchHeader(%q) = unknown field %q", s, got)
		}
		if !utf8.ValidString(s) {
			return
		}
		// Surrounding space, trailing colons and ASCII case do not matter.
		if g := MatchHeader("  "+s+" :", over); g != got {
			t.Errorf("MatchHeader(%q) = %q but %q with space and colon", s, got, g)
		}
		if isASCII(s) {
			if g := MatchHeader(strings.ToUpper(s), over); g != got {
				t.Errorf("MatchHeader(%q) = %q but %q upper-cased", s, got, g)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
