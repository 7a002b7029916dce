package link

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/demo"
	queries "github.com/lombardia-orim/correlare/sql"
)

// vmHWM returns the process's peak resident set in bytes (Linux), which
// counts DuckDB's allocations outside the Go heap; 0 elsewhere.
func vmHWM() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// TestMain lets the test binary build a benchmark fixture in a child
// process (see benchFixture), so that the benchmark's peak memory is the
// linkage's and not the generator's.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LINK_BENCH_FIXTURE"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("LINK_BENCH_N"))
		if err := buildFixture(dir, n); err != nil {
			fmt.Fprintln(os.Stderr, "building fixture:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// buildFixture writes dir/warehouse.duckdb (migrated, n demo.Synthetic
// enrolments) and dir/truth.csv.
func buildFixture(dir string, n int) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "warehouse.duckdb")
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer c.Close()
	defer db.Close()
	ms, err := queries.Migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	rows, people := demo.Synthetic(n, 11, demo.NoiseNormal)
	var truth bytes.Buffer
	cw := csv.NewWriter(&truth)
	cw.Write([]string{"source_file", "sheet", "source_row", "person"})
	for j := range rows {
		cw.Write([]string{rows[j].SourceFile, rows[j].Sheet, strconv.Itoa(rows[j].SourceRow), people[j]})
	}
	cw.Flush()
	if err := appendEnrolments(ctx, db, rows); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "truth.csv"), truth.Bytes(), 0o644)
}

// fixtureVersion changes when demo.Synthetic or appendEnrolments changes
// what the fixture holds; the migrations' text versions the rest.
const fixtureVersion = "2"

// fixtureKey names the fixture of n enrolments after fixtureVersion and a
// hash of the migrations it was built with, so that a fixture cached before
// a migration (an older link_runs, say) is never reused.
func fixtureKey(n int) (string, error) {
	ms, err := queries.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Name, m.SQL)
	}
	return fmt.Sprintf("correlare-link-bench-%d-v%s-%x", n, fixtureVersion, h.Sum(nil)[:6]), nil
}

// benchFixture returns the directory of the fixture of n enrolments, built
// once by a child process and kept in the temporary directory under
// fixtureKey.
func benchFixture(b *testing.B, n int) string {
	key, err := fixtureKey(n)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(os.TempDir(), key)
	if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LINK_BENCH_FIXTURE="+dir, "LINK_BENCH_N="+strconv.Itoa(n))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		b.Fatalf("building the fixture: %v", err)
	}
	return dir
}

