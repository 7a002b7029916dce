package sinks

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	queries "github.com/lombardia-orim/correlare/sql"
)

// ExportSchemaVersion is the version of the export layout and columns
// written in manifest.json; it changes when a column or file changes.
const ExportSchemaVersion = 1

// MinKeyLen is the shortest HMAC key [LoadKey] and [Export] accept, in bytes.
const MinKeyLen = 32

// Errors of the exports.
var (
	ErrNoKey       = errors.New("no pseudonymisation key configured")
	ErrKeyTooShort = fmt.Errorf("pseudonymisation key shorter than %d bytes", MinKeyLen)
	ErrKeyFileMode = errors.New("pseudonymisation key file accessible by group or others (want mode 0600 or 0400)")
	ErrBadRunID    = errors.New("run id unusable as a directory name")
)

// ExportOptions configure one [Export].
type ExportOptions struct {
	RunID string    // names the export directory; letters, digits, '.', '_', '-'
	Key   []byte    // HMAC-SHA256 key of the person pseudonyms, at least MinKeyLen bytes; see LoadKey
	Now   time.Time // creation time recorded in the manifest; its year fills rows without a year. Zero: time.Now()
	// DeferLatest leaves latest.json alone: the caller points it with
	// PointLatest once the run's warehouse is published.
	DeferLatest bool
}

// Manifest describes one export directory; it is written as manifest.json.
type Manifest struct {
	SchemaVersion int              `json:"schema_version"`
	RunID         string           `json:"run_id"`
	Created       time.Time        `json:"created"`
	PersonKey     string           `json:"person_key"` // how person_key is computed
	KeyID         string           `json:"key_id"`     // changes when the key changes: keys of two exports compare only when equal
	RowCounts     map[string]int64 `json:"row_counts"` // dataset → rows (the same in its CSV and its Parquet files)
	Files         []ManifestFile   `json:"files"`      // every file but manifest.json, by path

	Dir string `json:"-"` // the published directory, dir/<run_id>

	manifestSHA256 string // of manifest.json, for latest.json
}

// ManifestFile is one file of an export.
type ManifestFile struct {
	Path   string `json:"path"` // relative to the export directory, with '/'
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// Latest is the content of dir/latest.json, the pointer to the newest
// complete export (written after the export directory is in place).
type Latest struct {
	RunID          string    `json:"run_id"`
	Path           string    `json:"path"` // directory name under dir
	Created        time.Time `json:"created"`
	ManifestSHA256 string    `json:"manifest_sha256"`
}

// exportDataset is one exported table, written as Parquet and CSV.
type exportDataset struct {
	name string // file and directory name
	view string // sql/<view>.sql points the temporary view export_rows at its rows
}

// The datasets, in the order they are written. The applications' and the
// participations' rows come from one table (export_apps), the persons' from
// export_person_rows; the participations' CSV is written in the same pass
// as the applications' (writeRowsCSV with a subset).
var (
	exportApplications   = exportDataset{name: "applications", view: "export_view_applications"}
	exportParticipations = exportDataset{name: "participations", view: "export_view_participations"}
	exportPersons        = exportDataset{name: "persons", view: "export_view_persons"}
	exportDatasets       = []exportDataset{exportApplications, exportParticipations, exportPersons}
)

// participationStatus is the status of the applications that are
// participations (the view export_view_participations says the same).
const participationStatus = "accepted"

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// LoadKey reads the pseudonymisation key: from the environment variable
// envName when it is set and not empty, else from keyFile, which must not be
// accessible by group or others. Surrounding white space (a trailing newline)
// is trimmed. Keys shorter than MinKeyLen bytes are refused; a good key is
// `openssl rand -hex 32`. Errors never contain the key.
func LoadKey(envName, keyFile string) ([]byte, error) {
	if envName != "" {
		if v := strings.TrimSpace(os.Getenv(envName)); v != "" {
			if len(v) < MinKeyLen {
				return nil, fmt.Errorf("reading key from $%s: %w", envName, ErrKeyTooShort)
			}
			return []byte(v), nil
		}
	}
	if keyFile == "" {
		if envName == "" {
			return nil, ErrNoKey
		}
		return nil, fmt.Errorf("$%s empty or unset and no key file: %w", envName, ErrNoKey)
	}
	f, err := os.Open(keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading key file %s: %w", keyFile, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading key file %s: %w", keyFile, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("reading key file %s (mode %04o): %w", keyFile, fi.Mode().Perm(), ErrKeyFileMode)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("reading key file %s: %w", keyFile, err)
	}
	b = bytes.TrimSpace(b)
	if len(b) < MinKeyLen {
		return nil, fmt.Errorf("reading key file %s: %w", keyFile, ErrKeyTooShort)
	}
	return b, nil
}

// PersonKey returns the pseudonym of a person in the exports: hex
// HMAC-SHA256(key, person_id).
func PersonKey(key []byte, personID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(personID))
	return hex.EncodeToString(m.Sum(nil))
}

