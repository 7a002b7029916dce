package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/lombardia-orim/correlare/link"
	queries "github.com/lombardia-orim/correlare/sql"
)

// StageError says which province's data a stage after loading (deriving
// modules, linking persons) failed on: the province, and the file, sheet
// and row when one row of the files this run loaded is enough to make the
// stage fail. That province keeps its last good data; the run goes on.
type StageError struct {
	Province string
	Stage    Stage  // the stage that failed
	File     string // "" when no single row was found
	Sheet    string
	Row      int
	Err      error // the stage's error on the province's new data
}

func (e *StageError) Error() string {
	var b strings.Builder
	b.WriteString("province " + e.Province)
	if e.File != "" {
		fmt.Fprintf(&b, ", file %s", e.File)
		if e.Sheet != "" {
			fmt.Fprintf(&b, ", sheet %s", e.Sheet)
		}
		fmt.Fprintf(&b, ", row %d", e.Row)
	}
	if e.Stage != "" {
		fmt.Fprintf(&b, ", stage %s", e.Stage)
	}
	fmt.Fprintf(&b, ": %v; the province keeps its last good data", e.Err)
	return b.String()
}

func (e *StageError) Unwrap() error { return e.Err }

// italian is the reason the province reads (the stage's own error stays in
// the log and in run_files).
func (e *StageError) italian() string {
	var b strings.Builder
	b.WriteString("provincia " + e.Province)
	if e.File != "" {
		fmt.Fprintf(&b, ", file %s", e.File)
		if e.Sheet != "" {
			fmt.Fprintf(&b, ", foglio %s", e.Sheet)
		}
		fmt.Fprintf(&b, ", riga %d", e.Row)
	}
	fmt.Fprintf(&b, ": i dati non si possono elaborare (%s); mantenuti gli ultimi dati validi", e.Stage.it())
	return b.String()
}

// deriveIsolated runs derive (the stages after loading that rewrite the
// warehouse: modules, linkage). When it fails on data, the provinces that
// loaded a file in this run are suspects: each in turn is retried with its
// last good data (from the published warehouse; none on a first run). The
// first whose retry passes pays: it keeps its last good data, its loaded
// files are marked failed with a *StageError naming the row (searched by
// halving its new rows) and it is stale, so the run ends partial. Repeated
// while derive fails and suspects remain. An error no single province
// explains (or a cancelled context) fails the run, as before.
func deriveIsolated(ctx context.Context, db *sql.DB, published string, res *Result, log *slog.Logger, derive func(context.Context) error) error {
	return isolated(ctx, db, published, res, log, StageDerive, derive, derive(ctx))
}

// Stage names the stages after loading that are isolated per province.
type Stage string

const (
	// StageDerive derives modules and links persons.
	StageDerive Stage = "modules and linkage"
	// StageOutputs writes the exports, the funder report (indicators), the
	// feedback and review workbooks and the report page.
	StageOutputs Stage = "exports and reports"
)

// it is the stage as a province reads it.
func (s Stage) it() string {
	if s == StageOutputs {
		return "esportazioni, rapporto o riscontri"
	}
	return "moduli o collegamento delle persone"
}

// isolated is deriveIsolated once stage (derive, or derive followed by the
// outputs) has failed with err: it finds the province whose new data
// explains err, leaves it with its last good data and reruns stage. Errors
// that no data explains (a cancelled context, an invalid linkage config,
// the file system refusing a write) are returned as they are.
func isolated(ctx context.Context, db *sql.DB, published string, res *Result, log *slog.Logger, stage Stage, derive func(context.Context) error, err error) error {
	// DuckDB quotes values into its messages: they reach the log,
	// run_files.error and the stale reason redacted.
	err = redactErr(err)
	if err == nil || ctx.Err() != nil || !dataError(err) {
		return err
	}
	suspects := loadedProvinces(res)
	if len(suspects) == 0 {
		return err
	}
	log.Warn("a stage after loading failed; retrying each province that loaded a file with its last good data", "stage", string(stage), "err", err, "suspects", suspects)
	attached, aerr := attachPublished(ctx, db, published)
	if aerr != nil {
		return errors.Join(err, aerr)
	}
	defer func() {
		cctx := context.WithoutCancel(ctx)
		db.ExecContext(cctx, queries.Query("isolate_drop"))
		if attached {
			db.ExecContext(cctx, "DETACH isolate_pub")
		}
	}()
	for err != nil && len(suspects) > 0 {
		culprit := ""
		for _, p := range suspects {
			ok, serr := retryWithout(ctx, db, p, res.RunID, attached, derive)
			if serr != nil {
				return errors.Join(err, serr)
			}
			if ok {
				culprit = p
				break
			}
		}
		if culprit == "" {
			return err
		}
		se := &StageError{Province: culprit, Stage: stage, Err: err}
		if lerr := locateRow(ctx, db, attached, derive, se); lerr != nil {
			return errors.Join(err, lerr)
		}
		log.Error("province excluded from this run: a stage after loading fails on its data", "province", culprit, "err", se)
		blame(res, se)
		suspects = slices.DeleteFunc(suspects, func(p string) bool { return p == culprit })
		err = redactErr(derive(ctx))
		if ctx.Err() != nil {
			return err
		}
	}
	return err
}

