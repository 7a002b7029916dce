package canon

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// latinFold maps the runes U+00C0..U+024F to their folded form: upper-case
// ASCII letters from the NFD decomposition, else the letter upper-cased,
// "" for no letter (× ÷).
var latinFold [0x250 - 0xC0]string

// extraFold holds the few letters that do not decompose into ASCII plus
// combining marks, and the Latin Extended Additional block (U+1E00..U+1EFF).
var extraFold = map[rune]string{}

func init() {
	special := map[rune]string{
		'ß': "SS", 'ẞ': "SS", 'Æ': "AE", 'æ': "AE", 'Œ': "OE", 'œ': "OE",
		'Ø': "O", 'ø': "O", 'Đ': "D", 'đ': "D", 'Ð': "D", 'ð': "D",
		'Ł': "L", 'ł': "L", 'Þ': "TH", 'þ': "TH", 'ı': "I", 'Ħ': "H", 'ħ': "H",
		'Ŀ': "L", 'ŀ': "L", 'Ŧ': "T", 'ŧ': "T", 'Ŋ': "NG", 'ŋ': "NG", 'ĸ': "K",
		'Ɖ': "D", 'ɖ': "D", 'Ɨ': "I", 'ɨ': "I", 'Ƶ': "Z", 'ƶ': "Z",
	}
	decompose := func(r rune) string {
		if s, ok := special[r]; ok {
			return s
		}
		var b strings.Builder
		for _, d := range norm.NFD.String(string(r)) {
			switch {
			case d >= 'a' && d <= 'z':
				b.WriteByte(byte(d) - 'a' + 'A')
			case d >= 'A' && d <= 'Z':
				b.WriteByte(byte(d))
			}
		}
		return b.String()
	}
	for r := rune(0xC0); r < 0x250; r++ {
		if r == '×' || r == '÷' {
			continue
		}
		f := decompose(r)
		if f == "" && unicode.IsLetter(r) {
			f = string(unicode.ToUpper(r)) // no ASCII base letter: kept, upper-cased
		}
		latinFold[r-0xC0] = f
	}
	for r := rune(0x1E00); r < 0x1F00; r++ {
		if s := decompose(r); s != "" {
			extraFold[r] = s
		}
	}
	for r, s := range special {
		if r >= 0x250 {
			extraFold[r] = s
		}
	}
}

// Fold returns s reduced to a key for matching: upper case, accents
// stripped, and everything that is not a letter or a digit (spaces,
// apostrophes, punctuation) removed. "D'Angelo" → "DANGELO",
// "Nicolò" → "NICOLO". Letters of non-Latin scripts are kept, upper-cased.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	var buf [64]byte
	return string(appendFold(buf[:0], s))
}

// isFolded reports s made only of A–Z and 0–9, which Fold returns as is.
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// appendFold appends Fold(s) to b.
func appendFold(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z':
				b = append(b, c-'a'+'A')
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= 0xC0 && r < 0x250:
			b = append(b, latinFold[r-0xC0]...)
		default:
			if f, ok := extraFold[r]; ok {
				b = append(b, f...)
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b = utf8.AppendRune(b, unicode.ToUpper(r))
			}
		}
	}
	return b
}

// isSpaceRune reports white space, including the no-break spaces that
// spreadsheets are full of.
func isSpaceRune(r rune) bool {
	return unicode.IsSpace(r) || r == '\u00A0' || r == '\u2007' || r == '\u202F'
}

// isInvisible reports format characters that carry nothing in a cell:
// zero-width space, byte-order mark, word joiner, soft hyphen.
func isInvisible(r rune) bool {
	return r == '\u200B' || r == '\uFEFF' || r == '\u2060' || r == '\u00AD' || (r < 0x20 && !unicode.IsSpace(r))
}

// CleanText trims s and collapses every run of white space inside it
// (tabs, line breaks, no-break spaces) into one ASCII space. Invisible
// characters (zero-width spaces, byte-order marks, control characters)
// are removed.
func CleanText(s string) string {
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			clean = false
			break
		}
		if c == ' ' {
			if prevSpace {
				clean = false
				break
			}
			prevSpace = true
			continue
		}
		if c < 0x20 || c == 0x7F {
			clean = false
			break
		}
		prevSpace = false
	}
	if clean && !prevSpace {
		return s
	}
	if clean && s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		switch {
		case isSpaceRune(r):
			pending = b.Len() > 0
		case isInvisible(r) || r == 0x7F || r == utf8.RuneError:
		default:
			if pending {
				b.WriteByte(' ')
				pending = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isApostrophe reports the characters typed for an apostrophe.
func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´' || r == 'ʼ'
}

// titleCase upper-cases the first letter of every word and lower-cases
// the rest; a word starts after anything that is not a letter, so
// "D'ANGELO" → "D'Angelo" and "ROSSI-BIANCHI" → "Rossi-Bianchi". Typographic
// apostrophes become ASCII ones.
func titleCase(s string) string {
	return string(appendTitleCase(make([]byte, 0, len(s)), s))
}

// appendTitleCase appends titleCase(s) to b.
func appendTitleCase(b []byte, s string) []byte {
	start := true
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			// ASCII: the cases below, without decoding.
			switch {
			case c == '\'' || c == '`':
				b = append(b, '\'')
				start = true
			case c >= 'a' && c <= 'z':
				if start {
					c -= 'a' - 'A'
				}
				b = append(b, c)
				start = false
			case c >= 'A' && c <= 'Z':
				if !start {
					c += 'a' - 'A'
				}
				b = append(b, c)
				start = false
			default:
				b = append(b, c)
				start = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isApostrophe(r):
			b = append(b, '\'')
			start = true
		case unicode.IsLetter(r):
			if start {
				b = utf8.AppendRune(b, unicode.ToUpper(r))
			} else {
				b = utf8.AppendRune(b, unicode.ToLower(r))
			}
			start = false
		case unicode.Is(unicode.Mn, r):
			b = utf8.AppendRune(b, r)
		default:
			b = utf8.AppendRune(b, r)
			start = true
		}
	}
	return b
}