// personKeyer computes PersonKey for one key again and again: the HMAC's
// key schedule is done once, not for every person.
type personKeyer struct {
	mac hash.Hash
	sum []byte
}

func newPersonKeyer(key []byte) *personKeyer {
	return &personKeyer{mac: hmac.New(sha256.New, key), sum: make([]byte, 0, sha256.Size)}
}

// key returns PersonKey(key, personID).
func (k *personKeyer) key(personID string) string {
	k.mac.Reset()
	io.WriteString(k.mac, personID)
	k.sum = k.mac.Sum(k.sum[:0])
	return hex.EncodeToString(k.sum)
}

// keyID identifies a key without revealing it.
func keyID(key []byte) string {
	return PersonKey(key, "correlare/key-id")[:16]
}

// Export writes the pseudonymised ORIM exports of the warehouse db into
// dir/<run_id>/ and points dir/latest.json at it:
//
//	applications/province=CR/year=2013/part_0.parquet   every application (any status)
//	participations/province=CR/year=2013/part_0.parquet applications with status accepted
//	persons/province=CR/year=2013/part_0.parquet         one row per person
//	applications.csv, participations.csv, persons.csv    the same rows
//	data_dictionary.csv                                  file, column, type, descriptions (en, it)
//	manifest.json                                        see Manifest
//
// year is the year of the module's start date, else of the application date,
// else of opt.Now (persons: of their first application). A person is filed
// under the province of their first application. The CSVs are UTF-8 with a
// BOM, ';'-separated, CRLF, decimal comma, ISO dates (yyyy-mm-dd), and text
// cells that a spreadsheet would take for a formula (starting with = + - @,
// tab or CR) get a leading apostrophe. Nothing personal is exported: no
// names, tax codes, e-mails, phones, birth dates (an age band instead),
// employers' names or roles; the person key is hex HMAC-SHA256(opt.Key, person_id).
//
// Everything is written into a hidden temporary directory under dir and
// renamed into place only when complete: dir/<run_id> either holds a whole
// export or does not exist. An existing dir/<run_id> is an error.
func Export(ctx context.Context, db *sql.DB, dir string, opt ExportOptions) (Manifest, error) {
	if !runIDPattern.MatchString(opt.RunID) || opt.RunID == "latest.json" {
		return Manifest{}, fmt.Errorf("exporting run %q: %w", opt.RunID, ErrBadRunID)
	}
	if len(opt.Key) < MinKeyLen {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, ErrKeyTooShort)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Second)
	final := filepath.Join(dir, opt.RunID)
	if _, err := os.Lstat(final); err == nil {
		return Manifest{}, fmt.Errorf("exporting run %s to %s: %w", opt.RunID, final, fs.ErrExist)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Manifest{}, fmt.Errorf("creating export directory %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+opt.RunID+"-")
	if err != nil {
		return Manifest{}, fmt.Errorf("creating export directory: %w", err)
	}
	published := false
	defer func() {
		if !published {
			os.RemoveAll(tmp)
		}
	}()

	m := Manifest{
		SchemaVersion: ExportSchemaVersion,
		RunID:         opt.RunID,
		Created:       opt.Now,
		PersonKey:     "hex(HMAC-SHA256(key, person_id))",
		KeyID:         keyID(opt.Key),
		RowCounts:     map[string]int64{},
	}
	var dict [][]string
	if err := writeExportData(ctx, db, tmp, opt, &m, &dict); err != nil {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, err)
	}
	if err := writeCSVFile(filepath.Join(tmp, "data_dictionary.csv"),
		[]string{"file", "column", "type", "description_en", "description_it"}, dict); err != nil {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, err)
	}
	if err := ctx.Err(); err != nil {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, err)
	}
	if m.Files, err = checksumTree(tmp); err != nil {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, err)
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("encoding manifest: %w", err)
	}
	mb = append(mb, '\n')
	if err := writeFileSync(filepath.Join(tmp, "manifest.json"), mb, 0o640); err != nil {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, err)
	}
	if err := os.Chmod(tmp, 0o750); err != nil {
		return Manifest{}, fmt.Errorf("exporting run %s: %w", opt.RunID, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Manifest{}, fmt.Errorf("publishing export %s: %w", final, err)
	}
	published = true
	m.Dir = final
	sum := sha256.Sum256(mb)
	m.manifestSHA256 = hex.EncodeToString(sum[:])
	if opt.DeferLatest {
		return m, nil
	}
	return m, PointLatest(dir, m)
}

