package canon

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchColumns is the layout of the ingest benchmark's workbook
// (testdata/bench/gen_200k.py): 11 columns.
var benchColumns = func() []Column {
	spec := []struct {
		header string
		field  Field
	}{
		{"Cognome", FieldSurname}, {"Nome", FieldGivenName}, {"Codice fiscale", FieldTaxCode},
		{"Sesso", FieldSex}, {"Data di nascita", FieldBirthDate}, {"Ente", FieldOrganisation},
		{"Qualifica", FieldRole}, {"Titolo corso", FieldModule}, {"Sede", FieldSite},
		{"Esito", FieldStatus}, {"Ore frequentate", FieldHoursAttended},
	}
	cols := make([]Column, len(spec))
	for i, s := range spec {
		cols[i] = Column{Index: i, Letter: columnLetters(i), Header: s.header, Field: s.field}
	}
	return cols
}()

// benchRows makes n rows like the ingest benchmark's, as the reader hands
// them on (dates as serials, hours as stored numbers), with a fixed seed.
func benchRows(n int) []RawRow {
	surnames := []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "De Luca", "D'Angelo",
		"Mancini", "Costa", "Giordano", "De Santis", "Marchetti", "Fabbri", "Gatti"}
	women := []string{"Giulia", "Francesca", "Chiara", "Sara", "Elena Maria", "Ioana", "Amina", "Fatima"}
	men := []string{"Marco", "Alessandro", "Giuseppe", "Luca", "Ahmed", "Mohamed", "Ion", "Karim"}
	orgs := []string{"Comune di Cremona", "ASST di Cremona", "ATS Val Padana", "Questura di Cremona",
		"Cooperativa sociale Il Cerchio", "Fondazione Città di Cremona"}
	roles := []string{"Assistente sociale", "Educatrice", "Mediatore culturale", "Infermiera", "Medico"}
	courses := []string{"Diritto dell'immigrazione", "Comunicazione interculturale",
		"Accoglienza e orientamento ai servizi", "Tutela dei minori stranieri", "Salute e migrazione"}
	sites := []string{"Cremona", "Crema", "Casalmaggiore", "online"}
	statuses := []string{"ammesso", "Ammessa", "SI", "accettata", "non ammessa", "respinto", "NO", "ritirata", "rinuncia"}
	places := []string{"D150", "D142", "B898", "Z100", "Z330"}
	r := rand.New(rand.NewPCG(20261202, 1))
	rows := make([]RawRow, n)
	for i := range rows {
		sex, given := "F", women[r.IntN(len(women))]
		if r.IntN(100) < 38 {
			sex, given = "M", men[r.IntN(len(men))]
		}
		sur := surnames[r.IntN(len(surnames))]
		birth := date(1955, 1, 1).AddDate(0, 0, r.IntN(17000))
		cf, err := TaxCodeFor(sur, given, sex, birth, places[r.IntN(len(places))])
		if err != nil {
			panic(err)
		}
		serial := int(birth.Sub(excel1900)/(24*time.Hour)) + 1 // past 1900-03-01
		bd := strconv.Itoa(serial)
		switch r.IntN(50) {
		case 0:
			bd = ""
		case 1:
			bd = birth.Format("02/01/2006")
		}
		hours := ""
		if r.IntN(10) < 7 {
			hours = strconv.Itoa(4 * (1 + r.IntN(6)))
		}
		rows[i] = RawRow{Row: i + 2, Cells: []string{sur, given, cf, sex, bd, orgs[r.IntN(len(orgs))],
			roles[r.IntN(len(roles))], courses[r.IntN(len(courses))], sites[r.IntN(len(sites))],
			statuses[r.IntN(len(statuses))], hours}}
	}
	return rows
}

func benchContext() *RowContext {
	return &RowContext{ProvinceCode: "CR", SourceFile: "iscrizioni.xlsx",
		SourceSHA256: "4f2a9c0d7e1b3a5c6d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f",
		Sheet:        "Iscrizioni", Columns: benchColumns, Now: refNow}
}

// BenchmarkNormaliser normalises rows like the ingest benchmark's, one
// NormaliseRow call per row, then with a Normaliser, then with a
// Normaliser into Arrow batches of 8,192 rows; allocs/op is per row.
func BenchmarkNormaliser(b *testing.B) {
	rows := benchRows(4096)
	rc := benchContext()
	b.Run("NormaliseRow", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_, _, _ = NormaliseRow(rc, rows[i%len(rows)])
		}
	})
	b.Run("Normaliser", func(b *testing.B) {
		n := NewNormaliser(rc)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_, _, _ = n.Row(rows[i%len(rows)])
		}
	})
	b.Run("Normaliser+Batch", func(b *testing.B) {
		n := NewNormaliser(rc)
		batch := NewBatch(memory.DefaultAllocator, "run")
		defer batch.Release()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e, _, rej := n.Row(rows[i%len(rows)])
			if rej == nil {
				batch.Append(&e)
			}
			if batch.Len() == 8192 {
				batch.NewRecord().Release()
			}
		}
	})
}

// BenchmarkBatch appends enrolments like the ingest benchmark's to Arrow
// batches of 8,192 rows: the Batch in use beside array.RecordBuilder
// (refBatch, the earlier Batch). One op is one row.
func BenchmarkBatch(b *testing.B) {
	rows := benchRows(8192)
	rc := benchContext()
	es := make([]Enrolment, 0, len(rows))
	for _, row := range rows {
		e, _, rej := NormaliseRow(rc, row)
		if rej == nil {
			es = append(es, e)
		}
	}
	b.Run("Batch", func(b *testing.B) {
		batch := NewBatch(memory.DefaultAllocator, "run")
		defer batch.Release()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			batch.Append(&es[i%len(es)])
			if batch.Len() == 8192 {
				batch.NewRecord().Release()
			}
		}
	})
	b.Run("RecordBuilder", func(b *testing.B) {
		batch := refNewBatch(memory.DefaultAllocator, "run")
		defer batch.Release()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			batch.Append(&es[i%len(es)])
			if batch.Len() == 8192 {
				batch.NewRecord().Release()
			}
		}
	})
}
