package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// ErrOtherProvince: the bytes of a file are already loaded for another
// province (the same workbook sent to two offices, or put in the wrong drop
// folder). The file is refused; the province keeps its last good data.
var ErrOtherProvince = errors.New("the same bytes are loaded for another province")

// OtherProvinceError names the province whose file this looks like. The
// message is read by the province: Italian first.
type OtherProvinceError struct {
	File  string
	Owner string // sigla of the province the bytes are loaded for
}

func (e *OtherProvinceError) Error() string {
	return fmt.Sprintf("%s: questo file sembra quello della provincia %s (gli stessi byte sono già caricati per %s) / this looks like province %s's file",
		e.File, e.Owner, e.Owner, e.Owner)
}

func (e *OtherProvinceError) Unwrap() error { return ErrOtherProvince }

// loadedFile is one source_files row: a file whose rows are in the warehouse.
type loadedFile struct {
	Slot, Name, SHA256, LandedPath, RunID string
	LoadedAt                              time.Time
	Version                               int
}

// fetchedFile is a file fetched in this run, with the configured source it came from.
type fetchedFile struct {
	landing.Fetched
	Source string // glob or redacted URL
}

// provinceFetch is what fetching one province's sources gave: the files
// loaded for it before this run, the files fetched now, and the sources
// that failed (with their run_files rows and reasons).
type provinceFetch struct {
	cur         []loadedFile
	fetched     []fetchedFile
	failures    []FileResult
	reasons     []Reason
	fetchFailed bool
}

// digests are the bytes the province holds (loaded before this run) or
// fetched now: the only bytes whose source_files rows applying the
// province can add, move or remove.
func (pf *provinceFetch) digests() map[string]bool {
	m := make(map[string]bool, len(pf.cur)+len(pf.fetched))
	for _, l := range pf.cur {
		m[l.SHA256] = true
	}
	for _, f := range pf.fetched {
		m[f.SHA256] = true
	}
	return m
}

// fetchProvince lists the files loaded for a province and fetches every one
// of its sources into the landing archive. It writes nothing to the
// warehouse.
func fetchProvince(ctx context.Context, db *sql.DB, land *landing.Archive, p Province, fopt landing.Options, popt provinceOptions, log *slog.Logger) (pf provinceFetch, err error) {
	pf.cur, err = loadedFiles(ctx, db, p.Code)
	if err != nil {
		return pf, err
	}
	for _, src := range p.Sources {
		label := src.Path
		if label == "" {
			label = redactURL(src.URL)
		}
		fs, errs := landing.Fetch(ctx, land, p.Code, landing.Source{Glob: src.Path, URL: src.URL, Headers: src.Headers}, fopt)
		for _, err := range errs {
			if errors.Is(err, landing.ErrNoFiles) && popt.AcceptShrink && len(pf.cur) > 0 {
				// Emptied on purpose: accepted; its files are removed below.
				log.Warn("source holds no file; accepted (--accept-shrink)", "source", label)
				continue
			}
			pf.fetchFailed = true
			log.Error("fetching source failed", "source", label, "err", err)
			pf.failures = append(pf.failures, FileResult{Province: p.Code, Source: label, Status: FileFetchFail, Err: err})
			if errors.Is(err, landing.ErrNoFiles) && len(pf.cur) > 0 {
				pf.reasons = append(pf.reasons, Reason{
					EN: fmt.Sprintf("no file found at %s: the last good data is kept; if the files were removed on purpose, accept with: %s", label, acceptHint(p.Code)),
					IT: fmt.Sprintf("nessun file trovato in %s: mantenuti gli ultimi dati validi; se i file sono stati tolti di proposito, accettare con: %s", label, acceptHint(p.Code)),
				})
			} else {
				pf.reasons = append(pf.reasons, Reason{
					EN: fmt.Sprintf("source %s could not be fetched: the last good data is kept", label),
					IT: fmt.Sprintf("impossibile leggere la fonte %s: mantenuti gli ultimi dati validi", label),
				})
			}
		}
		for _, f := range fs {
			pf.fetched = append(pf.fetched, fetchedFile{Fetched: f, Source: label})
		}
	}
	return pf, nil
}