// PointLatest points dir/latest.json at the export m (atomically). The
// pipeline calls it only once the warehouse of the same run is published,
// so that latest.json never names an export whose warehouse was not.
func PointLatest(dir string, m Manifest) error {
	lb, err := json.MarshalIndent(Latest{RunID: m.RunID, Path: m.RunID, Created: m.Created, ManifestSHA256: m.manifestSHA256}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding latest.json: %w", err)
	}
	if err := replaceFile(filepath.Join(dir, "latest.json"), append(lb, '\n'), 0o640); err != nil {
		return fmt.Errorf("pointing latest.json at %s: %w", m.RunID, err)
	}
	return nil
}

// exportScratchMu serialises the exports of this process: the scratch
// database export_scratch has one name per DuckDB instance.
var exportScratchMu sync.Mutex

// exportRows is what writing the datasets' rows gives: for each dataset
// its rows in Parquet and in CSV, and its columns.
type exportRows struct {
	parquet, csv map[string]int64
	cols         map[string][]exportColumn
}

// errArrowType is returned by csvColumn and takeColumn for a column type
// the Arrow writers do not handle; writeRowsCSV then writes through
// database/sql, writeExportData sorts in DuckDB (writeExportRowsSQL).
var errArrowType = errors.New("column type not formatted from Arrow")

// exportSortInGo chooses writeExportRowsGo (true) or the reference
// writeExportRowsSQL (false, tests: the two must write the same files).
var exportSortInGo = true

// exportTrace is a test hook: writeExportRowsGo calls it with the name of
// each of its phases as the phase ends ("persons" last).
var exportTrace = func(string) {}

// writeExportData writes each dataset as Parquet and CSV into tmp,
// recording row counts and data-dictionary rows.
//
// Two connections share the work, on the scratch database export_scratch:
// one writes the Parquet files (DuckDB's COPY), the other the CSV files
// (Go) and the persons' rows, at the same time. Each writes its own files,
// in a fixed order: the output does not depend on which finishes first.
// The rows are read, numbered and sorted in Go (writeExportRowsGo, with the
// duckdb_arrow tag), else in DuckDB (writeExportRowsSQL).
func writeExportData(ctx context.Context, db *sql.DB, tmp string, opt ExportOptions, m *Manifest, dict *[][]string) error {
	exportScratchMu.Lock()
	defer exportScratchMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pq, err := db.Conn(ctx) // the Parquet files
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer pq.Close()
	cv, err := db.Conn(ctx) // the CSV files
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer cv.Close()
	if _, err := pq.ExecContext(ctx, queries.Query("export_scratch")); err != nil {
		return fmt.Errorf("creating scratch database: %w", err)
	}
	defer func() {
		for _, c := range []*sql.Conn{cv, pq} {
			c.ExecContext(context.WithoutCancel(ctx), queries.Query("export_drop"))
		}
	}()

	res := exportRows{parquet: map[string]int64{}, csv: map[string]int64{}, cols: map[string][]exportColumn{}}
	err = errArrowType
	if exportSortInGo {
		err = writeExportRowsGo(ctx, cancel, pq, cv, tmp, opt, &res)
	}
	if errors.Is(err, errArrowType) { // before any file was written
		err = writeExportRowsSQL(ctx, cancel, pq, cv, tmp, opt, &res)
	}
	if err != nil {
		return err
	}
	for _, ds := range exportDatasets {
		if res.csv[ds.name] != res.parquet[ds.name] {
			return fmt.Errorf("writing %s: %d rows in CSV, %d in Parquet", ds.name, res.csv[ds.name], res.parquet[ds.name])
		}
		m.RowCounts[ds.name] = res.csv[ds.name]
		d, err := dictionaryRows(ds.name, res.cols[ds.name])
		if err != nil {
			return err
		}
		*dict = append(*dict, d...)
	}
	return nil
}

// writeExportRowsSQL fills the person keys, computes the rows of the
// applications in DuckDB (the warehouse is scanned and sorted once: see
// sql/export_applications.sql), then writes each dataset as Parquet and
// CSV into tmp: the Parquet files on pq while the CSV files and the
// persons' rows (aggregated in Go while the applications' CSV is written:
// writeApplicationsCSV) are written on cv.
func writeExportRowsSQL(ctx context.Context, cancel context.CancelFunc, pq, cv *sql.Conn, tmp string, opt ExportOptions, res *exportRows) error {
	keys, err := fillPersonKeys(ctx, pq, opt.Key)
	if err != nil {
		return err
	}
	year := opt.Now.Year()
	if _, err := pq.ExecContext(ctx, queries.Query("export_applications"), year); err != nil {
		return fmt.Errorf("selecting applications: %w", err)
	}
	// The applications' and participations' Parquet files, while the
	// applications' and participations' CSV files are written and the
	// persons' rows computed.
	err = both(ctx, cancel, func() error {
		for _, ds := range []exportDataset{exportApplications, exportParticipations} {
			if err := writeParquetView(ctx, pq, tmp, ds, res); err != nil {
				return err
			}
		}
		return nil
	}, func() error {
		if _, err := cv.ExecContext(ctx, queries.Query(exportApplications.view)); err != nil {
			return fmt.Errorf("selecting %s: %w", exportApplications.name, err)
		}
		sub := &csvSubset{Path: filepath.Join(tmp, exportParticipations.name+".csv"), Column: "status", Value: participationStatus}
		n, nSub, err := writeApplicationsCSV(ctx, cv, filepath.Join(tmp, exportApplications.name+".csv"), sub, keys, year)
		if err != nil {
			return err
		}
		res.csv[exportApplications.name], res.csv[exportParticipations.name] = n, nSub
		return nil
	})
	if err != nil {
		return err
	}
	return writePersons(ctx, cancel, pq, cv, tmp, res)
}

