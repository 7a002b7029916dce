package canon

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSex(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"F", "F"}, {"f", "F"}, {"F.", "F"}, {" Femmina ", "F"}, {"DONNA", "F"}, {"female", "F"},
		{"M", "M"}, {"m.", "M"}, {"Maschio", "M"}, {"uomo", "M"}, {"Male", "M"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			if got, err := ParseSex(tc.raw); err != nil || got != tc.want {
				t.Errorf("ParseSex(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
	for _, raw := range []string{"X", "FM", "altro", "1"} {
		if _, err := ParseSex(raw); !errors.Is(err, ErrBadSex) {
			t.Errorf("ParseSex(%q) err = %v, want ErrBadSex", raw, err)
		}
	}
	if _, err := ParseSex(" . "); !errors.Is(err, ErrBadSex) {
		t.Errorf("ParseSex(.) err = %v", err)
	}
	if _, err := ParseSex(" \t"); !errors.Is(err, ErrEmpty) {
		t.Errorf("ParseSex(blank) err = %v", err)
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"ammesso", StatusAccepted}, {"Ammessa", StatusAccepted}, {"AMMESSO/A", StatusAccepted},
		{"accettata", StatusAccepted}, {"sì", StatusAccepted}, {"SI", StatusAccepted}, {"ok", StatusAccepted},
		{"x", StatusAccepted}, {"X", StatusAccepted}, {"iscritta", StatusAccepted}, {"frequentante", StatusAccepted},
		{"✓", StatusAccepted}, {"Ammessa con riserva", StatusAccepted},
		{"non ammesso", StatusNotAccepted}, {"NON AMMESSA", StatusNotAccepted}, {"non accettato", StatusNotAccepted},
		{"Non-ammessa", StatusNotAccepted}, {"respinta", StatusNotAccepted}, {"diniegata", StatusNotAccepted},
		{"esclusa", StatusNotAccepted}, {"no", StatusNotAccepted}, {"NO", StatusNotAccepted},
		{"ritirato", StatusWithdrawn}, {"Ritirata", StatusWithdrawn}, {"rinuncia", StatusWithdrawn},
		{"rinunciataria", StatusWithdrawn}, {"ritiro", StatusWithdrawn}, {"ammessa - ritirata", StatusWithdrawn},
		{"Sì, poi rinuncia", StatusWithdrawn},
		// Abbreviations, with and without dots, any case.
		{"amm.", StatusAccepted}, {"AMM", StatusAccepted}, {"Amm", StatusAccepted}, {"acc.", StatusAccepted},
		{"accett.", StatusAccepted}, {"ammessi", StatusAccepted}, {"Ammesso/a", StatusAccepted},
		{"non amm.", StatusNotAccepted}, {"NON AMM", StatusNotAccepted}, {"non ammess.", StatusNotAccepted},
		{"Non ammessa/o", StatusNotAccepted}, {"escl.", StatusNotAccepted}, {"ESCL", StatusNotAccepted},
		{"esclusi", StatusNotAccepted}, {"resp.", StatusNotAccepted}, {"respinte", StatusNotAccepted},
		{"diniego", StatusNotAccepted}, {"non accettata", StatusNotAccepted}, {"Non acc.", StatusNotAccepted},
		{"rit.", StatusWithdrawn}, {"RIT", StatusWithdrawn}, {"rin.", StatusWithdrawn}, {"Rinunciatario", StatusWithdrawn},
		{"ritirati", StatusWithdrawn}, {"ritirato prima dell'inizio", StatusWithdrawn},
		{"Ritirata prima dell’inizio del corso", StatusWithdrawn}, {"amm. - rit.", StatusWithdrawn},
		// Yes/no columns ("Ammesso/a?").
		{"S", StatusAccepted}, {"s", StatusAccepted}, {"SÌ", StatusAccepted}, {"N", StatusNotAccepted},
		{"n", StatusNotAccepted}, {"1", StatusAccepted}, {"0", StatusNotAccepted}, {"1.0", StatusAccepted},
		{"VERO", StatusAccepted}, {"falso", StatusNotAccepted}, {"TRUE", StatusAccepted}, {"FALSE", StatusNotAccepted},
		{"✔", StatusAccepted}, {" ✓ ", StatusAccepted}, {"✗", StatusNotAccepted},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			if got, err := ParseStatus(tc.raw); err != nil || got != tc.want {
				t.Errorf("ParseStatus(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
	for _, raw := range []string{"forse", "non", "non so", "ammessissimo", "-", "in attesa", "sino", "PEND.",
		"non sì", "non x", "non 1", "2", "ritardo", "rinvio", "respingere", "ammissione in corso", "non ritirato"} {
		t.Run("bad "+raw, func(t *testing.T) {
			if got, err := ParseStatus(raw); !errors.Is(err, ErrBadStatus) {
				t.Errorf("ParseStatus(%q) = %q, %v; want ErrBadStatus", raw, got, err)
			}
		})
	}
	if _, err := ParseStatus("  "); !errors.Is(err, ErrEmpty) {
		t.Errorf("ParseStatus(blank) err = %v", err)
	}
}

// FuzzParseStatus: any text gives a canonical status or an error wrapping
// ErrEmpty or ErrBadStatus, never not_indicated, never a panic; "non"
// before an accepted word never reads as accepted.
func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{"amm.", "non amm.", "Ammesso/a", "rit.", "RINUNCIA", "S", "N", "✓", "1", "0", "",
		"ritirato prima dell'inizio", "non ammess", "Sì, poi rinuncia", "PEND.", "\u00a0", "non", "n.d."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		st, err := ParseStatus(raw)
		if err != nil {
			if st != "" || !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrBadStatus) {
				t.Fatalf("ParseStatus(%q) = %q, %v", raw, st, err)
			}
			if strings.Contains(err.Error(), raw) && CleanText(raw) != "" && len(raw) > 3 {
				t.Fatalf("error %q repeats the value", err)
			}
			return
		}
		switch st {
		case StatusAccepted, StatusNotAccepted, StatusWithdrawn:
		default:
			t.Fatalf("ParseStatus(%q) = %q", raw, st)
		}
		ws := foldedWords(CleanText(raw))
		if len(ws) > 1 && ws[0] == "NON" && st == StatusAccepted {
			t.Fatalf("ParseStatus(%q) = accepted", raw)
		}
		if again, err := ParseStatus(strings.ToUpper(raw)); err != nil || again != st {
			t.Fatalf("ParseStatus(upper %q) = %q, %v; want %q", raw, again, err, st)
		}
	})
}

func TestParseEmail(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"maria.rossi@comune.cremona.it", "maria.rossi@comune.cremona.it"},
		{"  Maria.Rossi@Comune.Cremona.IT ", "maria.rossi@comune.cremona.it"},
		{"mailto:m.rossi@asl.it", "m.rossi@asl.it"},
		{"MAILTO: m.rossi@asl.it", "m.rossi@asl.it"},
		{"<m.rossi@asl.it>", "m.rossi@asl.it"},
		{"m+corsi@asl.it", "m+corsi@asl.it"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			if got, err := ParseEmail(tc.raw); err != nil || got != tc.want {
				t.Errorf("ParseEmail(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
	for _, raw := range []string{"maria.rossi", "maria@", "@asl.it", "maria rossi@asl.it", "maria@asl", "a@b.it; c@d.it",
		"Maria <m@asl.it>", "maria@@asl.it", "maria@asl..it", "maria@.asl.it"} {
		t.Run("bad "+raw, func(t *testing.T) {
			if got, err := ParseEmail(raw); !errors.Is(err, ErrBadEmail) {
				t.Errorf("ParseEmail(%q) = %q, %v; want ErrBadEmail", raw, got, err)
			}
		})
	}
	if _, err := ParseEmail("mailto:"); !errors.Is(err, ErrEmpty) {
		t.Errorf("ParseEmail(mailto:) err = %v", err)
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"333 1234567", "+393331234567"},
		{"333-123.45.67", "+393331234567"},
		{"0372 / 123456", "+390372123456"},
		{"(0372) 123456", "+390372123456"},
		{"+39 333 1234567", "+393331234567"},
		{"0039 333 1234567", "+393331234567"},
		{"393331234567", "+393331234567"},
		{"3331234567.0", "+393331234567"},
		{"+41 44 668 18 00", "+41446681800"},
		{"0044 20 7946 0958", "+442079460958"},
		{"037212", "+39037212"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			if got, err := ParsePhone(tc.raw, "+39"); err != nil || got != tc.want {
				t.Errorf("ParsePhone(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
	for _, raw := range []string{"12345", "333 12345678901", "+39 12345", "333 123 4567 int. 2", "tel. 333", "+44 123", "33+31234567", "++39333"} {
		t.Run("bad "+raw, func(t *testing.T) {
			if got, err := ParsePhone(raw, "+39"); !errors.Is(err, ErrBadPhone) {
				t.Errorf("ParsePhone(%q) = %q, %v; want ErrBadPhone", raw, got, err)
			}
		})
	}
	if _, err := ParsePhone(" - ", "+39"); !errors.Is(err, ErrEmpty) {
		t.Errorf("ParsePhone(blank) err = %v", err)
	}
	if _, err := ParsePhone("3331234567", "39"); !errors.Is(err, ErrBadPhone) {
		t.Errorf("ParsePhone with bad default country code: err = %v", err)
	}
	if got, err := ParsePhone("3331234567", ""); err != nil || got != "+393331234567" {
		t.Errorf("ParsePhone default +39 = %q, %v", got, err)
	}
}

func TestParseAxis(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"I", "I"}, {"ii", "II"}, {"III", "III"}, {"IV", "IV"}, {"V", "V"},
		{"1", "I"}, {"4", "IV"}, {"4.0", "IV"}, {"Asse IV", "IV"}, {"asse 4", "IV"}, {"ASSE V.", "V"},
		{"IV - Accesso ai servizi", "IV"}, {"Asse II: Lavoro", "II"},
		{"Accesso ai servizi essenziali", "IV"}, {"accesso ai servizi", "IV"}, {"Lavoro", "II"},
		{"Educazione e apprendimento: dalla lingua ai valori", "I"}, {"Minori e seconde generazioni", "V"},
		{"Alloggio", "III"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			if got, err := ParseAxis(tc.raw); err != nil || got != tc.want {
				t.Errorf("ParseAxis(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
	for _, raw := range []string{"VI", "6", "0", "Asse", "Sanità", "Acc"} {
		t.Run("bad "+raw, func(t *testing.T) {
			if got, err := ParseAxis(raw); !errors.Is(err, ErrBadAxis) {
				t.Errorf("ParseAxis(%q) = %q, %v; want ErrBadAxis", raw, got, err)
			}
		})
	}
	if _, err := ParseAxis(" - "); !errors.Is(err, ErrBadAxis) {
		t.Errorf("ParseAxis(-) err = %v", err)
	}
	if _, err := ParseAxis(" \u00a0"); !errors.Is(err, ErrEmpty) {
		t.Errorf("ParseAxis(blank) err = %v", err)
	}
}
