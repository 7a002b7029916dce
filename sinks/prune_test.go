package sinks

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestPruneExports(t *testing.T) {
	mk := func(dir, name string, manifest bool) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, name), 0o750); err != nil {
			t.Fatal(err)
		}
		if manifest {
			if err := os.WriteFile(filepath.Join(dir, name, "manifest.json"), []byte("{}"), 0o640); err != nil {
				t.Fatal(err)
			}
		}
	}
	runs := []string{"20261120T023000Z-aaaaaa", "20261121T023000Z-bbbbbb", "20261122T023000Z-cccccc", "20261123T023000Z-dddddd"}
	for _, tc := range []struct {
		name   string
		keep   int
		latest string
		want   []string // left, sorted
	}{
		{"keep two", 2, runs[3], []string{"20261122T023000Z-cccccc", "20261123T023000Z-dddddd", "latest.json", "notes.txt", "unfinished"}},
		{"latest is old", 1, runs[0], []string{"20261120T023000Z-aaaaaa", "20261123T023000Z-dddddd", "latest.json", "notes.txt", "unfinished"}},
		{"keep all", 0, runs[3], append(slices.Clone(runs), "latest.json", "notes.txt", "unfinished")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, r := range runs {
				mk(dir, r, true)
			}
			mk(dir, ".tmp-20261124T023000Z-eeeeee-123", false) // a killed export
			mk(dir, "unfinished", false)                       // not an export: left alone
			os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o640)
			os.WriteFile(filepath.Join(dir, "latest.json"), []byte(`{"run_id":"`+tc.latest+`","path":"`+tc.latest+`"}`), 0o640)
			if _, err := PruneExports(dir, tc.keep); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			var left []string
			for _, e := range ents {
				left = append(left, e.Name())
			}
			slices.Sort(left)
			if !slices.Equal(left, tc.want) {
				t.Errorf("left %v, want %v", left, tc.want)
			}
		})
	}
}
