package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	queries "github.com/lombardia-orim/correlare/sql"
)

// HistoryEntry is one line of the run history file beside the warehouse,
// which also records runs that failed before publishing.
type HistoryEntry struct {
	RunID       string    `json:"run_id"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Status      string    `json:"status"`
	Files       int       `json:"files"`
	FilesFailed int       `json:"files_failed"`
	FilesHeld   int       `json:"files_held,omitempty"` // held back by the shrink guard
	Read        int64     `json:"rows_read"`
	Loaded      int64     `json:"rows_loaded"`
	Quarantined int64     `json:"rows_quarantined"`
	Skipped     int64     `json:"rows_skipped"`
	Stale       []string  `json:"stale,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// HistoryPath is the run history file of a configuration.
func HistoryPath(cfg *Config) string {
	return filepath.Join(filepath.Dir(cfg.Paths.Warehouse), "runs.jsonl")
}

func appendHistory(cfg *Config, res *Result) error {
	t := res.Totals()
	e := HistoryEntry{RunID: res.RunID, Started: res.Started, Finished: res.Finished, Status: res.Status,
		Files: len(res.Files), Read: t.Read, Loaded: t.Loaded, Quarantined: t.Quarantined, Skipped: t.Skipped, Stale: res.Stale}
	for _, f := range res.Files {
		switch f.Status {
		case FileFailed, FileFetchFail:
			e.FilesFailed++
		case FileHeld:
			e.FilesHeld++
		}
	}
	if res.Err != nil {
		e.Error = res.Err.Error()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(HistoryPath(cfg)), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(HistoryPath(cfg), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadHistory returns the history entries, oldest first.
func ReadHistory(cfg *Config) ([]HistoryEntry, error) {
	b, err := os.ReadFile(HistoryPath(cfg))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading run history: %w", err)
	}
	var out []HistoryEntry
	for i, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e HistoryEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return out, fmt.Errorf("reading run history line %d: %w", i+1, err)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out, nil
}

// importHistory copies into the runs table the runs that failed before
// publishing (they are only in the history file).
func importHistory(ctx context.Context, db *sql.DB, cfg *Config) error {
	hist, err := ReadHistory(cfg)
	if err != nil {
		return err
	}
	for _, e := range hist {
		if _, err := db.ExecContext(ctx, queries.Query("run_import"), e.RunID, e.Started, e.Finished, e.Status,
			e.Files, e.FilesFailed, e.FilesHeld, e.Read, e.Loaded, e.Quarantined, e.Skipped, nullable(e.Error)); err != nil {
			return fmt.Errorf("importing run history: %w", err)
		}
	}
	return nil
}
