package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/lombardia-orim/correlare/sinks"
)

var update = flag.Bool("update", false, "refresh docs/report_page.png from the browser test")

// demoConfig writes a config over the nine demo provinces' committed
// workbooks, with every output under dir.
func demoConfig(t *testing.T, dir string) string {
	t.Helper()
	provs := []struct{ code, istat, name string }{
		{"VA", "012", "Varese"}, {"CO", "013", "Como"}, {"MI", "015", "Milano"}, {"BG", "016", "Bergamo"},
		{"CR", "019", "Cremona"}, {"MN", "020", "Mantova"}, {"LC", "097", "Lecco"}, {"LO", "098", "Lodi"},
		{"MB", "108", "Monza e della Brianza"},
	}
	var b strings.Builder
	b.WriteString("paths:\n  warehouse: var/warehouse.duckdb\n  landing: var/landing\n  exports: var/exports\n  reports: var/reports\nlock_wait: 0s\nprovinces:\n")
	for _, p := range provs {
		fmt.Fprintf(&b, "  - {code: %s, istat: %q, name: %q, partner: true, sources: [{path: %q}]}\n",
			p.code, p.istat, p.name, filepath.Join(repoDir(t), "testdata", "demo", p.code, "*"))
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDemoRunForPeople runs the demo twice through the CLI: on a terminal's
// text format the run prints at most 15 lines (one per file, one per stage,
// the summary) and no linkage internals; the JSON logs keep every field of
// the linkage statistics. The run writes reports/index.html with mode 0600,
// and every pair the page explains has waterfall bars (the prior and one
// weight per comparison) that add up to the pair's match weight as stored
// in person_links. Then the page is checked in a real browser.
func TestDemoRunForPeople(t *testing.T) {
	dir := t.TempDir()
	cfg := demoConfig(t, dir)

	r := correlare(t, dir, "run", "-c", cfg, "--log-format", "text")
	if r.code != exitOK {
		t.Fatalf("demo run: %s", r)
	}
	out := r.stdout + r.stderr
	if n := strings.Count(out, "\n"); n > 15 || n < 4 {
		t.Errorf("a demo run printed %d lines on a terminal, want 4–15:\n%s", n, out)
	}
	for _, internal := range []string{"linkage blocking rule", "linkage model fitted", "stats="} {
		if strings.Contains(out, internal) {
			t.Errorf("the terminal output shows %q (debug detail):\n%s", internal, out)
		}
	}
	for _, stage := range []string{`msg="file loaded"`, `msg="persons linked"`, `msg="reports written"`, `msg="warehouse published"`} {
		if !strings.Contains(out, stage) {
			t.Errorf("the terminal output has no %s line:\n%s", stage, out)
		}
	}

	// The README's picture is the page of this first run (every file loaded);
	// the page checked below is the second run's (files unchanged, two runs).
	page := filepath.Join(dir, "var", "reports", sinks.PageFile)
	first := filepath.Join(dir, "var", "reports", "first-run.html")
	copyFile(t, page, first)

	r = correlare(t, dir, "run", "-c", cfg, "--log-format", "json")
	if r.code != exitOK {
		t.Fatalf("second demo run: %s", r)
	}
	var linked map[string]any
	for _, line := range strings.Split(r.stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "persons linked" {
			linked = m
		}
	}
	stats, _ := linked["stats"].(map[string]any)
	for _, k := range []string{"Records", "CandidatePairs", "EMIterations", "Lambda", "Persons", "BlockSeconds"} {
		if _, ok := stats[k]; !ok {
			t.Errorf("JSON line \"persons linked\" lacks stats.%s: %v", k, linked)
		}
	}

	fi, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600 (personal data)", page, fi.Mode().Perm())
	}

	w := openWarehouse(t, filepath.Join(dir, "var", "warehouse.duckdb"))
	p, err := sinks.ReadPage(context.Background(), w.DB, filepath.Dir(page))
	if err != nil {
		t.Fatal(err)
	}
	if p.Link == nil || len(p.Link.Pairs) == 0 {
		t.Fatal("the page explains no pair")
	}
	for _, pp := range p.Link.Pairs {
		var stored float64
		if err := w.DB.QueryRow("SELECT match_weight FROM person_links WHERE left_enrolment_id = ? AND right_enrolment_id = ?",
			pp.Left, pp.Right).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, s := range pp.Steps {
			sum += s.W
		}
		if len(pp.Steps) < 3 || math.Abs(sum-stored) > 1e-6 {
			t.Errorf("pair %d: %d waterfall bars sum to %.9f, person_links.match_weight is %.9f", pp.N, len(pp.Steps), sum, stored)
		}
	}
	if len(p.Runs) != 2 {
		t.Errorf("the page lists %d runs, want 2", len(p.Runs))
	}

	checkPageInBrowser(t, page, first, p)
}

// chromiumPath finds the browser; without one the test fails under CI and
// is skipped, loudly, elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: the run report page is NOT checked in a browser (Debian: apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED — " + msg)
	return ""
}

