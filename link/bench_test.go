package link

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/demo"
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

func benchLink(b *testing.B, n int) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := openTestAt(b, filepath.Join(b.TempDir(), "bench.duckdb"))
		if _, err := w.DB.ExecContext(ctx, "SET threads = 2"); err != nil {
			b.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, "SET memory_limit = '3GB'"); err != nil {
			b.Fatal(err)
		}
		rows, _ := demo.Synthetic(n, 11, demo.NoiseNormal)
		insertEnrolments(b, w.DB, rows)
		rows = nil
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		st, err := Link(ctx, w.DB, "bench", DefaultConfig(), slog.New(slog.NewTextHandler(os.Stderr, nil)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/link")
		b.ReportMetric(float64(st.CandidatePairs), "candidate_pairs")
		b.ReportMetric(float64(st.Persons), "persons")
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Sys)/(1<<20), "go_sys_MiB")
	b.ReportMetric(vmHWM()/(1<<20), "peak_rss_MiB")
}

// BenchmarkLink1M links 1,000,000 demo.Synthetic enrolments in a file-backed
// warehouse (2 threads, 3 GB DuckDB memory limit). Run with -benchtime=1x.
func BenchmarkLink1M(b *testing.B) { benchLink(b, 1_000_000) }

// BenchmarkLink100k is the same on 100,000 enrolments.
func BenchmarkLink100k(b *testing.B) { benchLink(b, 100_000) }
