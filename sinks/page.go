package sinks

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	queries "github.com/lombardia-orim/correlare/sql"
)

//go:embed page.html.tmpl
var pageTemplate string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"num":     func(n int) string { return thousands(int64(n)) },
	"numf":    num,
	"pct":     func(f float64) string { return num(math.Round(f*100)) + "%" },
	"percent": percent,
	"f1":      f1,
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"optpct": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return num(math.Round(*f*100)) + "%"
	},
	"optnum": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return num(math.Round(*f*100) / 100)
	},
}).Parse(pageTemplate))

// PageFile is the run report page's file name under paths.reports.
const PageFile = "index.html"

// PageOptions configure [WritePage].
type PageOptions struct {
	Now time.Time // "generated at"; zero: time.Now()
	// Figures are the funder's figures of every scope as ReadFigures
	// returns them, when the caller has them already (the run reads them
	// once for the report and the page); nil: read here.
	Figures []Figures
}

// Page is what the run report page shows, read from the warehouse.
type Page struct {
	Generated time.Time
	Run       *PageRun    // the last published run; nil when none
	Runs      []PageRun   // the last 30 runs, newest first
	RunsChart Chart       // the last 30 runs, oldest first
	Provinces []PageProv  // files and rows of the last run, per province
	Stale     []PageStale // provinces that kept their last good data
	Scopes    []PageScope // the region, then each province
	Quality   []PageQuality
	Link      *PageLink // nil when no linkage ran
}

// PageRun is one run.
type PageRun struct {
	ID                                 string
	Started, Finished                  time.Time
	Status                             string
	FilesSeen, FilesFailed             int
	FilesHeld                          int // held back by the shrink guard
	Read, Loaded, Quarantined, Skipped int
	Message                            string
}

// Duration is how long the run took.
func (r PageRun) Duration() time.Duration { return r.Finished.Sub(r.Started).Round(time.Second) }

// PageProv is one province's files in the last run.
type PageProv struct {
	Code, Name                         string
	Files                              []PageFileRow
	Read, Loaded, Quarantined, Skipped int
	Issues                             int
	Failed                             int
}

// PageFileRow is one file of the last run.
type PageFileRow struct {
	Name, Status                               string
	Read, Loaded, Quarantined, Skipped, Issues int
	Error                                      string
}

// PageStale is one stale province.
type PageStale struct {
	Code, Name, ReasonIT, Reason, LastGoodRun string
	Since                                     time.Time
}

// PageScope is the funder's figures of the region or one province, with
// the slides' charts.
type PageScope struct {
	ID    string // "LOMB" for the region, else the sigla
	Fig   Figures
	Pies  []Chart // esito delle domande; sesso dei partecipanti
	Axis  Chart
	Sites Chart
}

// PageQuality is one province's quarantined, flagged and skipped rows.
type PageQuality struct {
	Code                         string
	Quarantined, Issues, Skipped int
	Kinds                        []PageKind
	Feedback                     string // relative link to the feedback workbook; "" when none
}

// PageKind counts the rows of one kind and code.
type PageKind struct {
	Kind, Code string
	N          int
}

// PageLink is the linkage section.
type PageLink struct {
	RunID                                    string
	Records, CandidatePairs                  int
	Lambda, Prior                            float64
	MatchThreshold, ReviewThreshold          float64
	AcceptedPairs, ReviewPairs               int
	Persons, PersonsMulti, Repeaters         int
	Seconds                                  float64
	Bands                                    Chart
	Model                                    Chart
	Pairs                                    []PagePair
	Borderline                               bool // no pair in review: Pairs are the closest to the threshold
	ModelLevels                              []ModelLevel
	comparisons                              []string
	ReviewBandLabel, MatchBandLabel, LowBand string
}

// ModelLevel is one level of one comparison of the fitted model.
type ModelLevel struct {
	Comparison, Label string
	Level             int
	M, U, Weight      float64
}

// PagePair is one pair explained: its weights and both rows.
type PagePair struct {
	N                 int
	Left, Right       string // enrolment ids
	Decision, Source  string
	Detail            string
	MatchWeight, Prob float64
	Steps             []Step // the prior, then one weight per comparison
	Chart             Chart
	Fields            []PairField
	LeftRow, RightRow []string
	Levels            map[string]string
	weights           map[string]float64
}

// PairField is one line of the side-by-side rows.
type PairField struct {
	Label, Left, Right string
	Same               bool
}

