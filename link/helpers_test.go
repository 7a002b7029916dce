package link

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
	queries "github.com/lombardia-orim/correlare/sql"
)

// warehouse is a migrated DuckDB for tests. (It applies the migrations as
// sinks.OpenWarehouse does, without depending on package sinks.)
type warehouse struct{ DB *sql.DB }

// openTest opens an in-memory migrated warehouse.
func openTest(t testing.TB) *warehouse { return openTestAt(t, "") }

// openTestAt opens a migrated warehouse at path ("" = in memory).
func openTestAt(t testing.TB, path string) *warehouse {
	t.Helper()
	ctx := context.Background()
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close(); c.Close() })
	ms, err := queries.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("migration %s: %v", m.Name, err)
		}
	}
	return &warehouse{DB: db}
}

var enrolmentColumns = []string{"enrolment_id", "run_id", "province_code", "source_file", "source_sha256", "sheet",
	"source_row", "surname", "given_name", "display_name", "surname_fold", "given_name_fold", "tax_code",
	"tax_code_status", "sex", "birth_date", "birth_place", "birth_place_fold", "email", "phone",
	"municipality", "municipality_fold", "organisation", "organisation_fold", "organisation_type", "organisation_type_fold", "role", "role_fold",
	"module_title", "module_fold", "status", "extras"}