// DisplayName returns "Surname Given" in title case for display, keeping
// apostrophes: DisplayName("D'ANGELO", "NICOLÒ") = "D'Angelo Nicolò".
func DisplayName(surname, given string) string {
	var buf [64]byte
	return string(appendDisplayName(buf[:0], surname, given))
}

// appendDisplayName appends DisplayName(surname, given) to b.
func appendDisplayName(b []byte, surname, given string) []byte {
	n := len(b)
	b = appendTitleCase(b, CleanText(surname))
	if given = CleanText(given); given != "" {
		if len(b) > n {
			b = append(b, ' ')
		}
		b = appendTitleCase(b, given)
	}
	return b
}

// nameParticles are the words that belong to the surname that follows
// them ("De Luca", "Della Valle", "Van der Berg"), folded.
var nameParticles = map[string]bool{
	"DE": true, "DI": true, "DA": true, "DO": true, "DEL": true, "DELLA": true, "DELLE": true,
	"DELLO": true, "DEI": true, "DEGLI": true, "DAL": true, "DALLA": true, "DALLE": true,
	"DALLO": true, "LO": true, "LA": true, "LI": true, "LE": true, "VAN": true, "VON": true,
	"DER": true, "DEN": true, "TEN": true, "TER": true, "EL": true, "AL": true, "DOS": true,
	"DAS": true, "DU": true, "DES": true, "SAN": true, "SANTA": true, "SANTO": true,
}

func isParticle(w string) bool { return nameParticles[Fold(w)] }

// wordCase classifies a word by its letters.
type wordCase uint8

const (
	caseNone    wordCase = iota // no letter at all ("-", "2")
	caseUpper                   // two or more letters, none lower-case: "ROSSI", "D'ANGELO"
	caseInitial                 // one letter, not lower-case: "M."
	caseOther                   // has a lower-case letter
)

func classify(w string) wordCase {
	letters, lower := 0, false
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsLower(r) {
				lower = true
			}
		}
	}
	switch {
	case letters == 0:
		return caseNone
	case lower:
		return caseOther
	case letters == 1:
		return caseInitial
	}
	return caseUpper
}

// SplitFullName splits a "Cognome e nome" cell into surname and given
// name. In order:
//   - a comma separates them: "Rossi, Maria";
//   - casing: the run of upper-case words is the surname, at the start
//     ("ROSSI Maria", "DE LUCA Maria Grazia") or at the end ("Maria ROSSI");
//     particles just before it belong to it ("Maria De LUCA");
//   - otherwise the first word is the surname (with any particles before
//     it: "De Luca Maria") and guessed is true.
//
// ok is false when there are not two words to split. The parts are
// returned as typed, cleaned with CleanText.
func SplitFullName(s string) (surname, given string, guessed, ok bool) {
	s = CleanText(s)
	if i := strings.IndexByte(s, ','); i >= 0 {
		sur := CleanText(s[:i])
		giv := CleanText(strings.ReplaceAll(s[i+1:], ",", " "))
		switch {
		case sur != "" && giv != "":
			return sur, giv, false, true
		case sur == "":
			s = giv
		default:
			s = sur
		}
	}
	all := strings.Split(s, " ")
	words := all[:0:0]
	cases := make([]wordCase, 0, len(all))
	for _, w := range all {
		if c := classify(w); c != caseNone {
			words = append(words, w)
			cases = append(cases, c)
		}
	}
	n := len(words)
	if n < 2 {
		return "", "", false, false
	}
	join := func(ws []string) string { return strings.Join(ws, " ") }

	// Casing clue: exactly one run of upper-case words, and at least one
	// word with lower-case letters.
	runStart, runEnd, runs, other := -1, -1, 0, false
	for i, c := range cases {
		if c == caseUpper {
			if i == 0 || cases[i-1] != caseUpper {
				runs++
				runStart = i
			}
			runEnd = i + 1
		} else if c == caseOther {
			other = true
		}
	}
	if runs == 1 && other {
		start := runStart
		if runEnd == n {
			// "Maria De LUCA": particles just before a trailing run.
			for start > 1 && isParticle(words[start-1]) {
				start--
			}
			return join(words[start:]), join(words[:start]), false, true
		}
		for start > 0 && isParticle(words[start-1]) {
			start--
		}
		if start == 0 {
			return join(words[:runEnd]), join(words[runEnd:]), false, true
		}
	}

	// No clue: the first word, with its particles, is the surname.
	end := 1
	for end < n-1 && isParticle(words[end-1]) {
		end++
	}
	if end == n-1 && isParticle(words[end-1]) {
		end = 1 // "De Luca": not enough words for particles and a given name
	}
	return join(words[:end]), join(words[end:]), true, true
}