// pairFields labels the columns of page_pairs.sql's left_row and right_row.
var pairFields = []string{"Provincia", "File", "Foglio", "Riga", "Cognome", "Nome", "Codice fiscale", "Sesso",
	"Data di nascita", "Luogo di nascita", "Email", "Telefono", "Comune", "Ente", "Qualifica", "Modulo", "Esito"}

// WritePage writes the run report page to path: one self-contained HTML
// file (styles and SVG charts inline, no script, nothing fetched) with the
// last run, the funder's figures of the region and each province, data
// quality with links to the feedback workbooks under feedback/ beside path,
// and the linkage with the fitted model and the pairs in review. The page
// holds personal data (the rows of the pairs): it is written with mode 0600,
// beside path and renamed into place.
func WritePage(ctx context.Context, db *sql.DB, path string, opt PageOptions) error {
	p, err := readPage(ctx, db, filepath.Dir(path), opt.Figures)
	if err != nil {
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	p.Generated = opt.Now
	if p.Generated.IsZero() {
		p.Generated = time.Now()
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, p); err != nil {
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".index-*.html")
	if err != nil {
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing report page %s: %w", path, err)
	}
	return nil
}

// ReadPage reads what the page shows from the warehouse; dir is where the
// page goes (feedback workbooks are linked when they exist under dir/feedback).
func ReadPage(ctx context.Context, db *sql.DB, dir string) (*Page, error) {
	return readPage(ctx, db, dir, nil)
}

// readPage is ReadPage with the figures of every scope given (nil: read).
func readPage(ctx context.Context, db *sql.DB, dir string, figs []Figures) (*Page, error) {
	p := &Page{}
	scopes := func(ctx context.Context, db *sql.DB, p *Page, _ string) error {
		return readPageScopes(ctx, db, p, figs)
	}
	steps := []struct {
		what string
		fn   func(context.Context, *sql.DB, *Page, string) error
	}{
		{"runs", readPageRuns}, {"files", readPageFiles}, {"stale provinces", readPageStale},
		{"indicators", scopes}, {"data quality", readPageQuality}, {"linkage", readPageLink},
	}
	for _, s := range steps {
		if err := s.fn(ctx, db, p, dir); err != nil {
			return nil, fmt.Errorf("reading %s: %w", s.what, err)
		}
	}
	return p, nil
}

func readPageRuns(ctx context.Context, db *sql.DB, p *Page, _ string) error {
	rows, err := db.QueryContext(ctx, queries.Query("page_runs"))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r PageRun
		var fin sql.NullTime
		var seen, failed, held, read, loaded, quar, skip sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Started, &fin, &r.Status, &seen, &failed, &held, &read, &loaded, &quar, &skip, &r.Message); err != nil {
			return err
		}
		r.Finished = fin.Time
		if !fin.Valid {
			r.Finished = r.Started
		}
		r.FilesSeen, r.FilesFailed, r.FilesHeld = int(seen.Int64), int(failed.Int64), int(held.Int64)
		r.Read, r.Loaded, r.Quarantined, r.Skipped = int(read.Int64), int(loaded.Int64), int(quar.Int64), int(skip.Int64)
		p.Runs = append(p.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(p.Runs) > 0 {
		p.Run = &p.Runs[0]
	}
	var cols []Column
	for i := len(p.Runs) - 1; i >= 0; i-- {
		r := p.Runs[i]
		fill := colGood
		if r.Status != "success" {
			fill = colWarn
		}
		label := ""
		if i == 0 || (i == len(p.Runs)-1 && len(p.Runs) > 4) { // newest; oldest when apart
			label = r.Started.UTC().Format("02/01")
		}
		cols = append(cols, Column{Label: label, V: r.Duration().Seconds(), Fill: fill,
			Tip: fmt.Sprintf("%s %s: %s, %d righe caricate, %d in quarantena", r.ID, r.Status, r.Duration(), r.Loaded, r.Quarantined)})
	}
	p.RunsChart = columnChart("chart-runs", "Ultime esecuzioni: durata (s) / last runs: duration", cols, "s")
	return nil
}

func readPageFiles(ctx context.Context, db *sql.DB, p *Page, _ string) error {
	if p.Run == nil {
		return nil
	}
	rows, err := db.QueryContext(ctx, queries.Query("page_files"), p.Run.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code, name string
		var f PageFileRow
		if err := rows.Scan(&code, &name, &f.Name, &f.Status, &f.Read, &f.Loaded, &f.Quarantined, &f.Skipped, &f.Issues, &f.Error); err != nil {
			return err
		}
		if n := len(p.Provinces); n == 0 || p.Provinces[n-1].Code != code {
			p.Provinces = append(p.Provinces, PageProv{Code: code, Name: name})
		}
		pr := &p.Provinces[len(p.Provinces)-1]
		pr.Files = append(pr.Files, f)
		pr.Read += f.Read
		pr.Loaded += f.Loaded
		pr.Quarantined += f.Quarantined
		pr.Skipped += f.Skipped
		pr.Issues += f.Issues
		if f.Status == "failed" {
			pr.Failed++
		}
	}
	return rows.Err()
}

func readPageStale(ctx context.Context, db *sql.DB, p *Page, _ string) error {
	rows, err := db.QueryContext(ctx, queries.Query("page_stale"))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s PageStale
		if err := rows.Scan(&s.Code, &s.Name, &s.Since, &s.ReasonIT, &s.Reason, &s.LastGoodRun); err != nil {
			return err
		}
		p.Stale = append(p.Stale, s)
	}
	return rows.Err()
}

