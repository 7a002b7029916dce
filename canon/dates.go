package canon

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Years accepted when typed with four digits.
const minYear, maxYear = 1800, 2199

// Excel serial limits: serials above maxSerial (31/12/2199) are not taken
// for dates in this domain.
const maxSerial = 109574

var (
	excel1900 = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC) // serial 1 = 1900-01-01
	excel1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)   // serial 0 = 1904-01-01
)

// monthNames are the Italian and English month names and customary
// abbreviations; any unambiguous prefix of three or more letters of a full
// name is accepted too (see monthByName).
var monthNames = [12][]string{
	{"gennaio", "january", "gen", "jan"},
	{"febbraio", "february", "feb"},
	{"marzo", "march", "mar"},
	{"aprile", "april", "apr"},
	{"maggio", "may", "mag"},
	{"giugno", "june", "giu", "jun"},
	{"luglio", "july", "lug", "jul"},
	{"agosto", "august", "ago", "aug"},
	{"settembre", "september", "set", "sett", "sep", "sept"},
	{"ottobre", "october", "ott", "oct"},
	{"novembre", "november", "nov"},
	{"dicembre", "december", "dic", "dec"},
}

// monthByName maps a folded (upper-case) month word to 1..12.
var monthByName = map[string]int{}

// dateFillers are words that may surround a date and carry nothing:
// weekdays, "del", ordinal suffixes, "ore".
var dateFillers = map[string]bool{}

func init() {
	conflict := map[string]bool{}
	for i, names := range monthNames {
		for _, n := range names {
			monthByName[strings.ToUpper(n)] = i + 1
		}
		for _, full := range names[:2] {
			for l := 3; l < len(full); l++ {
				p := strings.ToUpper(full[:l])
				if m, ok := monthByName[p]; ok && m != i+1 {
					conflict[p] = true
				}
				if _, ok := monthByName[p]; !ok {
					monthByName[p] = i + 1
				}
			}
		}
	}
	for p := range conflict {
		delete(monthByName, p)
	}
	for _, w := range []string{
		"LUNEDI", "MARTEDI", "MERCOLEDI", "GIOVEDI", "VENERDI", "SABATO", "DOMENICA",
		"LUN", "MER", "GIO", "VEN", "SAB", "DOM",
		"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY",
		"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN",
		"DEL", "DELL", "IL", "LO", "ORE", "ALLE", "ST", "ND", "RD", "TH", "OF",
	} {
		dateFillers[w] = true
	}
}

// ParseDate reads a date as typed or stored in a spreadsheet, taking today
// as the reference for two-digit years. See ParseDateAt.
func ParseDate(raw string, date1904 bool) (time.Time, error) {
	return ParseDateAt(raw, date1904, time.Time{})
}

// ParseDateAt reads a date as typed or stored in a spreadsheet, day first
// always (Italian): Excel serials in the 1900 or 1904 date system
// ("27487", "27487.0"; a fraction, the time of day, is dropped),
// 03/04/1975, 3/4/75, 3-4-75, 03.04.1975, 03041975, ISO 1975-04-03 with
// or without a time, "3 aprile 1975", "3 apr. 1975", "3-apr-75",
// "April 3, 1975". A two-digit year yy is 20yy when yy <= now's year + 10
// (two digits) and 19yy otherwise; zero now means today. The result is
// UTC midnight. Errors wrap ErrEmpty, ErrBadDate or ErrImpossibleDate.
func ParseDateAt(raw string, date1904 bool, now time.Time) (time.Time, error) {
	return parseDate(raw, DateSystem{Date1904: date1904}, now, false)
}

// ParseBirthDate is ParseDateAt for birth dates: a two-digit year gets the
// century that makes the person at least 14 years old at now.
func ParseBirthDate(raw string, date1904 bool, now time.Time) (time.Time, error) {
	return parseDate(raw, DateSystem{Date1904: date1904}, now, true)
}

