package sinks

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Project header of the funder's report.
const (
	reportTitle   = "CORRELARE – Consolidare reti regionali e locali per un'accoglienza responsabile"
	reportFunding = "Fondo Europeo per l'Integrazione di cittadini di Paesi terzi – FEI 2011/FEI/PROG-100781 – CUP B53I12000030003"
	regionSheet   = "Lombardia"
)

// Labels of the report, in Italian, as the funder's slides word them.
const (
	LabelApplications   = "Domande di iscrizione"
	LabelNotAccepted    = "Non accettate"
	LabelAccepted       = "Accettate"
	LabelWithdrawn      = "Ritirati"
	LabelParticipations = "Partecipazioni effettive"
	LabelWomen          = "Donne"
	LabelMen            = "Uomini"
	LabelSexUnknown     = "Sesso non indicato"
	LabelPersons        = "Persone distinte"
	LabelRepeaters      = "Persone con più di un modulo"
	LabelModules        = "Moduli"
	LabelModulesBySite  = "Moduli per sede"
	LabelModulesByAxis  = "Moduli per asse"
	LabelHours          = "Ore di formazione erogate"
	LabelSessions       = "Incontri formativi"
	LabelAttendance     = "Frequenza media"
	LabelSatisfaction   = "Gradimento medio (1–5)"
	LabelNotIndicated   = "Esito non indicato"
)

// ReportOptions configure [WriteReport].
type ReportOptions struct {
	Now   time.Time // date printed as "Dati al"; zero: time.Now()
	RunID string    // printed under the header when not empty
	// Figures are the figures of every scope as ReadFigures returns them,
	// when the caller has them already; nil: read here.
	Figures []Figures
}

// WriteReport writes the funder's report to path: one .xlsx with a sheet
// "Lombardia" for the region and one sheet per province present in the
// warehouse, named by the province, each holding every indicator of
// [Figures] with Italian labels in column A and values in column B
// (shares in column C, formatted as percentages), the breakdowns of modules
// by site and by axis, and two pie charts (outcome of the applications; sex of
// the participants). A stale province gets a warning under the header.
// The file is written beside path and renamed into place.
func WriteReport(ctx context.Context, db *sql.DB, path string, opt ReportOptions) error {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	// Every scope's figures at once (one pass over the data per kind, not one
	// per province); a scope the breakdown queries leave without axes is read
	// alone, as Indicators lists every axis.
	figs := opt.Figures
	if figs == nil {
		var err error
		if figs, err = ReadFigures(ctx, db); err != nil {
			return fmt.Errorf("writing report %s: computing indicators: %w", path, err)
		}
	}
	byScope := map[string]Figures{}
	var provs []reportProvince
	for _, f := range figs {
		byScope[f.Province] = f
		if f.Province != "" {
			provs = append(provs, reportProvince{code: f.Province, name: f.Name})
		}
	}
	sort.Slice(provs, func(i, j int) bool {
		if provs[i].name != provs[j].name {
			return provs[i].name < provs[j].name
		}
		return provs[i].code < provs[j].code
	})
	scope := func(code string) (Figures, error) {
		if f, ok := byScope[code]; ok && f.ModulesByAxis != nil {
			return f, nil
		}
		return Indicators(ctx, db, code)
	}
	names := map[string]string{}
	for _, p := range provs {
		names[p.code] = p.name
	}

	f := excelize.NewFile()
	defer f.Close()
	st, err := newReportStyles(f)
	if err != nil {
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	if err := f.SetSheetName(f.GetSheetName(0), regionSheet); err != nil {
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	fig, err := scope("")
	if err != nil {
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	if err := writeReportSheet(f, st, regionSheet, fig, names, opt); err != nil {
		return fmt.Errorf("writing report %s, sheet %s: %w", path, regionSheet, err)
	}
	used := map[string]bool{strings.ToLower(regionSheet): true}
	for _, p := range provs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("writing report %s: %w", path, err)
		}
		fig, err := scope(p.code)
		if err != nil {
			return fmt.Errorf("writing report %s: %w", path, err)
		}
		sheet := sheetName(p.name, p.code, used)
		if _, err := f.NewSheet(sheet); err != nil {
			return fmt.Errorf("writing report %s, sheet %s: %w", path, sheet, err)
		}
		if err := writeReportSheet(f, st, sheet, fig, names, opt); err != nil {
			return fmt.Errorf("writing report %s, sheet %s: %w", path, sheet, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:   "CORRELARE – indicatori per il finanziatore",
		Creator: "correlare",
		Created: opt.Now.UTC().Format(time.RFC3339),
	}); err != nil {
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	if err := saveWorkbook(f, path, 0o644); err != nil {
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	return nil
}

type reportProvince struct{ code, name string }

// sheetName makes a valid, unique sheet name (at most 31 characters, none of
// : \ / ? * [ ]) from a province's name.
func sheetName(name, code string, used map[string]bool) string {
	s := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	s = strings.Trim(s, "'")
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" || used[strings.ToLower(s)] {
		s = code
	}
	for i := 2; used[strings.ToLower(s)]; i++ {
		s = fmt.Sprintf("%s %d", code, i)
	}
	used[strings.ToLower(s)] = true
	return s
}

type reportStyles struct {
	title, bold, header, section, warn, integer, decimal, hours, percent int
}

func newReportStyles(f *excelize.File) (reportStyles, error) {
	var s reportStyles
	one := "0.0"
	defs := []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Color: "1F3864"}}},
		{&s.bold, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.header, excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F3864"}}}},
		{&s.section, excelize.Style{Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "bottom", Color: "1F3864", Style: 1}}}},
		{&s.warn, excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}}},
		{&s.integer, excelize.Style{NumFmt: 3}}, // #,##0
		{&s.decimal, excelize.Style{CustomNumFmt: &one}},
		{&s.hours, excelize.Style{NumFmt: 3}},
		{&s.percent, excelize.Style{NumFmt: 9}}, // 0%
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return s, fmt.Errorf("creating styles: %w", err)
		}
		*d.id = id
	}
	return s, nil
}