// applyProvince loads what fetchProvince fetched for one province. It
// reports whether the province is stale (a source or file failed: its
// previous data is kept).
//
// A file is its bytes, within its province. Each fetched file is matched
// against the files loaded now (source_files):
//   - the same bytes in the same slot: unchanged (re-read only on --reload
//     or after an IngestVersion bump);
//   - bytes loaded from a slot that still holds them: a duplicate (a copy
//     beside itself), recorded and not loaded again;
//   - bytes loaded from a slot that no longer holds them (a rename, a folder
//     moved, a source whose path or url changed): the rows and the
//     source_files row follow the file to its new slot and name (renamed or
//     moved); nothing is deleted or re-read;
//   - bytes loaded for another province: refused (OtherProvinceError);
//   - new bytes: loaded, replacing the rows of the slot's previous file.
//
// Files loaded before and no longer held by any slot are removed last.
//
// The plan reads other provinces' source_files only to refuse bytes they
// hold: ingestProvinces applies two provinces that hold or fetched the same
// bytes one after the other, in config order, so the answer is the one a
// run that takes the provinces one by one gives.
func applyProvince(ctx context.Context, db *sql.DB, runID string, p Province, pf provinceFetch, popt provinceOptions, log *slog.Logger) (po provinceOutcome, err error) {
	reload := popt.Reload
	cur, fetched, fetchFailed := pf.cur, pf.fetched, pf.fetchFailed
	out := append([]FileResult(nil), pf.failures...)
	stale := fetchFailed
	reasons := append([]Reason(nil), pf.reasons...)
	defer func() {
		po.Files, po.Stale = out, stale || po.Held
		po.Reason = joinReasons(reasons)
	}()

	// The shrink guard: count the province's rows before, keep a snapshot
	// to go back to, compare after.
	var before int
	if err := db.QueryRowContext(ctx, queries.Query("province_rows"), p.Code).Scan(&before); err != nil {
		return po, fmt.Errorf("counting rows of %s: %w", p.Code, err)
	}
	var snap *sql.Conn
	if before > 0 {
		if snap, err = saveProvince(ctx, db, p.Code); err != nil {
			return po, err
		}
		defer func() {
			snap.ExecContext(context.WithoutCancel(ctx), queries.Query("guard_drop"))
			snap.Close()
		}()
	}

	// What each slot holds now; which loaded files stay where they are and
	// which ones their slot no longer holds (free to follow their bytes).
	at := map[string]string{}
	for _, f := range fetched {
		at[f.Slot] = f.SHA256
	}
	inPlace := map[string]string{}        // sha → slot that still holds it
	released := map[string][]loadedFile{} // sha → loaded files whose slot no longer holds them
	bySlot := map[string]loadedFile{}     // slot → loaded file, as before this run
	for _, l := range cur {
		bySlot[l.Slot] = l
		sha, fetchedNow := at[l.Slot]
		if (fetchedNow && sha == l.SHA256) || (!fetchedNow && fetchFailed) {
			// Held in place; a slot we could not list (a source failed) is
			// assumed to still hold its file.
			inPlace[l.SHA256] = l.Slot
		} else {
			released[l.SHA256] = append(released[l.SHA256], l)
		}
	}
	takeReleased := func(sha, slot string) {
		ls := released[sha]
		for i, l := range ls {
			if l.Slot == slot {
				released[sha] = append(ls[:i:i], ls[i+1:]...)
				return
			}
		}
	}

	// Pass 1: files whose bytes are loaded already (unchanged, duplicate,
	// renamed, moved). Done before any load, so that a file replaced in its
	// slot cannot delete rows that moved to another slot.
	results := make([]FileResult, len(fetched))
	prev := make([]string, len(fetched)) // rows to replace when loading (pass 2)
	pending := make([]bool, len(fetched))
	for i, f := range fetched {
		r := FileResult{Province: p.Code, Source: f.Source, Slot: f.Slot, Name: f.Name, SHA256: f.SHA256}
		flog := log.With("file", f.Name)
		switch l, ok := bySlot[f.Slot]; {
		case ok && l.SHA256 == f.SHA256:
			if l.Version == IngestVersion && !reload {
				r.Status = FileUnchanged
			} else {
				pending[i], prev[i] = true, f.SHA256
			}
		case inPlace[f.SHA256] != "":
			r.Status, r.Other = FileDuplicate, inPlace[f.SHA256]
			flog.Info("same bytes as a file already loaded; not loaded twice", "other", r.Other)
		case len(released[f.SHA256]) > 0:
			from := released[f.SHA256][0]
			if err := popt.retry(ctx, flog, func() error { return reattribute(ctx, db, p.Code, from, f, bySlot[f.Slot]) }); err != nil {
				r.Status, r.Err = FileFailed, err
				stale = true
				reasons = append(reasons, fileReason(f.Name, err))
				flog.Error("re-attributing rows", "err", redactErr(err))
				break
			}
			takeReleased(f.SHA256, from.Slot)
			inPlace[f.SHA256] = f.Slot
			r.Status, r.Other = FileMoved, from.Slot
			if isRename(from.Slot, f.Slot) {
				r.Status = FileRenamed
			}
			flog.Info("file "+r.Status+"; rows kept", "from", from.Name)
			if from.Version != IngestVersion || reload {
				pending[i], prev[i] = true, f.SHA256
			}
		default:
			pending[i] = true
		}
		results[i] = r
	}

	// Pass 2: new bytes (and re-reads).
	for i, f := range fetched {
		if !pending[i] {
			continue
		}
		flog := log.With("file", f.Name)
		if prev[i] == "" && inPlace[f.SHA256] != "" { // a copy of a file loaded just now
			results[i].Status, results[i].Other = FileDuplicate, inPlace[f.SHA256]
			flog.Info("same bytes as a file already loaded; not loaded twice", "other", results[i].Other)
			continue
		}
		if prev[i] == "" { // new bytes for this province
			owner, err := otherProvince(ctx, db, p.Code, f.SHA256)
			if err == nil && owner != "" {
				err = &OtherProvinceError{File: f.Name, Owner: owner}
			}
			if err != nil {
				if l, ok := bySlot[f.Slot]; ok {
					takeReleased(l.SHA256, l.Slot) // the slot keeps its last good file
				}
				results[i].Status, results[i].Err = FileFailed, err
				stale = true
				reasons = append(reasons, fileReason(f.Name, err))
				flog.Error("file refused; keeping the last good data", "err", redactErr(err))
				continue
			}
			if l, ok := bySlot[f.Slot]; ok && hasReleased(released, l) {
				// The slot's previous file is replaced by this one (or, if
				// this load fails, kept).
				takeReleased(l.SHA256, l.Slot)
				prev[i] = l.SHA256
			}
		}
		var r FileResult
		popt.retry(ctx, flog, func() error {
			r = loadFile(ctx, db, runID, f.Fetched, p, prev[i], flog)
			if r.Status == FileFailed {
				return r.Err
			}
			return nil
		})
		r.Source = f.Source
		if results[i].Status != "" { // renamed or moved, then re-read
			r.Other = results[i].Other
			if r.Status == FileLoaded {
				r.Status = results[i].Status
			}
		}
		if r.Status == FileFailed {
			stale = true
			reasons = append(reasons, fileReason(f.Name, r.Err))
			flog.Error("file rejected; keeping the last good data", "err", redactErr(r.Err))
		} else {
			inPlace[f.SHA256] = f.Slot
		}
		results[i] = r
	}
	out = append(out, results...)

	// Loaded files that no slot holds any more: their rows go.
	for _, l := range cur {
		if !hasReleased(released, l) {
			continue
		}
		if err := popt.retry(ctx, log.With("file", l.Name), func() error { return removeFile(ctx, db, p.Code, l) }); err != nil {
			log.Error("removing the rows of a vanished file", "file", l.Name, "err", redactErr(err))
			out = append(out, FileResult{Province: p.Code, Slot: l.Slot, Name: l.Name, SHA256: l.SHA256, Status: FileFailed, Err: err})
			stale = true
			reasons = append(reasons, fileReason(l.Name, err))
			continue
		}
		log.Info("file gone from its source; its rows were removed", "file", l.Name)
		out = append(out, FileResult{Province: p.Code, Slot: l.Slot, Name: l.Name, SHA256: l.SHA256, Status: FileRemoved})
	}

	if snap == nil {
		return po, nil
	}
	var after int
	if err := db.QueryRowContext(ctx, queries.Query("province_rows"), p.Code).Scan(&after); err != nil {
		return po, fmt.Errorf("counting rows of %s: %w", p.Code, err)
	}
	if !shrinks(before, after, popt.MaxShrink) {
		return po, nil
	}
	serr := &ShrinkError{Province: p.Code, Before: before, After: after, MaxShrink: popt.MaxShrink}
	if popt.AcceptShrink {
		log.Warn("shrink accepted", "rows_before", before, "rows_after", after)
		return po, nil
	}
	// Held: the province goes back to its last good data.
	if _, err := snap.ExecContext(ctx, queries.Query("guard_restore")); err != nil {
		return po, fmt.Errorf("restoring the last good data of %s: %w", p.Code, err)
	}
	log.Error("shrink guard: keeping the last good data", "rows_before", before, "rows_after", after,
		"max_shrink", popt.MaxShrink, "accept_with", acceptHint(p.Code))
	for i := range out {
		switch out[i].Status {
		case FileLoaded, FileRenamed, FileMoved, FileRemoved:
			out[i].Status, out[i].Err = FileHeld, serr
		}
	}
	po.Held = true
	reasons = append(reasons, Reason{EN: serr.english(), IT: serr.italian()})
	return po, nil
}

