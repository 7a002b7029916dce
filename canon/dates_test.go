package canon

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func TestParseDateAt(t *testing.T) {
	apr3 := date(1975, 4, 3)
	tests := []struct {
		name, raw string
		date1904  bool
		want      time.Time
		err       error
	}{
		{"excel serial", "27487", false, apr3, nil},
		{"excel serial stored as float", "27487.0", false, apr3, nil},
		{"excel serial with time", "27487.75", false, apr3, nil},
		{"excel serial decimal comma", "27487,5", false, apr3, nil},
		{"1904 serial", "26025", true, apr3, nil},
		{"1904 serial zero", "0", true, date(1904, 1, 1), nil},
		{"serial 1", "1", false, date(1900, 1, 1), nil},
		{"serial 59", "59", false, date(1900, 2, 28), nil},
		{"serial 60 is Excel's 29/02/1900", "60", false, time.Time{}, ErrImpossibleDate},
		{"serial 61", "61", false, date(1900, 3, 1), nil},
		{"serial 0", "0", false, time.Time{}, ErrImpossibleDate},
		{"serial too big", "2958465", false, time.Time{}, ErrBadDate},
		{"slashes", "03/04/1975", false, apr3, nil},
		{"short slashes", "3/4/75", false, apr3, nil},
		{"dashes", "3-4-75", false, apr3, nil},
		{"dots", "03.04.1975", false, apr3, nil},
		{"spaces around", " 03/04/1975\u00a0", false, apr3, nil},
		{"compact ddmmyyyy", "03041975", false, apr3, nil},
		{"compact yyyymmdd", "19750403", false, apr3, nil},
		{"iso", "1975-04-03", false, apr3, nil},
		{"iso with T time", "1975-04-03T00:00:00", false, apr3, nil},
		{"iso with time", "1975-04-03 00:00:00", false, apr3, nil},
		{"iso with zone", "1975-04-03T10:20:30Z", false, apr3, nil},
		{"slashes with time", "03/04/1975 10:30", false, apr3, nil},
		{"italian month", "3 aprile 1975", false, apr3, nil},
		{"italian month capitalised", "3 Aprile 1975", false, apr3, nil},
		{"abbreviated with dot", "3 apr. 1975", false, apr3, nil},
		{"abbreviated dashes", "3-apr-75", false, apr3, nil},
		{"settembre abbreviation", "12 sett. 1980", false, date(1980, 9, 12), nil},
		{"weekday and ordinal", "lunedì 1° dicembre 1980", false, date(1980, 12, 1), nil},
		{"english", "April 3, 1975", false, apr3, nil},
		{"english day first", "3 April 1975", false, apr3, nil},
		{"two-digit year this century", "3/4/25", false, date(2025, 4, 3), nil},
		{"two-digit year pivot", "3/4/36", false, date(2036, 4, 3), nil},
		{"two-digit year past pivot", "3/4/37", false, date(1937, 4, 3), nil},
		{"leap day", "29/02/2000", false, date(2000, 2, 29), nil},
		{"31 february", "31/02/1975", false, time.Time{}, ErrImpossibleDate},
		{"29 february 1900", "29/02/1900", false, time.Time{}, ErrImpossibleDate},
		{"month 13", "03/13/1975", false, time.Time{}, ErrImpossibleDate},
		{"day 0", "00/04/1975", false, time.Time{}, ErrImpossibleDate},
		{"year alone", "1975", false, time.Time{}, ErrBadDate},
		{"month and year", "aprile 1975", false, time.Time{}, ErrBadDate},
		{"three-digit year", "3/4/975", false, time.Time{}, ErrBadDate},
		{"words", "non so", false, time.Time{}, ErrBadDate},
		{"stray sign", "3?4?1975", false, time.Time{}, ErrBadDate},
		{"negative", "-5", false, time.Time{}, ErrBadDate},
		{"empty", "  ", false, time.Time{}, ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDateAt(tc.raw, tc.date1904, refNow)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("ParseDateAt(%q) err = %v, want %v", tc.raw, err, tc.err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("ParseDateAt(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestParseBirthDate(t *testing.T) {
	tests := []struct {
		raw  string
		want time.Time
	}{
		{"3/4/75", date(1975, 4, 3)},
		{"3/4/05", date(2005, 4, 3)},     // 20 years old
		{"3/4/11", date(2011, 4, 3)},     // 14 years old
		{"20/1/12", date(1912, 1, 20)},   // would be 13 years old: last century
		{"14/1/12", date(2012, 1, 14)},   // 14 today (refNow is 15/01/2026)
		{"3/4/30", date(1930, 4, 3)},     // the date pivot would give 2030
		{"03/04/1975", date(1975, 4, 3)}, // four digits are taken as typed
		{"27487", date(1975, 4, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ParseBirthDate(tc.raw, false, refNow)
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("ParseBirthDate(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
	if _, err := ParseBirthDate("31/02/75", false, refNow); !errors.Is(err, ErrImpossibleDate) {
		t.Errorf("31/02/75: err = %v", err)
	}
}

func TestParseDateDefaultsToToday(t *testing.T) {
	got, err := ParseDate("03/04/1975", false)
	if err != nil || !got.Equal(date(1975, 4, 3)) {
		t.Errorf("ParseDate = %v, %v", got, err)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"27487", "27487.0", "60", "03/04/1975", "3/4/75", "3-apr-75", "1975-04-03T00:00:00",
		"3 aprile 1975", "April 3, 1975", "31/02/1975", "19750403", "lunedì 1° dicembre 1980", ":", "T:"} {
		f.Add(s, false)
	}
	f.Add("26025", true)
	f.Fuzz(func(t *testing.T, raw string, date1904 bool) {
		for _, birth := range []bool{false, true} {
			var got time.Time
			var err error
			if birth {
				got, err = ParseBirthDate(raw, date1904, refNow)
			} else {
				got, err = ParseDateAt(raw, date1904, refNow)
			}
			if err != nil {
				if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrBadDate) && !errors.Is(err, ErrImpossibleDate) {
					t.Fatalf("error %v wraps no sentinel", err)
				}
				continue
			}
			if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
				t.Fatalf("%q: not UTC midnight: %v", raw, got)
			}
			if got.Year() < 1800 || got.Year() > 9999 {
				t.Fatalf("%q: year %d", raw, got.Year())
			}
			// The date written back day first reads as itself.
			back, err := ParseDateAt(got.Format("02/01/2006"), false, refNow)
			if err != nil || !back.Equal(got) {
				t.Fatalf("%q → %v, written back reads %v, %v", raw, got, back, err)
			}
		}
	})
}

// TestSerialDateMatchesAddDate: SerialDate, which adds days by arithmetic,
// gives what AddDate gives (the same time.Time, location included), over
// every serial up to the largest, in both date systems; and numericDate's
// plain-digits path gives what ParseFloat's does.
func TestSerialDateMatchesAddDate(t *testing.T) {
	for _, d1904 := range []bool{false, true} {
		for serial := -1; serial <= maxSerial+1; serial++ {
			got, gerr := SerialDate(serial, d1904)
			var want time.Time
			var werr error
			switch {
			case serial > maxSerial || serial < 0:
				werr = ErrBadDate
			case d1904:
				want = excel1904.AddDate(0, 0, serial)
			case serial == 0 || serial == 60:
				werr = ErrImpossibleDate
			case serial > 60:
				want = excel1900.AddDate(0, 0, serial-1)
			default:
				want = excel1900.AddDate(0, 0, serial)
			}
			if !reflect.DeepEqual(got, want) || !errors.Is(gerr, werr) || (gerr == nil) != (werr == nil) {
				t.Fatalf("SerialDate(%d, %v) = %v, %v; want %v, %v", serial, d1904, got, gerr, want, werr)
			}
			if serial%997 == 0 || serial < 100 {
				s := strconv.Itoa(serial)
				g, gerr := numericDate(s, DateSystem{Date1904: d1904})
				w, werr := numericDate(s+".0", DateSystem{Date1904: d1904}) // through ParseFloat
				if len(s) != 8 && len(s) != 4 && (!reflect.DeepEqual(g, w) || (gerr == nil) != (werr == nil)) {
					t.Fatalf("numericDate(%q) = %v, %v; with a fraction %v, %v", s, g, gerr, w, werr)
				}
			}
		}
	}
}

// TestDateSystemNullDate: with an OpenDocument null date, serial n is the
// null date plus n days, every day counted (no 29/02/1900), as LibreOffice
// computes it (testdata/layouts/nulldate_1900.ods holds its own answer);
// dates typed as text do not depend on the system.
func TestDateSystemNullDate(t *testing.T) {
	starcalc := DateSystem{NullDate: date(1900, 1, 1)}
	now := date(2026, 12, 2)
	for _, tc := range []struct {
		raw  string
		sys  DateSystem
		want string
		err  error
	}{
		{"39847", starcalc, "2009-02-05", nil},
		{"39847.75", starcalc, "2009-02-05", nil},
		{"39847", DateSystem{}, "2009-02-03", nil},
		{"39847", DateSystem{Date1904: true}, "2013-02-04", nil},
		{"0", starcalc, "1900-01-01", nil},
		{"60", starcalc, "1900-03-02", nil}, // no phantom 29/02/1900
		{"60", DateSystem{}, "", ErrImpossibleDate},
		{"27488", DateSystem{NullDate: date(1899, 12, 30)}, "1975-04-04", nil},
		{"-1", starcalc, "", ErrBadDate},
		{strconv.Itoa(maxSerial + 1), starcalc, "", ErrBadDate},
		{"03/04/1975", starcalc, "1975-04-03", nil},
		{"1975-04-03", starcalc, "1975-04-03", nil},
	} {
		got, err := ParseDateIn(tc.raw, tc.sys, now, false)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("ParseDateIn(%q, %+v) = %v, %v; want %v", tc.raw, tc.sys, got, err, tc.err)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("ParseDateIn(%q, %+v) = %v, %v; want %s", tc.raw, tc.sys, got, err, tc.want)
		}
	}
	// Every serial of the range agrees with calendar arithmetic.
	for n := 0; n <= maxSerial; n += 37 {
		got, err := starcalc.serial(n)
		if want := time.Date(1900, 1, 1+n, 0, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
			t.Fatalf("serial %d = %v, %v; want %v", n, got, err, want)
		}
	}
}
