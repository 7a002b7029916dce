package canon

import (
	"errors"
	"math"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		raw  string
		want float64
		err  error
	}{
		{"12", 12, nil},
		{"12,5", 12.5, nil},
		{"12.5", 12.5, nil},
		{"-3", -3, nil},
		{"+3", 3, nil},
		{",5", 0.5, nil},
		{"1.234,5", 1234.5, nil},
		{"1,234.5", 1234.5, nil},
		{"1.234.567", 1234567, nil},
		{"1 234,5", 1234.5, nil},
		{"1'234", 1234, nil},
		{"1.5E+3", 1500, nil},
		{"12.499999999999998", 12.499999999999998, nil},
		{" 7 ", 7, nil},
		{"1.23.4", 0, ErrBadNumber},
		{"1,2,3", 0, ErrBadNumber},
		{"12,", 0, ErrBadNumber},
		{"1.234,5,6", 0, ErrBadNumber},
		{"abc", 0, ErrBadNumber},
		{"NaN", 0, ErrBadNumber},
		{"inf", 0, ErrBadNumber},
		{"-", 0, ErrBadNumber},
		{"", 0, ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ParseDecimal(tc.raw)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("ParseDecimal(%q) = %v, %v; want error %v", tc.raw, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseDecimal(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		raw  string
		want float64
		err  error
	}{
		{"12", 12, nil},
		{"12,5", 12.5, nil},
		{"12.5", 12.5, nil},
		{"12h", 12, nil},
		{"12 h", 12, nil},
		{"12 h.", 12, nil},
		{"12 ore", 12, nil},
		{"12 Ore", 12, nil},
		{"1 ora", 1, nil},
		{"12:30", 12.5, nil},
		{"12:30:00", 12.5, nil},
		{"12h30", 12.5, nil},
		{"12h 30'", 12.5, nil},
		{"12 h 30 min", 12.5, nil},
		{"12 ore e 30 minuti", 12.5, nil},
		{"0", 0, nil},
		{"16.0", 16, nil},
		{"-2", -2, ErrOutOfRange},
		{"12:75", 0, ErrOutOfRange},
		{"12:", 0, ErrBadNumber},
		{"12,5h30", 0, ErrBadNumber},
		{"12 giorni", 0, ErrBadNumber},
		{"dodici", 0, ErrBadNumber},
		{"12 ore e", 0, ErrBadNumber},
		{"12:3:4", 0, ErrBadNumber},
		{"", 0, ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ParseHours(tc.raw)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("ParseHours(%q) = %v, %v; want error %v", tc.raw, got, err, tc.err)
				}
				if errors.Is(err, ErrOutOfRange) && tc.want != 0 && got != tc.want {
					t.Errorf("ParseHours(%q) = %v with out-of-range, want %v", tc.raw, got, tc.want)
				}
				return
			}
			if err != nil || math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("ParseHours(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestParseSatisfaction(t *testing.T) {
	tests := []struct {
		raw  string
		want float64
		err  error
	}{
		{"1", 1, nil},
		{"5", 5, nil},
		{"4", 4, nil},
		{"4,5", 4.5, nil},
		{"4.5", 4.5, nil},
		{"4/5", 4, nil},
		{"4 / 5", 4, nil},
		{"4 su 5", 4, nil},
		{"Ottimo", 5, nil},
		{"ottima", 5, nil},
		{"BUONO", 4, nil},
		{"discreto", 3, nil},
		{"sufficiente", 3, nil},
		{"scarso", 2, nil},
		{"insufficiente", 1, nil},
		{"pessimo", 1, nil},
		{"0", 0, ErrOutOfRange},
		{"6", 6, ErrOutOfRange},
		{"7/5", 7, ErrOutOfRange},
		{"8/10", 0, ErrBadNumber},
		{"bello", 0, ErrBadNumber},
		{"", 0, ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ParseSatisfaction(tc.raw)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("ParseSatisfaction(%q) = %v, %v; want error %v", tc.raw, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseSatisfaction(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		raw  string
		want int32
		err  error
	}{
		{"4", 4, nil},
		{"4.0", 4, nil},
		{"0", 0, nil},
		{"4 incontri", 4, nil},
		{"4 Sessioni", 4, nil},
		{"4,5", 0, ErrBadNumber},
		{"4 mele", 0, ErrBadNumber},
		{"-1", 0, ErrOutOfRange},
		{"3000000000", 0, ErrOutOfRange},
		{"", 0, ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ParseCount(tc.raw)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("ParseCount(%q) = %v, %v; want error %v", tc.raw, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseCount(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"12", "12,5", "12.5", "12h", "12 ore", "12:30", "12h30", "12 h 30 min", "-2", "1.234,5", "1e308", "12:30:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := ParseHours(raw)
		if math.IsNaN(h) || math.IsInf(h, 0) {
			t.Fatalf("%q: %v", raw, h)
		}
		switch {
		case err == nil:
			if h < 0 {
				t.Fatalf("%q: negative %v without error", raw, h)
			}
		case errors.Is(err, ErrOutOfRange), errors.Is(err, ErrBadNumber), errors.Is(err, ErrEmpty):
		default:
			t.Fatalf("%q: error %v wraps no sentinel", raw, err)
		}
	})
}

func FuzzParseSatisfaction(f *testing.F) {
	for _, s := range []string{"4", "4,5", "4/5", "4 su 5", "ottimo", "0", "6", "8/10", "/", " su "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := ParseSatisfaction(raw)
		switch {
		case err == nil:
			if v < 1 || v > 5 || math.IsNaN(v) {
				t.Fatalf("%q: %v accepted", raw, v)
			}
		case errors.Is(err, ErrOutOfRange):
			if v >= 1 && v <= 5 {
				t.Fatalf("%q: %v out of range?", raw, v)
			}
		case errors.Is(err, ErrBadNumber), errors.Is(err, ErrEmpty):
		default:
			t.Fatalf("%q: error %v wraps no sentinel", raw, err)
		}
	})
}
