package sinks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PruneExports removes all but the newest keep export directories under dir
// (run ids sort by time), never the one latest.json points at, and removes
// the temporary directories a killed export leaves behind. It must run under
// the run lock, when no export is being written. keep < 1 keeps everything.
// It returns what it removed.
func PruneExports(dir string, keep int) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing exports: %w", err)
	}
	latest := ""
	if b, err := os.ReadFile(filepath.Join(dir, "latest.json")); err == nil {
		var l Latest
		if json.Unmarshal(b, &l) == nil {
			latest = l.Path
		}
	}
	var runs, removed []string
	var errs []error
	for _, e := range ents {
		name := e.Name()
		switch {
		case !e.IsDir():
		case strings.HasPrefix(name, ".tmp-"):
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				errs = append(errs, err)
			} else {
				removed = append(removed, name)
			}
		case runIDPattern.MatchString(name):
			if _, err := os.Stat(filepath.Join(dir, name, "manifest.json")); err == nil {
				runs = append(runs, name)
			}
		}
	}
	if keep < 1 || len(runs) <= keep {
		return removed, errors.Join(errs...)
	}
	sort.Strings(runs)
	for _, name := range runs[:len(runs)-keep] {
		if name == latest {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			errs = append(errs, fmt.Errorf("removing old export %s: %w", name, err))
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}