// writeParquetView writes the Parquet files of dataset ds from DuckDB's
// rows (its view over export_scratch) and records its rows and columns.
func writeParquetView(ctx context.Context, conn *sql.Conn, tmp string, ds exportDataset, res *exportRows) error {
	if _, err := conn.ExecContext(ctx, queries.Query(ds.view)); err != nil {
		return fmt.Errorf("selecting %s: %w", ds.name, err)
	}
	n, err := writeParquetPartitions(ctx, conn, filepath.Join(tmp, ds.name))
	if err != nil {
		return fmt.Errorf("writing %s parquet: %w", ds.name, err)
	}
	cols, err := exportColumns(ctx, conn)
	if err != nil {
		return fmt.Errorf("listing %s columns: %w", ds.name, err)
	}
	res.parquet[ds.name], res.cols[ds.name] = n, cols
	return nil
}

// writePersons writes the persons' Parquet files (on pq) and CSV file (on
// cv) at the same time, from export_scratch.export_person_rows.
func writePersons(ctx context.Context, cancel context.CancelFunc, pq, cv *sql.Conn, tmp string, res *exportRows) error {
	var nCSV int64
	err := both(ctx, cancel, func() error {
		return writeParquetView(ctx, pq, tmp, exportPersons, res)
	}, func() error {
		ds := exportPersons
		if _, err := cv.ExecContext(ctx, queries.Query(ds.view)); err != nil {
			return fmt.Errorf("selecting %s: %w", ds.name, err)
		}
		n, _, _, err := writeRowsCSV(ctx, cv, filepath.Join(tmp, ds.name+".csv"), nil)
		if err != nil {
			return fmt.Errorf("writing %s.csv: %w", ds.name, err)
		}
		nCSV = n
		return nil
	})
	res.csv[exportPersons.name] = nCSV
	return err
}

// hivePartValue is what a partition value may be to be written in a path
// as it is (a province's sigla, a year).
var hivePartValue = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// writeParquetPartitions writes the rows of export_rows as Hive-partitioned
// Parquet under dir, dir/province=CR/year=2013/part_0.parquet, each file
// holding its partition's rows in export_rows' order, and returns the
// number of rows written.
func writeParquetPartitions(ctx context.Context, conn *sql.Conn, dir string) (int64, error) {
	type partition struct {
		province string
		year     int64
		rows     int64
	}
	rows, err := conn.QueryContext(ctx, queries.Query("export_partitions"))
	if err != nil {
		return 0, err
	}
	var parts []partition
	for rows.Next() {
		var p partition
		var prov sql.NullString
		var year sql.NullInt64
		if err := rows.Scan(&prov, &year, &p.rows); err != nil {
			rows.Close()
			return 0, err
		}
		if !prov.Valid || !year.Valid || !hivePartValue.MatchString(prov.String) {
			rows.Close()
			return 0, fmt.Errorf("a partition of %d rows has no usable province or year", p.rows)
		}
		p.province, p.year = prov.String, year.Int64
		parts = append(parts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var n int64
	for _, p := range parts {
		pdir := filepath.Join(dir, "province="+p.province, "year="+strconv.FormatInt(p.year, 10))
		if err := os.MkdirAll(pdir, 0o750); err != nil {
			return n, err
		}
		file := filepath.Join(pdir, "part_0.parquet")
		copySQL := strings.Replace(queries.Query("export_parquet"), "TO :file", "TO "+sqlLiteral(file), 1)
		res, err := conn.ExecContext(ctx, copySQL, p.province, p.year)
		if err != nil {
			return n, fmt.Errorf("partition province=%s/year=%d: %w", p.province, p.year, err)
		}
		written, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		if written != p.rows {
			return n, fmt.Errorf("partition province=%s/year=%d: %d rows written, %d selected", p.province, p.year, written, p.rows)
		}
		n += written
	}
	return n, nil
}

// both runs a and b at the same time and returns the first error (of a
// when both fail); the first to fail cancels the other through cancel.
func both(ctx context.Context, cancel context.CancelFunc, a, b func() error) error {
	var errA, errB error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if errB = b(); errB != nil {
			cancel()
		}
	}()
	if errA = a(); errA != nil {
		cancel()
	}
	<-done
	if errA != nil {
		return errA
	}
	return errB
}

// fillPersonKeys computes every person's pseudonym into
// export_person_keys, numbering the persons in the order of their keys,
// and returns the keys by number.
func fillPersonKeys(ctx context.Context, conn *sql.Conn, key []byte) ([]string, error) {
	if _, err := conn.ExecContext(ctx, queries.Query("export_keys")); err != nil {
		return nil, fmt.Errorf("creating person keys: %w", err)
	}
	rows, err := conn.QueryContext(ctx, queries.Query("export_person_ids"))
	if err != nil {
		return nil, fmt.Errorf("listing persons: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("listing persons: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing persons: %w", err)
	}
	keys := personKeys(key, ids)
	order := make([]int32, len(ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(keys[a], keys[b]) })
	sortedIDs, sortedKeys := make([]string, len(ids)), make([]string, len(ids))
	for i, j := range order {
		sortedIDs[i], sortedKeys[i] = ids[j], keys[j]
	}
	if err := putPersonKeys(ctx, conn, sortedIDs, sortedKeys); err != nil {
		return nil, fmt.Errorf("storing person keys: %w", err)
	}
	return sortedKeys, nil
}

// personKeys returns PersonKey(key, id) of every id, computed on as many
// goroutines as Go may use CPUs.
func personKeys(key []byte, ids []string) []string {
	keys := make([]string, len(ids))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(ids)/10000))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(ids)/workers, (w+1)*len(ids)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			keyer := newPersonKeyer(key)
			for i := lo; i < hi; i++ {
				keys[i] = keyer.key(ids[i])
			}
		}()
	}
	wg.Wait()
	return keys
}

