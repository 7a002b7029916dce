//go:build duckdb_arrow

package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

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
//   - nopk: into a copy of enrolments without its PRIMARY KEY (and NOT NULL)
//     constraints, to price the key's ART index.
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
		noPK    bool
	}{
		{"arrow-view", batchRows, 0, false},
		{"arrow-view", batchRows, 2, false},
		{"arrow-view", batchRows, 0, true},
		{"arrow-view", 2048, 0, false},
		{"arrow-view", 32768, 0, false},
		{"arrow-view", 122880, 0, false},
		{"appender", batchRows, 0, false},
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
		if v.noPK {
			name += "/nopk"
		}
		b.Run(name, func(b *testing.B) {
			if recs[v.batch] == nil {
				rs, err := buildRecordsOf(ctx, path, fi.Size(), sum, v.batch)
				if err != nil {
					b.Fatal(err)
				}
				recs[v.batch] = rs
			}
			load := sinks.InsertRecord
			if v.loader == "appender" {
				load = sinks.AppendRecord
			}
			var insert, commit, checkpoint float64
			for b.Loop() {
				b.StopTimer()
				whPath := filepath.Join(b.TempDir(), "phases.duckdb")
				wh, err := sinks.OpenWarehouse(ctx, whPath)
				if err != nil {
					b.Fatal(err)
				}
				table := "enrolments"
				if v.noPK {
					table = "enrolments_nopk"
					if _, err := wh.DB.ExecContext(ctx, "CREATE TABLE enrolments_nopk AS SELECT * FROM enrolments WITH NO DATA"); err != nil {
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
				for _, r := range recs[v.batch] {
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
				insert += (c1 - c0).Seconds()
				commit += (c2 - c1).Seconds()
				checkpoint += (c3 - c2).Seconds()
			}
			n := float64(b.N)
			b.ReportMetric(insert/n, "insert-cpu-s")
			b.ReportMetric(commit/n, "commit-cpu-s")
			b.ReportMetric(checkpoint/n, "checkpoint-cpu-s")
			b.ReportMetric((insert+commit+checkpoint)/n, "cpu-s")
		})
	}
}