// DateSystem is how a workbook counts date serials: Excel's 1900 system (the
// zero value), its 1904 system (Date1904), or, when NullDate is set, from the
// null date an OpenDocument spreadsheet names (serial 0 is NullDate, every
// day counted, as LibreOffice does; the old StarCalc default 1900-01-01 puts
// serial 39847 on 2009-02-05, two days after Excel's 2009-02-03).
type DateSystem struct {
	Date1904 bool
	NullDate time.Time // midnight UTC; zero: Excel's systems
}

// ParseDateIn is ParseDateAt with serials counted in sys; birth chooses the
// century of a two-digit year as ParseBirthDate does.
func ParseDateIn(raw string, sys DateSystem, now time.Time, birth bool) (time.Time, error) {
	return parseDate(raw, sys, now, birth)
}

// serial is SerialDate in sys.
func (sys DateSystem) serial(n int) (time.Time, error) {
	if sys.NullDate.IsZero() {
		return SerialDate(n, sys.Date1904)
	}
	if n > maxSerial || n < 0 {
		return time.Time{}, fmt.Errorf("parsing date serial: %w", ErrBadDate)
	}
	return addDays(sys.NullDate, n), nil
}

func parseDate(raw string, sys DateSystem, now time.Time, birth bool) (time.Time, error) {
	s := CleanText(raw)
	if s == "" {
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrEmpty)
	}
	if now.IsZero() {
		now = time.Now()
	}
	if isNumeric(s) {
		return numericDate(s, sys)
	}
	// A time of day after the date: "1975-04-03T00:00:00", "03/04/1975 10:30".
	if i := strings.IndexByte(s, ':'); i >= 0 {
		j := strings.LastIndexAny(s[:i], " T")
		if j <= 0 {
			return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
		}
		s = s[:j]
	}
	toks, ok := dateTokens(s)
	if !ok {
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
	}
	var d, m, y string
	switch {
	case len(toks) != 3:
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
	case toks[0].num && toks[1].num && toks[2].num:
		if len(toks[0].text) == 4 { // ISO: year first
			y, m, d = toks[0].text, toks[1].text, toks[2].text
		} else {
			d, m, y = toks[0].text, toks[1].text, toks[2].text
		}
	case toks[0].num && !toks[1].num && toks[2].num: // 3 aprile 1975
		d, m, y = toks[0].text, toks[1].text, toks[2].text
	case !toks[0].num && toks[1].num && toks[2].num: // April 3, 1975
		m, d, y = toks[0].text, toks[1].text, toks[2].text
	default:
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
	}
	day, ok1 := smallInt(d)
	month, ok2 := smallInt(m)
	if !ok2 {
		month, ok2 = monthByName[m]
	}
	year, ok3 := yearOf(y, now, birth, month, day)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
	}
	if !validDate(year, month, day) {
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrImpossibleDate)
	}
	return date(year, month, day), nil
}

// dateToken is a run of digits or of letters.
type dateToken struct {
	text string // digits, or the folded word
	num  bool
}

// dateTokens splits s at separators (space / - . , ') into digit and
// letter runs, dropping filler words and ordinal signs (° º). ok is false
// on any other character or word.
func dateTokens(s string) ([]dateToken, bool) {
	toks := make([]dateToken, 0, 4)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			toks = append(toks, dateToken{text: s[i:j], num: true})
			i = j
		case c == ' ' || c == '/' || c == '-' || c == '.' || c == ',' || c == '\'':
			i++
		default:
			j := i
			for j < len(s) {
				c := s[j]
				if c == ' ' || c == '/' || c == '-' || c == '.' || c == ',' || c == '\'' || c >= '0' && c <= '9' {
					break
				}
				j++
			}
			run := s[i:j]
			i = j
			w := Fold(run)
			switch {
			case w == "":
				// Only the ordinal and apostrophe signs may stand alone: "1°", "’75".
				if strings.Trim(run, "°º’´") != "" {
					return nil, false
				}
			case dateFillers[w]:
			default:
				if _, ok := monthByName[w]; !ok {
					return nil, false
				}
				toks = append(toks, dateToken{text: w})
			}
		}
		if len(toks) > 3 {
			return nil, false
		}
	}
	return toks, true
}