// dataError reports whether err may come from the data a stage read, and
// so be worth retrying per province: not an invalid linkage config, not the
// file system refusing a read or write (a full disk, a permission), not a
// cancellation.
func dataError(err error) bool {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	return !errors.Is(err, link.ErrInvalidConfig) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded) &&
		!errors.As(err, &pe) && !errors.As(err, &le) && !errors.As(err, &se)
}

// loadedProvinces lists, in run order, the provinces with a file loaded in
// this run: only their data changed since the last published run.
func loadedProvinces(res *Result) []string {
	var ps []string
	for _, f := range res.Files {
		if f.Status == FileLoaded && !slices.Contains(ps, f.Province) {
			ps = append(ps, f.Province)
		}
	}
	return ps
}

// attachPublished attaches the published warehouse, if there is one.
func attachPublished(ctx context.Context, db *sql.DB, published string) (bool, error) {
	if _, err := os.Stat(published); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	q := strings.Replace(queries.Query("isolate_attach"), "ATTACH :path", "ATTACH '"+strings.ReplaceAll(published, "'", "''")+"'", 1)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return false, fmt.Errorf("attaching the published warehouse: %w", err)
	}
	return true, nil
}

// retryWithout sets province p's rows aside, puts back its last good data
// and runs derive. Passed: p stays with its last good data (true). Failed:
// p's rows are put back (false).
func retryWithout(ctx context.Context, db *sql.DB, p, runID string, attached bool, derive func(context.Context) error) (bool, error) {
	if _, err := db.ExecContext(ctx, queries.Query("isolate_ctx"), p, runID); err != nil {
		return false, fmt.Errorf("isolating %s: %w", p, err)
	}
	if err := execAll(ctx, db, "isolate_aside", "isolate_clear"); err != nil {
		return false, fmt.Errorf("isolating %s: %w", p, err)
	}
	if err := restoreLastGood(ctx, db, attached); err != nil {
		return false, fmt.Errorf("isolating %s: %w", p, err)
	}
	if derive(ctx) == nil {
		return true, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := execAll(ctx, db, "isolate_clear", "isolate_back"); err != nil {
		return false, fmt.Errorf("putting back the rows of %s: %w", p, err)
	}
	return false, nil
}

func restoreLastGood(ctx context.Context, db *sql.DB, attached bool) error {
	if !attached {
		return nil // a first run: no last good data
	}
	return execAll(ctx, db, "isolate_restore")
}

// locateRow finds, by halving, one row of those the province loaded in this
// run that is enough (on top of its last good data) to make derive fail, and
// names it in se. The province is left with its last good data.
func locateRow(ctx context.Context, db *sql.DB, attached bool, derive func(context.Context) error, se *StageError) error {
	var file, sheet string
	var row, n int
	err := db.QueryRowContext(ctx, queries.Query("isolate_row"), 0).Scan(&file, &sheet, &row, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // only catalogue rows changed
	}
	if err != nil {
		return fmt.Errorf("locating the row: %w", err)
	}
	fails := func(from, count int) (bool, error) {
		if _, err := db.ExecContext(ctx, queries.Query("isolate_rows_drop")); err != nil {
			return false, err
		}
		if _, err := db.ExecContext(ctx, queries.Query("isolate_rows"), from, count); err != nil {
			return false, err
		}
		return derive(ctx) != nil, ctx.Err()
	}
	lo, hi := 0, n
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		f, err := fails(lo, mid-lo)
		if err != nil {
			return fmt.Errorf("locating the row: %w", err)
		}
		if f {
			hi = mid
		} else {
			lo = mid
		}
	}
	f, err := fails(lo, 1)
	if err != nil {
		return fmt.Errorf("locating the row: %w", err)
	}
	if f {
		if err := db.QueryRowContext(ctx, queries.Query("isolate_row"), lo).Scan(&file, &sheet, &row, &n); err != nil {
			return fmt.Errorf("locating the row: %w", err)
		}
		se.File, se.Sheet, se.Row = file, sheet, row
	}
	// Back to the last good data only.
	if err := execAll(ctx, db, "isolate_clear"); err != nil {
		return err
	}
	return restoreLastGood(ctx, db, attached)
}

// blame marks the province's files loaded in this run failed with se, and
// the province stale.
func blame(res *Result, se *StageError) {
	for i := range res.Files {
		f := &res.Files[i]
		if f.Province == se.Province && f.Status == FileLoaded {
			f.Status, f.Err = FileFailed, se
		}
	}
	if !slices.Contains(res.Stale, se.Province) {
		res.Stale = append(res.Stale, se.Province)
	}
	r := Reason{EN: se.Error(), IT: se.italian()}
	if prev, ok := res.Reasons[se.Province]; ok {
		r = joinReasons([]Reason{prev, r})
	}
	if res.Reasons == nil {
		res.Reasons = map[string]Reason{}
	}
	res.Reasons[se.Province] = r
}

func execAll(ctx context.Context, db *sql.DB, names ...string) error {
	for _, n := range names {
		if _, err := db.ExecContext(ctx, queries.Query(n)); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}
