package demo

import (
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// This file holds a small, self-contained implementation of the codice
// fiscale algorithm so that the generator does not depend on the normalisers
// it is meant to exercise.

const cfMonths = "ABCDEHLMPRST"

// cfOmocodes replace the digits 0–9 when two people would share a code.
const cfOmocodes = "LMNPQRSTUV"

// cfOdd are the values of characters in odd (1-based) positions, indexed by
// 0–9 then A–Z; in even positions digits count 0–9 and letters 0–25.
var cfOdd = [36]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21,
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
}

// cfDigitPositions are the positions that hold digits (or omocode letters).
var cfDigitPositions = [...]int{6, 7, 9, 10, 12, 13, 14}

// taxCode returns the codice fiscale of a person, without omocodia.
func taxCode(surname, given string, female bool, birth time.Time, placeCode string) string {
	var b strings.Builder
	b.Grow(16)
	b.WriteString(cfSurname(surname))
	b.WriteString(cfGiven(given))
	y := birth.Year() % 100
	b.WriteByte(byte('0' + y/10))
	b.WriteByte(byte('0' + y%10))
	b.WriteByte(cfMonths[birth.Month()-1])
	d := birth.Day()
	if female {
		d += 40
	}
	b.WriteByte(byte('0' + d/10))
	b.WriteByte(byte('0' + d%10))
	b.WriteString(placeCode)
	s := b.String()
	return s + string(cfCheck(s))
}

// omocode returns code with its level rightmost digits replaced by letters
// (level 1..7) and the check letter recomputed.
func omocode(code string, level int) string {
	b := []byte(code[:15])
	for i := 0; i < level && i < len(cfDigitPositions); i++ {
		p := cfDigitPositions[len(cfDigitPositions)-1-i]
		if b[p] >= '0' && b[p] <= '9' {
			b[p] = cfOmocodes[b[p]-'0']
		}
	}
	return string(b) + string(cfCheck(string(b)))
}

// cfCheck computes the check letter of the first 15 characters of s.
func cfCheck(s string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		var idx int
		switch {
		case c >= '0' && c <= '9':
			idx = int(c - '0')
		case c >= 'A' && c <= 'Z':
			idx = int(c-'A') + 10
		default:
			return '?'
		}
		if i%2 == 0 { // odd 1-based position
			sum += cfOdd[idx]
		} else if idx < 10 {
			sum += idx
		} else {
			sum += idx - 10
		}
	}
	return byte('A' + sum%26)
}

func cfLetters(name string) (cons, vows []byte) {
	for _, c := range []byte(foldName(name)) {
		switch c {
		case 'A', 'E', 'I', 'O', 'U':
			vows = append(vows, c)
		default:
			if c >= 'A' && c <= 'Z' {
				cons = append(cons, c)
			}
		}
	}
	return cons, vows
}

func cfSurname(s string) string {
	cons, vows := cfLetters(s)
	out := append(append(cons, vows...), 'X', 'X', 'X')
	return string(out[:3])
}

func cfGiven(s string) string {
	cons, vows := cfLetters(s)
	if len(cons) >= 4 {
		return string([]byte{cons[0], cons[2], cons[3]})
	}
	out := append(append(cons, vows...), 'X', 'X', 'X')
	return string(out[:3])
}

// taxCodeStatus classifies a tax code as typed (already upper-cased and
// de-spaced) with the canon.TaxCode* constants.
func taxCodeStatus(code string) string {
	if code == "" {
		return canon.TaxCodeMissing
	}
	if len(code) != 16 {
		return canon.TaxCodeInvalid
	}
	for i := 0; i < 16; i++ {
		c := code[i]
		isLetter := c >= 'A' && c <= 'Z'
		isDigit := c >= '0' && c <= '9'
		switch i {
		case 6, 7, 9, 10, 12, 13, 14:
			if !isDigit && strings.IndexByte(cfOmocodes, c) < 0 {
				return canon.TaxCodeInvalid
			}
		case 8:
			if strings.IndexByte(cfMonths, c) < 0 {
				return canon.TaxCodeInvalid
			}
		default:
			if !isLetter {
				return canon.TaxCodeInvalid
			}
		}
	}
	if cfCheck(code) != code[15] {
		return canon.TaxCodeBadCheck
	}
	return canon.TaxCodeValid
}

// foldName folds a name for matching and for the tax code: upper-case ASCII
// letters only, accents stripped, apostrophes, spaces and other marks dropped.
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if c := foldRune(r); c != 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// foldRune maps a letter to its unaccented upper-case ASCII form, or 0 for
// anything that is not a letter.
func foldRune(r rune) byte {
	switch {
	case r >= 'A' && r <= 'Z':
		return byte(r)
	case r >= 'a' && r <= 'z':
		return byte(r - 'a' + 'A')
	}
	switch r {
	case 'à', 'á', 'â', 'ä', 'ã', 'å', 'ă', 'À', 'Á', 'Â', 'Ä', 'Ã', 'Å', 'Ă':
		return 'A'
	case 'è', 'é', 'ê', 'ë', 'È', 'É', 'Ê', 'Ë':
		return 'E'
	case 'ì', 'í', 'î', 'ï', 'Ì', 'Í', 'Î', 'Ï':
		return 'I'
	case 'ò', 'ó', 'ô', 'ö', 'õ', 'Ò', 'Ó', 'Ô', 'Ö', 'Õ':
		return 'O'
	case 'ù', 'ú', 'û', 'ü', 'Ù', 'Ú', 'Û', 'Ü':
		return 'U'
	case 'ç', 'Ç':
		return 'C'
	case 'ñ', 'Ñ':
		return 'N'
	case 'ș', 'ş', 'Ș', 'Ş':
		return 'S'
	case 'ț', 'ţ', 'Ț', 'Ţ':
		return 'T'
	}
	return 0
}
