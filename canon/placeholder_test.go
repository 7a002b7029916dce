package canon

import "testing"

func TestIsPlaceholder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", false},
		{"   ", false},
		{"-", true},
		{" -- ", true},
		{"—", true},
		{"/", true},
		{"*", true},
		{"._.", true},
		{"\u200B-", true}, // invisible character before the dash
		{"\t/ ", true},
		{"n.d.", true},
		{"N.D.", true},
		{" nd ", true},
		{"n/a", true},
		{"N/A", true},
		{"n.a.", true},
		{"n", false},
		{"nome", false},
		{"Neri", false},
		{"x", false},
		{"0", false},
		{"-1", false},
		{"12", false},
		{"Rossi", false},
		{" Rossi", false},
		{"\u00A0-", true}, // no-break space before the dash
		{"È", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := isPlaceholder(tc.in); got != tc.want {
				t.Errorf("isPlaceholder(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func BenchmarkIsPlaceholder(b *testing.B) {
	cells := []string{"Rossi", "Maria", "RSSMRA80A41D150X", "F", "29062", "Azienda Ospedaliera", "-", "n.d.", "12,5"}
	for b.Loop() {
		for _, c := range cells {
			isPlaceholder(c)
		}
	}
}
