package sinks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

// The publishing fixture: a Cremona with exactly the figures of domain.md and
// a small, stale Lodi that shares two persons with it.
//
// Cremona: 12 modules (sites 7/2/3, axes I:1 II:1 IV:10, 16 h, 45 sessions),
// persons cr0..cr368: cr0..cr35 take 2 modules, cr36..cr51 take 3, cr52..cr245
// one (246 persons, 52 repeaters, 314 participations); men are cr52..cr95 (44
// participations); cr246..cr329 not accepted (84), cr330..cr368 withdrawn (39).
// Every participation attended 12 of 16 hours (75%); a few have no hours.
//
// Lodi: modules LO:m01 (axis V, Lodi, 2013) and LO:m02 (axis III, Codogno, no
// dates); participations by cr0, cr100, lo1 (twice), lo2; lo3 not accepted;
// lo4 status not indicated. Region: 444 applications, 248 persons, 54 repeaters.
type fixturePerson struct {
	id, surname, given, taxCode, email, phone string
	sex                                       string
	birth                                     time.Time
}

var fixtureSurnames = []string{"Brambilla", "Ferrabosco", "Guarneri", "Lanzoni", "Maffezzoni", "Oldrati", "Pedretti", "Quaranta", "Rottoli", "Soldavini", "Tirabassi", "Vismara"}
var fixtureGiven = []string{"Giuseppina", "Marisa", "Ornella", "Rosangela", "Tiziana", "Valentino", "Ermenegildo", "Fiorenza", "Annunziata", "Gianpiero"}

func fixtureWho(id string, i int, sex string) fixturePerson {
	return fixturePerson{
		id:      id,
		surname: fmt.Sprintf("%s%c%c", fixtureSurnames[i%len(fixtureSurnames)], 'a'+rune(i/26%26), 'a'+rune(i%26)),
		given:   fixtureGiven[i%len(fixtureGiven)],
		taxCode: fmt.Sprintf("ZZQ%03dK%02dA%02dX%03dW", i, 50+i%40, 1+i%28, i%1000),
		email:   fmt.Sprintf("iscritto.%04d@comune-fixture.it", i),
		phone:   fmt.Sprintf("+390372%06d", 400000+i),
		sex:     sex,
		birth:   time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 53*i),
	}
}

var crModuleTitles = []string{
	"Certificazione delle competenze: metodologie e pratiche di validazione",
	"Lavoratori stranieri e procedure di ingresso: l'impatto della legislazione sui servizi al lavoro",
	"Immigrazione formato famiglia", "Immigrazione formato famiglia", "Immigrazione formato famiglia",
	"La violenza sulle donne in un'ottica interculturale", "La violenza sulle donne in un'ottica interculturale",
	"La violenza sulle donne in un'ottica interculturale", "Salute e immigrazione",
	"I servizi territoriali: la presa in carico di utenti stranieri",
	"Donne straniere e conciliazione vita-lavoro",
	"L'accesso ai servizi di utenti stranieri: acquisire competenza interculturale",
}

// fixtureStale is when Lodi's data stopped being refreshed.
var fixtureStale = time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)

