package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lombardia-orim/correlare/link"
	"github.com/lombardia-orim/correlare/pipeline"
	"github.com/lombardia-orim/correlare/runlock"
	"github.com/lombardia-orim/correlare/sinks"
	"github.com/lombardia-orim/correlare/sources"
)

type configFlag struct {
	Config string `short:"c" required:"" type:"path" env:"CORRELARE_CONFIG" help:"Config file (YAML)."`
}

func (c configFlag) load() (*pipeline.Config, error) {
	cfg, err := pipeline.LoadConfig(c.Config)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

type initCmd struct {
	Path string `arg:"" optional:"" default:"correlare.yaml" help:"Where to write the example."`
}

func (c *initCmd) Run() error {
	if err := pipeline.WriteExampleConfig(c.Path); err != nil {
		return usageErr("%v", err)
	}
	fmt.Printf("wrote %s: edit the provinces and paths, then run: correlare run -c %s\n", c.Path, c.Path)
	return nil
}

type runCmd struct {
	configFlag
	Reload       bool     `help:"Re-read every current file even if its bytes were already loaded (after changing column mappings)."`
	AcceptShrink []string `name:"accept-shrink" sep:"," placeholder:"CR[,MI]" help:"Accept this run removing most or all rows of these provinces (the shrink guard otherwise keeps their last good data)."`
	Workers      int      `placeholder:"N" help:"Provinces fetched and loaded at once (default: the config's workers, else the number of cores; 1 = one after the other)."`
}

func (c *runCmd) Run(ctx context.Context, lf *logFlags) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if c.Workers < 0 {
		return usageErr("--workers %d: give 1 or more", c.Workers)
	}
	for _, code := range c.AcceptShrink {
		if _, ok := cfg.Province(strings.ToUpper(strings.TrimSpace(code))); !ok {
			return usageErr("--accept-shrink %s: not a configured province", code)
		}
	}
	res := pipeline.Run(ctx, cfg, pipeline.Options{Logger: lf.logger(), Progress: lf.progress(), Version: version,
		Reload: c.Reload, AcceptShrink: c.AcceptShrink, Workers: c.Workers})
	fmt.Println(res.Summary())
	return runExit(res)
}

func runExit(res *pipeline.Result) error {
	switch {
	case errors.Is(res.Err, runlock.ErrBusy):
		return &exitError{code: exitBusy}
	case res.Status == pipeline.StatusSuccess:
		return nil
	case res.Status == pipeline.StatusPartial:
		return &exitError{code: exitPartial}
	}
	return &exitError{code: exitFailed}
}

type validateCmd struct {
	File     string `arg:"" type:"existingfile" help:"Workbook (.xlsx, .xlsm, .ods, .xls, .csv) to check."`
	Province string `short:"p" help:"Province sigla whose column mappings apply (needs --config)."`
	Config   string `short:"c" type:"path" env:"CORRELARE_CONFIG" help:"Config file, for the province's column mappings."`
}

