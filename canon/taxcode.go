package canon

import (
	"fmt"
	"strings"
	"time"
)

// TaxCode is a parsed codice fiscale.
type TaxCode struct {
	Code      string    // upper-cased, without spaces, dots or dashes; as typed otherwise (also when invalid)
	Status    string    // TaxCodeValid, TaxCodeBadCheck, TaxCodeInvalid or TaxCodeMissing
	Sex       string    // "F" or "M"; only when Status is TaxCodeValid
	BirthDate time.Time // UTC midnight; zero unless Status is TaxCodeValid
	PlaceCode string    // Belfiore code of the birth place ("D150", "Z100"); only when valid
	Omocodia  bool      // digits replaced by letters (L M N P Q R S T U V)
}

// Err returns nil for a valid or missing code, else an error wrapping
// ErrBadTaxCode or ErrTaxCodeCheck.
func (tc TaxCode) Err() error {
	switch tc.Status {
	case TaxCodeInvalid:
		return fmt.Errorf("checking tax code: %w", ErrBadTaxCode)
	case TaxCodeBadCheck:
		return fmt.Errorf("checking tax code: %w", ErrTaxCodeCheck)
	}
	return nil
}

// taxMonths are the month letters, January to December.
const taxMonths = "ABCDEHLMPRST"

// omocodeLetters replace the digits 0..9 in an omocodia code.
const omocodeLetters = "LMNPQRSTUV"

// taxDigitPos are the 7 positions that hold digits (or omocodia letters).
var taxDigitPos = [7]int{6, 7, 9, 10, 12, 13, 14}

// oddValues is the official table for the characters in odd positions
// (1st, 3rd, … counting from 1); digits share the values of A..J.
var oddValues = [26]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // A..J
	2, 4, 18, 20, 11, 3, 6, 8, 12, 14, // K..T
	16, 10, 22, 25, 24, 23, // U..Z
}

// checkValue returns the value of c (an upper-case letter or digit) in an
// odd or even position, and false for any other byte.
func checkValue(c byte, odd bool) (int, bool) {
	var i int
	switch {
	case c >= '0' && c <= '9':
		i = int(c - '0')
	case c >= 'A' && c <= 'Z':
		i = int(c - 'A')
	default:
		return 0, false
	}
	if odd {
		return oddValues[i], true
	}
	return i, true
}

// CheckLetter computes the check letter of a codice fiscale from its first
// 15 characters (upper-case letters and digits) with the official odd/even
// tables. ok is false when first15 is not 15 such characters.
func CheckLetter(first15 string) (byte, bool) {
	if len(first15) != 15 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 15; i++ {
		v, ok := checkValue(first15[i], i%2 == 0)
		if !ok {
			return 0, false
		}
		sum += v
	}
	return byte('A' + sum%26), true
}

