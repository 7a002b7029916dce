package canon

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseDecimal reads a number with a decimal comma or point: "12", "12,5",
// "12.5", "1.234,5", "1,234.5", "1 234,5", "-3". With one kind of
// separator only, a single one is the decimal mark ("1.5", "1,5") and
// several are thousands separators in groups of three ("1.234.567").
// Stored spreadsheet values in exponent form ("1.5E+3") are accepted.
// Errors wrap ErrEmpty or ErrBadNumber.
func ParseDecimal(raw string) (float64, error) {
	s := CleanText(raw)
	if s == "" {
		return 0, fmt.Errorf("parsing number: %w", ErrEmpty)
	}
	if f, ok := parseStored(s); ok {
		return f, nil
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, strings.TrimSpace(s[1:])
	case '+':
		s = strings.TrimSpace(s[1:])
	}
	dots, commas, spaces := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.':
			dots++
		case c == ',':
			commas++
		case c == ' ' || c == '\'':
			spaces++
		default:
			return 0, fmt.Errorf("parsing number: %w", ErrBadNumber)
		}
	}
	var dec, thou byte // decimal mark and thousands separator, 0 for none
	switch {
	case dots > 0 && commas > 0:
		if strings.LastIndexByte(s, '.') > strings.LastIndexByte(s, ',') {
			dec, thou = '.', ','
		} else {
			dec, thou = ',', '.'
		}
	case dots == 1:
		dec = '.'
	case commas == 1:
		dec = ','
	case dots > 1:
		thou = '.'
	case commas > 1:
		thou = ','
	}
	if spaces > 0 {
		if thou != 0 {
			return 0, fmt.Errorf("parsing number: %w", ErrBadNumber)
		}
		thou = ' '
	}
	intPart, fracPart := s, ""
	if dec != 0 {
		i := strings.LastIndexByte(s, dec)
		intPart, fracPart = s[:i], s[i+1:]
		if strings.IndexByte(intPart, dec) >= 0 || fracPart == "" || !allDigits(fracPart) {
			return 0, fmt.Errorf("parsing number: %w", ErrBadNumber)
		}
	}
	digits, ok := ungroup(intPart, thou)
	if !ok || digits == "" && fracPart == "" {
		return 0, fmt.Errorf("parsing number: %w", ErrBadNumber)
	}
	if digits == "" {
		digits = "0"
	}
	f, err := strconv.ParseFloat(digits+"."+fracPart+"0", 64)
	if err != nil {
		return 0, fmt.Errorf("parsing number: %w", ErrBadNumber)
	}
	if neg {
		f = -f
	}
	return f, nil
}

