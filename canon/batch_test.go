package canon

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// recordDiff describes where two records differ: "" when they are equal.
func recordDiff(got, want arrow.RecordBatch) string {
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		return fmt.Sprintf("%d rows x %d columns, want %d x %d", got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	if !got.Schema().Equal(want.Schema()) {
		return fmt.Sprintf("schema %v, want %v", got.Schema(), want.Schema())
	}
	for i := range got.Columns() {
		g, w := got.Column(i), want.Column(i)
		if g.NullN() != w.NullN() {
			return fmt.Sprintf("column %s: %d NULLs, want %d", got.ColumnName(i), g.NullN(), w.NullN())
		}
		for r := 0; r < g.Len(); r++ {
			if !array.SliceEqual(g, int64(r), int64(r+1), w, int64(r), int64(r+1)) {
				return fmt.Sprintf("column %s, row %d: %s, want %s", got.ColumnName(i), r, g.ValueStr(r), w.ValueStr(r))
			}
		}
		if !array.Equal(g, w) {
			return fmt.Sprintf("column %s differs", got.ColumnName(i))
		}
	}
	if !array.RecordEqual(got, want) {
		return "records differ"
	}
	return ""
}

// randomEnrolment fills every field of an enrolment, each optional one
// empty (or nil) one time in three.
func randomEnrolment(rng *rand.Rand, row int) Enrolment {
	words := []string{"", "Rossi", "Maria Grazia", "D'Angelo", "Città di Cremona", "àèìòù €", "x", "TECNICO DI LABORATORIO e ricerca applicata"}
	str := func() string { return words[rng.IntN(len(words))] }
	tm := func() *time.Time {
		if rng.IntN(3) == 0 {
			return nil
		}
		t := time.Date(1900+rng.IntN(200), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		return &t
	}
	fl := func() *float64 {
		if rng.IntN(3) == 0 {
			return nil
		}
		f := rng.Float64()*100 - 10
		return &f
	}
	e := Enrolment{
		ProvinceCode: "CR", SourceFile: "file.xlsx", SourceSHA256: "abc", Sheet: str(), SourceRow: row,
		Surname: str(), GivenName: str(), DisplayName: str(), SurnameFold: str(), GivenNameFold: str(),
		TaxCode: str(), TaxCodeStatus: str(), Sex: str(), BirthDate: tm(), BirthPlace: str(), BirthPlaceFold: str(),
		Email: str(), Phone: str(), Municipality: str(), MunicipalityFold: str(),
		Organisation: str(), OrganisationFold: str(), OrganisationType: str(), OrganisationTypeFold: str(),
		Role: str(), RoleFold: str(), ModuleCode: str(), ModuleTitle: str(), ModuleFold: str(), Edition: str(),
		Site: str(), Axis: str(), PlannedHours: fl(), StartDate: tm(), EndDate: tm(), ApplicationDate: tm(),
		Status: str(), StatusRaw: str(), HoursAttended: fl(), Satisfaction: fl(),
	}
	if rng.IntN(3) > 0 {
		s := int32(rng.IntN(50) - 5)
		e.Sessions = &s
	}
	for range rng.IntN(4) {
		e.Flags = append(e.Flags, str())
	}
	if n := rng.IntN(4); n > 0 {
		e.Extras = map[string]string{}
		for range n {
			e.Extras[str()+"k"] = str()
		}
	}
	return e
}

// TestBatchMatchesBuilder: the Batch, which writes Arrow buffers itself,
// builds the records array.RecordBuilder builds (refBatch, the Batch before
// it), over records of many sizes, empty ones included, and frees all it
// allocates.
func TestBatchMatchesBuilder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	b, rb := NewBatch(mem, "run-1"), refNewBatch(memory.DefaultAllocator, "run-1")
	defer b.Release()
	defer rb.Release()
	row := 1
	for i, size := range []int{0, 1, 7, 8, 9, 100, 3000, 5, 0, 8192, 20000, 1, 1500} {
		for range size {
			e := randomEnrolment(rng, row)
			row++
			b.Append(&e)
			rb.Append(&e)
		}
		if b.Len() != size {
			t.Fatalf("record %d: Len %d, want %d", i, b.Len(), size)
		}
		got, want := b.NewRecord(), rb.NewRecord()
		if d := recordDiff(got, want); d != "" {
			t.Errorf("record %d (%d rows): %s", i, size, d)
		}
		for _, c := range got.Columns() {
			if v, ok := c.(interface{ ValidateFull() error }); ok {
				if err := v.ValidateFull(); err != nil {
					t.Errorf("record %d, %s: %v", i, c.DataType(), err)
				}
			}
		}
		got.Release()
		want.Release()
	}
}
