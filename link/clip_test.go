package link

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("ẋ", 20000) // 3 bytes a character
	for _, tc := range []struct {
		name, in string
		want     int // bytes kept
	}{
		{"short", "ROSSI", 5},
		{"exactly the bound", strings.Repeat("A", maxFuzzyBytes), maxFuzzyBytes},
		{"ascii over the bound", strings.Repeat("A", maxFuzzyBytes+1), maxFuzzyBytes},
		{"multi-byte over the bound", long, maxFuzzyBytes / 3 * 3},
		{"empty", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clip(tc.in)
			if len(got) != tc.want || !utf8.ValidString(got) || !strings.HasPrefix(tc.in, got) {
				t.Errorf("clip: %d bytes (valid %v), want %d", len(got), utf8.ValidString(got), tc.want)
			}
		})
	}
}

// Two hostile 60,000-byte cells that differ only past the bound: compared by
// their first maxFuzzyBytes bytes, they are one person's name typed twice
// (the metrics would otherwise need gigabytes).
func TestLongValuesCompareByTheirPrefix(t *testing.T) {
	long := strings.Repeat("ẋ", 20000)
	if !withinOneEdit(long+"A", long+"BC") {
		t.Error("withinOneEdit: long values equal on their prefix are not within one edit")
	}
	if s := jaroWinkler(long+"A", long+"B"); s != 1 {
		t.Errorf("jaroWinkler = %v, want 1", s)
	}
	if s := jaroWinkler("ROSSI", "ROSSO"); s <= 0.8 || s >= 1 {
		t.Errorf("jaroWinkler(ROSSI, ROSSO) = %v", s)
	}
}
