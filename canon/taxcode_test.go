package canon

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// refNow is the reference "today" of the tests.
var refNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// sampleCodes are the valid codes of /work/shared/samples/expected.csv,
// with the person they belong to.
var sampleCodes = []struct {
	code, surname, given, sex string
	birth                     time.Time
	place                     string
}{
	{"RSSMRA75D43D150D", "ROSSI", "Maria", "F", date(1975, 4, 3), "D150"},
	{"DNGNCL80T01D150C", "D'ANGELO", "Nicolò", "M", date(1980, 12, 1), "D150"},
	{"DLCMGR69L55D142V", "De Luca", "Maria Grazia", "F", date(1969, 7, 15), "D142"},
	{"HXHLNE88B69Z100Q", "Hoxha", "Elona", "F", date(1988, 2, 29), "Z100"},
	{"SPSNNA91A49B898M", "ESPOSITO", "Anna", "F", date(1991, 1, 9), "B898"},
}

func TestCheckLetter(t *testing.T) {
	for _, s := range sampleCodes {
		t.Run(s.code, func(t *testing.T) {
			c, ok := CheckLetter(s.code[:15])
			if !ok || c != s.code[15] {
				t.Errorf("CheckLetter = %c, %v; want %c", c, ok, s.code[15])
			}
		})
	}
	for _, bad := range []string{"", "RSSMRA75D43D15", "rssmra75d43d150", "RSSMRA75D43D15$", "RSSMRA75D43D150D"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, ok := CheckLetter(bad); ok {
				t.Errorf("CheckLetter(%q) ok", bad)
			}
		})
	}
}

func TestParseTaxCode(t *testing.T) {
	omo1, _ := Omocode("RSSMRA75D43D150D", 1)
	omo7, _ := Omocode("DNGNCL80T01D150C", 7)
	tests := []struct {
		name, raw, code, status, sex string
		birth                        time.Time
		place                        string
		omocodia                     bool
	}{
		{"valid woman", "RSSMRA75D43D150D", "RSSMRA75D43D150D", TaxCodeValid, "F", date(1975, 4, 3), "D150", false},
		{"valid man", "DNGNCL80T01D150C", "DNGNCL80T01D150C", TaxCodeValid, "M", date(1980, 12, 1), "D150", false},
		{"leap day, foreign born", "HXHLNE88B69Z100Q", "HXHLNE88B69Z100Q", TaxCodeValid, "F", date(1988, 2, 29), "Z100", false},
		{"lower case and spaces", " rss mra 75d43 d150d ", "RSSMRA75D43D150D", TaxCodeValid, "F", date(1975, 4, 3), "D150", false},
		{"dots dashes nbsp", "SPS.NNA-91A49\u00a0B898M", "SPSNNA91A49B898M", TaxCodeValid, "F", date(1991, 1, 9), "B898", false},
		{"omocodia one letter", omo1, omo1, TaxCodeValid, "F", date(1975, 4, 3), "D150", true},
		{"omocodia all seven", omo7, omo7, TaxCodeValid, "M", date(1980, 12, 1), "D150", true},
		{"wrong check letter", "RSSMRA75D43D150A", "RSSMRA75D43D150A", TaxCodeBadCheck, "", time.Time{}, "", false},
		{"transposed digits", "RSSMRA57D43D150D", "RSSMRA57D43D150D", TaxCodeBadCheck, "", time.Time{}, "", false},
		{"empty", "", "", TaxCodeMissing, "", time.Time{}, "", false},
		{"blank", " \u00a0 ", "", TaxCodeMissing, "", time.Time{}, "", false},
		{"too short", "RSSMRA75D43D150", "RSSMRA75D43D150", TaxCodeInvalid, "", time.Time{}, "", false},
		{"too long", "RSSMRA75D43D150DD", "RSSMRA75D43D150DD", TaxCodeInvalid, "", time.Time{}, "", false},
		{"bad month letter", "RSSMRA75F43D150D", "RSSMRA75F43D150D", TaxCodeInvalid, "", time.Time{}, "", false},
		{"day 35", "RSSMRA75D35D150D", "RSSMRA75D35D150D", TaxCodeInvalid, "", time.Time{}, "", false},
		{"30 february", "RSSMRA75B70D150D", "RSSMRA75B70D150D", TaxCodeInvalid, "", time.Time{}, "", false},
		{"company number", "01234567890", "01234567890", TaxCodeInvalid, "", time.Time{}, "", false},
		{"digit in surname letters", "R5SMRA75D43D150D", "R5SMRA75D43D150D", TaxCodeInvalid, "", time.Time{}, "", false},
		{"accented letter", "RSSMRÀ75D43D150D", "RSSMRÀ75D43D150D", TaxCodeInvalid, "", time.Time{}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseTaxCodeAt(tc.raw, refNow)
			want := TaxCode{Code: tc.code, Status: tc.status, Sex: tc.sex, BirthDate: tc.birth, PlaceCode: tc.place, Omocodia: tc.omocodia}
			if got != want {
				t.Errorf("ParseTaxCodeAt(%q) =\n %+v\nwant\n %+v", tc.raw, got, want)
			}
			switch tc.status {
			case TaxCodeValid, TaxCodeMissing:
				if got.Err() != nil {
					t.Errorf("Err() = %v", got.Err())
				}
			case TaxCodeBadCheck:
				if !errors.Is(got.Err(), ErrTaxCodeCheck) {
					t.Errorf("Err() = %v, want ErrTaxCodeCheck", got.Err())
				}
			case TaxCodeInvalid:
				if !errors.Is(got.Err(), ErrBadTaxCode) {
					t.Errorf("Err() = %v, want ErrBadTaxCode", got.Err())
				}
			}
		})
	}
}

