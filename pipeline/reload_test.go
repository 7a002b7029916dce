package pipeline

import (
	"context"
	"testing"

	"github.com/lombardia-orim/correlare/sinks"
)

// TestReloadAfterUpgrade: files loaded by an older ingest version are read
// again by the next run (and `--reload` forces it), with the same rows and
// the same person ids.
func TestReloadAfterUpgrade(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	ctx := context.Background()
	if res := Run(ctx, cfg, Options{}); res.Status != StatusSuccess {
		t.Fatalf("first run: %s", res.Summary())
	}
	w := openPublished(t, cfg)
	before := personIDs(t, w.DB)
	w.Close(ctx)

	// Pretend an older correlare loaded CR.
	rw, err := sinks.OpenWarehouse(ctx, cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.DB.Exec("UPDATE source_files SET ingest_version = ? WHERE province_code = 'CR'", IngestVersion-1); err != nil {
		t.Fatal(err)
	}
	rw.Close(ctx)

	for _, tc := range []struct {
		name   string
		reload bool
		want   map[string]string // province → file status
	}{
		{"upgrade", false, map[string]string{"CR": FileLoaded, "LO": FileUnchanged}},
		{"forced", true, map[string]string{"CR": FileLoaded, "LO": FileLoaded}},
		{"steady", false, map[string]string{"CR": FileUnchanged, "LO": FileUnchanged}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Run(ctx, cfg, Options{Reload: tc.reload})
			if res.Status != StatusSuccess {
				t.Fatalf("run: %s", res.Summary())
			}
			for _, f := range res.Files {
				if f.Status != tc.want[f.Province] {
					t.Errorf("%s %s: %s, want %s", f.Province, f.Name, f.Status, tc.want[f.Province])
				}
			}
			w := openPublished(t, cfg)
			after := personIDs(t, w.DB)
			if len(after) != len(before) {
				t.Fatalf("%d enrolments, want %d", len(after), len(before))
			}
			for id, p := range before {
				if after[id] != p {
					t.Fatalf("enrolment %s moved from person %s to %s", id, p, after[id])
				}
			}
			w.Close(ctx)
		})
	}
}