func copyFile(b *testing.B, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchLink links n demo.Synthetic enrolments in a file-backed warehouse (2
// DuckDB threads, 3 GB DuckDB memory limit) and reports the seconds, the
// candidate pairs, the seconds by phase, the peak resident memory of the
// process (VmHWM: Go and DuckDB), the Go heap, and the pairwise precision
// and recall against the generator's true persons. LINK_BENCH_KEEP=path
// keeps the linked warehouse.
func benchLink(b *testing.B, n int) {
	ctx := context.Background()
	fixture := benchFixture(b, n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "bench.duckdb")
		copyFile(b, filepath.Join(fixture, "warehouse.duckdb"), path)
		c, err := duckdb.NewConnector(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		db := sql.OpenDB(c)
		for _, q := range []string{"SET threads = 2", "SET memory_limit = '3GB'"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		log := slog.New(slog.DiscardHandler)
		if testing.Verbose() {
			log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		b.StartTimer()
		start := time.Now()
		st, err := Link(ctx, db, "bench", DefaultConfig(), log)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/link")
		b.StopTimer()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapSys)/(1<<20), "go_heap_sys_MiB")
		b.ReportMetric(vmHWM()/(1<<20), "peak_rss_MiB")
		b.ReportMetric(float64(st.CandidatePairs), "candidate_pairs")
		b.ReportMetric(float64(st.Persons), "persons")
		for _, ph := range []struct {
			name string
			s    float64
		}{{"load", st.LoadSeconds}, {"block", st.BlockSeconds}, {"compare", st.CompareSeconds},
			{"fit", st.FitSeconds}, {"cluster", st.ClusterSeconds}, {"write", st.WriteSeconds}} {
			b.ReportMetric(ph.s, "s_"+ph.name)
		}
		for _, ph := range []struct {
			name string
			s    float64
		}{{"load", st.LoadCPU}, {"block", st.BlockCPU}, {"compare", st.CompareCPU},
			{"fit", st.FitCPU}, {"cluster", st.ClusterCPU}, {"write", st.WriteCPU}} {
			b.ReportMetric(ph.s, "cpu_s_"+ph.name)
		}
		truth, err := os.Open(filepath.Join(fixture, "truth.csv"))
		if err != nil {
			b.Fatal(err)
		}
		sc, err := Evaluate(ctx, db, truth)
		truth.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d enrolments: %s", n, sc)
		b.ReportMetric(sc.Precision, "precision")
		b.ReportMetric(sc.Recall, "recall")
		db.Close()
		c.Close()
		if keep := os.Getenv("LINK_BENCH_KEEP"); keep != "" {
			copyFile(b, path, keep)
		}
		b.StartTimer()
	}
}

// BenchmarkLink1M links 1,000,000 demo.Synthetic enrolments. Run with
// -benchtime=1x; the fixture is built once, by a child process, in
// $TMPDIR/correlare-link-bench-1000000-v<fixtureVersion>-<migrations hash>.
func BenchmarkLink1M(b *testing.B) { benchLink(b, 1_000_000) }

// BenchmarkLink100k is the same on 100,000 enrolments.
func BenchmarkLink100k(b *testing.B) { benchLink(b, 100_000) }

// benchBlock runs the blocking stage alone on the fixture of n
// demo.Synthetic enrolments (read-only, DuckDB threads=2) with the default
// rules and reports its seconds, its CPU seconds (user + system, DuckDB's
// threads included), the candidate pairs, the pairs dropped with the
// sub-blocks over the budget, the blocking recall against the generator's
// truth, and with -v the pairs of each rule. LINK_BENCH_UNION=1 runs every
// rule on its own and de-duplicates the union instead.
func benchBlock(b *testing.B, n int) {
	ctx := context.Background()
	fixture := benchFixture(b, n)
	c, err := duckdb.NewConnector(filepath.Join(fixture, "warehouse.duckdb")+"?access_mode=read_only", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	db := sql.OpenDB(c)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"SET threads = 2", "SET memory_limit = '3GB'"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	recs, err := loadRecords(ctx, conn, nil)
	if err != nil {
		b.Fatal(err)
	}
	truth, err := os.Open(filepath.Join(fixture, "truth.csv"))
	if err != nil {
		b.Fatal(err)
	}
	person, truePairs, err := recordPersons(ctx, conn, truth, len(recs))
	truth.Close()
	if err != nil {
		b.Fatal(err)
	}
	once := os.Getenv("LINK_BENCH_UNION") == ""
	b.ResetTimer()
	for range b.N {
		cpu, start := cpuSeconds(), time.Now()
		log := slog.New(slog.DiscardHandler)
		if testing.Verbose() {
			log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		pairs, st, err := blockWith(ctx, conn, DefaultBlocking, DefaultConfig().MaxBlockRecords, log, once)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/block")
		b.ReportMetric(cpuSeconds()-cpu, "cpu_s/block")
		b.ReportMetric(float64(len(pairs)), "candidate_pairs")
		b.ReportMetric(float64(st.SkippedPairs), "dropped_pairs")
		var found int64
		for _, p := range pairs {
			if person[p.l] >= 0 && person[p.l] == person[p.r] {
				found++
			}
		}
		b.ReportMetric(float64(found)/float64(truePairs), "blocking_recall")
		for _, r := range st.Rules {
			b.Logf("rule %2d: pairs %9d first %9d sub-blocks %9d dropped %5d (%d pairs)", r.Rule, r.Pairs, r.FirstPairs, r.SubPairs, r.SkippedBlocks, r.SkippedPairs)
		}
	}
}

// BenchmarkBlock1M is the blocking stage alone on 1,000,000 enrolments.
func BenchmarkBlock1M(b *testing.B) { benchBlock(b, 1_000_000) }

// BenchmarkBlock100k is the blocking stage alone on 100,000 enrolments.
func BenchmarkBlock100k(b *testing.B) { benchBlock(b, 100_000) }

// recordPersons reads the true person of each of the n records of link_rec
// (-1: not in the truth) and counts the true pairs.
func recordPersons(ctx context.Context, conn *sql.Conn, truthCSV io.Reader, n int) ([]int32, int64, error) {
	truth, err := readTruth(truthCSV)
	if err != nil {
		return nil, 0, err
	}
	person := make([]int32, n)
	for i := range person {
		person[i] = -1
	}
	rows, err := conn.QueryContext(ctx, queries.Query("link_eval_rows"))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ids := map[string]int32{}
	var size []int64
	for rows.Next() {
		var rid int32
		var l loc
		if err := rows.Scan(&rid, &l.file, &l.sheet, &l.row); err != nil {
			return nil, 0, err
		}
		p, ok := truth[l]
		if !ok {
			continue
		}
		id, ok := ids[p]
		if !ok {
			id = int32(len(ids))
			ids[p] = id
			size = append(size, 0)
		}
		person[rid] = id
		size[id]++
	}
	var pairs int64
	for _, k := range size {
		pairs += k * (k - 1) / 2
	}
	return person, pairs, rows.Err()
}