// putPersonKeysList stores the person keys, numbered from 0 in their order,
// with list parameters, 10,000 at a time; putPersonKeys hands DuckDB Arrow
// batches instead when built with the duckdb_arrow tag (exports_arrow.go).
func putPersonKeysList(ctx context.Context, conn *sql.Conn, ids, keys []string) error {
	const chunk = 10000
	for i := 0; i < len(ids); i += chunk {
		j := min(i+chunk, len(ids))
		nos := make([]int32, j-i)
		for k := range nos {
			nos[k] = int32(i + k)
		}
		if _, err := conn.ExecContext(ctx, queries.Query("export_keys_put"), ids[i:j], keys[i:j], nos); err != nil {
			return err
		}
	}
	return nil
}

// writeApplicationsCSVScan writes the applications' CSV file (and the
// participations', the subset sub) through database/sql and computes the
// persons' rows in SQL (sql/export_persons.sql): writeApplicationsCSV
// without the duckdb_arrow tag, or when the Arrow writer does not format a
// column's type.
func writeApplicationsCSVScan(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset, year int) (int64, int64, error) {
	n, nSub, _, err := writeRowsCSVScan(ctx, conn, path, sub)
	if err != nil {
		return 0, 0, fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	if _, err := conn.ExecContext(ctx, queries.Query("export_persons"), year); err != nil {
		return 0, 0, fmt.Errorf("selecting persons: %w", err)
	}
	return n, nSub, nil
}

// exportColumn is a column of the exported files as the data dictionary
// reports it.
type exportColumn struct {
	Name, Type string
}

// exportColumns returns the names and DuckDB types of export_rows' columns,
// as database/sql reports them (the data dictionary's types).
func exportColumns(ctx context.Context, conn *sql.Conn) ([]exportColumn, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("export_columns"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	cols := make([]exportColumn, len(types))
	for i, t := range types {
		cols[i] = exportColumn{Name: t.Name(), Type: t.DatabaseTypeName()}
	}
	return cols, rows.Err()
}

// csvSubset asks writeRowsCSV for a second file holding the rows whose
// column Column is Value (the participations among the applications).
type csvSubset struct {
	Path, Column, Value string
}

// writeRowsCSVScan writes the rows of the view export_rows to path (and the
// subset's rows to sub.Path) through database/sql, a Go value per cell, and
// returns the number of rows, of subset rows and the columns. writeRowsCSV
// reads Arrow batches instead when built with the duckdb_arrow tag
// (exports_arrow.go), with the same bytes.
func writeRowsCSVScan(ctx context.Context, conn *sql.Conn, path string, sub *csvSubset) (int64, int64, []exportColumn, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("export_rows"))
	if err != nil {
		return 0, 0, nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, 0, nil, err
	}
	cols := make([]exportColumn, len(types))
	for i, t := range types {
		cols[i] = exportColumn{Name: t.Name(), Type: t.DatabaseTypeName()}
	}
	w, err := newCSVSink(path, cols, sub)
	if err != nil {
		return 0, 0, nil, err
	}
	defer w.abort()
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(types))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, 0, nil, fmt.Errorf("reading row %d: %w", w.n+1, err)
		}
		for i, v := range vals {
			rec[i] = csvCell(v)
		}
		if err := w.write(rec); err != nil {
			return 0, 0, nil, err
		}
		if w.n%10000 == 0 && ctx.Err() != nil {
			return 0, 0, nil, ctx.Err()
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, nil, err
	}
	return w.n, w.nSub, cols, w.close()
}