// reportRow is one line of the indicator table.
type reportRow struct {
	label string
	value any      // int, float64, or nil for "n.d."
	style int      // of the value
	share *float64 // column C, as a percentage
	note  string   // column D
}

func writeReportSheet(f *excelize.File, st reportStyles, sheet string, fig Figures, names map[string]string, opt ReportOptions) error {
	set := func(cell string, v any, style int) error {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(sheet, cell, cell, style)
		}
		return nil
	}
	scope := "Regione Lombardia – tutte le province"
	if fig.Province != "" {
		scope = "Provincia di " + fig.Name
	}
	dated := "Dati al " + opt.Now.Format("02/01/2006")
	if opt.RunID != "" {
		dated += " (elaborazione " + opt.RunID + ")"
	}
	head := []struct {
		cell  string
		v     string
		style int
	}{
		{"A1", reportTitle, st.title},
		{"A2", reportFunding, 0},
		{"A3", scope, st.bold},
		{"A4", dated, 0},
		{"A5", staleNote(fig, names), st.warn},
	}
	for _, h := range head {
		if h.v == "" {
			continue
		}
		if err := set(h.cell, h.v, h.style); err != nil {
			return err
		}
	}

	share := func(v float64, base int) *float64 {
		if base == 0 {
			return nil
		}
		return &v
	}
	rows := []reportRow{
		{label: LabelApplications, value: fig.Applications, style: st.integer},
		{label: LabelNotAccepted, value: fig.NotAccepted, style: st.integer, share: share(fig.NotAcceptedShare, fig.Applications)},
		{label: LabelAccepted, value: fig.Accepted, style: st.integer, note: fmt.Sprintf("di cui %d ritirati prima dell'inizio", fig.Withdrawn)},
		{label: LabelWithdrawn, value: fig.Withdrawn, style: st.integer, share: share(fig.WithdrawnShare, fig.Applications)},
		{label: LabelParticipations, value: fig.Participations, style: st.integer, share: share(fig.ParticipationsShare, fig.Applications), note: "accettate e non ritirate; % sulle domande"},
	}
	if fig.NotIndicated > 0 {
		rows = append(rows, reportRow{label: LabelNotIndicated, value: fig.NotIndicated, style: st.integer,
			share: share(float64(fig.NotIndicated)/float64(fig.Applications), fig.Applications),
			note:  "esito mancante o illeggibile: contate tra le domande, non tra accettate o non accettate"})
	}
	rows = append(rows,
		reportRow{label: LabelWomen, value: fig.Women, style: st.integer, share: share(fig.WomenShare, fig.Participations), note: "% sulle partecipazioni"},
		reportRow{label: LabelMen, value: fig.Men, style: st.integer, share: share(fig.MenShare, fig.Participations)},
	)
	if fig.SexUnknown > 0 {
		rows = append(rows, reportRow{label: LabelSexUnknown, value: fig.SexUnknown, style: st.integer,
			share: share(float64(fig.SexUnknown)/float64(fig.Participations), fig.Participations)})
	}
	persNote := ""
	if fig.Province == "" {
		persNote = "chi ha frequentato in più province è contato una volta"
	}
	rows = append(rows,
		reportRow{label: LabelPersons, value: fig.Persons, style: st.integer, note: persNote},
		reportRow{label: LabelRepeaters, value: fig.Repeaters, style: st.integer},
		reportRow{label: LabelModules, value: fig.Modules, style: st.integer},
		reportRow{label: LabelHours, value: fig.HoursDelivered, style: st.hours},
		reportRow{label: LabelSessions, value: fig.Sessions, style: st.integer},
		reportRow{label: LabelAttendance, value: optional(fig.Attendance), style: st.percent,
			note: fmt.Sprintf("ore frequentate / ore previste, su %d partecipazioni con ore registrate", fig.AttendanceRows)},
		reportRow{label: LabelSatisfaction, value: optional(fig.Satisfaction), style: st.decimal,
			note: fmt.Sprintf("su %d questionari", fig.SatisfactionRows)},
	)

	r := 7
	for i, h := range []string{"Indicatore", "Valore", "%", "Note"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, r)
		if err := set(cell, h, st.header); err != nil {
			return err
		}
	}
	for _, row := range rows {
		r++
		if err := set(fmt.Sprintf("A%d", r), row.label, 0); err != nil {
			return err
		}
		if row.value == nil {
			if err := set(fmt.Sprintf("B%d", r), "n.d.", 0); err != nil {
				return err
			}
		} else if err := set(fmt.Sprintf("B%d", r), row.value, row.style); err != nil {
			return err
		}
		if row.share != nil {
			if err := set(fmt.Sprintf("C%d", r), *row.share, st.percent); err != nil {
				return err
			}
		}
		if row.note != "" {
			if err := set(fmt.Sprintf("D%d", r), row.note, 0); err != nil {
				return err
			}
		}
	}

	for _, part := range []struct {
		title string
		cs    []Count
		axis  bool
	}{{LabelModulesBySite, fig.ModulesBySite, false}, {LabelModulesByAxis, fig.ModulesByAxis, true}} {
		r += 2
		if err := set(fmt.Sprintf("A%d", r), part.title, st.section); err != nil {
			return err
		}
		if err := set(fmt.Sprintf("B%d", r), "", st.section); err != nil {
			return err
		}
		for _, c := range part.cs {
			r++
			label := c.Label
			switch {
			case part.axis && c.Key == "":
				label = "Asse non indicato"
			case part.axis:
				label = c.Key + " – " + c.Label
			case c.Key == "":
				label = "Sede non indicata"
			}
			if err := set(fmt.Sprintf("A%d", r), label, 0); err != nil {
				return err
			}
			if err := set(fmt.Sprintf("B%d", r), c.N, st.integer); err != nil {
				return err
			}
		}
	}

	if err := writeReportCharts(f, st, sheet, fig); err != nil {
		return err
	}
	for _, w := range []struct {
		col   string
		width float64
	}{{"A", 46}, {"B", 12}, {"C", 8}, {"D", 52}, {"F", 26}, {"G", 10}} {
		if err := f.SetColWidth(sheet, w.col, w.col, w.width); err != nil {
			return err
		}
	}
	// Printed, each sheet fits one landscape A4 page, as the slides did.
	landscape, one, a4 := "landscape", 1, 9
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &one, FitToHeight: &one}); err != nil {
		return fmt.Errorf("setting page layout of %s: %w", sheet, err)
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("setting page layout of %s: %w", sheet, err)
	}
	return nil
}