func readPageScopes(ctx context.Context, db *sql.DB, p *Page, figs []Figures) error {
	// Every scope at once (three queries), not [Indicators] per scope: the
	// views are computed once rather than three times per province.
	if figs == nil {
		var err error
		if figs, err = ReadFigures(ctx, db); err != nil {
			return err
		}
	}
	for _, fig := range figs {
		code := fig.Province
		id := code
		if id == "" {
			id = "LOMB"
		}
		s := PageScope{ID: id, Fig: fig}
		s.Pies = []Chart{
			pieChart("pie-esito-"+id, "Esito delle domande – "+fig.Name, []Slice{
				{LabelParticipations, fig.Participations, colGood}, {LabelWithdrawn, fig.Withdrawn, colWarn},
				{LabelNotAccepted, fig.NotAccepted, colBad}, {LabelNotIndicated, fig.NotIndicated, "#999999"}}),
			pieChart("pie-sesso-"+id, "Sesso dei partecipanti – "+fig.Name, []Slice{
				{LabelWomen, fig.Women, palette[3]}, {LabelMen, fig.Men, palette[0]}, {LabelSexUnknown, fig.SexUnknown, "#999999"}}),
		}
		var axes, sites []Bar
		for _, c := range fig.ModulesByAxis {
			label := c.Key + " – " + shorten(c.Label, 28)
			if c.Key == "" {
				label = "asse non indicato"
			}
			axes = append(axes, Bar{Label: label, V: float64(c.N), Tip: c.Key + " – " + c.Label + ": " + thousands(int64(c.N))})
		}
		for _, c := range fig.ModulesBySite {
			label := c.Label
			if label == "" {
				label = "sede non indicata"
			}
			sites = append(sites, Bar{Label: label, V: float64(c.N)})
		}
		s.Axis = hbarChart("bar-asse-"+id, LabelModulesByAxis+" – "+fig.Name, axes)
		s.Sites = hbarChart("bar-sede-"+id, LabelModulesBySite+" – "+fig.Name, sites)
		p.Scopes = append(p.Scopes, s)
	}
	return nil
}

func readPageQuality(ctx context.Context, db *sql.DB, p *Page, dir string) error {
	rows, err := db.QueryContext(ctx, queries.Query("page_quality"))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var k PageKind
		if err := rows.Scan(&code, &k.Kind, &k.Code, &k.N); err != nil {
			return err
		}
		if n := len(p.Quality); n == 0 || p.Quality[n-1].Code != code {
			q := PageQuality{Code: code}
			name := "feedback_" + code + ".xlsx"
			if _, err := os.Stat(filepath.Join(dir, "feedback", name)); err == nil {
				q.Feedback = "feedback/" + name
			}
			p.Quality = append(p.Quality, q)
		}
		q := &p.Quality[len(p.Quality)-1]
		q.Kinds = append(q.Kinds, k)
		switch k.Kind {
		case "quarantine":
			q.Quarantined += k.N
		case "issue":
			q.Issues += k.N
		case "skipped":
			q.Skipped += k.N
		}
	}
	return rows.Err()
}