// provinceOptions tune the ingestion of one province.
type provinceOptions struct {
	Reload       bool
	MaxShrink    float64 // guard.max_shrink
	AcceptShrink bool    // --accept-shrink or guard.accept_shrink names the province
	// retried, when set, is called instead of waiting before a change is
	// tried again after a transaction conflict (tests release the
	// conflicting transaction there).
	retried func(attempt int)
}

// conflictAttempts bounds how many times a file's change is tried when
// DuckDB reports a transaction conflict.
const conflictAttempts = 5

// retry runs change (one transaction, rolled back on error) and runs it
// again, up to conflictAttempts times in all, while DuckDB reports a
// transaction conflict (another transaction changed the same rows, or
// committed the same key first): the change waits and is tried again
// rather than failing the file. Any other error is returned at once.
func (o provinceOptions) retry(ctx context.Context, log *slog.Logger, change func() error) error {
	err := change()
	for attempt := 1; attempt < conflictAttempts && isConflict(err); attempt++ {
		log.Warn("transaction conflict; trying again", "attempt", attempt+1, "err", redactErr(err))
		if o.retried != nil {
			o.retried(attempt)
		} else {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(25<<attempt) * time.Millisecond):
			}
		}
		err = change()
	}
	return err
}

// isConflict reports whether err is DuckDB's transaction conflict.
func isConflict(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeTransaction
}

