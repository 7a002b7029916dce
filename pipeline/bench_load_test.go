//go:build duckdb_arrow

package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
)

// BenchmarkLoadPhases200k splits DuckDB's side of loading the benchmark
// workbook's enrolments (Arrow batches built beforehand) into the CPU time
// of the inserts, of COMMIT and of the checkpoint on Close, for each loader
// and a few settings (pipeline/BENCH.md, "Where the load's time goes"):
//
//   - loader: the Arrow view (sinks.InsertRecord) or the Appender;
//   - batch: rows per Arrow record batch (the ingest uses batchRows);
//   - threads: DuckDB's threads (the warehouse opens with GOMAXPROCS; 2 is
//     DuckDB's own default on this 2-core machine, whatever the pinning);
//   - pk: into a copy of enrolments with the enrolment_id PRIMARY KEY it had
//     until migration 010, to price the key's ART index;
//   - set: a setting of DuckDB's changed first (compression, insertion
//     order, the WAL's checkpoint threshold);
//   - narrow: into a table without the columns a narrower schema could
//     leave out of every row (narrowDropped: the eight *_fold columns and
//     the five a file's rows all share), the batches cut to the rest: what
//     DuckDB's side would cost if enrolments kept them elsewhere.
//
// The loader "arrow-view-once" loads all the batches with one statement
// (sinks.InsertRecords: one Arrow view of them all) instead of one per batch.
//
// Run it pinned to one core, like BenchmarkIngest200k.
func BenchmarkLoadPhases200k(b *testing.B) {
	path := ingestBenchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	variants := []struct {
		loader  string
		batch   int
		threads int // 0: the warehouse's (GOMAXPROCS)
		pk      bool
		dict    bool   // low-cardinality text columns stored USING COMPRESSION dictionary
		set     string // a SET statement run on the warehouse first
		narrow  bool
	}{
		{"arrow-view", batchRows, 0, false, false, "", false},
		{"arrow-view", batchRows, 0, false, false, "", true},
		{"arrow-view", batchRows, 0, false, false, "SET force_compression = 'uncompressed'", true},
		{"arrow-view", batchRows, 2, false, false, "", false},
		{"arrow-view", batchRows, 1, false, false, "", false}, // what sinks.LoadingThreads sets
		{"arrow-view", batchRows, 0, true, false, "", false},
		{"arrow-view-once", batchRows, 0, false, false, "", false},
		{"arrow-view", batchRows, 0, false, true, "", false},
		{"arrow-view", 2048, 0, false, false, "", false},
		{"arrow-view", 32768, 0, false, false, "", false},
		{"arrow-view", 122880, 0, false, false, "", false},
		{"appender", batchRows, 0, false, false, "", false},
		{"arrow-view", batchRows, 0, false, false, "SET preserve_insertion_order = false", false},
		{"arrow-view", batchRows, 0, false, false, "SET disabled_compression_methods = 'fsst'", false},
		{"arrow-view", batchRows, 0, false, false, "SET force_compression = 'uncompressed'", false},
		{"arrow-view", batchRows, 0, false, false, "SET checkpoint_threshold = '1GB'", false},
	}
	recs := map[int][]arrow.RecordBatch{}
	defer func() {
		for _, rs := range recs {
			for _, r := range rs {
				r.Release()
			}
		}
	}()
	for _, v := range variants {
		name := fmt.Sprintf("%s/batch=%d", v.loader, v.batch)
		if v.threads > 0 {
			name += fmt.Sprintf("/threads=%d", v.threads)
		}
		if v.pk {
			name += "/pk"
		}
		if v.dict {
			name += "/dict"
		}
		if v.set != "" {
			name += "/" + strings.NewReplacer(" ", "", "'", "").Replace(v.set)
		}
		if v.narrow {
			name += "/narrow"
		}
		b.Run(name, func(b *testing.B) {
			if recs[v.batch] == nil {
				rs, err := buildRecordsOf(ctx, path, fi.Size(), sum, v.batch)
				if err != nil {
					b.Fatal(err)
				}
				recs[v.batch] = rs
			}
			batches := recs[v.batch]
			if v.narrow {
				batches = narrowRecords(batches)
				defer func() {
					for _, r := range batches {
						r.Release()
					}
				}()
			}
			load := sinks.InsertRecord
			if v.loader == "appender" {
				load = sinks.AppendRecord
			}
			var insert, commit, checkpoint, size float64
			for b.Loop() {
				b.StopTimer()
				whPath := filepath.Join(b.TempDir(), "phases.duckdb")
				wh, err := sinks.OpenWarehouse(ctx, whPath)
				if err != nil {
					b.Fatal(err)
				}
				table := "enrolments"
				if v.pk {
					table = "enrolments_pk"
					if _, err := wh.DB.ExecContext(ctx, "CREATE TABLE enrolments_pk AS SELECT * FROM enrolments WITH NO DATA; ALTER TABLE enrolments_pk ADD PRIMARY KEY (enrolment_id)"); err != nil {
						b.Fatal(err)
					}
				}
				if v.dict {
					table = "enrolments_dict"
					if _, err := wh.DB.ExecContext(ctx, dictDDL(ctx, b, wh)); err != nil {
						b.Fatal(err)
					}
				}
				if v.narrow {
					table = "enrolments_narrow"
					if _, err := wh.DB.ExecContext(ctx, "CREATE TABLE enrolments_narrow AS SELECT "+
						strings.Join(narrowColumns(batches[0].Schema()), ", ")+" FROM enrolments WITH NO DATA"); err != nil {
						b.Fatal(err)
					}
				}
				if v.set != "" {
					if _, err := wh.DB.ExecContext(ctx, v.set); err != nil {
						b.Fatal(err)
					}
				}
				if v.threads > 0 {
					if _, err := wh.DB.ExecContext(ctx, fmt.Sprintf("SET threads = %d", v.threads)); err != nil {
						b.Fatal(err)
					}
				}
				conn, err := wh.DB.Conn(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := cpuTime()
				if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
					b.Fatal(err)
				}
				if v.loader == "arrow-view-once" {
					if err := sinks.InsertRecords(ctx, conn, table, batches); err != nil {
						b.Fatal(err)
					}
				}
				for _, r := range batches {
					if v.loader == "arrow-view-once" {
						break
					}
					if err := load(ctx, conn, table, r); err != nil {
						b.Fatal(err)
					}
				}
				c1 := cpuTime()
				if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
					b.Fatal(err)
				}
				c2 := cpuTime()
				conn.Close()
				if err := wh.Close(ctx); err != nil {
					b.Fatal(err)
				}
				c3 := cpuTime()
				if fi, err := os.Stat(whPath); err == nil {
					size += float64(fi.Size())
				}
				insert += (c1 - c0).Seconds()
				commit += (c2 - c1).Seconds()
				checkpoint += (c3 - c2).Seconds()
			}
			n := float64(b.N)
			b.ReportMetric(insert/n, "insert-cpu-s")
			b.ReportMetric(commit/n, "commit-cpu-s")
			b.ReportMetric(checkpoint/n, "checkpoint-cpu-s")
			b.ReportMetric((insert+commit+checkpoint)/n, "cpu-s")
			b.ReportMetric(size/n/1e6, "file-MB")
		})
	}
}