func readPageLink(ctx context.Context, db *sql.DB, p *Page, _ string) error {
	l := &PageLink{}
	err := db.QueryRowContext(ctx, queries.Query("page_link_run")).Scan(&l.RunID, &l.Records, &l.CandidatePairs, &l.Lambda,
		&l.MatchThreshold, &l.ReviewThreshold, &l.AcceptedPairs, &l.ReviewPairs, &l.Persons, &l.PersonsMulti, &l.Seconds)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	l.Prior = math.Log2(l.Lambda / (1 - l.Lambda))
	for _, s := range p.Scopes {
		if s.ID == "LOMB" {
			l.Repeaters = s.Fig.Repeaters
		}
	}

	rows, err := db.QueryContext(ctx, queries.Query("page_link_bands"), l.ReviewThreshold, l.MatchThreshold)
	if err != nil {
		return err
	}
	band := map[int]int{}
	for rows.Next() {
		var b, n int
		if err := rows.Scan(&b, &n); err != nil {
			rows.Close()
			return err
		}
		band[b] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	l.LowBand = fmt.Sprintf("< %s", num(l.ReviewThreshold))
	l.ReviewBandLabel = fmt.Sprintf("%s – %s (da rivedere / review)", num(l.ReviewThreshold), num(l.MatchThreshold))
	l.MatchBandLabel = fmt.Sprintf("≥ %s (stessa persona / match)", num(l.MatchThreshold))
	l.Bands = hbarChart("bar-bande", "Coppie per probabilità / pairs by probability", []Bar{
		{Label: "probabilità " + l.LowBand, V: float64(band[1]), Fill: colBad},
		{Label: l.ReviewBandLabel, V: float64(band[2]), Fill: colWarn},
		{Label: l.MatchBandLabel + " < 0,99", V: float64(band[3]), Fill: palette[4]},
		{Label: "≥ 0,99", V: float64(band[4]), Fill: colGood},
	})

	if err := readPageModel(ctx, db, l); err != nil {
		return err
	}
	if err := readPagePairs(ctx, db, l, true); err != nil {
		return err
	}
	if len(l.Pairs) == 0 {
		l.Borderline = true
		if err := readPagePairs(ctx, db, l, false); err != nil {
			return err
		}
	}
	p.Link = l
	return nil
}

func readPageModel(ctx context.Context, db *sql.DB, l *PageLink) error {
	rows, err := db.QueryContext(ctx, queries.Query("page_link_model"))
	if err != nil {
		return err
	}
	defer rows.Close()
	var bars []Bar
	for rows.Next() {
		var m ModelLevel
		if err := rows.Scan(&m.Comparison, &m.Level, &m.Label, &m.M, &m.U, &m.Weight); err != nil {
			return err
		}
		if n := len(l.comparisons); n == 0 || l.comparisons[n-1] != m.Comparison {
			l.comparisons = append(l.comparisons, m.Comparison)
		}
		l.ModelLevels = append(l.ModelLevels, m)
		fill := colGood
		if m.Weight < 0 {
			fill = colBad
		}
		bars = append(bars, Bar{Label: m.Comparison + ": " + m.Label, V: m.Weight, Text: signed(m.Weight), Fill: fill,
			Tip: fmt.Sprintf("%s: %s — m %.3f, u %.4f, peso %s", m.Comparison, m.Label, m.M, m.U, signed(m.Weight))})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	l.Model = hbarChart("chart-model", "Pesi del modello / match weights", bars)
	return nil
}

// PagePairsMax is the most pairs in review the page explains, the most
// probable first: the page stays readable (and its size bounded) when a run
// leaves many pairs in review; review.xlsx lists them all.
const PagePairsMax = 100

func readPagePairs(ctx context.Context, db *sql.DB, l *PageLink, review bool) error {
	rows, err := db.QueryContext(ctx, queries.Query("page_pairs"), review, l.MatchThreshold, PagePairsMax)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pp PagePair
		var weights, levels, left, right sql.NullString
		if err := rows.Scan(&pp.Left, &pp.Right, &pp.Decision, &pp.Source, &pp.Detail, &pp.MatchWeight, &pp.Prob,
			&weights, &levels, &left, &right); err != nil {
			return err
		}
		if weights.Valid {
			if err := json.Unmarshal([]byte(weights.String), &pp.weights); err != nil {
				return fmt.Errorf("pair %s %s: weights: %w", pp.Left, pp.Right, err)
			}
		}
		if levels.Valid {
			if err := json.Unmarshal([]byte(levels.String), &pp.Levels); err != nil {
				return fmt.Errorf("pair %s %s: levels: %w", pp.Left, pp.Right, err)
			}
		}
		for _, s := range []struct {
			js  sql.NullString
			dst *[]string
		}{{left, &pp.LeftRow}, {right, &pp.RightRow}} {
			if s.js.Valid {
				if err := json.Unmarshal([]byte(s.js.String), s.dst); err != nil {
					return fmt.Errorf("pair %s %s: row: %w", pp.Left, pp.Right, err)
				}
			}
		}
		pp.N = len(l.Pairs) + 1
		pp.Steps = pairSteps(l.Prior, l.comparisons, pp.weights, pp.Levels)
		pp.Chart = waterfallChart(fmt.Sprintf("waterfall-%d", pp.N), fmt.Sprintf("Coppia %d: pesi / waterfall", pp.N), pp.Steps, pp.MatchWeight)
		for i, label := range pairFields {
			var a, b string
			if i < len(pp.LeftRow) {
				a = pp.LeftRow[i]
			}
			if i < len(pp.RightRow) {
				b = pp.RightRow[i]
			}
			pp.Fields = append(pp.Fields, PairField{Label: label, Left: a, Right: b, Same: a == b && a != ""})
		}
		l.Pairs = append(l.Pairs, pp)
	}
	return rows.Err()
}

// pairSteps orders a pair's weights for its waterfall: the prior first, then
// the comparisons in the model's order, then any comparison the model does
// not list (sorted), each labelled with its level.
func pairSteps(prior float64, order []string, weights map[string]float64, levels map[string]string) []Step {
	steps := []Step{{Label: "a priori (λ)", W: prior}}
	seen := map[string]bool{}
	add := func(c string) {
		w, ok := weights[c]
		if !ok || seen[c] {
			return
		}
		seen[c] = true
		label := c
		if lv := levels[c]; lv != "" {
			label += ": " + lv
		}
		steps = append(steps, Step{Label: label, W: w})
	}
	for _, c := range order {
		add(c)
	}
	var rest []string
	for c := range weights {
		if !seen[c] {
			rest = append(rest, c)
		}
	}
	sort.Strings(rest)
	for _, c := range rest {
		add(c)
	}
	return steps
}

// kindLabel names a kind of row problem in Italian.
func (k PageKind) KindLabel() string {
	switch k.Kind {
	case "quarantine":
		return "in quarantena"
	case "issue":
		return "segnalazione"
	case "skipped":
		return "riga saltata"
	}
	return strings.ReplaceAll(k.Kind, "_", " ")
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ReadFigures reads the funder's figures of the region (Province "") and of
// every province, with their breakdowns by site and axis: three queries,
// each computing every scope at once. The report and the page show them.
func ReadFigures(ctx context.Context, db *sql.DB) ([]Figures, error) {
	rows, err := db.QueryContext(ctx, queries.Query("page_indicators"))
	if err != nil {
		return nil, err
	}
	var figs []Figures
	for rows.Next() {
		f, err := scanFigures(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		figs = append(figs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sites, err := pageCounts(ctx, db, "page_sites", false)
	if err != nil {
		return nil, fmt.Errorf("modules by site: %w", err)
	}
	axes, err := pageCounts(ctx, db, "page_axes", true)
	if err != nil {
		return nil, fmt.Errorf("modules by axis: %w", err)
	}
	for i := range figs {
		figs[i].ModulesBySite = sites[figs[i].Province]
		figs[i].ModulesByAxis = axes[figs[i].Province]
	}
	return figs, nil
}

// pageCounts runs a breakdown query of every scope: rows of (scope, key, n)
// or, with titled, (scope, key, title, n, ordinal); scope "" is the region.
func pageCounts(ctx context.Context, db *sql.DB, query string, titled bool) (map[string][]Count, error) {
	rows, err := db.QueryContext(ctx, queries.Query(query))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string][]Count{}
	for rows.Next() {
		var scope string
		var c Count
		if titled {
			var ord int
			err = rows.Scan(&scope, &c.Key, &c.Label, &c.N, &ord)
		} else {
			err = rows.Scan(&scope, &c.Key, &c.N)
			c.Label = c.Key
		}
		if err != nil {
			return nil, err
		}
		m[scope] = append(m[scope], c)
	}
	return m, rows.Err()
}