func TestParseTaxCodeCentury(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		now   time.Time
	}{
		{"born this century", date(2001, 3, 4), refNow},
		{"born last year", date(2025, 3, 4), refNow},
		{"born 1930: '30' is not 2030", date(1930, 5, 1), refNow},
		{"born 99 years ago", date(1926, 12, 1), refNow},
		{"born 29/02/2000", date(2000, 2, 29), refNow},
		{"seen from 1990", date(1925, 6, 1), date(1990, 1, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, err := TaxCodeFor("Rossi", "Maria", "F", tc.birth, "D150")
			if err != nil {
				t.Fatal(err)
			}
			got := ParseTaxCodeAt(code, tc.now)
			if got.Status != TaxCodeValid || !got.BirthDate.Equal(tc.birth) {
				t.Errorf("ParseTaxCodeAt(%s) = %+v, want birth %s", code, got, tc.birth.Format(time.DateOnly))
			}
		})
	}
}

func TestDeOmocode(t *testing.T) {
	for _, s := range sampleCodes {
		t.Run(s.code, func(t *testing.T) {
			if got := DeOmocode(s.code); got != s.code {
				t.Errorf("DeOmocode of a plain code = %s", got)
			}
			if got := DeOmocode(" " + lower(s.code)); got != s.code {
				t.Errorf("DeOmocode(lower) = %s", got)
			}
			for n := 1; n <= 7; n++ {
				o, err := Omocode(s.code, n)
				if err != nil {
					t.Fatal(err)
				}
				if o == s.code {
					t.Fatalf("Omocode(%d) changed nothing", n)
				}
				if got := DeOmocode(o); got != s.code {
					t.Errorf("DeOmocode(%s) = %s, want %s", o, got, s.code)
				}
				if tc := ParseTaxCodeAt(o, refNow); tc.Status != TaxCodeValid || !tc.Omocodia || !tc.BirthDate.Equal(s.birth) || tc.PlaceCode != s.place {
					t.Errorf("omocodia code %s parsed as %+v", o, tc)
				}
			}
		})
	}
	if got := DeOmocode("not a code"); got != "NOTACODE" {
		t.Errorf("DeOmocode(invalid) = %q", got)
	}
	if _, err := Omocode("RSSMRA75D43D150D", 8); !errors.Is(err, ErrBadTaxCode) {
		t.Errorf("Omocode(8) err = %v", err)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestTaxCodeFor(t *testing.T) {
	for _, s := range sampleCodes {
		t.Run(s.code, func(t *testing.T) {
			got, err := TaxCodeFor(s.surname, s.given, s.sex, s.birth, s.place)
			if err != nil || got != s.code {
				t.Errorf("TaxCodeFor = %q, %v; want %s", got, err, s.code)
			}
		})
	}
	short := []struct{ name, surname, given, want string }{
		{"short surname padded with X", "Fo", "Dario", "FOXDRA"},
		{"vowel-only given name", "Rossi", "Ua", "RSSUAX"},
		{"given name with four consonants", "Bianchi", "Gianfranco", "BNCGFR"},
		{"apostrophe and accent", "Dell'Acqua", "Nicolò", "DLLNCL"},
	}
	for _, tc := range short {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TaxCodeFor(tc.surname, tc.given, "M", date(1970, 1, 1), "F205")
			if err != nil {
				t.Fatal(err)
			}
			if got[:6] != tc.want {
				t.Errorf("letters = %s, want %s", got[:6], tc.want)
			}
			if ParseTaxCodeAt(got, refNow).Status != TaxCodeValid {
				t.Errorf("%s is not valid", got)
			}
		})
	}
	bad := []struct {
		name, sex, place string
		birth            time.Time
		want             error
	}{
		{"bad sex", "X", "D150", date(1970, 1, 1), ErrBadSex},
		{"bad place", "F", "D15", date(1970, 1, 1), ErrBadTaxCode},
		{"place without letter", "F", "1500", date(1970, 1, 1), ErrBadTaxCode},
		{"no birth date", "F", "D150", time.Time{}, ErrEmpty},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := TaxCodeFor("Rossi", "Maria", tc.sex, tc.birth, tc.place); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func ExampleParseTaxCode() {
	tc := ParseTaxCodeAt("rss mra 75d43 d150d", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(tc.Code, tc.Status, tc.Sex, tc.BirthDate.Format("2006-01-02"), tc.PlaceCode)

	omo := ParseTaxCode("RSSMRA75D43D15LG")
	fmt.Println(omo.Status, omo.Omocodia, DeOmocode(omo.Code))

	fmt.Println(ParseTaxCode("RSSMRA75D43D150A").Status)
	// Output:
	// RSSMRA75D43D150D valid F 1975-04-03 D150
	// valid true RSSMRA75D43D150D
	// bad_check
}

func FuzzParseTaxCode(f *testing.F) {
	for _, s := range sampleCodes {
		f.Add(s.code)
	}
	for _, s := range []string{"", "RSSMRA75D43D15LG", "rss mra 75d43 d150d", "RSSMRA75D43D150A", "01234567890", "RSSMRA75B70D150D", "ÀÀÀ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tc := ParseTaxCodeAt(raw, refNow)
		switch tc.Status {
		case TaxCodeMissing:
			if tc.Code != "" {
				t.Fatalf("missing with code %q", tc.Code)
			}
		case TaxCodeValid:
			if len(tc.Code) != 16 {
				t.Fatalf("valid code of length %d", len(tc.Code))
			}
			if c, ok := CheckLetter(tc.Code[:15]); !ok || c != tc.Code[15] {
				t.Fatalf("valid code %q whose check letter does not recompute", tc.Code)
			}
			if tc.Sex != "F" && tc.Sex != "M" || tc.BirthDate.IsZero() || tc.BirthDate.After(refNow) ||
				tc.BirthDate.Before(refNow.AddDate(-101, 0, 0)) || len(tc.PlaceCode) != 4 {
				t.Fatalf("valid code %q with %+v", tc.Code, tc)
			}
			plain := ParseTaxCodeAt(DeOmocode(tc.Code), refNow)
			if plain.Status != TaxCodeValid || plain.Omocodia || plain.Sex != tc.Sex || !plain.BirthDate.Equal(tc.BirthDate) || plain.PlaceCode != tc.PlaceCode {
				t.Fatalf("DeOmocode(%q) parses as %+v", tc.Code, plain)
			}
		case TaxCodeBadCheck:
			if c, ok := CheckLetter(tc.Code[:15]); !ok || c == tc.Code[15] {
				t.Fatalf("bad_check code %q whose check letter is right", tc.Code)
			}
		case TaxCodeInvalid:
		default:
			t.Fatalf("status %q", tc.Status)
		}
	})
}

// TestDaysValid: daysValid is validDate, over every month and day of four
// centuries.
func TestDaysValid(t *testing.T) {
	for y := 1800; y <= 2200; y++ {
		for m := -1; m <= 14; m++ {
			for d := -1; d <= 33; d++ {
				if g, w := daysValid(y, m, d), validDate(y, m, d); g != w {
					t.Fatalf("daysValid(%d, %d, %d) = %v, want %v", y, m, d, g, w)
				}
			}
		}
	}
}

// refTaxCodeBirth is taxCodeBirth as it was, with time.Date.
func refTaxCodeBirth(yy, month, day int, now time.Time) (time.Time, bool) {
	ny, nm, nd := now.Date()
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	year := ny/100*100 + yy
	for year > ny || !validDate(year, month, day) || date(year, month, day).After(today) {
		year -= 100
		if year < ny-100 {
			return time.Time{}, false
		}
	}
	return date(year, month, day), true
}

// TestTaxCodeBirthMatchesReference: every two-digit year, month and day
// on days around the turn of a year, a month end and a leap day.
func TestTaxCodeBirthMatchesReference(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		rome = time.FixedZone("CET", 3600)
	}
	nows := []time.Time{
		time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 1, 1, 0, 30, 0, 0, rome), time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(1999, 6, 30, 12, 0, 0, 0, rome),
	}
	for _, now := range nows {
		for yy := 0; yy < 100; yy++ {
			for m := 0; m <= 13; m++ {
				for d := 0; d <= 32; d++ {
					g, gok := taxCodeBirth(yy, m, d, now)
					w, wok := refTaxCodeBirth(yy, m, d, now)
					if gok != wok || !g.Equal(w) {
						t.Fatalf("taxCodeBirth(%d, %d, %d, %v) = %v %v, want %v %v", yy, m, d, now, g, gok, w, wok)
					}
				}
			}
		}
	}
}