// narrowDropped are the columns of enrolments the narrow variant leaves out:
// the eight folds (linkage and modules could fold as they read) and the
// five columns every row of a file repeats (a files table could hold them).
var narrowDropped = map[string]bool{
	"surname_fold": true, "given_name_fold": true, "birth_place_fold": true, "municipality_fold": true,
	"organisation_fold": true, "organisation_type_fold": true, "role_fold": true, "module_fold": true,
	"run_id": true, "province_code": true, "source_file": true, "source_sha256": true, "sheet": true,
}

// narrowColumns are the schema's columns the narrow variant keeps, in order.
func narrowColumns(s *arrow.Schema) []string {
	var cols []string
	for _, f := range s.Fields() {
		if !narrowDropped[f.Name] {
			cols = append(cols, f.Name)
		}
	}
	return cols
}

// narrowRecords are the batches cut to narrowColumns (the arrays shared).
func narrowRecords(recs []arrow.RecordBatch) []arrow.RecordBatch {
	out := make([]arrow.RecordBatch, 0, len(recs))
	for _, r := range recs {
		var fields []arrow.Field
		var cols []arrow.Array
		for i, f := range r.Schema().Fields() {
			if !narrowDropped[f.Name] {
				fields = append(fields, f)
				cols = append(cols, r.Column(i))
			}
		}
		out = append(out, array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, r.NumRows()))
	}
	return out
}

