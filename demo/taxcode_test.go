package demo

import (
	"fmt"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

func TestTaxCode(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		name           string
		surname, given string
		female         bool
		birth          time.Time
		place          string
		want           string
	}{
		{"textbook example", "Rossi", "Mario", false, day(1980, 1, 1), "H501", "RSSMRA80A01H501U"},
		{"woman: day plus 40", "Rossi", "Maria", true, day(1975, 4, 3), "D150", "RSSMRA75D43D150"},
		{"four consonants in the given name", "Bianchi", "Gianluca", false, day(1966, 12, 31), "F205", "BNCGLC66T31F205"},
		{"short surname padded with X", "Hu", "Mei", true, day(1984, 6, 9), "Z210", "HUXMEI84H49Z210"},
		{"apostrophe and accent ignored", "D'Angelo", "Nicolò", false, day(1990, 2, 28), "D142", "DNGNCL90B28D142"},
		{"multi-word surname", "El Amrani", "Fatima", true, day(1979, 10, 15), "Z330", "LMRFTM79R55Z330"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := taxCode(tc.surname, tc.given, tc.female, tc.birth, tc.place)
			if got[:len(tc.want)] != tc.want {
				t.Errorf("taxCode = %s, want %s…", got, tc.want)
			}
			if s := taxCodeStatus(got); s != canon.TaxCodeValid {
				t.Errorf("taxCodeStatus(%s) = %s", got, s)
			}
		})
	}
}

func TestOmocode(t *testing.T) {
	base := "RSSMRA80A01H501U"
	for lvl := 1; lvl <= 7; lvl++ {
		got := omocode(base, lvl)
		if got == base || taxCodeStatus(got) != canon.TaxCodeValid {
			t.Errorf("omocode level %d = %s (%s)", lvl, got, taxCodeStatus(got))
		}
	}
	if got := omocode(base, 1); got != "RSSMRA80A01H50MU"[:15]+string(cfCheck("RSSMRA80A01H50M")) {
		t.Errorf("omocode level 1 = %s", got)
	}
}

func TestTaxCodeStatus(t *testing.T) {
	cases := []struct{ code, want string }{
		{"", canon.TaxCodeMissing},
		{"RSSMRA80A01H501U", canon.TaxCodeValid},
		{"RSSMRA80A01H501V", canon.TaxCodeBadCheck},
		{"RSSMRA80A01H501", canon.TaxCodeInvalid},
		{"RSSMRA80Z01H501U", canon.TaxCodeInvalid},
		{"1SSMRA80A01H501U", canon.TaxCodeInvalid},
		{"RSSMRA8XA01H501U", canon.TaxCodeInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			if got := taxCodeStatus(tc.code); got != tc.want {
				t.Errorf("taxCodeStatus(%q) = %s, want %s", tc.code, got, tc.want)
			}
		})
	}
}

func TestWrongCharBreaksCheck(t *testing.T) {
	r := newTestRand(3)
	for range 2000 {
		if got := wrongChar(r, "RSSMRA80A01H501U"); taxCodeStatus(got) == canon.TaxCodeValid {
			t.Fatalf("wrongChar gave a valid code %s", got)
		}
	}
}

func TestLoseAccents(t *testing.T) {
	cases := []struct {
		in         string
		apostrophe bool
		want       string
	}{
		{"Nicolò", true, "Nicolo'"},
		{"Nicolò", false, "Nicolo"},
		{"CANTÙ", true, "CANTU'"},
		{"Çela", true, "Cela"},
		{"José Luis", true, "Jose Luis"},
		{"Rossi", true, "Rossi"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := loseAccents(tc.in, tc.apostrophe); got != tc.want {
				t.Errorf("loseAccents(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseNoise(t *testing.T) {
	cases := []struct {
		in   string
		want Noise
		ok   bool
	}{
		{"normal", NoiseNormal, true}, {"", NoiseNormal, true}, {" Heavy ", NoiseHeavy, true}, {"loud", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseNoise(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ParseNoise(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

func FuzzTaxCodeStatus(f *testing.F) {
	for _, s := range []string{"", "RSSMRA80A01H501U", "RSSMRA80A01H50MU", "rssmra80a01h501u", "RSSMRA80A01H501", "ÀÀÀ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		switch s := taxCodeStatus(code); s {
		case canon.TaxCodeValid:
			if len(code) != 16 || cfCheck(code) != code[15] {
				t.Fatalf("%q valid with a wrong check letter", code)
			}
		case canon.TaxCodeBadCheck:
			if len(code) != 16 || cfCheck(code) == code[15] {
				t.Fatalf("%q bad_check with a right check letter", code)
			}
		case canon.TaxCodeMissing:
			if code != "" {
				t.Fatalf("%q missing", code)
			}
		case canon.TaxCodeInvalid:
		default:
			t.Fatalf("%q: status %q", code, s)
		}
	})
}

func FuzzParseNoise(f *testing.F) {
	for _, s := range []string{"normal", "heavy", "HEAVY", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNoise(s)
		if err == nil {
			if m, err := ParseNoise(n.String()); err != nil || m != n {
				t.Fatalf("ParseNoise(%q) = %v does not round-trip", s, n)
			}
		}
	})
}

func FuzzFoldName(f *testing.F) {
	for _, s := range []string{"D'Angelo", "Nicolò", "  el amrani ", "Ionuț", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := foldName(s)
		for i := 0; i < len(got); i++ {
			if got[i] < 'A' || got[i] > 'Z' {
				t.Fatalf("foldName(%q) = %q", s, got)
			}
		}
		if foldName(got) != got {
			t.Fatalf("foldName not idempotent on %q", s)
		}
	})
}

func ExampleParseNoise() {
	n, err := ParseNoise("heavy")
	fmt.Println(n, err)
	// Output: heavy <nil>
}

// TestTaxCodeAgreesWithCanon cross-checks this package's small implementation
// against canon's normaliser on generated people, omocodia included.
func TestTaxCodeAgreesWithCanon(t *testing.T) {
	pop := newPopulation(newTestRand(11))
	for i := range 3000 {
		p := pop.newPerson(&partners[i%len(partners)], i%3 != 0)
		sex := "M"
		if p.female {
			sex = "F"
		}
		want, err := canon.TaxCodeFor(p.surname, p.given, sex, p.birth, p.place.code)
		if err != nil {
			t.Fatalf("person %d: canon.TaxCodeFor: %v", i, err)
		}
		if got := taxCode(p.surname, p.given, p.female, p.birth, p.place.code); got != want {
			t.Fatalf("person %d: demo %s, canon %s", i, got, want)
		}
		if st := canon.ParseTaxCode(p.taxCode).Status; st != canon.TaxCodeValid {
			t.Fatalf("person %d: canon says %s for the assigned code", i, st)
		}
	}
}