// provinceOutcome is what happened to one province in a run.
type provinceOutcome struct {
	Files  []FileResult
	Stale  bool   // kept (some of) its last good data
	Held   bool   // the shrink guard held its changes back
	Reason Reason // why it is stale
}

// Reason says why a province is stale, in English and in Italian (for the
// province's office).
type Reason struct{ EN, IT string }

func joinReasons(rs []Reason) Reason {
	var en, it []string
	for _, r := range rs {
		en, it = append(en, r.EN), append(it, r.IT)
	}
	return Reason{EN: strings.Join(en, "; "), IT: strings.Join(it, "; ")}
}

func fileReason(name string, err error) Reason {
	var oe *OtherProvinceError
	if errors.As(err, &oe) {
		return Reason{
			EN: fmt.Sprintf("%s looks like province %s's file: refused, the last good data is kept", name, oe.Owner),
			IT: fmt.Sprintf("%s sembra il file della provincia %s: rifiutato, mantenuti gli ultimi dati validi", name, oe.Owner),
		}
	}
	return Reason{
		EN: fmt.Sprintf("%s was refused (see run_files.error): the last good data is kept", name),
		IT: fmt.Sprintf("%s è stato rifiutato (vedi run_files.error): mantenuti gli ultimi dati validi", name),
	}
}

