package sinks

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const hostile = `</td><script>alert("x")</script><img src=x onerror=alert(1)>`

// pageFixture is the Cremona fixture with a run, its files, a stale reason,
// a linkage with a model and one pair in the review band, and hostile values
// (a <script> surname, a run message, a model label, a file name, a
// quarantine code) where the warehouse holds text from provinces.
func pageFixture(t *testing.T) (*Page, string, string) {
	t.Helper()
	ctx := context.Background()
	db, _ := newFixture(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	started := time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)
	exec(`INSERT INTO runs (run_id, started_at, finished_at, status, files_seen, rows_read, rows_loaded, message)
	      VALUES ('r1', ?, ?, 'partial', 2, 449, 449, ?), ('r0', ?, ?, 'success', 2, 10, 10, NULL)`,
		started, started.Add(95*time.Second), hostile, started.Add(-24*time.Hour), started.Add(-24*time.Hour+time.Minute))
	exec(`INSERT INTO run_files (run_id, province_code, source, source_file, status, rows_read, rows_loaded)
	      VALUES ('r1', 'CR', 'opi/CR/*', ?, 'loaded', 449, 449), ('r1', 'LO', 'opi/LO/*', 'LO.xlsx', 'failed', 0, 0)`, hostile+".xlsx")
	exec(`UPDATE provinces SET stale_reason_it = ?, stale_reason = 'file refused' WHERE province_code = 'LO'`, hostile)
	exec(`INSERT INTO quarantine (run_id, province_code, source_file, source_sha256, sheet, source_row, reason_code, reason)
	      VALUES ('r1', 'CR', 'CR.xlsx', 'abc', 'Iscrizioni', 7, ?, 'the surname is empty')`, hostile)
	exec(`INSERT INTO link_runs VALUES ('r1', ?, 437, 500, 5, 0.01, 0.9, 0.3, 100, 1, 246, 52, 1.5, 0, 0, 0, NULL)`, started)
	exec(`INSERT INTO link_model (run_id, comparison, column_name, level, label, m, u, match_weight, tf_adjusted) VALUES
	      ('r1', 'surname', 'surname_fold', 0, 'null', NULL, NULL, 0, false),
	      ('r1', 'surname', 'surname_fold', 1, ?, 0.9, 0.01, 6.49, true),
	      ('r1', 'surname', 'surname_fold', 2, 'else', 0.1, 0.99, -3.31, false),
	      ('r1', 'tax_code', 'tax_code', 1, 'exact', 0.8, 0.001, 9.64, false),
	      ('r1', 'tax_code', 'tax_code', 2, 'else', 0.2, 0.999, -2.32, false)`, hostile)
	var left, right string
	if err := db.QueryRowContext(ctx, `SELECT min(enrolment_id), max(enrolment_id) FROM enrolments WHERE province_code = 'CR'`).Scan(&left, &right); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE enrolments SET surname = ? WHERE enrolment_id = ?`, hostile, left)
	prior := math.Log2(0.01 / 0.99)
	exec(`INSERT INTO person_links VALUES ('r1', ?, ?, 'k1', 'k2', MAP {'surname': 'else', 'tax_code': 'exact'},
	      MAP {'surname': -3.31, 'tax_code': 9.64}, ?, 0.5, 'review', 'model', NULL)`, left, right, prior-3.31+9.64)

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "feedback"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "feedback", "feedback_CR.xlsx"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, PageFile)
	if err := WritePage(ctx, db, path, PageOptions{Now: started}); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPage(ctx, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p, path, string(b)
}

// TestWritePageHostileValues: values from the provinces' files cannot add
// markup to the page: no <script>, <img> or event handler survives, the
// values are there escaped; the page loads nothing (no src or external
// href), is mode 0600 and links the feedback workbook relatively.
func TestWritePageHostileValues(t *testing.T) {
	_, path, html := pageFixture(t)
	for _, bad := range []string{"<script", "<img", `href="http`, `href="//`} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if m := regexp.MustCompile(`<[^>]*\s(on[a-z]+|src)=`).FindString(html); m != "" {
		t.Errorf("a tag with an event handler or a source: %s", m)
	}
	if n := strings.Count(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"); n < 6 {
		t.Errorf("the hostile value appears escaped %d times, want it in the surname, message, file, stale reason, quarantine code and model label (≥ 6)", n)
	}
	if !strings.Contains(html, `<a href="feedback/feedback_CR.xlsx">`) {
		t.Error("no relative link to feedback/feedback_CR.xlsx")
	}
	if strings.Contains(html, "feedback_LO.xlsx") {
		t.Error("a link to a feedback workbook that does not exist")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("page mode %v, want 0600", fi.Mode().Perm())
	}
	if strings.Contains(html, "ZgotmplZ") {
		t.Error("html/template refused a value (ZgotmplZ) in the page")
	}
}