// writeReportCharts writes the data of the two pie charts in F:G and the
// charts: every application's outcome (not indicated included, so that the
// slices add up to the applications) and the participants' sex (unknown
// included), the slices of the report page's pies.
func writeReportCharts(f *excelize.File, st reportStyles, sheet string, fig Figures) error {
	data := [][]any{
		{"Esito delle domande", nil},
		{"Accettate (partecipanti)", fig.Participations},
		{"Non accettate", fig.NotAccepted},
		{"Ritirati", fig.Withdrawn},
		{LabelNotIndicated, fig.NotIndicated},
		{nil, nil},
		{"Sesso dei partecipanti", nil},
		{"Donne", fig.Women},
		{"Uomini", fig.Men},
		{LabelSexUnknown, fig.SexUnknown},
	}
	for i, row := range data {
		for j, v := range row {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(6+j, 7+i)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
			style := st.integer
			if j == 0 {
				style = 0
				if i == 0 || i == 6 {
					style = st.section
				}
			}
			if style != 0 {
				if err := f.SetCellStyle(sheet, cell, cell, style); err != nil {
					return err
				}
			}
		}
	}
	q := "'" + strings.ReplaceAll(sheet, "'", "''") + "'!"
	charts := []struct {
		at, title, name, cats, vals string
	}{
		{"I2", "Esito delle domande di iscrizione", "$F$7", "$F$8:$F$11", "$G$8:$G$11"},
		{"I20", "Partecipazioni per sesso", "$F$13", "$F$14:$F$16", "$G$14:$G$16"},
	}
	for _, c := range charts {
		err := f.AddChart(sheet, c.at, &excelize.Chart{
			Type:      excelize.Pie,
			Series:    []excelize.ChartSeries{{Name: q + c.name, Categories: q + c.cats, Values: q + c.vals}},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.title}}},
			Legend:    excelize.ChartLegend{Position: "right"},
			PlotArea:  excelize.ChartPlotArea{ShowPercent: true},
			Dimension: excelize.ChartDimension{Width: 480, Height: 320},
		})
		if err != nil {
			return fmt.Errorf("adding chart %q: %w", c.title, err)
		}
	}
	return nil
}

// staleNote is the warning printed when the scope's data is not current.
func staleNote(fig Figures, names map[string]string) string {
	if fig.StaleSince == nil {
		return ""
	}
	since := fig.StaleSince.Format("02/01/2006")
	if fig.Province != "" {
		return "Attenzione: dati non aggiornati dal " + since + " (l'ultimo file ricevuto non è stato caricato; restano i dati precedenti)."
	}
	var ps []string
	for _, c := range fig.StaleProvinces {
		if n := names[c]; n != "" {
			ps = append(ps, n)
		} else {
			ps = append(ps, c)
		}
	}
	return "Attenzione: dati non aggiornati per " + strings.Join(ps, ", ") + " (dal " + since + ")."
}

func optional(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// saveWorkbook writes f beside path and renames it into place, so that a
// reader never sees a half-written workbook.
func saveWorkbook(f *excelize.File, path string, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := f.WriteTo(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}