// acceptHint is the command that accepts a province's shrink.
func acceptHint(province string) string {
	return "correlare run --accept-shrink " + province + " (or guard.accept_shrink: [" + province + "] in the config)"
}

// shrinks reports whether going from before to after loaded rows trips the
// guard: every row gone, or more than maxShrink of them.
func shrinks(before, after int, maxShrink float64) bool {
	if before == 0 || after >= before {
		return false
	}
	return after == 0 || float64(before-after) > maxShrink*float64(before)
}

// ErrShrink: a run would have removed too many of a province's rows; the
// province kept its last good data.
var ErrShrink = errors.New("shrink held back by the guard")

// ShrinkError is the shrink guard's refusal for one province.
type ShrinkError struct {
	Province      string
	Before, After int     // loaded enrolments before and after the run's changes
	MaxShrink     float64 // guard.max_shrink
}

func (e *ShrinkError) Error() string { return e.italian() + " / " + e.english() }

func (e *ShrinkError) Unwrap() error { return ErrShrink }

func (e *ShrinkError) english() string {
	return fmt.Sprintf("this run would remove %d of the %d loaded rows of %s (%.0f%%, guard.max_shrink %.0f%%): the last good data is kept; to accept: %s",
		e.Before-e.After, e.Before, e.Province, 100*float64(e.Before-e.After)/float64(e.Before), 100*e.MaxShrink, acceptHint(e.Province))
}

func (e *ShrinkError) italian() string {
	return fmt.Sprintf("questa esecuzione eliminerebbe %d delle %d righe caricate di %s (%.0f%%, limite guard.max_shrink %.0f%%): mantenuti gli ultimi dati validi; per accettare: correlare run --accept-shrink %s (oppure guard.accept_shrink: [%s] nella configurazione)",
		e.Before-e.After, e.Before, e.Province, 100*float64(e.Before-e.After)/float64(e.Before), 100*e.MaxShrink, e.Province, e.Province)
}

// saveProvince snapshots a province's rows and files on a connection of
// its own (temporary tables), for the guard to go back to.
func saveProvince(ctx context.Context, db *sql.DB, province string) (*sql.Conn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, queries.Query("guard_scope"), province); err != nil {
		conn.Close()
		return nil, fmt.Errorf("saving the rows of %s: %w", province, err)
	}
	if _, err := conn.ExecContext(ctx, queries.Query("guard_save")); err != nil {
		conn.Close()
		return nil, fmt.Errorf("saving the rows of %s: %w", province, err)
	}
	return conn, nil
}

func hasReleased(released map[string][]loadedFile, l loadedFile) bool {
	for _, r := range released[l.SHA256] {
		if r.Slot == l.Slot {
			return true
		}
	}
	return false
}

// isRename reports whether a file went from one local path to another in
// the same folder (else it moved: another folder, or a URL).
func isRename(from, to string) bool {
	return filepath.IsAbs(from) && filepath.IsAbs(to) && filepath.Dir(from) == filepath.Dir(to) && !strings.Contains(from, "://")
}

