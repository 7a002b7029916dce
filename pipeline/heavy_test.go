package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDemoHeavyEndToEnd runs the whole job on testdata/demo-heavy, the nine
// provinces generated with another seed and heavier typos, and scores the
// linkage against its ground truth with the same bar as the normal demo
// (precision ≥ 0.995, recall ≥ 0.98). The model is not tuned to this set.
func TestDemoHeavyEndToEnd(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	srcs := map[string]string{}
	for _, p := range demoProvinces {
		srcs[p.code] = filepath.Join(repoDir(t), "testdata", "demo-heavy", p.code, "*")
	}
	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	res := Run(context.Background(), cfg, Options{})
	if res.Status != StatusSuccess || res.Err != nil {
		t.Fatalf("run: %s", res.Summary())
	}
	t.Log(res.Summary())
	db := openPublished(t, cfg).DB

	if got := queryInt(t, db, "SELECT count(DISTINCT province_code) FROM enrolments"); got != 9 {
		t.Errorf("%d provinces loaded, want 9", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE person_id IS NULL"); got != 0 {
		t.Errorf("%d enrolments without person_id", got)
	}
	// Cremona's participations are still 314; under heavy noise its persons
	// may differ from 246 by the few pairs the typos make unrecoverable.
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code='CR' AND status='accepted'"); got != 314 {
		t.Errorf("CR participations = %d, want 314", got)
	}
	crPersons := queryInt(t, db, "SELECT count(DISTINCT person_id) FROM enrolments WHERE province_code='CR' AND status='accepted'")
	if crPersons < 241 || crPersons > 251 {
		t.Errorf("CR persons among participations = %d, want 246 ± 5", crPersons)
	}
	t.Logf("CR persons among participations: %d (246 true)", crPersons)

	tf, err := os.Open(filepath.Join(repoDir(t), "testdata", "demo-heavy", "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	checkLinkage(t, db, tf)
}