// cleanTaxCode upper-cases raw and removes white space, dots, dashes,
// underscores and slashes.
func cleanTaxCode(raw string) string {
	clean := true
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			clean = false
			break
		}
	}
	if clean {
		return raw // as the loop below would return it
	}
	var b strings.Builder
	b.Grow(16)
	for _, r := range raw {
		switch {
		case isSpaceRune(r) || isInvisible(r) || r == '.' || r == '-' || r == '_' || r == '/':
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isUpperLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// wellFormed reports whether code has the shape of a personal codice
// fiscale: letters where letters go, digits or omocodia letters where
// digits go, a month letter, and a day 1–31 or 41–71.
func wellFormed(code string) bool {
	if len(code) != 16 {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 4, 5, 11, 15} {
		if !isUpperLetter(code[i]) {
			return false
		}
	}
	for _, i := range taxDigitPos {
		c := code[i]
		if !(c >= '0' && c <= '9') && strings.IndexByte(omocodeLetters, c) < 0 {
			return false
		}
	}
	if strings.IndexByte(taxMonths, code[8]) < 0 {
		return false
	}
	d := deomocodeDigit(code[9])*10 + deomocodeDigit(code[10])
	return d >= 1 && d <= 31 || d >= 41 && d <= 71
}

// deomocodeDigit returns the digit value of a digit or omocodia letter.
func deomocodeDigit(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return strings.IndexByte(omocodeLetters, c)
}

// DeOmocode returns the code with the omocodia letters in the 7 numeric
// positions turned back into digits and the check letter recomputed, so
// that two omocodia-equivalent codes compare equal. A code that is not
// well-formed is returned cleaned (upper case, no spaces) but otherwise
// unchanged.
func DeOmocode(code string) string {
	code = cleanTaxCode(code)
	if !wellFormed(code) {
		return code
	}
	b := []byte(code)
	changed := false
	for _, i := range taxDigitPos {
		if !(b[i] >= '0' && b[i] <= '9') {
			b[i] = byte('0' + deomocodeDigit(b[i]))
			changed = true
		}
	}
	if !changed {
		return code
	}
	b[15], _ = CheckLetter(string(b[:15]))
	return string(b)
}

// ParseTaxCode parses a codice fiscale typed in a cell, taking today as
// the reference for the birth century. See ParseTaxCodeAt.
func ParseTaxCode(raw string) TaxCode { return ParseTaxCodeAt(raw, time.Time{}) }

// ParseTaxCodeAt parses a codice fiscale typed in a cell. Spaces, dots and
// dashes are removed and letters upper-cased. The code is valid when it
// has the right shape, the encoded birth date exists and the check letter
// matches; then Sex, BirthDate (the century that makes the person between
// 0 and 100 years old at now; zero now means today) and PlaceCode are
// filled. A well-formed code with a wrong check letter is TaxCodeBadCheck.
func ParseTaxCodeAt(raw string, now time.Time) TaxCode {
	code := cleanTaxCode(raw)
	tc := TaxCode{Code: code}
	if code == "" {
		tc.Status = TaxCodeMissing
		return tc
	}
	if !wellFormed(code) {
		tc.Status = TaxCodeInvalid
		return tc
	}
	for _, i := range taxDigitPos {
		if code[i] > '9' {
			tc.Omocodia = true
		}
	}
	if now.IsZero() {
		now = time.Now()
	}
	yy := deomocodeDigit(code[6])*10 + deomocodeDigit(code[7])
	month := strings.IndexByte(taxMonths, code[8]) + 1
	day := deomocodeDigit(code[9])*10 + deomocodeDigit(code[10])
	sex := "M"
	if day > 40 {
		sex, day = "F", day-40
	}
	birth, ok := taxCodeBirth(yy, month, day, now)
	if !ok {
		tc.Status = TaxCodeInvalid
		return tc
	}
	if c, _ := CheckLetter(code[:15]); c != code[15] {
		tc.Status = TaxCodeBadCheck
		return tc
	}
	tc.Status = TaxCodeValid
	tc.Sex = sex
	tc.BirthDate = birth
	if tc.Omocodia {
		tc.PlaceCode = string([]byte{code[11], byte('0' + deomocodeDigit(code[12])),
			byte('0' + deomocodeDigit(code[13])), byte('0' + deomocodeDigit(code[14]))})
	} else {
		tc.PlaceCode = code[11:15]
	}
	return tc
}

// taxCodeBirth picks the century for a two-digit year so that the birth
// date is not after now and at most 100 years before it, and checks that
// the day exists in that year.
func taxCodeBirth(yy, month, day int, now time.Time) (time.Time, bool) {
	ny, nm, nd := now.Date()
	year := ny/100*100 + yy
	// validDate and the comparison with today, without time.Date.
	after := func(y int) bool {
		return y > ny || y == ny && (month > int(nm) || month == int(nm) && day > nd)
	}
	for year > ny || !daysValid(year, month, day) || after(year) {
		year -= 100
		if year < ny-100 {
			return time.Time{}, false
		}
	}
	return date(year, month, day), true
}

// date returns UTC midnight of the given day.
// daysValid is validDate by arithmetic: d is a day of month m of year y.
func daysValid(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// validDate reports whether the day exists.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := date(y, m, d)
	return t.Day() == d && int(t.Month()) == m
}

// consonantsVowels returns the ASCII consonants and vowels of s, folded.
func consonantsVowels(s string) (cons, vows []byte) {
	f := Fold(s)
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U':
			vows = append(vows, c)
		case isUpperLetter(c):
			cons = append(cons, c)
		}
	}
	return cons, vows
}

// nameLetters applies the official rule: consonants, then vowels, then X,
// three letters. For given names with four or more consonants the 1st,
// 3rd and 4th consonants are taken.
func nameLetters(s string, given bool) string {
	cons, vows := consonantsVowels(s)
	if given && len(cons) >= 4 {
		return string([]byte{cons[0], cons[2], cons[3]})
	}
	b := append(append(cons, vows...), 'X', 'X', 'X')
	return string(b[:3])
}

// TaxCodeFor computes the codice fiscale of a person: three letters from
// the surname and three from the given name (the official consonant
// rules), birth year, month letter, day (+40 for women), the 4-character
// Belfiore place code and the check letter. sex is "F" or "M".
func TaxCodeFor(surname, given, sex string, birth time.Time, place string) (string, error) {
	place = strings.ToUpper(strings.TrimSpace(place))
	if len(place) != 4 || !isUpperLetter(place[0]) {
		return "", fmt.Errorf("computing tax code: place code: %w", ErrBadTaxCode)
	}
	for i := 1; i < 4; i++ {
		if place[i] < '0' || place[i] > '9' {
			return "", fmt.Errorf("computing tax code: place code: %w", ErrBadTaxCode)
		}
	}
	day := birth.Day()
	switch sex {
	case "F":
		day += 40
	case "M":
	default:
		return "", fmt.Errorf("computing tax code: %w", ErrBadSex)
	}
	if birth.IsZero() {
		return "", fmt.Errorf("computing tax code: birth date: %w", ErrEmpty)
	}
	s := fmt.Sprintf("%s%s%02d%c%02d%s", nameLetters(surname, false), nameLetters(given, true),
		birth.Year()%100, taxMonths[birth.Month()-1], day, place)
	c, ok := CheckLetter(s)
	if !ok {
		return "", fmt.Errorf("computing tax code: %w", ErrBadTaxCode)
	}
	return s + string(c), nil
}

// Omocode returns code with its last n numeric positions (from the right,
// as the Agenzia delle Entrate assigns them) replaced by omocodia letters
// and the check letter recomputed; n is 1..7. It is used to build test and
// demo data.
func Omocode(code string, n int) (string, error) {
	code = DeOmocode(code)
	if !wellFormed(code) || n < 1 || n > len(taxDigitPos) {
		return "", fmt.Errorf("omocoding tax code: %w", ErrBadTaxCode)
	}
	b := []byte(code)
	for k := 0; k < n; k++ {
		i := taxDigitPos[len(taxDigitPos)-1-k]
		b[i] = omocodeLetters[b[i]-'0']
	}
	b[15], _ = CheckLetter(string(b[:15]))
	return string(b), nil
}
