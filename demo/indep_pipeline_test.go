package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lombardia-orim/correlare/link"
	"github.com/lombardia-orim/correlare/pipeline"
	"github.com/lombardia-orim/correlare/sinks"
)

// TestIndepPipeline runs the whole job on the committed independent set
// (testdata/demo-indep.yaml, default linkage configuration, outputs in a
// temporary directory) on a real DuckDB file and scores the linkage against
// testdata/demo-indep/truth.csv. It asserts only that every row loads and
// loose sanity bounds; the figures are logged.
func TestIndepPipeline(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", "correlare-demo-key-not-a-secret-0123456789")
	cfg, err := pipeline.LoadConfig(filepath.Join("..", "testdata", "demo-indep.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.Paths.Warehouse = filepath.Join(dir, "warehouse.duckdb")
	cfg.Paths.Landing = filepath.Join(dir, "landing")
	cfg.Paths.Exports = filepath.Join(dir, "exports")
	cfg.Paths.Reports = filepath.Join(dir, "reports")
	ctx := context.Background()
	res := pipeline.Run(ctx, cfg, pipeline.Options{})
	if res.Status != pipeline.StatusSuccess || res.Err != nil {
		t.Fatalf("run: %s", res.Summary())
	}
	t.Log(res.Summary())
	tot := res.Totals()
	if tot.Loaded != tot.Read || tot.Quarantined != 0 || tot.Skipped != 0 {
		t.Errorf("read %d rows, loaded %d, quarantined %d, skipped %d; want every row loaded",
			tot.Read, tot.Loaded, tot.Quarantined, tot.Skipped)
	}

	w, err := sinks.OpenWarehouseReadOnly(ctx, cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	tf, err := os.Open(filepath.Join("..", "testdata", "demo-indep", "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	s, err := link.Evaluate(ctx, w.DB, tf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("linkage on testdata/demo-indep: %s", s)
	if s.Missing != 0 || int64(s.Rows) != tot.Read {
		t.Errorf("%d truth rows in the warehouse, %d missing; %d rows read", s.Rows, s.Missing, tot.Read)
	}
	if s.Precision < 0.9 || s.Recall < 0.8 {
		t.Errorf("linkage precision %.4f (want ≥ 0.9), recall %.4f (want ≥ 0.8)", s.Precision, s.Recall)
	}
}