// newFixture opens an in-memory warehouse and fills it; it returns the db and
// every person of the fixture (for the personal-data tests).
func newFixture(t testing.TB) (*sql.DB, []fixturePerson) {
	t.Helper()
	ctx := context.Background()
	w, err := OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(ctx) })
	db := w.DB
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO provinces (province_code, istat_code, name, partner, stale_since, last_good_run) VALUES ('CR', '019', 'Cremona', true, NULL, 'r1'), ('LO', '098', 'Lodi', true, ?, 'r0'), ('MI', '015', 'Milano', true, NULL, NULL)`, fixtureStale)

	mod := `INSERT INTO modules (module_id, province_code, title, title_fold, site, axis, planned_hours, sessions, start_date, end_date, from_catalogue)
	        VALUES (?, ?, ?, upper(?), ?, ?, ?, ?, ?, ?, true)`
	for i, title := range crModuleTitles {
		site, axis, sessions := "Cremona", "IV", 4
		switch {
		case i >= 9:
			site, sessions = "Casalmaggiore", 3
		case i >= 7:
			site = "Crema"
		}
		switch i {
		case 0:
			axis = "I"
		case 1:
			axis = "II"
		}
		start := time.Date(2013, 1, 14, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 14*i)
		exec(mod, fmt.Sprintf("CR:m%02d", i+1), "CR", title, title, site, axis, 16.0, sessions, start, start.AddDate(0, 0, 28))
	}
	exec(mod, "LO:m01", "LO", "Minori stranieri a scuola", "Minori stranieri a scuola", "Lodi", "V", 20.0, 5, time.Date(2013, 9, 10, 0, 0, 0, 0, time.UTC), nil)
	exec(mod, "LO:m02", "LO", "+SUM(1;2) casa e territorio", "casa e territorio", "@Codogno", "III", 10.0, 2, nil, nil)

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO enrolments (enrolment_id, run_id, province_code, source_file, source_sha256, sheet, source_row,
		module_id, person_id, surname, given_name, display_name, surname_fold, given_name_fold, tax_code, tax_code_status,
		sex, birth_date, email, phone, organisation, organisation_type, role, module_title, module_fold,
		application_date, status, hours_attended, satisfaction)
		VALUES (?, 'r1', ?, ?, 'feedfacefeedface', 'Iscritti', ?, ?, ?, ?, ?, ?, upper(?), upper(?), ?, 'valid', ?, ?, ?, ?, ?, ?, 'Assistente sociale', 'x', 'X', ?, ?, ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	var people []fixturePerson
	seen := map[string]bool{}
	row := 1
	add := func(prov string, p fixturePerson, module string, status any, hours, satisf any, orgType string, appDate any) {
		t.Helper()
		if !seen[p.id] {
			seen[p.id] = true
			people = append(people, p)
		}
		row++
		var sex any
		if p.sex != "" {
			sex = p.sex
		}
		_, err := ins.ExecContext(ctx, fmt.Sprintf("e%06d", row), prov, "iscrizioni_"+prov+".xlsx", row, module, p.id,
			p.surname, p.given, p.surname+" "+p.given, p.surname, p.given, p.taxCode, sex, p.birth, p.email, p.phone,
			"Comune di "+p.surname, orgType, appDate, status, hours, satisf)
		if err != nil {
			t.Fatalf("inserting row %d: %v", row, err)
		}
	}
	crPerson := func(i int) fixturePerson {
		sex := "F"
		if i >= 52 && i < 96 {
			sex = "M"
		}
		return fixtureWho(fmt.Sprintf("P-cr%03d", i), i, sex)
	}
	orgTypes := []string{"Comune", "ASL", "Terzo settore", "Questura"}
	for i := 0; i < 246; i++ {
		k := 1
		switch {
		case i < 36:
			k = 2
		case i < 52:
			k = 3
		}
		for j := 0; j < k; j++ {
			var hours, satisf any = 12.0, float64(3 + (i+j)%2)
			if i%50 == 7 && j == 0 {
				hours = nil
			}
			if i%40 == 3 {
				satisf = nil
			}
			orgType := orgTypes[i%len(orgTypes)]
			if i == 5 {
				orgType = `=HYPERLINK("http://evil.example","clic")`
			}
			add("CR", crPerson(i), fmt.Sprintf("CR:m%02d", (i+j*5)%12+1), "accepted", hours, satisf, orgType, nil)
		}
	}
	for i := 246; i < 369; i++ {
		status := "not_accepted"
		if i >= 330 {
			status = "withdrawn"
		}
		add("CR", crPerson(i), fmt.Sprintf("CR:m%02d", i%12+1), status, nil, nil, "-Comune", nil)
	}
	lo := func(i int, sex string) fixturePerson { return fixtureWho(fmt.Sprintf("P-lo%d", i), 500+i, sex) }
	app2014 := time.Date(2014, 2, 3, 0, 0, 0, 0, time.UTC)
	add("LO", crPerson(0), "LO:m01", "accepted", 15.0, 5.0, "ASL", nil)
	add("LO", crPerson(100), "LO:m01", "accepted", 20.0, 4.0, "ASL", nil)
	add("LO", lo(1, "M"), "LO:m01", "accepted", 10.0, 2.0, "Comune", nil)
	add("LO", lo(1, "M"), "LO:m02", "accepted", 5.0, nil, "Comune", app2014)
	add("LO", lo(2, ""), "LO:m02", "accepted", nil, nil, "Comune", nil)
	add("LO", lo(3, "F"), "LO:m02", "not_accepted", nil, nil, "Comune", app2014)
	add("LO", lo(4, "F"), "LO:m01", "not_indicated", nil, nil, "Comune", nil)
	if err := ins.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db, people
}

// crSatisfaction is the average satisfaction the fixture gives Cremona.
func crSatisfaction() float64 {
	var sum, n float64
	for i := 0; i < 246; i++ {
		k := map[bool]int{true: 2, false: 1}[i < 36]
		if i >= 36 && i < 52 {
			k = 3
		}
		for j := 0; j < k; j++ {
			if i%40 != 3 {
				sum += float64(3 + (i+j)%2)
				n++
			}
		}
	}
	return sum / n
}

func ptr(f float64) *float64 { return &f }

func TestIndicators(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	axes := func(n ...int) []Count {
		titles := []string{"Educazione e apprendimento: dalla lingua ai valori", "Lavoro", "Alloggio e governo del territorio", "Accesso ai servizi essenziali", "Minori e seconde generazioni"}
		keys := []string{"I", "II", "III", "IV", "V"}
		var cs []Count
		for i := range keys {
			cs = append(cs, Count{Key: keys[i], Label: titles[i], N: n[i]})
		}
		return cs
	}
	tests := []struct {
		name     string
		province string
		want     Figures
	}{
		{"Cremona", "CR", Figures{
			Province: "CR", Name: "Cremona",
			Applications: 437, NotAccepted: 84, Accepted: 353, Withdrawn: 39, Participations: 314,
			NotAcceptedShare: 84.0 / 437, WithdrawnShare: 39.0 / 437, ParticipationsShare: 314.0 / 437,
			Women: 270, Men: 44, WomenShare: 270.0 / 314, MenShare: 44.0 / 314,
			Persons: 246, Repeaters: 52, Modules: 12,
			ModulesBySite:  []Count{{"Cremona", "Cremona", 7}, {"Casalmaggiore", "Casalmaggiore", 3}, {"Crema", "Crema", 2}},
			ModulesByAxis:  axes(1, 1, 0, 10, 0),
			HoursDelivered: 192, Sessions: 45,
			Attendance: ptr(0.75), AttendanceRows: 314 - 5, Satisfaction: ptr(crSatisfaction()), SatisfactionRows: 314 - 10,
		}},
		{"Lodi, stale", "LO", Figures{
			Province: "LO", Name: "Lodi",
			Applications: 7, NotAccepted: 1, Accepted: 5, Withdrawn: 0, Participations: 5, NotIndicated: 1,
			NotAcceptedShare: 1.0 / 7, ParticipationsShare: 5.0 / 7,
			Women: 2, Men: 2, SexUnknown: 1, WomenShare: 0.4, MenShare: 0.4,
			Persons: 4, Repeaters: 1, Modules: 2,
			ModulesBySite:  []Count{{"@Codogno", "@Codogno", 1}, {"Lodi", "Lodi", 1}},
			ModulesByAxis:  axes(0, 0, 1, 0, 1),
			HoursDelivered: 30, Sessions: 7,
			Attendance: ptr(50.0 / 70), AttendanceRows: 4, Satisfaction: ptr(11.0 / 3), SatisfactionRows: 3,
			StaleSince: &fixtureStale, StaleProvinces: []string{"LO"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Indicators(ctx, db, tc.province)
			if err != nil {
				t.Fatal(err)
			}
			compareFigures(t, got, tc.want)
		})
	}
	t.Run("region counts persons once", func(t *testing.T) {
		got, err := Indicators(ctx, db, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Province != "" || got.Name != "Lombardia" {
			t.Errorf("scope %q %q", got.Province, got.Name)
		}
		checks := []struct {
			name      string
			got, want int
		}{
			{"applications", got.Applications, 444}, {"participations", got.Participations, 319},
			{"persons", got.Persons, 248}, {"repeaters", got.Repeaters, 54}, {"modules", got.Modules, 14},
			{"sessions", got.Sessions, 52}, {"women", got.Women, 272}, {"men", got.Men, 46},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
			}
		}
		if got.StaleSince == nil || !got.StaleSince.Equal(fixtureStale) || !reflect.DeepEqual(got.StaleProvinces, []string{"LO"}) {
			t.Errorf("stale %v %v", got.StaleSince, got.StaleProvinces)
		}
		if len(got.ModulesBySite) != 5 || got.ModulesBySite[0] != (Count{"Cremona", "Cremona", 7}) {
			t.Errorf("sites %v", got.ModulesBySite)
		}
	})
	t.Run("unknown province", func(t *testing.T) {
		if _, err := Indicators(ctx, db, "MI"); !errors.Is(err, ErrNoScope) {
			t.Fatalf("error %v, want ErrNoScope", err)
		}
	})
}

func compareFigures(t *testing.T, got, want Figures) {
	t.Helper()
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	nearPtr := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || near(*a, *b)) }
	floats := []struct {
		name      string
		got, want float64
	}{
		{"NotAcceptedShare", got.NotAcceptedShare, want.NotAcceptedShare},
		{"WithdrawnShare", got.WithdrawnShare, want.WithdrawnShare},
		{"ParticipationsShare", got.ParticipationsShare, want.ParticipationsShare},
		{"WomenShare", got.WomenShare, want.WomenShare}, {"MenShare", got.MenShare, want.MenShare},
		{"HoursDelivered", got.HoursDelivered, want.HoursDelivered},
	}
	for _, f := range floats {
		if !near(f.got, f.want) {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if !nearPtr(got.Attendance, want.Attendance) || !nearPtr(got.Satisfaction, want.Satisfaction) {
		t.Errorf("attendance %v satisfaction %v, want %v %v", deref(got.Attendance), deref(got.Satisfaction), deref(want.Attendance), deref(want.Satisfaction))
	}
	if (got.StaleSince == nil) != (want.StaleSince == nil) || (got.StaleSince != nil && !got.StaleSince.Equal(*want.StaleSince)) {
		t.Errorf("StaleSince = %v, want %v", got.StaleSince, want.StaleSince)
	}
	// Everything else compares exactly.
	g, w := got, want
	for _, f := range []*Figures{&g, &w} {
		f.NotAcceptedShare, f.WithdrawnShare, f.ParticipationsShare, f.WomenShare, f.MenShare, f.HoursDelivered = 0, 0, 0, 0, 0, 0
		f.Attendance, f.Satisfaction, f.StaleSince = nil, nil, nil
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("figures\n got %+v\nwant %+v", g, w)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func TestViewsAreDocumented(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	views := []string{"applications", "participations", "person_summary", "indicators", "indicators_module",
		"indicators_axis", "indicators_site", "indicators_sex", "indicators_organisation_type"}
	for _, v := range views {
		t.Run(v, func(t *testing.T) {
			var comment sql.NullString
			if err := db.QueryRowContext(ctx, "SELECT comment FROM duckdb_views() WHERE view_name = ?", v).Scan(&comment); err != nil {
				t.Fatalf("view %s: %v", v, err)
			}
			if comment.String == "" {
				t.Errorf("view %s has no COMMENT", v)
			}
			rows, err := db.QueryContext(ctx, "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND (comment IS NULL OR comment = '')", v)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var c string
				rows.Scan(&c)
				t.Errorf("column %s.%s has no COMMENT", v, c)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+v).Scan(&n); err != nil || n == 0 {
				t.Errorf("view %s: %d rows, %v", v, n, err)
			}
		})
	}
}

func TestBreakdownViews(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	tests := []struct {
		name, query string
		want        float64
	}{
		{"module participations sum to province", "SELECT sum(participations) FROM indicators_module WHERE province_code = 'CR'", 314},
		{"module attendance", "SELECT attendance FROM indicators_module WHERE module_id = 'CR:m01'", 0.75},
		{"axis participations sum to province", "SELECT sum(participations) FROM indicators_axis WHERE level = 'province' AND province_code = 'CR'", 314},
		{"region axis modules", "SELECT sum(modules) FROM indicators_axis WHERE level = 'region'", 14},
		{"site hours", "SELECT hours_delivered FROM indicators_site WHERE province_code = 'CR' AND site = 'Cremona'", 112},
		{"sex share", "SELECT share FROM indicators_sex WHERE level = 'province' AND province_code = 'CR' AND sex = 'F'", 270.0 / 314},
		{"region persons by sex", "SELECT sum(persons) FROM indicators_sex WHERE level = 'region'", 248},
		{"organisation types sum", "SELECT sum(participations) FROM indicators_organisation_type WHERE level = 'region'", 319},
		{"person summary", "SELECT participations FROM person_summary WHERE person_id = 'P-cr000'", 3},
		{"person provinces", "SELECT province_count FROM person_summary WHERE person_id = 'P-cr100'", 2},
		{"age band unknown only without a year", "SELECT count(*) FROM applications WHERE age_band IS NULL", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got float64
			if err := db.QueryRowContext(ctx, tc.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("%s = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}