// smallInt reads one or two digits.
func smallInt(s string) (int, bool) {
	switch len(s) {
	case 1:
		if s[0] >= '0' && s[0] <= '9' {
			return int(s[0] - '0'), true
		}
	case 2:
		if s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' {
			return int(s[0]-'0')*10 + int(s[1]-'0'), true
		}
	}
	return 0, false
}

// yearOf reads a four-digit year, or a two-digit one with its century
// chosen relative to now (see ParseDateAt and ParseBirthDate).
func yearOf(s string, now time.Time, birth bool, month, day int) (int, bool) {
	switch len(s) {
	case 4:
		y, err := strconv.Atoi(s)
		return y, err == nil && y >= minYear && y <= maxYear
	case 2:
		yy, ok := smallInt(s)
		if !ok {
			return 0, false
		}
		ny := now.Year()
		cc := ny / 100 * 100
		if birth {
			y := cc + yy
			// at least 14 years old on the date of now
			if y > ny-14 || y == ny-14 && (month > int(now.Month()) || month == int(now.Month()) && day > now.Day()) {
				y -= 100
			}
			return y, true
		}
		if yy <= ny%100+10 {
			return cc + yy, true
		}
		return cc - 100 + yy, true
	}
	return 0, false
}

// isNumeric reports digits with at most one decimal point or comma.
func isNumeric(s string) bool {
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case (c == '.' || c == ',') && !sep && i > 0 && i < len(s)-1:
			sep = true
		default:
			return false
		}
	}
	return true
}

// numericDate reads an Excel serial ("27487", "27487.25") or a compact
// date of 8 digits (ddmmyyyy, yyyymmdd). A year alone ("1975") and other
// numbers with a leading zero are not dates.
func numericDate(s string, sys DateSystem) (time.Time, error) {
	intPart, _, hasFrac := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if !hasFrac {
		switch {
		case len(s) == 8:
			return compactDate(s)
		case len(s) == 4 && (s[0] == '1' || s[0] == '2'):
			// A year alone: not a day.
			return time.Time{}, fmt.Errorf("parsing date: year only: %w", ErrBadDate)
		case len(s) > 1 && s[0] == '0':
			return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
		}
	}
	if !hasFrac && len(s) <= 9 && allDigits(s) {
		// Plain digits: the serial without ParseFloat (the same integer).
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return sys.serial(n)
	}
	f, err := strconv.ParseFloat(intPart, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
	}
	return sys.serial(int(f))
}

// SerialDate converts an Excel date serial (whole days) to a date. In the
// 1900 system serial 1 is 1900-01-01 and serial 60 is Excel's phantom
// 29/02/1900 (an ErrImpossibleDate); in the 1904 system serial 0 is
// 1904-01-01.
func SerialDate(serial int, date1904 bool) (time.Time, error) {
	if serial > maxSerial || serial < 0 {
		return time.Time{}, fmt.Errorf("parsing date serial: %w", ErrBadDate)
	}
	if date1904 {
		return addDays(excel1904, serial), nil
	}
	switch {
	case serial == 0:
		return time.Time{}, fmt.Errorf("parsing date serial: %w", ErrImpossibleDate)
	case serial == 60:
		return time.Time{}, fmt.Errorf("parsing date serial 60 (29/02/1900): %w", ErrImpossibleDate)
	case serial > 60:
		serial--
	}
	return addDays(excel1900, serial), nil
}

// addDays is base.AddDate(0, 0, days) for a base at midnight UTC, by
// arithmetic: UTC days are all 86,400 seconds long.
func addDays(base time.Time, days int) time.Time {
	return time.Unix(base.Unix()+int64(days)*86400, 0).UTC()
}

// compactDate reads 8 digits as ddmmyyyy, else as yyyymmdd.
func compactDate(s string) (time.Time, error) {
	atoi := func(t string) int { n, _ := strconv.Atoi(t); return n }
	if d, m, y := atoi(s[:2]), atoi(s[2:4]), atoi(s[4:]); y >= minYear && y <= maxYear && validDate(y, m, d) {
		return date(y, m, d), nil
	}
	if y, m, d := atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]); y >= minYear && y <= maxYear && validDate(y, m, d) {
		return date(y, m, d), nil
	}
	return time.Time{}, fmt.Errorf("parsing date: %w", ErrBadDate)
}