// parseStored reads the plain form a spreadsheet stores: "12", "12.5",
// "-0.25", "1.5E+3".
func parseStored(s string) (float64, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	if strings.Count(s, ".") > 1 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ungroup removes the thousands separator sep from s, checking groups of
// three digits after the first group of one to three ("'" counts as a
// space separator).
func ungroup(s string, sep byte) (string, bool) {
	if sep == 0 {
		return s, allDigits(s)
	}
	if sep == ' ' {
		s = strings.ReplaceAll(s, "'", " ")
	}
	groups := strings.Split(s, string(sep))
	if len(groups) == 1 {
		return s, allDigits(s)
	}
	var b strings.Builder
	for i, g := range groups {
		if !allDigits(g) || i == 0 && (len(g) < 1 || len(g) > 3) || i > 0 && len(g) != 3 {
			return "", false
		}
		b.WriteString(g)
	}
	return b.String(), true
}

// splitNumber splits s after its leading number (sign, digits, "." and
// ","), returning the number and the trimmed rest.
func splitNumber(s string) (num, rest string) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
		i++
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// hourUnits are the words typed after a number of hours.
var hourUnits = []string{"hours", "hour", "hrs", "hr", "ore", "ora", "hh", "h"}

// minuteUnits are the words typed after a number of minutes.
var minuteUnits = []string{"minuti", "minuto", "min", "m", "'"}

// trimUnit removes the first of units that prefixes s (followed by the end,
// a space, a dot or a digit), and reports whether one did.
func trimUnit(s string, units []string) (string, bool) {
	for _, u := range units {
		if !strings.HasPrefix(s, u) {
			continue
		}
		r := s[len(u):]
		if r == "" || r[0] == ' ' || r[0] == '.' || r[0] >= '0' && r[0] <= '9' {
			return strings.TrimSpace(strings.TrimPrefix(r, ".")), true
		}
	}
	return s, false
}

// ParseHours reads a number of hours: "12", "12,5", "12.5", "12h", "12 h",
// "12 ore", "12:30" (12.5), "12h30", "12 ore e 30 minuti". A negative
// number is returned with an error wrapping ErrOutOfRange; other errors
// wrap ErrEmpty or ErrBadNumber.
func ParseHours(raw string) (float64, error) {
	s := strings.ToLower(CleanText(raw))
	if s == "" {
		return 0, fmt.Errorf("parsing hours: %w", ErrEmpty)
	}
	num, rest := splitNumber(s)
	h, err := ParseDecimal(num)
	if err != nil {
		return 0, fmt.Errorf("parsing hours: %w", ErrBadNumber)
	}
	minutes := ""
	if strings.HasPrefix(rest, ":") {
		minutes, rest = rest[1:], ""
		if minutes == "" {
			return 0, fmt.Errorf("parsing hours: %w", ErrBadNumber)
		}
		if m, sec, ok := strings.Cut(minutes, ":"); ok { // "12:30:00"
			if len(sec) != 2 || !allDigits(sec) {
				return 0, fmt.Errorf("parsing hours: %w", ErrBadNumber)
			}
			minutes = m
		}
	} else if rest != "" {
		var unit bool
		if rest, unit = trimUnit(rest, hourUnits); !unit {
			return 0, fmt.Errorf("parsing hours: %w", ErrBadNumber)
		}
		rest = strings.TrimSpace(strings.TrimPrefix(rest, "e "))
		if rest != "" {
			minutes, rest = splitNumber(rest)
			if rest != "" {
				if rest, _ = trimUnit(rest, minuteUnits); rest != "" {
					return 0, fmt.Errorf("parsing hours: %w", ErrBadNumber)
				}
			}
		}
	}
	if minutes != "" {
		if len(minutes) > 2 || !allDigits(minutes) || h != math.Trunc(h) {
			return 0, fmt.Errorf("parsing hours: %w", ErrBadNumber)
		}
		m, _ := strconv.Atoi(minutes)
		if m >= 60 {
			return 0, fmt.Errorf("parsing hours: minutes: %w", ErrOutOfRange)
		}
		h = math.Abs(h) + float64(m)/60
		if strings.HasPrefix(num, "-") {
			h = -h
		}
	}
	if h < 0 {
		return h, fmt.Errorf("parsing hours: negative: %w", ErrOutOfRange)
	}
	return h, nil
}

// satisfactionWords are the judgements typed instead of a score, folded.
var satisfactionWords = map[string]float64{
	"OTTIMO": 5, "OTTIMA": 5, "ECCELLENTE": 5, "MOLTOBUONO": 5, "MOLTOBUONA": 5,
	"BUONO": 4, "BUONA": 4,
	"DISCRETO": 3, "DISCRETA": 3, "SUFFICIENTE": 3,
	"SCARSO": 2, "SCARSA": 2, "MEDIOCRE": 2,
	"INSUFFICIENTE": 1, "PESSIMO": 1, "PESSIMA": 1,
}

// ParseSatisfaction reads a satisfaction score on the 1–5 scale: "4",
// "4,5", "4/5", "4 su 5", or a judgement (ottimo 5, buono 4,
// discreto/sufficiente 3, scarso 2, insufficiente/pessimo 1). A number
// outside 1–5 is returned with an error wrapping ErrOutOfRange; other
// errors wrap ErrEmpty or ErrBadNumber.
func ParseSatisfaction(raw string) (float64, error) {
	s := strings.ToLower(CleanText(raw))
	if s == "" {
		return 0, fmt.Errorf("parsing satisfaction: %w", ErrEmpty)
	}
	var buf [64]byte
	if v, ok := satisfactionWords[string(appendFold(buf[:0], s))]; ok {
		return v, nil
	}
	num := s
	if a, b, ok := strings.Cut(s, "/"); ok {
		num = a
		if strings.TrimSpace(b) != "5" {
			return 0, fmt.Errorf("parsing satisfaction: scale: %w", ErrBadNumber)
		}
	} else if a, b, ok := strings.Cut(s, " su "); ok {
		num = a
		if strings.TrimSpace(b) != "5" {
			return 0, fmt.Errorf("parsing satisfaction: scale: %w", ErrBadNumber)
		}
	}
	v, err := ParseDecimal(num)
	if err != nil {
		return 0, fmt.Errorf("parsing satisfaction: %w", ErrBadNumber)
	}
	if v < 1 || v > 5 {
		return v, fmt.Errorf("parsing satisfaction: %w", ErrOutOfRange)
	}
	return v, nil
}

// countUnits are the words that may follow a count of sessions.
var countUnits = map[string]bool{
	"INCONTRI": true, "INCONTRO": true, "SESSIONI": true, "SESSIONE": true, "LEZIONI": true,
	"LEZIONE": true, "GIORNATE": true, "GIORNATA": true, "GIORNI": true, "SESSIONS": true,
}

// ParseCount reads a whole, non-negative count such as a number of
// sessions: "12", "12.0", "12 incontri". Errors wrap ErrEmpty,
// ErrBadNumber (not a whole number) or ErrOutOfRange (negative, too big).
func ParseCount(raw string) (int32, error) {
	s := CleanText(raw)
	if s == "" {
		return 0, fmt.Errorf("parsing count: %w", ErrEmpty)
	}
	num, rest := splitNumber(s)
	if rest != "" && !countUnits[Fold(rest)] {
		return 0, fmt.Errorf("parsing count: %w", ErrBadNumber)
	}
	f, err := ParseDecimal(num)
	if err != nil {
		return 0, fmt.Errorf("parsing count: %w", ErrBadNumber)
	}
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("parsing count: not whole: %w", ErrBadNumber)
	}
	if f < 0 || f > math.MaxInt32 {
		return 0, fmt.Errorf("parsing count: %w", ErrOutOfRange)
	}
	return int32(f), nil
}