// csvSink writes the export rows to their CSV file, and those of a subset
// (csvSubset) to a second file too. Each record is encoded once.
type csvSink struct {
	all, sub *csvFile
	subCol   int // index of the subset's column; -1: no subset
	subValue string
	rec      bytes.Buffer
	enc      *csv.Writer // encodes one record into rec
	n, nSub  int64
}

func newCSVSink(path string, cols []exportColumn, sub *csvSubset) (*csvSink, error) {
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	s := &csvSink{subCol: -1}
	s.enc = newCSVWriter(&s.rec)
	if sub != nil {
		for i, c := range cols {
			if c.Name == sub.Column {
				s.subCol = i
			}
		}
		if s.subCol < 0 {
			return nil, fmt.Errorf("writing %s: no column %s", filepath.Base(sub.Path), sub.Column)
		}
		s.subValue = sub.Value
	}
	var err error
	if s.all, err = newCSVFile(path, header); err != nil {
		return nil, err
	}
	if sub != nil {
		if s.sub, err = newCSVFile(sub.Path, header); err != nil {
			s.all.abort()
			return nil, err
		}
	}
	return s, nil
}

// write writes one record (its cells already formatted by csvCell).
func (s *csvSink) write(rec []string) error {
	s.rec.Reset()
	if err := s.enc.Write(rec); err != nil {
		return err
	}
	s.enc.Flush()
	if err := s.enc.Error(); err != nil {
		return err
	}
	if _, err := s.all.bw.Write(s.rec.Bytes()); err != nil {
		return err
	}
	s.n++
	if s.subCol >= 0 && rec[s.subCol] == s.subValue {
		if _, err := s.sub.bw.Write(s.rec.Bytes()); err != nil {
			return err
		}
		s.nSub++
	}
	return nil
}

// writeLine writes one record already encoded (appendCSVText and the
// like, fields joined by ';', ending in CRLF); inSub: it belongs to the
// subset too.
func (s *csvSink) writeLine(line []byte, inSub bool) error {
	if _, err := s.all.bw.Write(line); err != nil {
		return err
	}
	s.n++
	if inSub {
		if _, err := s.sub.bw.Write(line); err != nil {
			return err
		}
		s.nSub++
	}
	return nil
}

func (s *csvSink) close() error {
	err := s.all.close()
	if s.sub != nil {
		if serr := s.sub.close(); err == nil {
			err = serr
		}
	}
	return err
}

func (s *csvSink) abort() {
	s.all.abort()
	if s.sub != nil {
		s.sub.abort()
	}
}

// csvFile is a CSV being written the Italian-Excel way: UTF-8 BOM, ';', CRLF.
type csvFile struct {
	f   *os.File
	bw  *bufio.Writer
	csv *csv.Writer // writes through bw
}

// newCSVWriter returns a CSV writer of the exports' dialect: ';', CRLF.
func newCSVWriter(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	return cw
}

func newCSVFile(path string, header []string) (*csvFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	bw.WriteString("\ufeff")
	w := newCSVWriter(bw) // csv.NewWriter takes bw as it is: records and raw bytes share one buffer
	if err := w.Write(header); err != nil {
		f.Close()
		return nil, err
	}
	w.Flush()
	return &csvFile{f: f, bw: bw, csv: w}, nil
}

func (c *csvFile) close() error {
	c.csv.Flush()
	err := c.csv.Error()
	if err == nil {
		err = c.bw.Flush()
	}
	if err == nil {
		err = c.f.Sync()
	}
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	c.f = nil
	return err
}

// abort closes the file if close was not reached (the directory is discarded).
func (c *csvFile) abort() {
	if c.f != nil {
		c.f.Close()
	}
}

func writeCSVFile(path string, header []string, rows [][]string) error {
	w, err := newCSVFile(path, header)
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	defer w.abort()
	for _, r := range rows {
		for i := range r {
			r[i] = neutralise(r[i])
		}
		if err := w.csv.Write(r); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
		}
	}
	if err := w.close(); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	return nil
}

