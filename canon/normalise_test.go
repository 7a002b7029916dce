package canon

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// testColumns is the layout of the test sheet.
var testColumns = func() []Column {
	spec := []struct {
		header string
		field  Field
	}{
		{"Cognome", FieldSurname}, {"Nome", FieldGivenName}, {"Cognome e nome", FieldFullName},
		{"Codice fiscale", FieldTaxCode}, {"Sesso", FieldSex}, {"Data di nascita", FieldBirthDate},
		{"Ente", FieldOrganisation}, {"Modulo", FieldModule}, {"Ore previste", FieldPlannedHours},
		{"Esito", FieldStatus}, {"Ore frequentate", FieldHoursAttended}, {"Gradimento", FieldSatisfaction},
		{"E-mail", FieldEmail}, {"Telefono", FieldPhone}, {"Note", FieldNone}, {"Asse", FieldAxis},
		{"Incontri", FieldSessions}, {"Data inizio", FieldStartDate}, {"Comune di nascita", FieldBirthPlace},
		{"Data domanda", FieldApplicationDate}, {"Ente (tipo)", FieldOrganisationType}, {"Qualifica", FieldRole},
	}
	cols := make([]Column, len(spec))
	for i, s := range spec {
		cols[i] = Column{Index: i, Letter: columnLetters(i), Header: s.header, Field: s.field}
	}
	return cols
}()

func testContext() *RowContext {
	return &RowContext{ProvinceCode: "CR", SourceFile: "iscrizioni.xlsx", SourceSHA256: "abc123",
		Sheet: "Iscrizioni", Columns: testColumns, Now: refNow}
}

// mkRow builds row 7 from letter/value pairs.
func mkRow(kv ...string) RawRow {
	r := RawRow{Row: 7, Cells: make([]string, len(testColumns))}
	for i := 0; i+1 < len(kv); i += 2 {
		idx := 0
		for _, c := range kv[i] {
			idx = idx*26 + int(c-'A'+1)
		}
		idx--
		for len(r.Cells) <= idx {
			r.Cells = append(r.Cells, "")
		}
		r.Cells[idx] = kv[i+1]
	}
	return r
}

// person gives the cells of a clean row, with overrides after.
func person(overrides ...string) RawRow {
	base := []string{"A", "ROSSI", "B", "Maria", "D", "RSSMRA75D43D150D", "E", "F", "F", "03/04/1975",
		"G", "Comune di Cremona", "H", "Salute e immigrazione", "I", "16", "J", "Ammessa", "K", "16", "L", "4"}
	return mkRow(append(base, overrides...)...)
}

func ptr[T any](v T) *T { return &v }