func nullStr(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// loadedSynthetic is a connection to an in-memory warehouse holding n
// synthetic enrolments (demo.Synthetic(n, seed, noise)) and their link_rec
// (loadRecords, no extra columns), closed with the test; recs are the
// records loadRecords returned.
func loadedSynthetic(t testing.TB, n int, seed int64, noise demo.Noise) (conn *sql.Conn, recs []record) {
	t.Helper()
	w := openTest(t)
	rows, _ := demo.Synthetic(n, seed, noise)
	insertEnrolments(t, w.DB, rows)
	ctx := context.Background()
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if recs, err = loadRecords(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	return conn, recs
}

// insertEnrolments appends enrolments to the warehouse (person_id NULL).
func insertEnrolments(t testing.TB, db *sql.DB, es []canon.Enrolment) {
	t.Helper()
	if err := appendEnrolments(context.Background(), db, es); err != nil {
		t.Fatal(err)
	}
}

// appendEnrolments appends es to the enrolments table of db.
func appendEnrolments(ctx context.Context, db *sql.DB, es []canon.Enrolment) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderWithColumns(dc.(driver.Conn), "", "", "enrolments", enrolmentColumns)
		if err != nil {
			return err
		}
		for i := range es {
			e := &es[i]
			if e.SourceSHA256 == "" {
				e.SourceSHA256 = "sha-" + e.SourceFile
			}
			var birth driver.Value
			if e.BirthDate != nil {
				birth = *e.BirthDate
			}
			var extras driver.Value
			if len(e.Extras) > 0 {
				m := duckdb.Map{}
				for k, v := range e.Extras {
					m[k] = v
				}
				extras = m
			}
			if err := a.AppendRow(canon.EnrolmentID(e.SourceSHA256, e.Sheet, e.SourceRow), "r1", e.ProvinceCode,
				e.SourceFile, e.SourceSHA256, e.Sheet, int32(e.SourceRow), e.Surname, e.GivenName, e.DisplayName,
				e.SurnameFold, e.GivenNameFold, nullStr(e.TaxCode), e.TaxCodeStatus, nullStr(e.Sex), birth,
				nullStr(e.BirthPlace), nullStr(e.BirthPlaceFold), nullStr(e.Email), nullStr(e.Phone),
				nullStr(e.Municipality), nullStr(e.MunicipalityFold), nullStr(e.Organisation), nullStr(e.OrganisationFold),
				nullStr(e.OrganisationType), nullStr(e.OrganisationTypeFold),
				nullStr(e.Role), nullStr(e.RoleFold), e.ModuleTitle, e.ModuleFold, nullStr(e.Status), extras); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}

// rowSpec is a compact enrolment for hand-written fixtures.
type rowSpec struct {
	file    string
	row     int
	surname string
	given   string
	tax     string // "" none; validity is computed
	sex     string
	birth   string // YYYY-MM-DD or ""
	email   string
	org     string
	module  string
}

func enrolment(s rowSpec) canon.Enrolment {
	e := canon.Enrolment{
		ProvinceCode: "CR", SourceFile: s.file, SourceSHA256: "sha-" + s.file, Sheet: "Iscritti", SourceRow: s.row,
		Surname: s.surname, GivenName: s.given, DisplayName: canon.DisplayName(s.surname, s.given),
		SurnameFold: canon.Fold(s.surname), GivenNameFold: canon.Fold(s.given),
		TaxCode: s.tax, TaxCodeStatus: canon.TaxCodeMissing, Sex: s.sex, Email: s.email,
		Organisation: s.org, OrganisationFold: canon.Fold(s.org),
		ModuleTitle: s.module, ModuleFold: canon.Fold(s.module), Status: canon.StatusAccepted,
	}
	if s.module == "" {
		e.ModuleTitle, e.ModuleFold = "Modulo", "MODULO"
	}
	if s.tax != "" {
		e.TaxCodeStatus = canon.ParseTaxCode(s.tax).Status
	}
	if s.birth != "" {
		d, err := time.Parse("2006-01-02", s.birth)
		if err != nil {
			panic(err)
		}
		e.BirthDate = &d
	}
	return e
}

// synth generates n true persons with 1–4 rows each, with the noise of
// hand-typed lists: typos, swapped names, missing or mistyped tax codes,
// day/month swaps, common names shared by different people. It returns
// the rows and each row's true person.
func synth(n int, seed uint64, heavy bool) ([]canon.Enrolment, []int) {
	r := rand.New(rand.NewPCG(seed, 7))
	surnames := []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
		"Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
		"Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara",
		"Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra",
		"Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri",
		"Fabbri", "Bianco", "Marini", "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti",
		"Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato",
		"Silvestri", "Mazza", "Testa", "Grassi", "Pellegrino", "Carbone", "Giuliani", "El Amrani", "Kaur",
		"Singh", "Popescu", "Hoxha", "Zanetti", "Bertolini", "Pagani", "Brambilla", "Galimberti"}
	femaleNames := []string{"Maria", "Anna", "Giulia", "Francesca", "Sara", "Laura", "Chiara", "Elena",
		"Paola", "Silvia", "Valentina", "Federica", "Alessandra", "Roberta", "Cristina", "Monica", "Barbara",
		"Elisa", "Marta", "Simona", "Maria Grazia", "Fatima", "Daniela", "Nadia", "Ilaria"}
	maleNames := []string{"Marco", "Giuseppe", "Luca", "Andrea", "Francesco", "Alessandro", "Paolo",
		"Stefano", "Roberto", "Matteo", "Davide", "Simone", "Mohamed", "Giovanni", "Antonio"}
	orgs := []string{"Comune di Cremona", "ASL Cremona", "Questura", "Azienda Ospedaliera", "Caritas",
		"Comune di Crema", "Provincia di Cremona", "Cooperativa Sociale Il Seme", "CGIL", "Distretto di Casalmaggiore"}
	places := []string{"D150", "C153", "F205", "Z330", "Z229", "Z129", "L872"}
	typo := func(s string) string {
		if len(s) < 4 {
			return s
		}
		b := []byte(s)
		i := 1 + r.IntN(len(b)-2)
		switch r.IntN(3) {
		case 0:
			b[i] = byte('A' + r.IntN(26))
			if b[i-1] >= 'a' {
				b[i] += 'a' - 'A'
			}
		case 1:
			b[i], b[i+1] = b[i+1], b[i]
		default:
			b = append(b[:i], b[i+1:]...)
		}
		return string(b)
	}
	type person struct {
		sur, giv, sex, tax, email, org string
		birth                          time.Time
	}
	var people []person
	for i := 0; i < n; i++ {
		p := person{sur: surnames[r.IntN(len(surnames))], sex: "F", org: orgs[r.IntN(len(orgs))]}
		if r.IntN(100) < 20 {
			p.sex = "M"
			p.giv = maleNames[r.IntN(len(maleNames))]
		} else {
			p.giv = femaleNames[r.IntN(len(femaleNames))]
		}
		p.birth = time.Date(1950+r.IntN(45), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		p.tax, _ = canon.TaxCodeFor(canon.Fold(p.sur), canon.Fold(p.giv), p.sex, p.birth, places[r.IntN(len(places))])
		if r.IntN(100) < 50 {
			p.email = strings.ToLower(canon.Fold(p.giv)+"."+canon.Fold(p.sur)) + fmt.Sprintf("%d@example.it", r.IntN(100))
		}
		people = append(people, p)
	}
	noise := 1
	if heavy {
		noise = 2
	}
	var es []canon.Enrolment
	var truth []int
	row := 1
	for pi, p := range people {
		k := 1
		if x := r.IntN(100); x < 18 {
			k = 2
		} else if x < 24 {
			k = 3 + r.IntN(2)
		}
		for j := 0; j < k; j++ {
			row++
			s := rowSpec{file: fmt.Sprintf("f%d.xlsx", row/500), row: row, surname: p.sur, given: p.giv,
				sex: p.sex, email: p.email, org: p.org, module: fmt.Sprintf("Modulo %d", j+r.IntN(3))}
			if r.IntN(100) < 75 {
				s.tax = p.tax
				if r.IntN(100) < 3*noise {
					s.tax = typo(s.tax)
				}
			}
			b := p.birth
			if r.IntN(100) < 85 {
				if r.IntN(100) < 2*noise && b.Day() <= 12 {
					b = time.Date(b.Year(), time.Month(b.Day()), int(b.Month()), 0, 0, 0, 0, time.UTC)
				}
				s.birth = b.Format("2006-01-02")
			}
			if r.IntN(100) < 4*noise {
				s.surname = typo(s.surname)
			}
			if r.IntN(100) < 4*noise {
				s.given = typo(s.given)
			}
			if r.IntN(100) < 2*noise {
				s.surname, s.given = s.given, s.surname
			}
			if r.IntN(100) < 30 {
				s.email = ""
			}
			if r.IntN(100) < 20 {
				s.org = orgs[r.IntN(len(orgs))]
			}
			es = append(es, enrolment(s))
			truth = append(truth, pi)
		}
	}
	return es, truth
}

func idOf(e canon.Enrolment) string { return canon.EnrolmentID(e.SourceSHA256, e.Sheet, e.SourceRow) }
