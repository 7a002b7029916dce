package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
	"github.com/lombardia-orim/correlare/sources"
)

// ingestBenchRows is the size of the benchmark workbook (issue 2: 200,000
// rows of 11 columns).
const (
	ingestBenchRows  = 200_000
	ingestBenchSeed  = 1
	ingestBenchSheet = "Iscrizioni"
)

// benchLoaders are the loaders compared end to end; bench_arrow_test.go adds
// the Arrow view when built with the duckdb_arrow tag.
var benchLoaders = []struct {
	name string
	load loader
}{
	{"appender", sinks.AppendRecord},
}

// BenchmarkIngest200k measures read + normalise + load of a generated
// 200,000-row, 11-column workbook, beside excelize's own raw read of the same
// file. Each sub-benchmark reports rows/s (wall clock), rows/cpu-s (user +
// system CPU time of the whole process, DuckDB's threads included), seconds
// per pass and the peak RSS of the pass. For the one-core figure, run it
// pinned (see BENCH.md):
//
//	go test -tags duckdb_arrow -c -o /tmp/pipeline.test ./pipeline/
//	taskset -c 0 env GOMAXPROCS=1 /tmp/pipeline.test -test.run '^$' -test.bench Ingest200k -test.benchtime 1x
func BenchmarkIngest200k(b *testing.B) {
	path := ingestBenchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("workbook %s: %d rows x 11 columns, %d bytes; GOMAXPROCS=%d", path, ingestBenchRows, fi.Size(), runtime.GOMAXPROCS(0))
	ctx := context.Background()

	b.Run("excelize-raw", func(b *testing.B) {
		m := startBenchMeasure(b)
		for b.Loop() {
			n, err := excelizeRawRead(path, ingestBenchSheet)
			if err != nil {
				b.Fatal(err)
			}
			if n != ingestBenchRows+1 {
				b.Fatalf("excelize read %d rows, want %d", n, ingestBenchRows+1)
			}
		}
		m.report(b)
	})

	b.Run("read", func(b *testing.B) {
		m := startBenchMeasure(b)
		for b.Loop() {
			n, err := readOnly(ctx, path, fi.Size())
			if err != nil {
				b.Fatal(err)
			}
			if n != ingestBenchRows {
				b.Fatalf("read %d data rows, want %d", n, ingestBenchRows)
			}
		}
		m.report(b)
	})

	b.Run("read+normalise", func(b *testing.B) {
		m := startBenchMeasure(b)
		for b.Loop() {
			fh, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			sf, err := sources.Open(ctx, filepath.Base(path), fh, fi.Size(), sources.Options{})
			if err != nil {
				b.Fatal(err)
			}
			c, err := readFile(ctx, sf, fileMeta{Province: "CR", Name: filepath.Base(path), SHA256: sum}, discardSink{})
			sf.Close()
			fh.Close()
			if err != nil {
				b.Fatal(err)
			}
			if c.Read != ingestBenchRows {
				b.Fatalf("counts %+v, want %d rows read", c, ingestBenchRows)
			}
		}
		m.report(b)
	})

	// Our per-row work alone, on rows already read into memory: what the
	// normalisers and the Arrow batch builder cost beside the reader.
	b.Run("normalise+batch", func(b *testing.B) {
		rc, rows, err := readRows(ctx, path, fi.Size(), sum)
		if err != nil {
			b.Fatal(err)
		}
		batch := canon.NewBatch(memory.DefaultAllocator, "bench-run")
		defer batch.Release()
		m := startBenchMeasure(b)
		for b.Loop() {
			norm := canon.NewNormaliser(rc) // one per table, as readFile does
			for _, row := range rows {
				e, _, rej := norm.Row(row)
				if rej != nil {
					continue
				}
				batch.Append(&e)
				if batch.Len() >= batchRows {
					batch.NewRecord().Release()
				}
			}
			batch.NewRecord().Release()
		}
		m.report(b)
	})

	// The loaders alone: the workbook's enrolments as Arrow batches, built
	// beforehand, loaded into a fresh warehouse file in one transaction
	// (batch by batch: the loader in use, nil, is measured end to end only).
	for _, l := range benchLoaders {
		if l.load == nil {
			continue
		}
		b.Run("load-only/"+l.name, func(b *testing.B) {
			recs, err := buildRecords(ctx, path, fi.Size(), sum)
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			dir := b.TempDir()
			m := startBenchMeasure(b)
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				whPath := filepath.Join(dir, "load"+strconv.Itoa(i)+".duckdb")
				wh, err := sinks.OpenWarehouse(ctx, whPath)
				if err != nil {
					b.Fatal(err)
				}
				m.resume()
				b.StartTimer()

				var loaded int64
				if err := loadRecords(ctx, wh.DB, recs, l.load); err != nil {
					b.Fatal(err)
				}
				if err := wh.Close(ctx); err != nil {
					b.Fatal(err)
				}

				b.StopTimer()
				m.pause()
				for _, r := range recs {
					loaded += r.NumRows()
				}
				if err := checkLoaded(ctx, whPath, loaded); err != nil {
					b.Fatal(err)
				}
				os.Remove(whPath)
				b.StartTimer()
			}
			m.report(b)
		})
	}

	for _, l := range benchLoaders {
		b.Run(l.name, func(b *testing.B) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			f := landing.Fetched{Slot: path, Name: filepath.Base(path), SHA256: sum, Size: fi.Size(), LandedPath: path}
			prov := Province{Code: "CR", ISTAT: "019", Name: "Cremona", Partner: true}
			dir := b.TempDir()
			m := startBenchMeasure(b)
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				whPath := filepath.Join(dir, "bench"+strconv.Itoa(i)+".duckdb")
				wh, err := sinks.OpenWarehouse(ctx, whPath)
				if err != nil {
					b.Fatal(err)
				}
				m.resume()
				b.StartTimer()

				// As loadProvinces does: DuckDB on one thread while loading.
				restore, err := sinks.LoadingThreads(ctx, wh.DB)
				if err != nil {
					b.Fatal(err)
				}
				res := loadFileWith(ctx, wh.DB, "bench-run", f, prov, "", log, l.load)
				if err := restore(ctx); err != nil {
					b.Fatal(err)
				}
				if res.Err != nil {
					b.Fatalf("%s: %v", res.Status, res.Err)
				}
				if err := wh.Close(ctx); err != nil { // checkpoints: the rows reach the file
					b.Fatal(err)
				}

				b.StopTimer()
				m.pause()
				if res.Status != FileLoaded || res.Counts.Read != ingestBenchRows || res.Counts.Loaded+res.Counts.Quarantined+res.Counts.Skipped != res.Counts.Read {
					b.Fatalf("status %s, counts %+v", res.Status, res.Counts)
				}
				if err := checkLoaded(ctx, whPath, res.Counts.Loaded); err != nil {
					b.Fatal(err)
				}
				os.Remove(whPath)
				b.StartTimer()
			}
			m.report(b)
		})
	}
}

