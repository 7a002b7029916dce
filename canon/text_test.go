package canon

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"D'Angelo", "DANGELO"},
		{"D’Angelo", "DANGELO"},
		{"Nicolò", "NICOLO"},
		{"De Luca", "DELUCA"},
		{"  de   luca ", "DELUCA"},
		{"Nicolo\u0300", "NICOLO"}, // decomposed accent
		{"Müller-Lüdenscheidt", "MULLERLUDENSCHEIDT"},
		{"Straße", "STRASSE"},
		{"Łukasz Øster", "LUKASZOSTER"},
		{"Çağlar Şahin", "CAGLARSAHIN"},
		{"Nguyễn", "NGUYEN"},
		{"Иванов", "ИВАНОВ"},
		{"ASL 3", "ASL3"},
		{"ROSSI", "ROSSI"},
		{"", ""},
		{"'-.,", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"already clean", "Comune di Cremona", "Comune di Cremona"},
		{"trim", "  Rossi ", "Rossi"},
		{"collapse", "De   Luca", "De Luca"},
		{"nbsp and tabs", "De\u00a0\tLuca\u202f", "De Luca"},
		{"line breaks", "Salute e\r\nimmigrazione", "Salute e immigrazione"},
		{"zero-width and bom", "\ufeffRo\u200bssi", "Rossi"},
		{"control characters", "Ros\x00si", "Rossi"},
		{"only spaces", " \u00a0 ", ""},
		{"empty", "", ""},
		{"accents kept", "Nicolò", "Nicolò"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanText(tc.in); got != tc.want {
				t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct{ surname, given, want string }{
		{"D'ANGELO", "NICOLÒ", "D'Angelo Nicolò"},
		{"d’angelo", "nicolò", "D'Angelo Nicolò"},
		{"DE LUCA", "maria grazia", "De Luca Maria Grazia"},
		{"rossi-bianchi", "Anna", "Rossi-Bianchi Anna"},
		{" ROSSI ", "", "Rossi"},
		{"", "Maria", "Maria"},
		{"", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.surname+"/"+tc.given, func(t *testing.T) {
			if got := DisplayName(tc.surname, tc.given); got != tc.want {
				t.Errorf("DisplayName(%q, %q) = %q, want %q", tc.surname, tc.given, got, tc.want)
			}
		})
	}
}

func TestSplitFullName(t *testing.T) {
	tests := []struct {
		in, surname, given string
		guessed, ok        bool
	}{
		{"ROSSI Maria", "ROSSI", "Maria", false, true},
		{"Rossi, Maria", "Rossi", "Maria", false, true},
		{"ROSSI,MARIA", "ROSSI", "MARIA", false, true},
		{"DE LUCA Maria Grazia", "DE LUCA", "Maria Grazia", false, true},
		{"D'ANGELO Nicolò", "D'ANGELO", "Nicolò", false, true},
		{"Maria ROSSI", "ROSSI", "Maria", false, true},
		{"Maria Grazia DE LUCA", "DE LUCA", "Maria Grazia", false, true},
		{"Maria De LUCA", "De LUCA", "Maria", false, true},
		{"Di PIETRO Anna", "Di PIETRO", "Anna", false, true},
		{"  ROSSI \u00a0 Maria ", "ROSSI", "Maria", false, true},
		{"ROSSI - Maria", "ROSSI", "Maria", false, true},
		{"Rossi Maria", "Rossi", "Maria", true, true},
		{"ROSSI MARIA", "ROSSI", "MARIA", true, true},
		{"rossi maria", "rossi", "maria", true, true},
		{"De Luca Maria Grazia", "De Luca", "Maria Grazia", true, true},
		{"della valle anna", "della valle", "anna", true, true},
		{"De La Cruz Ana", "De La Cruz", "Ana", true, true},
		{"Li Wei", "Li", "Wei", true, true},
		{"ROSSI M.", "ROSSI", "M.", true, true},
		{"Maria ROSSI Bianchi", "Maria", "ROSSI Bianchi", true, true},
		{"Rossi,", "", "", false, false},
		{"ROSSI", "", "", false, false},
		{"", "", "", false, false},
		{"- -", "", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			s, g, guessed, ok := SplitFullName(tc.in)
			if s != tc.surname || g != tc.given || guessed != tc.guessed || ok != tc.ok {
				t.Errorf("SplitFullName(%q) = %q, %q, %v, %v; want %q, %q, %v, %v",
					tc.in, s, g, guessed, ok, tc.surname, tc.given, tc.guessed, tc.ok)
			}
		})
	}
}

func FuzzSplitFullName(f *testing.F) {
	for _, s := range []string{"ROSSI Maria", "Rossi, Maria", "DE LUCA Maria Grazia", "Maria ROSSI",
		"De Luca Maria", "ROSSI", ",", "a,b,c", "Di", "Ñ ñ", "\u00a0x\u200by"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, g, _, ok := SplitFullName(in)
		if !ok {
			if s != "" || g != "" {
				t.Fatalf("not ok but %q, %q", s, g)
			}
			return
		}
		if s == "" || g == "" {
			t.Fatalf("ok with an empty part: %q, %q", s, g)
		}
		if CleanText(s) != s || CleanText(g) != g {
			t.Fatalf("parts not clean: %q, %q", s, g)
		}
		if utf8.ValidString(in) && !strings.Contains(in, ",") {
			// Without a comma, the parts are words of the input.
			words := strings.Fields(CleanText(in))
			for _, w := range strings.Fields(s + " " + g) {
				found := false
				for _, x := range words {
					if x == w {
						found = true
						break
					}
				}
				if !found {
					t.Fatalf("word %q not in %q", w, in)
				}
			}
		}
		_ = DisplayName(s, g)
		if f := Fold(s); Fold(f) != f {
			t.Fatalf("Fold not idempotent on %q", s)
		}
	})
}