// checkPageInBrowser loads the page in headless Chromium with the network
// off and reads the Cremona figures from the rendered DOM, checks that every
// chart has a visible size and visible marks, that the page asked for
// nothing but itself, and saves a screenshot.
func checkPageInBrowser(t *testing.T, page, shotPage string, p *sinks.Page) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 1600))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Do(bctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 1600), chromedp.Navigate(url)); err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}

	figures, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]string](`(() => {
		const m = {};
		for (const k of ["applications", "participations", "persons", "repeaters", "not_accepted", "withdrawn", "women", "men"]) {
			const e = document.querySelector('#ind-CR [data-k="' + k + '"]');
			m[k] = e ? e.textContent.trim() : "";
		}
		return m;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"applications": "437", "participations": "314", "persons": "246", "repeaters": "52",
		"not_accepted": "84", "withdrawn": "39", "women": "270", "men": "44"}
	for k, v := range want {
		if figures[k] != v {
			t.Errorf("Cremona %s in the browser: %q, want %s", k, figures[k], v)
		}
	}

	type svgBox struct {
		ID           string
		W, H         float64
		Marks, Shown int // rects and paths; those with a non-zero box
	}
	boxes, err := chromedp.Run(bctx, chromedp.Evaluate[[]svgBox](`Array.from(document.querySelectorAll("svg")).map(s => {
		const r = s.getBoundingClientRect();
		const marks = Array.from(s.querySelectorAll("rect, path"));
		return {ID: s.id, W: r.width, H: r.height, Marks: marks.length,
			Shown: marks.filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; }).length};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := 1 + 4*len(p.Scopes) + 2 + len(p.Link.Pairs) // runs; 2 pies + 2 bars per scope; bands, model; waterfalls
	if len(boxes) != wantCharts {
		t.Errorf("%d charts in the page, want %d", len(boxes), wantCharts)
	}
	for _, b := range boxes {
		if b.W <= 0 || b.H <= 0 || b.Shown == 0 {
			t.Errorf("chart %s did not render: %gx%g, %d of %d marks visible", b.ID, b.W, b.H, b.Shown, b.Marks)
		}
	}
	for _, id := range []string{"chart-runs", "pie-esito-CR", "pie-sesso-CR", "bar-asse-CR", "bar-sede-CR", "chart-model", "waterfall-1"} {
		found := false
		for _, b := range boxes {
			found = found || b.ID == id
		}
		if !found {
			t.Errorf("no chart %s in the page", id)
		}
	}

	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+shotPage)); err != nil {
		t.Fatalf("loading %s: %v", shotPage, err)
	}
	png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "report_page.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(filepath.Join(repoDir(t), "docs", "report_page.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if u != url && u != "file://"+shotPage {
			t.Errorf("the page requested %s (it must be self-contained)", u)
		}
	}
	if len(requests) == 0 {
		t.Error("no request seen: the network listener is not working")
	}
}