func (c *validateCmd) Run(ctx context.Context) error {
	var cfg *pipeline.Config
	if c.Config != "" {
		var err error
		if cfg, err = pipeline.LoadConfig(c.Config); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	v, err := pipeline.Validate(ctx, c.File, strings.ToUpper(c.Province), cfg)
	if err != nil {
		// A whole-file refusal, in Italian for the province; the reader's own
		// words (English) follow as a technical detail for the operator.
		if p := pipeline.Refusal(err); p.Code != "" {
			if p.File == "" {
				p.File = filepath.Base(c.File)
			}
			return &exitError{code: exitFailed, err: fmt.Errorf("%s\n  dettaglio tecnico: %w", p, err)}
		}
		var se *sources.Error
		if errors.As(err, &se) {
			return &exitError{code: exitFailed, err: err}
		}
		return &exitError{code: exitFailed, err: fmt.Errorf("%s: %w", filepath.Base(c.File), err)}
	}
	for _, t := range v.Tables {
		fmt.Println("tabella:", t)
	}
	for _, p := range v.Problems {
		fmt.Println(p)
	}
	if len(v.Unknown) > 0 {
		fmt.Println("valori non riconosciuti: per leggerli, aggiungere al file di configurazione (in cima o sotto la provincia) una riga come queste, sostituendo ??? con il valore giusto:")
		for _, u := range v.Unknown {
			note := fmt.Sprintf("%d righe", u.Rows)
			if u.Rows == 1 {
				note = "1 riga"
			}
			if u.Suggest != "" {
				note += ", valore probabile"
			}
			fmt.Printf("  %s   # %s\n", u.MappingLine(), note)
		}
	}
	fmt.Printf("%s: %d righe lette, %d caricabili, %d in quarantena, %d ignorate, %d valori segnalati\n",
		v.File, v.Counts.Read, v.Counts.Loaded, v.Counts.Quarantined, v.Counts.Skipped, v.Counts.Issues)
	if v.Rejects() {
		return &exitError{code: exitFailed}
	}
	return nil
}

type statusCmd struct {
	configFlag
	Last int `short:"n" default:"10" help:"How many runs to show."`
}

func (c *statusCmd) Run(ctx context.Context) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	st, err := pipeline.ReadStatus(ctx, cfg, c.Last)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tDURATION\tSTATUS\tFILES\tFAILED\tHELD\tREAD\tLOADED\tQUARANTINED\tSKIPPED\tNOTE")
	for _, r := range st.Runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.RunID, r.Started.Local().Format("2006-01-02 15:04"),
			r.Finished.Sub(r.Started).Round(time.Second), r.Status, r.Files, r.FilesFailed, r.FilesHeld, r.Read, r.Loaded, r.Quarantined, r.Skipped, truncate(r.Note, 80))
	}
	tw.Flush()
	if len(st.Files) > 0 {
		fmt.Printf("\nfiles of run %s:\n", st.Runs[0].RunID)
		tw = tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROVINCE\tFILE\tSTATUS\tREAD\tLOADED\tQUARANTINED\tSKIPPED\tERROR")
		for _, f := range st.Files {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", f.Province, f.File, f.Status, f.Read, f.Loaded, f.Quarantined, f.Skipped, truncate(f.Error, 80))
		}
		tw.Flush()
	}
	for _, p := range st.Stale {
		fmt.Printf("province %s stale since %s", p.Code, p.Since.Local().Format("2006-01-02 15:04"))
		if p.Reason != "" {
			fmt.Printf(": %s", truncate(p.Reason, 160))
		}
		fmt.Println()
	}
	return nil
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

type reportCmd struct {
	configFlag
}

func (c *reportCmd) Run(ctx context.Context, lf *logFlags) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	return pipeline.Report(ctx, cfg, lf.logger())
}

type linkCmd struct {
	Eval linkEvalCmd `cmd:"" help:"Score the published linkage and the linkage model against a ground truth (source_file,sheet,source_row,person): precision, recall, F1, blocking recall, a precision-recall table over thresholds."`
}

type linkEvalCmd struct {
	configFlag
	Truth      string    `arg:"" type:"existingfile" help:"Ground-truth CSV."`
	Row        string    `help:"Print only one Markdown table row, labelled with this name: set, precision, recall, F1, blocking recall, persons found / true, rows not loaded."`
	Thresholds []float64 `help:"Match thresholds of the precision-recall table (default 0.5,0.7,0.8,0.9,0.95,0.99,0.999 and the configured one)."`
}

func (c *linkEvalCmd) Run(ctx context.Context) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	w, err := sinks.OpenWarehouseReadOnly(ctx, cfg.Paths.Warehouse)
	if err != nil {
		return err
	}
	defer w.Close(ctx)
	f, err := os.Open(c.Truth)
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := link.Evaluate(ctx, w.DB, f)
	if err != nil {
		return err
	}
	if c.Row == "" {
		fmt.Println("published:", s)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	a, err := link.Assess(ctx, w.DB, cfg.Linkage, f, c.Thresholds, nil)
	if err != nil {
		return err
	}
	if c.Row != "" {
		at := a.At()
		fmt.Printf("| %s | %.4f | %.4f | %.4f | %.4f | %d / %d | %d |\n", c.Row, at.Precision, at.Recall, at.F1, a.BlockingRecall, at.PersonsFound, at.PersonsTrue, a.Missing)
		return nil
	}
	fmt.Print(a)
	return nil
}