// csvCell formats a value for an Italian spreadsheet: decimal comma, ISO
// dates, empty for NULL, text neutralised against formula injection.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return neutralise(x)
	case []byte:
		return neutralise(string(x))
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32:
		return decimalComma(float64(x))
	case float64:
		return decimalComma(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.UTC().Format("2006-01-02T15:04:05Z")
	default:
		return neutralise(fmt.Sprint(x))
	}
}

func decimalComma(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(f, 'f', -1, 64), ".", ",", 1)
}

// neutralise prefixes an apostrophe to text that a spreadsheet would read as
// a formula: starting with = + - @, a tab or a carriage return (also after
// leading spaces).
func neutralise(s string) string {
	if needsApostrophe(s) {
		return "'" + s
	}
	return s
}

// needsApostrophe says whether neutralise prefixes s.
func needsApostrophe(s string) bool {
	if s == "" {
		return false
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return true
	}
	t := strings.TrimLeft(s, " ")
	return t != "" && strings.ContainsRune("=+-@", rune(t[0]))
}

// appendCSVText appends text s as one field of an export CSV: neutralised
// (csvCell) and quoted as encoding/csv quotes it with ';' and CRLF (the
// bytes csvFile's writer would give), without building the strings.
func appendCSVText(dst []byte, s string) []byte {
	apostrophe := needsApostrophe(s)
	quote := !apostrophe && s == `\.`
	for i := 0; i < len(s) && !quote; i++ {
		switch s[i] {
		case '\n', '\r', '"', ';':
			quote = true
		}
	}
	if !quote && !apostrophe && s != "" {
		r, _ := utf8.DecodeRuneInString(s)
		quote = unicode.IsSpace(r)
	}
	if !quote {
		if apostrophe {
			dst = append(dst, '\'')
		}
		return append(dst, s...)
	}
	dst = append(dst, '"')
	if apostrophe {
		dst = append(dst, '\'')
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			dst = append(dst, '"', '"')
		case '\r': // CRLF files: a lone CR is dropped, as encoding/csv does
		case '\n':
			dst = append(dst, '\r', '\n')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendDecimalComma appends what decimalComma gives for f (numbers need
// no quoting).
func appendDecimalComma(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	if i := bytes.IndexByte(dst[start:], '.'); i >= 0 {
		dst[start+i] = ','
	}
	return dst
}

// sqlLiteral quotes s as a SQL string literal.
func sqlLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// checksumTree lists every regular file under root with its size and sha256,
// and restricts permissions (pseudonymised data is still personal data).
// The files are hashed on as many goroutines as Go may use CPUs, the
// largest first.
func checksumTree(root string) ([]ManifestFile, error) {
	var files []ManifestFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chmod(path, 0o750)
		}
		if err := os.Chmod(path, 0o640); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, ManifestFile{Path: filepath.ToSlash(rel), Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing export files: %w", err)
	}
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = hashFile(filepath.Join(root, filepath.FromSlash(files[i].Path)), &files[i])
			}
		}()
	}
	order := make([]int, len(files)) // the largest first
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return files[order[a]].Size > files[order[b]].Size })
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("listing export files: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// hashFile fills f's size and sha256 from the file at path.
func hashFile(path string, f *ManifestFile) error {
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("hashing %s: %w", path, err)
	}
	f.Size, f.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

// writeFileSync writes a new file and syncs it.
func writeFileSync(path string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replaceFile atomically replaces path with b (temporary file + rename).
func replaceFile(path string, b []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	if err := writeFileSync(tmp, b, perm); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, perm); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// columnDoc describes an exported column in English and Italian.
type columnDoc struct{ en, it string }

// exportDocs documents every exported column; the key is "dataset.column" or,
// for a column that means the same in every dataset, "column". Export fails
// on a column missing here, so the data dictionary is always complete.
var exportDocs = map[string]columnDoc{
	"person_key":        {"Pseudonymous person key: hex HMAC-SHA256 of the internal person id under a secret key (see manifest key_id); empty when the row is not linked to a person.", "Chiave pseudonima della persona: HMAC-SHA256 esadecimale dell'identificativo interno con una chiave segreta (vedi key_id nel manifest); vuota se la riga non è collegata a una persona."},
	"province":          {"Province (sigla, e.g. CR) whose office sent the list.", "Provincia (sigla, es. CR) il cui osservatorio ha inviato l'elenco."},
	"year":              {"Year of the module's start date, else of the application date, else of the export.", "Anno di inizio del modulo, altrimenti della domanda, altrimenti dell'esportazione."},
	"module_id":         {"Module identifier: province sigla, ':' and the module's key.", "Identificativo del modulo: sigla della provincia, ':' e chiave del modulo."},
	"module_title":      {"Title of the module.", "Titolo del modulo."},
	"site":              {"Site (sede) of the module.", "Sede del modulo."},
	"axis":              {"Axis of the integration plan: I..V.", "Asse del piano di integrazione: I..V."},
	"planned_hours":     {"Planned hours of the module.", "Ore previste del modulo."},
	"sessions":          {"Sessions (incontri formativi) of the module.", "Incontri formativi del modulo."},
	"start_date":        {"First day of the module (yyyy-mm-dd).", "Primo giorno del modulo (aaaa-mm-gg)."},
	"end_date":          {"Last day of the module (yyyy-mm-dd).", "Ultimo giorno del modulo (aaaa-mm-gg)."},
	"status":            {"accepted (actual participation), not_accepted, withdrawn (accepted, then withdrew before the course), not_indicated (empty or unreadable in the province's file: still an application).", "accepted (partecipazione effettiva), not_accepted (non accettata), withdrawn (accettata, poi ritirata prima del corso), not_indicated (esito non indicato o illeggibile nel file della provincia: resta una domanda)."},
	"sex":               {"F or M; empty when unknown.", "F o M; vuoto se non noto."},
	"age_band":          {"Age band during the row's year: <30, 30-39, 40-49, 50-59, 60+; empty when the birth date is unknown.", "Fascia d'età nell'anno della riga: <30, 30-39, 40-49, 50-59, 60+; vuota se la data di nascita non è nota."},
	"organisation_type": {"Kind of employer (Comune, ASL, Questura, third sector, ...).", "Tipo di ente di appartenenza (Comune, ASL, Questura, terzo settore, ...)."},
	"hours_attended":    {"Hours attended.", "Ore frequentate."},
	"attendance":        {"hours_attended / planned_hours, a fraction (0,75 = 75%).", "ore frequentate / ore previste, una frazione (0,75 = 75%)."},
	"satisfaction":      {"Satisfaction score, 1 (lowest) to 5.", "Gradimento, da 1 (minimo) a 5."},

	"persons.province":          {"Province (sigla) of the person's first application.", "Provincia (sigla) della prima domanda della persona."},
	"persons.year":              {"Year of the person's first application, else of the export.", "Anno della prima domanda della persona, altrimenti dell'esportazione."},
	"persons.sex":               {"Most frequent sex over the person's applications: F or M; empty when unknown.", "Sesso più frequente nelle domande della persona: F o M; vuoto se non noto."},
	"persons.age_band":          {"Age band in the year of the first application: <30, 30-39, 40-49, 50-59, 60+.", "Fascia d'età nell'anno della prima domanda: <30, 30-39, 40-49, 50-59, 60+."},
	"persons.organisation_type": {"Most frequent kind of employer.", "Tipo di ente più frequente."},
	"persons.hours_attended":    {"Hours attended over all participations.", "Ore frequentate in tutte le partecipazioni."},
	"applications":              {"Applications, any status, in every province.", "Domande di iscrizione, qualunque esito, in tutte le province."},
	"participations":            {"Actual participations (status accepted).", "Partecipazioni effettive (esito accepted)."},
	"withdrawals":               {"Applications accepted and then withdrawn.", "Domande accettate e poi ritirate."},
	"not_accepted":              {"Applications not accepted.", "Domande non accettate."},
	"province_count":            {"Number of provinces the person applied in.", "Numero di province in cui la persona ha presentato domanda."},
	"provinces":                 {"Provinces (sigle) the person applied in, comma-separated.", "Province (sigle) in cui la persona ha presentato domanda, separate da virgola."},
	"first_year":                {"Year of the first application.", "Anno della prima domanda."},
	"last_year":                 {"Year of the last application.", "Anno dell'ultima domanda."},
}

// dictionaryRows documents the columns of one dataset for its CSV file and
// its Parquet files (whose province and year are Hive partition keys, in the
// path rather than in the file).
func dictionaryRows(dataset string, cols []exportColumn) ([][]string, error) {
	var out [][]string
	for _, file := range []string{dataset + ".csv", dataset + "/province=*/year=*/*.parquet"} {
		for _, c := range cols {
			d, ok := exportDocs[dataset+"."+c.Name]
			if !ok {
				d, ok = exportDocs[c.Name]
			}
			if !ok {
				return nil, fmt.Errorf("documenting %s: column %s has no description", dataset, c.Name)
			}
			typ := c.Type
			if strings.HasSuffix(file, ".parquet") && (c.Name == "province" || c.Name == "year") {
				typ += " (Hive partition key, in the path)"
			}
			out = append(out, []string{file, c.Name, typ, d.en, d.it})
		}
	}
	return out, nil
}

// oneThread sets DuckDB's threads to one (a setting of conn's whole
// database) and returns the function that sets back the number it had
// (call it on any path), as LoadingThreads does for the loads.
func oneThread(ctx context.Context, conn *sql.Conn) (restore func(context.Context) error, err error) {
	return setOneThread(ctx, conn, "the exports")
}