// ingestBenchFile returns the benchmark workbook: the file named by
// CORRELARE_BENCH_XLSX when set (`make bench` passes the one written by
// openpyxl, testdata/bench/gen_200k.py; it must hold 200,000 data rows in a
// sheet "Iscrizioni"), otherwise one written once with demo.Large and cached
// under os.TempDir (it takes several seconds to write).
func ingestBenchFile(b *testing.B) string {
	b.Helper()
	if path := os.Getenv("CORRELARE_BENCH_XLSX"); path != "" {
		if _, err := os.Stat(path); err != nil {
			b.Fatalf("CORRELARE_BENCH_XLSX: %v", err)
		}
		return path
	}
	dir := filepath.Join(os.TempDir(), "correlare-bench")
	path := filepath.Join(dir, fmt.Sprintf("large-%d-seed%d.xlsx", ingestBenchRows, ingestBenchSeed))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	if err := demo.Large(context.Background(), tmp, ingestBenchRows, ingestBenchSeed); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func fileSHA256(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// excelizeRawRead is excelize's own streaming read, what any reader built
// on it costs at least: open, then Rows/Columns over the sheet with raw cell
// values (as sources does), the row slice reused by excelize.
func excelizeRawRead(path, sheet string) (int, error) {
	x, err := excelize.OpenFile(path)
	if err != nil {
		return 0, err
	}
	defer x.Close()
	rows, err := x.Rows(sheet)
	if err != nil {
		return 0, err
	}
	n := 0
	raw := excelize.Options{RawCellValue: true}
	for rows.Next() {
		if _, err := rows.Columns(raw); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Error(); err != nil {
		return n, err
	}
	return n, rows.Close()
}

// readOnly reads every row of the workbook through sources, without
// normalising.
func readOnly(ctx context.Context, path string, size int64) (int, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	sf, err := sources.Open(ctx, filepath.Base(path), fh, size, sources.Options{})
	if err != nil {
		return 0, err
	}
	defer sf.Close()
	n := 0
	for {
		t, err := sf.NextTable(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		for {
			_, err := t.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return n, err
			}
			n++
		}
		n += len(t.Skipped())
	}
}

// readRows reads the workbook's data rows into memory, with the context the
// normalisers need.
func readRows(ctx context.Context, path string, size int64, sum string) (*canon.RowContext, []canon.RawRow, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	sf, err := sources.Open(ctx, filepath.Base(path), fh, size, sources.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer sf.Close()
	t, err := sf.NextTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	rc := &canon.RowContext{ProvinceCode: "CR", SourceFile: filepath.Base(path), SourceSHA256: sum,
		Sheet: t.Sheet, Date1904: t.Date1904, Columns: t.Columns}
	var rows []canon.RawRow
	for {
		row, err := t.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rc, rows, nil
		}
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, row)
	}
}

// buildRecords normalises the workbook's rows into Arrow record batches of
// batchRows rows, as the ingest does.
func buildRecords(ctx context.Context, path string, size int64, sum string) ([]arrow.RecordBatch, error) {
	return buildRecordsOf(ctx, path, size, sum, batchRows)
}

// buildRecordsOf is buildRecords with batches of size rows.
func buildRecordsOf(ctx context.Context, path string, fileSize int64, sum string, size int) ([]arrow.RecordBatch, error) {
	rc, rows, err := readRows(ctx, path, fileSize, sum)
	if err != nil {
		return nil, err
	}
	batch := canon.NewBatch(memory.DefaultAllocator, "bench-run")
	defer batch.Release()
	var recs []arrow.RecordBatch
	norm := canon.NewNormaliser(rc)
	for _, row := range rows {
		e, _, rej := norm.Row(row)
		if rej != nil {
			continue
		}
		batch.Append(&e)
		if batch.Len() >= size {
			recs = append(recs, batch.NewRecord())
		}
	}
	if batch.Len() > 0 {
		recs = append(recs, batch.NewRecord())
	}
	return recs, nil
}

// loadRecords loads recs into enrolments with load, in one transaction.
func loadRecords(ctx context.Context, db *sql.DB, recs []arrow.RecordBatch, load loader) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	for _, r := range recs {
		if err := load(ctx, conn, "enrolments", r); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// checkLoaded reopens a benchmark warehouse and checks that it holds the
// loaded rows: a loader that silently dropped rows would look fast.
func checkLoaded(ctx context.Context, path string, want int64) error {
	wh, err := sinks.OpenWarehouse(ctx, path)
	if err != nil {
		return err
	}
	defer wh.Close(ctx)
	var n int64
	if err := wh.DB.QueryRowContext(ctx, "SELECT count(*) FROM enrolments").Scan(&n); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("warehouse holds %d enrolments, %d were loaded", n, want)
	}
	return nil
}

// discardSink normalises and drops: the read+normalise figure.
type discardSink struct{}

func (discardSink) table(*sources.Table) error                               { return nil }
func (discardSink) enrolment(context.Context, *canon.Enrolment) error        { return nil }
func (discardSink) module(*canon.Module) error                               { return nil }
func (discardSink) reject(Rejected) error                                    { return nil }
func (discardSink) issue(string, canon.Issue) error                          { return nil }
func (discardSink) skipped(string, sources.SkippedRow, []canon.Column) error { return nil }

// benchMeasure accumulates the CPU time and peak RSS of the timed part of a
// benchmark.
type benchMeasure struct {
	cpu, cpuStart time.Duration
	peakKB        int64
}

func startBenchMeasure(b *testing.B) *benchMeasure {
	debug.FreeOSMemory() // what earlier sub-benchmarks held is not counted
	resetPeakRSS()
	m := &benchMeasure{}
	m.cpuStart = cpuTime()
	return m
}

// pause stops counting CPU time (the untimed part of an iteration).
func (m *benchMeasure) pause() {
	m.cpu += cpuTime() - m.cpuStart
	m.cpuStart = 0
	m.peakKB = max(m.peakKB, peakRSSKB())
}

// resume counts CPU time again, from a fresh peak.
func (m *benchMeasure) resume() {
	debug.FreeOSMemory()
	resetPeakRSS()
	m.cpuStart = cpuTime()
}

func (m *benchMeasure) report(b *testing.B) {
	if m.cpuStart != 0 {
		m.pause()
	}
	rows := float64(ingestBenchRows) * float64(b.N)
	secs := b.Elapsed().Seconds()
	b.ReportMetric(rows/secs, "rows/s")
	b.ReportMetric(secs/float64(b.N), "s/op")
	if m.cpu > 0 {
		b.ReportMetric(rows/m.cpu.Seconds(), "rows/cpu-s")
	}
	if m.peakKB > 0 {
		b.ReportMetric(float64(m.peakKB)/1024, "peak-RSS-MB")
	}
}

// cpuTime is the user + system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS resets the kernel's high-water mark of resident memory
// (Linux: "5" to /proc/self/clear_refs), so that VmHWM measures what follows.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSKB reads VmHWM (peak resident set size, kB) from /proc/self/status;
// 0 where there is no /proc.
func peakRSSKB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			return kb
		}
	}
	return 0
}
