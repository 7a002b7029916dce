package sinks

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// reportCell finds label in column A of sheet and returns the cell name of
// column col on that row.
func reportCell(t *testing.T, f *excelize.File, sheet, label, col string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && (r[0] == label || strings.HasPrefix(r[0], label+" – ")) {
			return col + strconv.Itoa(i+1)
		}
	}
	t.Fatalf("sheet %s: no label %q", sheet, label)
	return ""
}

// chartRange is a pie's category range in a chart part: 'Lodi'!$F$8:$F$11.
var chartRange = regexp.MustCompile(`!(\$F\$\d+:\$F\$\d+)<`)

func TestWriteReport(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xlsx")
	now := time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)
	if err := WriteReport(ctx, db, path, ReportOptions{Now: now, RunID: "20240305T020000"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Lombardia", "Cremona", "Lodi"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}

	numbers := []struct {
		sheet, label string
		want         float64
	}{
		{"Cremona", LabelApplications, 437}, {"Cremona", LabelNotAccepted, 84}, {"Cremona", LabelAccepted, 353},
		{"Cremona", LabelWithdrawn, 39}, {"Cremona", LabelParticipations, 314}, {"Cremona", LabelWomen, 270},
		{"Cremona", LabelMen, 44}, {"Cremona", LabelPersons, 246}, {"Cremona", LabelRepeaters, 52},
		{"Cremona", LabelModules, 12}, {"Cremona", LabelHours, 192}, {"Cremona", LabelSessions, 45},
		{"Cremona", LabelAttendance, 0.75},
		{"Cremona", "Cremona", 7}, {"Cremona", "Crema", 2}, {"Cremona", "Casalmaggiore", 3},
		{"Cremona", "I", 1}, {"Cremona", "II", 1}, {"Cremona", "III", 0}, {"Cremona", "IV", 10}, {"Cremona", "V", 0},
		{"Lombardia", LabelPersons, 248}, {"Lombardia", LabelRepeaters, 54}, {"Lombardia", LabelApplications, 444},
		{"Lodi", LabelNotIndicated, 1}, {"Lodi", LabelSexUnknown, 1},
	}
	for _, n := range numbers {
		t.Run(n.sheet+"/"+n.label, func(t *testing.T) {
			cell := reportCell(t, f, n.sheet, n.label, "B")
			raw, err := f.GetCellValue(n.sheet, cell, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := strconv.ParseFloat(raw, 64)
			if err != nil || got != n.want {
				t.Errorf("%s %s = %q, want %v", n.sheet, cell, raw, n.want)
			}
			if typ, _ := f.GetCellType(n.sheet, cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("%s %s is text, want a number", n.sheet, cell)
			}
		})
	}

	formatted := []struct {
		label, col, want string
	}{
		{LabelNotAccepted, "C", "19%"}, {LabelWithdrawn, "C", "9%"}, {LabelParticipations, "C", "72%"},
		{LabelWomen, "C", "86%"}, {LabelMen, "C", "14%"}, {LabelAttendance, "B", "75%"},
	}
	for _, p := range formatted {
		t.Run("formatted/"+p.label, func(t *testing.T) {
			cell := reportCell(t, f, "Cremona", p.label, p.col)
			if got, _ := f.GetCellValue("Cremona", cell); got != p.want {
				t.Errorf("%s = %q, want %q", cell, got, p.want)
			}
		})
	}
	t.Run("satisfaction between 3 and 4", func(t *testing.T) {
		raw, _ := f.GetCellValue("Cremona", reportCell(t, f, "Cremona", LabelSatisfaction, "B"), excelize.Options{RawCellValue: true})
		if v, err := strconv.ParseFloat(raw, 64); err != nil || v <= 3 || v >= 4 {
			t.Errorf("satisfaction %q", raw)
		}
	})

	t.Run("header and stale note", func(t *testing.T) {
		for _, sheet := range f.GetSheetList() {
			a1, _ := f.GetCellValue(sheet, "A1")
			a2, _ := f.GetCellValue(sheet, "A2")
			if !strings.Contains(a1, "CORRELARE") || !strings.Contains(a2, "2011/FEI/PROG-100781") || !strings.Contains(a2, "CUP B53I12000030003") {
				t.Errorf("sheet %s header %q / %q", sheet, a1, a2)
			}
		}
		note, _ := f.GetCellValue("Lodi", "A5")
		if !strings.Contains(note, "02/03/2024") {
			t.Errorf("Lodi stale note %q", note)
		}
		if note, _ := f.GetCellValue("Cremona", "A5"); note != "" {
			t.Errorf("Cremona is not stale, note %q", note)
		}
		if note, _ := f.GetCellValue("Lombardia", "A5"); !strings.Contains(note, "Lodi") {
			t.Errorf("region stale note %q", note)
		}
	})

	t.Run("two pie charts per sheet", func(t *testing.T) {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		pies := 0
		ranges := map[string]int{} // category ranges of the pies
		for _, zf := range z.File {
			if !strings.HasPrefix(zf.Name, "xl/charts/chart") {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "pieChart") {
				pies++
				for _, m := range chartRange.FindAllStringSubmatch(string(b), -1) {
					ranges[m[1]]++
				}
			}
		}
		if pies != 6 {
			t.Errorf("%d pie charts, want 6", pies)
		}
		if outcome, sex := ranges["$F$8:$F$11"], ranges["$F$14:$F$16"]; outcome != 3 || sex != 3 {
			t.Errorf("%d outcome pies over F8:F11 and %d sex pies over F14:F16, want 3 and 3", outcome, sex)
		}
		// The slices' data: Lodi has an application whose outcome is not
		// indicated and a participant of unknown sex.
		for _, c := range []struct {
			cell string
			want string
		}{{"F11", LabelNotIndicated}, {"G11", "1"}, {"F16", LabelSexUnknown}, {"G16", "1"}} {
			if got, _ := f.GetCellValue("Lodi", c.cell); got != c.want {
				t.Errorf("Lodi!%s = %q, want %q", c.cell, got, c.want)
			}
		}
		var slices int
		for _, cell := range []string{"G8", "G9", "G10", "G11"} {
			v, _ := f.GetCellValue("Lodi", cell)
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("Lodi!%s = %q", cell, v)
			}
			slices += n
		}
		apps, _ := f.GetCellValue("Lodi", reportCell(t, f, "Lodi", LabelApplications, "B"))
		if strconv.Itoa(slices) != apps {
			t.Errorf("Lodi's outcome slices add up to %d, its applications are %s", slices, apps)
		}
	})

	t.Run("atomic write leaves no temporary file", func(t *testing.T) {
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries", len(entries))
		}
	})
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{"lombardia": true}
	tests := []struct{ name, code, want string }{
		{"Cremona", "CR", "Cremona"},
		{"Monza e della Brianza", "MB", "Monza e della Brianza"},
		{"Un nome lunghissimo di provincia: oltre trentuno", "XX", "Un nome lunghissimo di provinci"},
		{"Cremona", "CR", "CR"},
		{"Cremona", "CR", "CR 2"},
		{"Lombardia", "LO", "LO"},
		{"", "ZZ", "ZZ"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := sheetName(tc.name, tc.code, used); got != tc.want {
				t.Errorf("sheetName(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestPublishEmptyWarehouse(t *testing.T) {
	ctx := context.Background()
	w, err := OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xlsx")
	if err := WriteReport(ctx, w.DB, path, ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Lombardia"}) {
		t.Errorf("sheets %v", got)
	}
	if v, _ := f.GetCellValue("Lombardia", reportCell(t, f, "Lombardia", LabelAttendance, "B")); v != "n.d." {
		t.Errorf("attendance without data %q, want n.d.", v)
	}
	m, err := Export(ctx, w.DB, filepath.Join(dir, "exports"), ExportOptions{RunID: "empty", Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if m.RowCounts["participations"] != 0 || len(m.Files) < 4 {
		t.Errorf("empty export %+v", m)
	}
	paths, err := WriteFeedback(ctx, w.DB, filepath.Join(dir, "feedback"))
	if err != nil || len(paths) != 0 {
		t.Errorf("feedback of an empty warehouse: %v, %v", paths, err)
	}
}