// dictDDL is CREATE TABLE enrolments_dict: enrolments' columns, the text
// columns whose values repeat by nature stored USING COMPRESSION dictionary
// (DuckDB then tries no other method on them at COMMIT).
func dictDDL(ctx context.Context, b *testing.B, wh *sinks.Warehouse) string {
	dict := map[string]bool{}
	for _, c := range strings.Fields(`run_id province_code source_file source_sha256 sheet module_id tax_code_status sex
		birth_place birth_place_fold municipality municipality_fold organisation organisation_fold organisation_type
		organisation_type_fold role role_fold module_code module_title module_fold edition site axis status status_raw`) {
		dict[c] = true
	}
	rows, err := wh.DB.QueryContext(ctx, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'enrolments' ORDER BY ordinal_position`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ, null string
		if err := rows.Scan(&name, &typ, &null); err != nil {
			b.Fatal(err)
		}
		c := name + " " + typ
		if null == "NO" {
			c += " NOT NULL"
		}
		if dict[name] {
			c += " USING COMPRESSION dictionary"
		}
		cols = append(cols, c)
	}
	return "CREATE TABLE enrolments_dict (" + strings.Join(cols, ", ") + ")"
}

// BenchmarkLoadSecondFile200k is DuckDB's side of loading a file into a
// warehouse that already holds rows (every file of a night but the first),
// as BenchmarkLoadPhases200k does into an empty one: the 200,000 rows are
// committed first, then the first batches of the same rows again, in a
// transaction of their own, whose inserts, COMMIT and checkpoint on Close
// are measured, with the WAL's size after COMMIT. DuckDB writes a
// transaction's rows to disk as it inserts them ("optimistic writes") only
// when the table was empty or the transaction brings at least a row group
// (122,880 rows); fewer rows are appended to the table at COMMIT, through
// the WAL, and compressed by the next checkpoint.
func BenchmarkLoadSecondFile200k(b *testing.B) {
	path := ingestBenchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	recs, err := buildRecordsOf(ctx, path, fi.Size(), sum, batchRows)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, v := range []struct {
		batches int
		set     string // SET statements run first
		rgs     int    // the warehouse attached with this ROW_GROUP_SIZE (0: DuckDB's)
	}{
		{13, "", 0}, // 106,496 rows: fewer than a row group
		{15, "", 0}, // 122,880 rows: one row group
		{13, "SET auto_checkpoint_skip_wal_threshold = 1000000000; SET checkpoint_threshold = '1GB'", 0},
		{13, "", 65536},
		{13, "", 49152},
		{13, "", 32768},
		{13, "", 16384},
	} {
		name := fmt.Sprintf("rows=%d", v.batches*batchRows)
		if v.set != "" {
			name += "/wal"
		}
		if v.rgs != 0 {
			name += fmt.Sprintf("/rgs=%d", v.rgs)
		}
		b.Run(name, func(b *testing.B) {
			var insert, commit, checkpoint, wal float64
			for b.Loop() {
				b.StopTimer()
				whPath := filepath.Join(b.TempDir(), "second.duckdb")
				wh, err := sinks.OpenWarehouse(ctx, whPath)
				if err != nil {
					b.Fatal(err)
				}
				if v.rgs != 0 {
					if err := wh.Close(ctx); err != nil {
						b.Fatal(err)
					}
					db, err := sql.Open("duckdb", "")
					if err != nil {
						b.Fatal(err)
					}
					db.SetMaxOpenConns(1)
					if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS wh (ROW_GROUP_SIZE %d); USE wh", whPath, v.rgs)); err != nil {
						b.Fatal(err)
					}
					wh = &sinks.Warehouse{Path: whPath, DB: db}
				}
				if _, err := wh.DB.ExecContext(ctx, "SET threads = 1"); err != nil {
					b.Fatal(err)
				}
				if v.set != "" {
					if _, err := wh.DB.ExecContext(ctx, v.set); err != nil {
						b.Fatal(err)
					}
				}
				conn, err := wh.DB.Conn(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
					b.Fatal(err)
				}
				if err := sinks.InsertRecords(ctx, conn, "enrolments", recs); err != nil {
					b.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := cpuTime()
				if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
					b.Fatal(err)
				}
				if err := sinks.InsertRecords(ctx, conn, "enrolments", recs[:v.batches]); err != nil {
					b.Fatal(err)
				}
				c1 := cpuTime()
				if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
					b.Fatal(err)
				}
				c2 := cpuTime()
				if fi, err := os.Stat(whPath + ".wal"); err == nil {
					wal += float64(fi.Size())
				}
				if b.N == 1 || wal == 0 {
					var rgs, rgsize int
					if err := conn.QueryRowContext(ctx, "SELECT count(DISTINCT row_group_id), max(count) FROM pragma_storage_info('enrolments')").Scan(&rgs, &rgsize); err == nil {
						b.Logf("%s: %d row groups, largest %d rows", name, rgs, rgsize)
					}
				}
				conn.Close()
				if err := wh.Close(ctx); err != nil {
					b.Fatal(err)
				}
				c3 := cpuTime()
				insert += (c1 - c0).Seconds()
				commit += (c2 - c1).Seconds()
				checkpoint += (c3 - c2).Seconds()
			}
			n := float64(b.N)
			b.ReportMetric(insert/n, "insert-cpu-s")
			b.ReportMetric(commit/n, "commit-cpu-s")
			b.ReportMetric(checkpoint/n, "checkpoint-cpu-s")
			b.ReportMetric((insert+commit+checkpoint)/n, "cpu-s")
			b.ReportMetric(wal/n/1e6, "wal-MB")
		})
	}
}

// BenchmarkIngestFile is BenchmarkIngest200k/arrow-view on any one file:
// CORRELARE_BENCH_FILE (a workbook of the 1M night, var/bench/1m/data, say
// MN's with its 94,855 flagged values), loaded for province
// CORRELARE_BENCH_PROVINCE (default MN) into a fresh warehouse, checkpoint
// included. It reports the file's counts beside the CPU time.
func BenchmarkIngestFile(b *testing.B) {
	path := os.Getenv("CORRELARE_BENCH_FILE")
	if path == "" {
		b.Skip("CORRELARE_BENCH_FILE names no file")
	}
	code := os.Getenv("CORRELARE_BENCH_PROVINCE")
	if code == "" {
		code = "MN"
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := landing.Fetched{Slot: path, Name: filepath.Base(path), SHA256: sum, Size: fi.Size(), LandedPath: path}
	prov := Province{Code: code, Name: code, Partner: true}
	dir := b.TempDir()
	m := startBenchMeasure(b)
	i := 0
	var counts Counts
	for b.Loop() {
		b.StopTimer()
		i++
		whPath := filepath.Join(dir, "file"+strconv.Itoa(i)+".duckdb")
		wh, err := sinks.OpenWarehouse(ctx, whPath)
		if err != nil {
			b.Fatal(err)
		}
		m.resume()
		b.StartTimer()
		restore, err := sinks.LoadingThreads(ctx, wh.DB)
		if err != nil {
			b.Fatal(err)
		}
		res := loadFileWith(ctx, wh.DB, "bench-run", f, prov, "", log, nil)
		if err := restore(ctx); err != nil {
			b.Fatal(err)
		}
		if res.Err != nil {
			b.Fatalf("%s: %v", res.Status, res.Err)
		}
		if err := wh.Close(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		m.pause()
		counts = res.Counts
		if err := checkLoaded(ctx, whPath, res.Counts.Loaded); err != nil {
			b.Fatal(err)
		}
		os.Remove(whPath)
		b.StartTimer()
	}
	if m.cpuStart != 0 {
		m.pause()
	}
	b.ReportMetric(m.cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(float64(counts.Read)*float64(b.N)/m.cpu.Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(counts.Issues), "issues")
}
