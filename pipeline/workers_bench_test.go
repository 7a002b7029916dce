package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/demo"
)

// BenchmarkLoadProvinces loads four provinces of one generated workbook
// each (demo.Large, 25,000 rows × 11 columns) into a fresh warehouse — the
// loading part of a run: fetch, plan, read + normalise + load — with 1, 2
// and 4 workers, and reports rows/s (wall) and rows/cpu-s (user + system
// time of the process). See BENCH.md:
//
//	go test -tags duckdb_arrow -run '^$' -bench LoadProvinces -benchtime 3x ./pipeline/
func BenchmarkLoadProvinces(b *testing.B) {
	const rows = 25000
	codes := []string{"VA", "CO", "MI", "BG"}
	ctx := context.Background()
	dir := b.TempDir()
	srcs := map[string]string{}
	for i, code := range codes {
		in := filepath.Join(dir, "in", code)
		if err := os.MkdirAll(in, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := demo.Large(ctx, filepath.Join(in, code+"_grande.xlsx"), rows, int64(i+1)); err != nil {
			b.Fatal(err)
		}
		srcs[code] = filepath.Join(in, "*")
	}
	b.Logf("%d provinces × %d rows; GOMAXPROCS=%d", len(codes), rows, runtime.GOMAXPROCS(0))
	for _, w := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			var wall, cpu time.Duration
			for i := 0; b.Loop(); i++ {
				run := filepath.Join(dir, fmt.Sprintf("w%d-%d", w, i))
				if err := os.MkdirAll(run, 0o755); err != nil {
					b.Fatal(err)
				}
				cfg := mustLoad(b, writeConfig(b, run, srcs, ""))
				c0, t0 := cpuTime(), time.Now()
				res, _, err := loadOnly(b, run, cfg, Options{Workers: w})
				wall, cpu = wall+time.Since(t0), cpu+cpuTime()-c0
				if err != nil {
					b.Fatal(err)
				}
				if got := res.Totals().Loaded; got != int64(len(codes)*rows) {
					b.Fatalf("%d rows loaded, want %d: %s", got, len(codes)*rows, res.Summary())
				}
			}
			n := float64(len(codes) * rows * b.N)
			b.ReportMetric(n/wall.Seconds(), "rows/s")
			b.ReportMetric(n/cpu.Seconds(), "rows/cpu-s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
