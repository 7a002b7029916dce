package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// RunInfo is one run as `correlare status` shows it.
type RunInfo struct {
	RunID                              string
	Started, Finished                  time.Time
	Status                             string
	Files, FilesFailed                 int
	FilesHeld                          int // held back by the shrink guard
	Read, Loaded, Quarantined, Skipped int64
	Note                               string
}

// FileInfo is one file of a run.
type FileInfo struct {
	Province, File, Status             string
	Read, Loaded, Quarantined, Skipped int64
	Error                              string
}

// StaleProvince is a province showing its last good data.
type StaleProvince struct {
	Code   string
	Since  time.Time
	Reason string // why the last run could not refresh it ("" when not recorded)
}

// Status is the run history: newest run first.
type Status struct {
	Runs  []RunInfo
	Files []FileInfo // of Runs[0], when it was published
	Stale []StaleProvince
}

// ReadStatus reads the last n runs from the published warehouse's runs
// table and from the history file (runs that failed before publishing are
// only there).
func ReadStatus(ctx context.Context, cfg *Config, n int) (*Status, error) {
	st := &Status{}
	byID := map[string]bool{}
	if _, err := os.Stat(cfg.Paths.Warehouse); err == nil {
		w, err := sinks.OpenWarehouseReadOnly(ctx, cfg.Paths.Warehouse)
		if err != nil {
			return nil, err
		}
		defer w.Close(ctx)
		if err := readRuns(ctx, w.DB, st, n); err != nil {
			return nil, err
		}
		for _, r := range st.Runs {
			byID[r.RunID] = true
		}
	}
	hist, err := ReadHistory(cfg)
	if err != nil {
		return nil, err
	}
	for _, h := range hist {
		if byID[h.RunID] {
			continue
		}
		st.Runs = append(st.Runs, RunInfo{RunID: h.RunID, Started: h.Started, Finished: h.Finished, Status: h.Status,
			Files: h.Files, FilesFailed: h.FilesFailed, FilesHeld: h.FilesHeld, Read: h.Read, Loaded: h.Loaded, Quarantined: h.Quarantined,
			Skipped: h.Skipped, Note: h.Error})
	}
	sort.SliceStable(st.Runs, func(i, j int) bool { return st.Runs[i].Started.After(st.Runs[j].Started) })
	if len(st.Runs) > n {
		st.Runs = st.Runs[:n]
	}
	if len(st.Runs) > 0 && !byID[st.Runs[0].RunID] {
		st.Files = nil // the newest run was not published: its files are in its history note
	}
	return st, nil
}

func readRuns(ctx context.Context, db *sql.DB, st *Status, n int) error {
	rows, err := db.QueryContext(ctx, queries.Query("status_runs"), n)
	if err != nil {
		return fmt.Errorf("reading runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r RunInfo
		var fin sql.NullTime
		var note sql.NullString
		if err := rows.Scan(&r.RunID, &r.Started, &fin, &r.Status, &r.Files, &r.FilesFailed, &r.FilesHeld, &r.Read, &r.Loaded, &r.Quarantined, &r.Skipped, &note); err != nil {
			return fmt.Errorf("reading runs: %w", err)
		}
		r.Finished, r.Note = fin.Time, note.String
		st.Runs = append(st.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(st.Runs) > 0 {
		frows, err := db.QueryContext(ctx, queries.Query("status_files"), st.Runs[0].RunID)
		if err != nil {
			return fmt.Errorf("reading run files: %w", err)
		}
		defer frows.Close()
		for frows.Next() {
			var f FileInfo
			var e sql.NullString
			if err := frows.Scan(&f.Province, &f.File, &f.Status, &f.Read, &f.Loaded, &f.Quarantined, &f.Skipped, &e); err != nil {
				return fmt.Errorf("reading run files: %w", err)
			}
			f.Error = e.String
			st.Files = append(st.Files, f)
		}
	}
	srows, err := db.QueryContext(ctx, queries.Query("status_stale"))
	if err != nil {
		return fmt.Errorf("reading provinces: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var p StaleProvince
		if err := srows.Scan(&p.Code, &p.Since, &p.Reason); err != nil {
			return err
		}
		st.Stale = append(st.Stale, p)
	}
	return srows.Err()
}

// Report regenerates the funder report, the feedback and review workbooks
// and the run report page from the published warehouse, without a new
// ingest. It opens the warehouse read-only, so analysts may have it open.
// An output (or a province's feedback workbook) that fails does not stop
// the others: the file it had stays, and the error returned names each.
func Report(ctx context.Context, cfg *Config, log *slog.Logger) error {
	w, err := sinks.OpenWarehouseReadOnly(ctx, cfg.Paths.Warehouse)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no published warehouse at %s: run `correlare run` first: %w", cfg.Paths.Warehouse, err)
		}
		return err
	}
	defer w.Close(ctx)
	if err := os.MkdirAll(cfg.Paths.Reports, 0o750); err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return redactErr(writeReports(ctx, w.DB, cfg, log, nil, true)) // DuckDB may quote a value
}