// loadedFiles lists the files whose rows are loaded for a province.
func loadedFiles(ctx context.Context, db *sql.DB, province string) ([]loadedFile, error) {
	rows, err := db.QueryContext(ctx, queries.Query("source_files_of_province"), province)
	if err != nil {
		return nil, fmt.Errorf("listing source files of %s: %w", province, err)
	}
	defer rows.Close()
	var out []loadedFile
	for rows.Next() {
		var l loadedFile
		if err := rows.Scan(&l.Slot, &l.Name, &l.SHA256, &l.LandedPath, &l.RunID, &l.LoadedAt, &l.Version); err != nil {
			return nil, fmt.Errorf("listing source files of %s: %w", province, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing source files of %s: %w", province, err)
	}
	return out, nil
}

// otherProvince returns the province, other than province, for which the
// bytes with digest sha are loaded, or "".
func otherProvince(ctx context.Context, db *sql.DB, province, sha string) (string, error) {
	var owner string
	err := db.QueryRowContext(ctx, queries.Query("source_file_sha_elsewhere"), sha, province).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading source_files: %w", err)
	}
	return owner, nil
}

// reattribute moves a loaded file's rows and its source_files row to the
// slot and name it was fetched under now, in one transaction. displaced is
// the file the new slot held before (zero if none): its source_files row is
// released (its rows stay until it is claimed elsewhere or removed).
func reattribute(ctx context.Context, db *sql.DB, province string, from loadedFile, to fetchedFile, displaced loadedFile) error {
	return inTx(ctx, db, "the new name of "+from.Name, func(conn *sql.Conn) error {
		if displaced.Slot != "" {
			if _, err := conn.ExecContext(ctx, queries.Query("source_file_release"), province, displaced.Slot, displaced.SHA256); err != nil {
				return fmt.Errorf("releasing slot of %s: %w", displaced.Name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, queries.Query("source_file_release"), province, from.Slot, from.SHA256); err != nil {
			return fmt.Errorf("releasing slot of %s: %w", from.Name, err)
		}
		if _, err := conn.ExecContext(ctx, queries.Query("source_file_put"), province, to.Slot, to.Name, from.SHA256,
			from.LandedPath, from.RunID, from.LoadedAt, from.Version); err != nil {
			return fmt.Errorf("recording %s under its new name: %w", to.Name, err)
		}
		if to.Name != from.Name {
			for _, t := range []string{"enrolments", "quarantine", "issues", "skipped_rows", "modules"} {
				if _, err := conn.ExecContext(ctx, queries.Query("file_rename_"+t), to.Name, province, from.SHA256); err != nil {
					return fmt.Errorf("renaming %s to %s in %s: %w", from.Name, to.Name, t, err)
				}
			}
		}
		return nil
	})
}

// removeFile drops the rows of a loaded file and its source_files row, in
// one transaction.
func removeFile(ctx context.Context, db *sql.DB, province string, l loadedFile) error {
	return inTx(ctx, db, "the removal of "+l.Name, func(conn *sql.Conn) error {
		if err := sinks.DeleteFileRows(ctx, conn, province, l.SHA256); err != nil {
			return fmt.Errorf("removing rows of %s: %w", l.Name, err)
		}
		if _, err := conn.ExecContext(ctx, queries.Query("source_file_release"), province, l.Slot, l.SHA256); err != nil {
			return fmt.Errorf("removing %s from source_files: %w", l.Name, err)
		}
		return nil
	})
}

// inTx runs fn in one transaction on a connection of db: committed when fn
// succeeds, rolled back otherwise. what names the change in the commit error.
func inTx(ctx context.Context, db *sql.DB, what string, fn func(conn *sql.Conn) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(conn); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("committing %s: %w", what, err)
	}
	return nil
}