// TestPageReviewPair: the pair in the review band is explained (not the
// borderline fallback) by a waterfall whose bars — the prior and one weight
// per comparison, in the model's order — sum to the pair's match weight, and
// the chart's bars carry those weights.
func TestPageReviewPair(t *testing.T) {
	p, _, html := pageFixture(t)
	if p.Link == nil || p.Link.Borderline || len(p.Link.Pairs) != 1 {
		t.Fatalf("want one review pair, got %+v", p.Link)
	}
	pp := p.Link.Pairs[0]
	var labels []string
	sum := 0.0
	for _, s := range pp.Steps {
		labels = append(labels, s.Label)
		sum += s.W
	}
	if got, want := strings.Join(labels, ", "), "a priori (λ), surname: else, tax_code: exact"; got != want {
		t.Errorf("waterfall bars %q, want %q", got, want)
	}
	if math.Abs(sum-pp.MatchWeight) > 1e-9 {
		t.Errorf("waterfall sums to %v, match weight %v", sum, pp.MatchWeight)
	}
	steps := 0
	for _, r := range pp.Chart.Rects {
		if r.Class == "step" {
			steps++
		}
	}
	if steps != len(pp.Steps) {
		t.Errorf("%d step bars drawn, want %d", steps, len(pp.Steps))
	}
	if !strings.Contains(html, `id="waterfall-1"`) || !regexp.MustCompile(`class="step"`).MatchString(html) {
		t.Error("no waterfall in the page")
	}
	if len(p.Link.ModelLevels) != 5 || p.Link.Model.ID != "chart-model" || len(p.Link.Model.Rects) != 5 {
		t.Errorf("model chart: %d levels, %d bars, want 5", len(p.Link.ModelLevels), len(p.Link.Model.Rects))
	}
}

// TestPieChart: slices cover the circle in order; a single non-empty slice
// is a full circle; the legend keeps empty slices.
func TestPieChart(t *testing.T) {
	tests := []struct {
		name   string
		slices []Slice
		paths  int
		total  string
	}{
		{"cremona outcome", []Slice{{"a", 314, "#000"}, {"b", 39, "#111"}, {"c", 84, "#222"}, {"d", 0, "#333"}}, 3, "437"},
		{"one slice", []Slice{{"a", 10, "#000"}, {"b", 0, "#111"}}, 1, "10"},
		{"empty", []Slice{{"a", 0, "#000"}}, 0, "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := pieChart("x", "x", tc.slices)
			if len(c.Paths) != tc.paths || c.Total != tc.total || len(c.Legend) != len(tc.slices) {
				t.Errorf("%d paths, total %s, %d legend items; want %d, %s, %d", len(c.Paths), c.Total, len(c.Legend), tc.paths, tc.total, len(tc.slices))
			}
		})
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 437: "437", 1784: "1.784", -1234567: "-1.234.567", 0.75: "0,75", 3.7: "3,70"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestPageFiguresMatchIndicators: the page reads every scope at once; its
// figures and breakdowns are those of [Indicators], scope by scope.
func TestPageFiguresMatchIndicators(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	figs, err := ReadFigures(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) < 3 || figs[0].Province != "" {
		t.Fatalf("want the region then the provinces, got %d scopes", len(figs))
	}
	for _, got := range figs {
		want, err := Indicators(ctx, db, got.Province)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("scope %q:\n page       %+v\n indicators %+v", got.Province, got, want)
		}
	}
}