func TestColumnLetters(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA", -1: ""} {
		if got := columnLetters(i); got != want {
			t.Errorf("columnLetters(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestNormaliseRowExpected feeds the rows of shared/samples/expected.csv,
// typed as the provinces type them, and checks the canonical values.
func TestNormaliseRowExpected(t *testing.T) {
	tests := []struct {
		name string
		row  RawRow
		want Enrolment
	}{
		{"upper-case surname, serial birth date", mkRow("A", "ROSSI", "B", "Maria", "D", "RSSMRA75D43D150D", "E", "F", "F", "27487",
			"G", "Comune di Cremona", "H", "Salute e immigrazione", "J", "ammessa", "K", "16", "L", "4"),
			Enrolment{Surname: "ROSSI", GivenName: "Maria", DisplayName: "Rossi Maria", SurnameFold: "ROSSI", GivenNameFold: "MARIA",
				TaxCode: "RSSMRA75D43D150D", TaxCodeStatus: TaxCodeValid, Sex: "F", BirthDate: ptr(date(1975, 4, 3)),
				Organisation: "Comune di Cremona", OrganisationFold: "COMUNEDICREMONA",
				ModuleTitle: "Salute e immigrazione", ModuleFold: "SALUTEEIMMIGRAZIONE",
				Status: StatusAccepted, StatusRaw: "ammessa", HoursAttended: ptr(16.0), Satisfaction: ptr(4.0)}},
		{"apostrophe and accent, decimal comma", mkRow("A", "D'ANGELO", "B", "Nicolò", "D", "dng ncl 80t01 d150c", "E", "Maschio", "F", "1/12/80",
			"G", "ASL di Cremona", "H", "Salute e immigrazione", "J", "sì", "K", "12,5", "L", "ottimo"),
			Enrolment{Surname: "D'ANGELO", GivenName: "Nicolò", DisplayName: "D'Angelo Nicolò", SurnameFold: "DANGELO", GivenNameFold: "NICOLO",
				TaxCode: "DNGNCL80T01D150C", TaxCodeStatus: TaxCodeValid, Sex: "M", BirthDate: ptr(date(1980, 12, 1)),
				Organisation: "ASL di Cremona", OrganisationFold: "ASLDICREMONA",
				ModuleTitle: "Salute e immigrazione", ModuleFold: "SALUTEEIMMIGRAZIONE",
				Status: StatusAccepted, StatusRaw: "sì", HoursAttended: ptr(12.5), Satisfaction: ptr(5.0)}},
		{"full name cell, not accepted", mkRow("C", "DE LUCA Maria Grazia", "D", "DLCMGR69L55D142V", "E", "F", "F", "15.07.1969",
			"G", "Questura di Cremona", "H", "Immigrazione formato famiglia", "J", "Non ammessa"),
			Enrolment{Surname: "DE LUCA", GivenName: "Maria Grazia", DisplayName: "De Luca Maria Grazia", SurnameFold: "DELUCA", GivenNameFold: "MARIAGRAZIA",
				TaxCode: "DLCMGR69L55D142V", TaxCodeStatus: TaxCodeValid, Sex: "F", BirthDate: ptr(date(1969, 7, 15)),
				Organisation: "Questura di Cremona", OrganisationFold: "QUESTURADICREMONA",
				ModuleTitle: "Immigrazione formato famiglia", ModuleFold: "IMMIGRAZIONEFORMATOFAMIGLIA",
				Status: StatusNotAccepted, StatusRaw: "Non ammessa"}},
		{"sex and birth date from the tax code, withdrawn", mkRow("A", "Hoxha", "B", "Elona", "D", "HXHLNE88B69Z100Q",
			"G", "Cooperativa Sociale Il Ponte", "H", "Immigrazione formato famiglia", "J", "ritirata"),
			Enrolment{Surname: "Hoxha", GivenName: "Elona", DisplayName: "Hoxha Elona", SurnameFold: "HOXHA", GivenNameFold: "ELONA",
				TaxCode: "HXHLNE88B69Z100Q", TaxCodeStatus: TaxCodeValid, Sex: "F", BirthDate: ptr(date(1988, 2, 29)),
				Organisation: "Cooperativa Sociale Il Ponte", OrganisationFold: "COOPERATIVASOCIALEILPONTE",
				ModuleTitle: "Immigrazione formato famiglia", ModuleFold: "IMMIGRAZIONEFORMATOFAMIGLIA",
				Status: StatusWithdrawn, StatusRaw: "ritirata"}},
		{"no tax code, hours with unit", mkRow("A", "Bianchi", "B", "Luca", "E", "m", "F", "30 novembre 1958",
			"G", "Provincia di Cremona", "H", "Donne straniere e conciliazione vita-lavoro", "J", "OK", "K", "8 ore", "L", "3/5"),
			Enrolment{Surname: "Bianchi", GivenName: "Luca", DisplayName: "Bianchi Luca", SurnameFold: "BIANCHI", GivenNameFold: "LUCA",
				TaxCodeStatus: TaxCodeMissing, Sex: "M", BirthDate: ptr(date(1958, 11, 30)),
				Organisation: "Provincia di Cremona", OrganisationFold: "PROVINCIADICREMONA",
				ModuleTitle: "Donne straniere e conciliazione vita-lavoro", ModuleFold: "DONNESTRANIEREECONCILIAZIONEVITALAVORO",
				Status: StatusAccepted, StatusRaw: "OK", HoursAttended: ptr(8.0), Satisfaction: ptr(3.0)}},
		{"ISO date with time, 1904 irrelevant", mkRow("A", " ESPOSITO ", "B", "Anna\u00a0", "D", "SPSNNA91A49B898M", "E", "Donna", "F", "1991-01-09T00:00:00",
			"G", "Comune  di Casalmaggiore", "H", "Donne straniere e conciliazione vita-lavoro", "J", "accettata", "K", "14h", "L", "2"),
			Enrolment{Surname: "ESPOSITO", GivenName: "Anna", DisplayName: "Esposito Anna", SurnameFold: "ESPOSITO", GivenNameFold: "ANNA",
				TaxCode: "SPSNNA91A49B898M", TaxCodeStatus: TaxCodeValid, Sex: "F", BirthDate: ptr(date(1991, 1, 9)),
				Organisation: "Comune di Casalmaggiore", OrganisationFold: "COMUNEDICASALMAGGIORE",
				ModuleTitle: "Donne straniere e conciliazione vita-lavoro", ModuleFold: "DONNESTRANIEREECONCILIAZIONEVITALAVORO",
				Status: StatusAccepted, StatusRaw: "accettata", HoursAttended: ptr(14.0), Satisfaction: ptr(2.0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, issues, rej := NormaliseRow(testContext(), tc.row)
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			if len(issues) != 0 || len(got.Flags) != 0 {
				t.Errorf("issues %+v, flags %v", issues, got.Flags)
			}
			want := tc.want
			want.ProvinceCode, want.SourceFile, want.SourceSHA256, want.Sheet, want.SourceRow = "CR", "iscrizioni.xlsx", "abc123", "Iscrizioni", 7
			if g, w := fmt.Sprintf("%+v", deref(got)), fmt.Sprintf("%+v", deref(want)); g != w {
				t.Errorf("NormaliseRow =\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// deref makes an Enrolment printable with its pointer fields' values.
func deref(e Enrolment) map[string]any {
	d := func(p *time.Time) any {
		if p == nil {
			return nil
		}
		return p.Format(time.DateOnly)
	}
	f := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	var s any
	if e.Sessions != nil {
		s = *e.Sessions
	}
	return map[string]any{"e": fmt.Sprintf("%+v", struct {
		A, B, C, D, E, F string
	}{e.Surname, e.GivenName, e.DisplayName, e.SurnameFold, e.GivenNameFold, e.TaxCode}),
		"lineage": []any{e.ProvinceCode, e.SourceFile, e.SourceSHA256, e.Sheet, e.SourceRow},
		"person":  []any{e.TaxCodeStatus, e.Sex, d(e.BirthDate), e.BirthPlace, e.BirthPlaceFold, e.Email, e.Phone, e.Municipality, e.MunicipalityFold},
		"org":     []any{e.Organisation, e.OrganisationFold, e.OrganisationType, e.OrganisationTypeFold, e.Role, e.RoleFold},
		"module":  []any{e.ModuleCode, e.ModuleTitle, e.ModuleFold, e.Edition, e.Site, e.Axis, f(e.PlannedHours), s, d(e.StartDate), d(e.EndDate)},
		"outcome": []any{d(e.ApplicationDate), e.Status, e.StatusRaw, f(e.HoursAttended), f(e.Satisfaction)},
		"flags":   e.Flags, "extras": e.Extras,
	}
}

func TestNormaliseRowRejections(t *testing.T) {
	tests := []struct {
		name   string
		row    RawRow
		code   string
		column string
		field  Field
	}{
		{"no identity", mkRow("G", "Comune di Cremona", "H", "Salute"), ReasonMissingIdentity, "A", FieldSurname},
		{"blank names only", mkRow("A", " \u00a0", "B", "-", "H", "Salute"), ReasonMissingIdentity, "A", FieldSurname},
		{"unreadable e-mail is no identity", mkRow("M", "maria.rossi", "H", "Salute"), ReasonMissingIdentity, "A", FieldSurname},
		{"no module", mkRow("A", "ROSSI", "B", "Maria"), ReasonMissingModule, "H", FieldModule},
		{"tax code but no module", mkRow("D", "RSSMRA75D43D150D"), ReasonMissingModule, "H", FieldModule},
		{"nothing at all", mkRow(), ReasonMissingIdentity, "A", FieldSurname},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, issues, rej := NormaliseRow(testContext(), tc.row)
			if rej == nil {
				t.Fatalf("kept: %+v", e)
			}
			if rej.Code != tc.code || rej.Column != tc.column || rej.Field != tc.field || rej.Detail == "" {
				t.Errorf("rejection %+v, want %s at %s (%s)", rej, tc.code, tc.column, tc.field)
			}
			if issues != nil || e.SourceRow != 7 || e.Sheet != "Iscrizioni" || e.Email != "" || e.TaxCode != "" {
				t.Errorf("issues %v, lineage %+v", issues, e)
			}
			if strings.Contains(rej.Detail, "ROSSI") || strings.Contains(rej.Detail, "Maria") || strings.Contains(rej.String(), "ROSSI") {
				t.Errorf("personal data in %q", rej.Detail)
			}
		})
	}
	// Without a surname column, the full-name column is blamed.
	rc := testContext()
	rc.Columns = []Column{{Index: 2, Letter: "C", Header: "Nominativo", Field: FieldFullName}, {Index: 7, Letter: "H", Header: "Modulo", Field: FieldModule}}
	_, _, rej := NormaliseRow(rc, mkRow("H", "Salute"))
	if rej == nil || rej.Code != ReasonMissingIdentity || rej.Column != "C" {
		t.Errorf("rejection %+v, want missing identity at C", rej)
	}
}

// TestNormaliseRowPartialIdentity: a row that names a module and carries
// some identity is an application; what it lacks is flagged.
func TestNormaliseRowPartialIdentity(t *testing.T) {
	tests := []struct {
		name           string
		row            RawRow
		issues         []issueAt
		surname, given string
		display        string
	}{
		{"given name missing, tax code", mkRow("A", "ROSSI", "D", "RSSMRA75D43D150D", "H", "Salute", "J", "amm."),
			[]issueAt{{"B", FlagMissingGivenName}}, "ROSSI", "", "Rossi"},
		{"surname missing, e-mail", mkRow("B", "Maria", "M", "m.rossi@asl.it", "H", "Salute", "J", "amm."),
			[]issueAt{{"A", FlagMissingSurname}}, "", "Maria", "Maria"},
		{"names missing, phone", mkRow("N", "333 1234567", "H", "Salute", "J", "amm."),
			[]issueAt{{"A", FlagMissingSurname}, {"B", FlagMissingGivenName}}, "", "", ""},
		{"names missing, malformed tax code as typed", mkRow("D", "RSSMRA75", "H", "Salute", "J", "amm."),
			[]issueAt{{"A", FlagMissingSurname}, {"B", FlagMissingGivenName}, {"D", FlagTaxCodeInvalid}}, "", "", ""},
		{"surname only", mkRow("A", "ROSSI", "H", "Salute", "J", "amm."),
			[]issueAt{{"B", FlagMissingGivenName}}, "ROSSI", "", "Rossi"},
		{"single-word full name", mkRow("C", "ROSSI", "H", "Salute", "J", "amm."),
			[]issueAt{{"B", FlagMissingGivenName}, {"C", FlagNameUnsplittable}}, "ROSSI", "", "Rossi"},
		{"single word after a comma is the given name", mkRow("C", ", Maria", "H", "Salute", "J", "amm."),
			[]issueAt{{"A", FlagMissingSurname}, {"C", FlagNameUnsplittable}}, "", "Maria", "Maria"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, issues, rej := NormaliseRow(testContext(), tc.row)
			if rej != nil {
				t.Fatalf("quarantined: %v", rej)
			}
			var got []issueAt
			for _, is := range issues {
				got = append(got, issueAt{is.Column, is.Code})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.issues) {
				t.Errorf("issues %v, want %v", got, tc.issues)
			}
			if e.Surname != tc.surname || e.GivenName != tc.given || e.DisplayName != tc.display ||
				e.SurnameFold != Fold(tc.surname) || e.GivenNameFold != Fold(tc.given) {
				t.Errorf("names %q %q %q", e.Surname, e.GivenName, e.DisplayName)
			}
			if e.Status != StatusAccepted || e.ModuleTitle != "Salute" {
				t.Errorf("status %q module %q", e.Status, e.ModuleTitle)
			}
		})
	}
}

// issueAt is an expected issue: its column and code.
type issueAt struct{ column, code string }

func TestNormaliseRowIssues(t *testing.T) {
	tests := []struct {
		name   string
		row    RawRow
		issues []issueAt
		check  func(t *testing.T, e Enrolment)
	}{
		{"clean", person(), nil, func(t *testing.T, e Enrolment) {
			if e.Sex != "F" || e.HoursAttended == nil || *e.HoursAttended != 16 || *e.PlannedHours != 16 {
				t.Errorf("%+v", e)
			}
		}},
		{"guessed name split", mkRow("C", "Rossi Maria", "H", "Salute", "J", "sì"), []issueAt{{"C", FlagNameSplitGuessed}}, func(t *testing.T, e Enrolment) {
			if e.Surname != "Rossi" || e.GivenName != "Maria" {
				t.Errorf("split %q %q", e.Surname, e.GivenName)
			}
		}},
		{"separate names win over full name", person("C", "Bianchi Luca"), nil, func(t *testing.T, e Enrolment) {
			if e.Surname != "ROSSI" || e.GivenName != "Maria" {
				t.Errorf("names %q %q", e.Surname, e.GivenName)
			}
		}},
		{"full name fills the missing given name", person("B", "", "C", "ROSSI Maria"), nil, func(t *testing.T, e Enrolment) {
			if e.Surname != "ROSSI" || e.GivenName != "Maria" {
				t.Errorf("names %q %q", e.Surname, e.GivenName)
			}
		}},
		{"sex conflicts with tax code", person("E", "M"), []issueAt{{"E", FlagTaxCodeSexConflict}}, func(t *testing.T, e Enrolment) {
			if e.Sex != "M" {
				t.Errorf("declared sex not kept: %q", e.Sex)
			}
		}},
		{"birth date conflicts with tax code", person("F", "04/03/1975"), []issueAt{{"F", FlagTaxCodeBirthConflict}}, func(t *testing.T, e Enrolment) {
			if !e.BirthDate.Equal(date(1975, 3, 4)) {
				t.Errorf("declared birth date not kept: %v", e.BirthDate)
			}
		}},
		{"unreadable sex and birth date derived from tax code", person("E", "?", "F", "boh"),
			[]issueAt{{"E", FlagSexUnreadable}, {"F", FlagBirthDateUnreadable}}, func(t *testing.T, e Enrolment) {
				if e.Sex != "F" || !e.BirthDate.Equal(date(1975, 4, 3)) {
					t.Errorf("not derived: %q %v", e.Sex, e.BirthDate)
				}
			}},
		{"future birth date", person("D", "", "F", "03/04/2030"), []issueAt{{"F", FlagBirthDateImplausible}}, func(t *testing.T, e Enrolment) {
			if e.BirthDate != nil {
				t.Errorf("birth date kept: %v", e.BirthDate)
			}
		}},
		{"bad check letter", person("D", "RSSMRA75D43D150A"), []issueAt{{"D", FlagTaxCodeBadCheck}}, func(t *testing.T, e Enrolment) {
			if e.TaxCode != "RSSMRA75D43D150A" || e.TaxCodeStatus != TaxCodeBadCheck {
				t.Errorf("tax code %q %q", e.TaxCode, e.TaxCodeStatus)
			}
		}},
		{"not a tax code", person("D", "rssmra"), []issueAt{{"D", FlagTaxCodeInvalid}}, func(t *testing.T, e Enrolment) {
			if e.TaxCode != "RSSMRA" || e.TaxCodeStatus != TaxCodeInvalid {
				t.Errorf("tax code %q %q", e.TaxCode, e.TaxCodeStatus)
			}
		}},
		{"email and phone", person("M", "Maria.Rossi@Comune.Cremona.it", "N", "333 123 4567"), nil, func(t *testing.T, e Enrolment) {
			if e.Email != "maria.rossi@comune.cremona.it" || e.Phone != "+393331234567" {
				t.Errorf("contacts %q %q", e.Email, e.Phone)
			}
		}},
		{"bad email and phone", person("M", "maria.rossi", "N", "12"), []issueAt{{"M", FlagEmailInvalid}, {"N", FlagPhoneInvalid}}, func(t *testing.T, e Enrolment) {
			if e.Email != "" || e.Phone != "" {
				t.Errorf("contacts %q %q", e.Email, e.Phone)
			}
		}},
		{"empty status", person("J", ""), []issueAt{{"J", FlagStatusMissing}}, func(t *testing.T, e Enrolment) {
			if e.Status != StatusNotIndicated || e.StatusRaw != "" {
				t.Errorf("status %q %q", e.Status, e.StatusRaw)
			}
		}},
		{"unreadable status", person("J", "in attesa"), []issueAt{{"J", FlagStatusUnreadable}}, func(t *testing.T, e Enrolment) {
			if e.Status != StatusNotIndicated || e.StatusRaw != "in attesa" {
				t.Errorf("status %q %q", e.Status, e.StatusRaw)
			}
		}},
		{"hours above planned", person("K", "18"), []issueAt{{"K", FlagHoursOutOfRange}}, func(t *testing.T, e Enrolment) {
			if e.HoursAttended != nil {
				t.Errorf("hours kept: %v", *e.HoursAttended)
			}
		}},
		{"negative hours", person("K", "-1"), []issueAt{{"K", FlagHoursOutOfRange}}, nil},
		{"unreadable hours", person("K", "tante"), []issueAt{{"K", FlagHoursUnreadable}}, nil},
		{"hours without planned hours", person("I", "", "K", "18"), nil, func(t *testing.T, e Enrolment) {
			if e.HoursAttended == nil || *e.HoursAttended != 18 {
				t.Errorf("hours %v", e.HoursAttended)
			}
		}},
		{"satisfaction out of range", person("L", "7"), []issueAt{{"L", FlagSatisfactionOutOfRange}}, func(t *testing.T, e Enrolment) {
			if e.Satisfaction != nil {
				t.Errorf("satisfaction kept")
			}
		}},
		{"satisfaction unreadable", person("L", "bello"), []issueAt{{"L", FlagSatisfactionUnreadable}}, nil},
		{"module fields", person("P", "Asse IV", "Q", "4 incontri", "R", "15/01/2013", "U", "Ente pubblico", "V", "Assistente sociale", "S", "Crema", "T", "41275"),
			nil, func(t *testing.T, e Enrolment) {
				if e.Axis != "IV" || *e.Sessions != 4 || !e.StartDate.Equal(date(2013, 1, 15)) || e.OrganisationTypeFold != "ENTEPUBBLICO" ||
					e.RoleFold != "ASSISTENTESOCIALE" || e.BirthPlaceFold != "CREMA" || !e.ApplicationDate.Equal(date(2013, 1, 1)) {
					t.Errorf("%+v", deref(e))
				}
			}},
		{"unreadable module fields", person("I", "sedici", "P", "VI", "Q", "4,5", "R", "32/01/2013"),
			[]issueAt{{"I", FlagNumberUnreadable}, {"P", FlagAxisUnreadable}, {"Q", FlagNumberUnreadable}, {"R", FlagDateUnreadable}}, nil},
		{"placeholders", person("K", "-", "M", "n.d.", "N", "/", "J", "--"), []issueAt{{"J", FlagStatusMissing}}, func(t *testing.T, e Enrolment) {
			if e.HoursAttended != nil || e.Email != "" || e.Phone != "" || e.StatusRaw != "" {
				t.Errorf("%+v", deref(e))
			}
		}},
		{"extras", person("O", "arriva in ritardo", "X", "fuori tabella"), nil, func(t *testing.T, e Enrolment) {
			want := map[string]string{"Note": "arriva in ritardo", "X": "fuori tabella"}
			if fmt.Sprint(e.Extras) != fmt.Sprint(want) {
				t.Errorf("extras %v, want %v", e.Extras, want)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			row := tc.row
			e, issues, rej := NormaliseRow(testContext(), row)
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			var got []issueAt
			for _, is := range issues {
				got = append(got, issueAt{is.Column, is.Code})
				if is.Row != 7 || FieldNone == is.Field && is.Column != "" {
					t.Errorf("issue %+v", is)
				}
				if idx := slices.IndexFunc(testColumns, func(c Column) bool { return c.Letter == is.Column }); idx >= 0 {
					if testColumns[idx].Field != is.Field || row.Cell(idx) != is.Value {
						t.Errorf("issue %+v does not point at its cell", is)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.issues) {
				t.Errorf("issues %v, want %v", got, tc.issues)
			}
			var codes []string
			for _, is := range tc.issues {
				codes = append(codes, is.code)
			}
			slices.Sort(codes)
			codes = slices.Compact(codes)
			if !slices.Equal(e.Flags, codes) {
				t.Errorf("flags %v, want %v", e.Flags, codes)
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

func TestNormaliseRowColumns(t *testing.T) {
	// A field mapped twice: the first non-empty value wins, a differing
	// second one is kept in Extras; a missing status column is flagged.
	rc := testContext()
	rc.Columns = []Column{
		{Index: 0, Letter: "A", Header: "Cognome", Field: FieldSurname},
		{Index: 1, Letter: "B", Header: "Nome", Field: FieldGivenName},
		{Index: 2, Letter: "C", Header: "Corso", Field: FieldModule},
		{Index: 3, Letter: "D", Header: "Titolo corso", Field: FieldModule},
		{Index: 4, Letter: "E", Header: "", Field: FieldNone},
		{Index: 5, Letter: "F", Header: "Note", Field: FieldNone},
		{Index: 6, Letter: "G", Header: "Note", Field: FieldNone},
	}
	e, issues, rej := NormaliseRow(rc, RawRow{Row: 3, Cells: []string{"Rossi", "Maria", "", "Salute", "x", "uno", "due"}})
	if rej != nil {
		t.Fatal(rej)
	}
	if e.ModuleTitle != "Salute" {
		t.Errorf("module %q", e.ModuleTitle)
	}
	want := map[string]string{"E": "x", "Note": "uno", "Note (G)": "due"}
	if fmt.Sprint(e.Extras) != fmt.Sprint(want) {
		t.Errorf("extras %v, want %v", e.Extras, want)
	}
	if len(issues) != 1 || issues[0].Code != FlagStatusMissing || issues[0].Column != "" {
		t.Errorf("issues %+v", issues)
	}
	e, _, _ = NormaliseRow(rc, RawRow{Row: 3, Cells: []string{"Rossi", "Maria", "Salute", "Lavoro"}})
	if e.ModuleTitle != "Salute" || e.Extras["Titolo corso"] != "Lavoro" {
		t.Errorf("module %q, extras %v", e.ModuleTitle, e.Extras)
	}
}

func TestNormaliseModule(t *testing.T) {
	rc := &RowContext{ProvinceCode: "CR", SourceFile: "moduli.xlsx", Sheet: "Moduli", Now: refNow, Columns: []Column{
		{Index: 0, Letter: "A", Header: "Codice", Field: FieldModuleCode},
		{Index: 1, Letter: "B", Header: "Titolo", Field: FieldModule},
		{Index: 2, Letter: "C", Header: "Sede", Field: FieldSite},
		{Index: 3, Letter: "D", Header: "Asse", Field: FieldAxis},
		{Index: 4, Letter: "E", Header: "Ore", Field: FieldPlannedHours},
		{Index: 5, Letter: "F", Header: "Incontri", Field: FieldSessions},
		{Index: 6, Letter: "G", Header: "Inizio", Field: FieldStartDate},
		{Index: 7, Letter: "H", Header: "Fine", Field: FieldEndDate},
		{Index: 8, Letter: "I", Header: "Edizione", Field: FieldEdition},
		{Index: 9, Letter: "J", Header: "Docente", Field: FieldNone},
	}}
	m, issues, rej := NormaliseModule(rc, RawRow{Row: 2, Cells: []string{"M01", " Salute e  immigrazione ", "Cremona", "IV", "16 ore", "4", "41289", "15/02/2013", "1", "Dott. Bianchi"}})
	if rej != nil || len(issues) != 0 {
		t.Fatalf("rejection %v, issues %v", rej, issues)
	}
	if m.ModuleCode != "M01" || m.Title != "Salute e immigrazione" || m.TitleFold != "SALUTEEIMMIGRAZIONE" || m.Site != "Cremona" ||
		m.Axis != "IV" || *m.PlannedHours != 16 || *m.Sessions != 4 || !m.StartDate.Equal(date(2013, 1, 15)) ||
		!m.EndDate.Equal(date(2013, 2, 15)) || m.Edition != "1" || m.Extras["Docente"] != "Dott. Bianchi" || m.SourceRow != 2 || m.ProvinceCode != "CR" {
		t.Errorf("module %+v", m)
	}
	m, issues, rej = NormaliseModule(rc, RawRow{Row: 3, Cells: []string{"M02", "Lavoro", "", "Asse 9", "molte"}})
	if rej != nil || len(issues) != 2 || issues[0].Code != FlagAxisUnreadable || issues[1].Code != FlagNumberUnreadable || m.Axis != "" || m.PlannedHours != nil {
		t.Errorf("rejection %v, issues %+v, module %+v", rej, issues, m)
	}
	_, _, rej = NormaliseModule(rc, RawRow{Row: 4, Cells: []string{"M03", " "}})
	if rej == nil || rej.Code != ReasonMissingModule || rej.Column != "B" {
		t.Errorf("rejection %+v", rej)
	}
}

func FuzzNormaliseRow(f *testing.F) {
	f.Add("ROSSI|Maria||RSSMRA75D43D150D|F|27487|Comune|Salute|16|ammessa|12,5|4|m@x.it|333 1234567|nota|IV|4|41289|Cremona")
	f.Add("|||||||||||||")
	f.Add("||DE LUCA Maria Grazia|DLCMGR69L55D142V|M|3/4/75||Lavoro|x|no|-1|9|@|0|||4,5|31/02/2013|")
	f.Add("a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z")
	f.Fuzz(func(t *testing.T, joined string) {
		row := RawRow{Row: 2, Cells: strings.Split(joined, "|")}
		e, issues, rej := NormaliseRow(testContext(), row)
		if rej != nil {
			if rej.Code == "" || rej.Detail == "" || ReasonTextIT[rej.Code] == "" {
				t.Fatalf("rejection %+v", rej)
			}
			if issues != nil {
				t.Fatalf("issues with a rejection")
			}
			return
		}
		if e.Surname == "" && e.GivenName == "" && e.TaxCode == "" && e.Email == "" && e.Phone == "" ||
			e.ModuleTitle == "" || e.SurnameFold != Fold(e.Surname) || e.GivenNameFold != Fold(e.GivenName) || e.ModuleFold != Fold(e.ModuleTitle) {
			t.Fatalf("kept row without identity or module: %+v", e)
		}
		if !slices.Contains(Statuses, e.Status) {
			t.Fatalf("status %q", e.Status)
		}
		if (e.Surname == "") != slices.Contains(e.Flags, FlagMissingSurname) || (e.GivenName == "") != slices.Contains(e.Flags, FlagMissingGivenName) {
			t.Fatalf("missing names %q %q not flagged: %v", e.Surname, e.GivenName, e.Flags)
		}
		if !slices.IsSorted(e.Flags) || len(slices.Compact(slices.Clone(e.Flags))) != len(e.Flags) {
			t.Fatalf("flags not sorted and unique: %v", e.Flags)
		}
		for _, is := range issues {
			if !slices.Contains(e.Flags, is.Code) || FlagTextIT[is.Code] == "" || is.Row != 2 {
				t.Fatalf("issue %+v not in flags %v", is, e.Flags)
			}
		}
		if e.TaxCodeStatus == TaxCodeValid {
			if c, _ := CheckLetter(e.TaxCode[:15]); c != e.TaxCode[15] {
				t.Fatalf("valid tax code %q", e.TaxCode)
			}
		}
		if e.HoursAttended != nil && (*e.HoursAttended < 0 || e.PlannedHours != nil && *e.HoursAttended > *e.PlannedHours+1e-9) {
			t.Fatalf("hours %v of %v", *e.HoursAttended, e.PlannedHours)
		}
		if e.Satisfaction != nil && (*e.Satisfaction < 1 || *e.Satisfaction > 5) {
			t.Fatalf("satisfaction %v", *e.Satisfaction)
		}
		b := NewBatch(nil, "run")
		defer b.Release()
		b.Append(&e)
		rec := b.NewRecord()
		defer rec.Release()
		if rec.NumRows() != 1 {
			t.Fatalf("record of %d rows", rec.NumRows())
		}
	})
}

func BenchmarkNormaliseRow(b *testing.B) {
	rc := testContext()
	rows := []RawRow{
		person("M", "maria.rossi@comune.cremona.it", "N", "333 1234567", "O", "nota"),
		mkRow("C", "D'ANGELO Nicolò", "D", "DNGNCL80T01D150C", "E", "M", "F", "29556", "G", "ASL di Cremona",
			"H", "Salute e immigrazione", "I", "16", "J", "Ammesso", "K", "12,5", "L", "ottimo"),
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, _, _ = NormaliseRow(rc, rows[i%len(rows)])
	}
}

// TestNormaliseRowModuleByCode: a row that names its module only by code
// (a "Codice corso" column, no title) is loaded, the code standing for the
// title until the catalogue resolves it.
func TestNormaliseRowModuleByCode(t *testing.T) {
	rc := &RowContext{ProvinceCode: "VA", SourceFile: "iscrizioni.xlsx", Sheet: "Iscrizioni", Now: refNow, Columns: []Column{
		{Index: 0, Letter: "A", Header: "Cognome", Field: FieldSurname},
		{Index: 1, Letter: "B", Header: "Nome", Field: FieldGivenName},
		{Index: 2, Letter: "C", Header: "Codice corso", Field: FieldModuleCode},
	}}
	e, _, rej := NormaliseRow(rc, RawRow{Row: 2, Cells: []string{"Rossi", "Maria", " VA1 "}})
	if rej != nil || e.ModuleCode != "VA1" || e.ModuleTitle != "VA1" || e.ModuleFold != "VA1" {
		t.Errorf("rejection %v, code %q title %q fold %q", rej, e.ModuleCode, e.ModuleTitle, e.ModuleFold)
	}
	_, _, rej = NormaliseRow(rc, RawRow{Row: 3, Cells: []string{"Rossi", "Maria", " "}})
	if rej == nil || rej.Code != ReasonMissingModule {
		t.Errorf("no code and no title: rejection %+v", rej)
	}
}