// TestPagePairsBounded: with more pairs in review than PagePairsMax, the page
// explains the PagePairsMax most probable ones, in order, and says how many
// there are in all.
func TestPagePairsBounded(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	n := PagePairsMax + 20
	started := time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)
	exec(`INSERT INTO runs (run_id, started_at, finished_at, status) VALUES ('r1', ?, ?, 'success')`, started, started.Add(time.Minute))
	exec(`INSERT INTO link_runs VALUES ('r1', ?, 437, 500, 5, 0.01, 0.9, 0.3, 100, ?, 246, 52, 1.5, 0, 0, 0, NULL)`, started, n)
	exec(`INSERT INTO link_model (run_id, comparison, column_name, level, label, m, u, match_weight, tf_adjusted) VALUES
	      ('r1', 'tax_code', 'tax_code', 1, 'exact', 0.8, 0.001, 9.64, false)`)
	exec(`INSERT INTO person_links
	      SELECT 'r1', l.enrolment_id, r.enrolment_id, 'k1', 'k2', MAP {'tax_code': 'exact'}, MAP {'tax_code': 9.64},
	             3.0, 0.3 + i / 1000.0, 'review', 'model', NULL
	      FROM range(?) t(i),
	           (SELECT min(enrolment_id) AS enrolment_id FROM enrolments) l,
	           (SELECT max(enrolment_id) AS enrolment_id FROM enrolments) r`, n)
	dir := t.TempDir()
	path := filepath.Join(dir, PageFile)
	if err := WritePage(ctx, db, path, PageOptions{Now: started}); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPage(ctx, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Link == nil || p.Link.Borderline || len(p.Link.Pairs) != PagePairsMax {
		t.Fatalf("pairs on the page: %d, want %d", len(p.Link.Pairs), PagePairsMax)
	}
	for i, pp := range p.Link.Pairs {
		if want := 0.3 + float64(n-1-i)/1000; math.Abs(pp.Prob-want) > 1e-9 {
			t.Fatalf("pair %d: probability %v, want %v (the most probable first)", i+1, pp.Prob, want)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Qui le %d più probabili delle %d coppie da rivedere", PagePairsMax, n); !strings.Contains(string(b), want) {
		t.Errorf("the page does not say %q", want)
	}
}

// TestFiguresGiven: the report and the page written from figures read once
// (as a run does) are those they write reading the figures themselves.
func TestFiguresGiven(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	figs, err := ReadFigures(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	for _, given := range []bool{false, true} {
		var f []Figures
		name := "read"
		if given {
			f, name = figs, "given"
		}
		if err := WritePage(ctx, db, filepath.Join(dir, name+".html"), PageOptions{Now: now, Figures: f}); err != nil {
			t.Fatal(err)
		}
		if err := WriteReport(ctx, db, filepath.Join(dir, name+".xlsx"), ReportOptions{Now: now, Figures: f}); err != nil {
			t.Fatal(err)
		}
	}
	read, _ := os.ReadFile(filepath.Join(dir, "read.html"))
	given, _ := os.ReadFile(filepath.Join(dir, "given.html"))
	if len(read) < 1000 || !bytes.Equal(read, given) {
		t.Errorf("page from given figures differs (%d and %d bytes)", len(read), len(given))
	}
	for _, sheet := range []string{"Lombardia", "Cremona", "Lodi"} {
		a, b := sheetCells(t, filepath.Join(dir, "read.xlsx"), sheet), sheetCells(t, filepath.Join(dir, "given.xlsx"), sheet)
		if len(a) < 10 || !slices.Equal(a, b) {
			t.Errorf("report sheet %s from given figures differs", sheet)
		}
	}
}

// sheetCells lists a report sheet's cells as "A1=value".
func sheetCells(t *testing.T, path, sheet string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, r := range rows {
		for j, v := range r {
			out = append(out, fmt.Sprintf("%d,%d=%s", i, j, v))
		}
	}
	return out
}
