package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Noise selects how carelessly the generated rows are typed.
type Noise int

const (
	// NoiseNormal is the default: the habits of ordinary hand-kept sheets.
	NoiseNormal Noise = iota
	// NoiseHeavy types more tax codes wrong or not at all, and misspells names.
	NoiseHeavy
	// NoiseIndep is the independent model (noise_indep.go): other people,
	// six provinces, every row typed on its own with keyboard, OCR and
	// phonetic slips, nicknames, date errors and mostly no tax code. Generate
	// only; Synthetic and Large treat it as NoiseNormal.
	NoiseIndep
)

// String returns "normal", "heavy" or "indep".
func (n Noise) String() string {
	switch n {
	case NoiseNormal:
		return "normal"
	case NoiseHeavy:
		return "heavy"
	case NoiseIndep:
		return "indep"
	}
	return fmt.Sprintf("Noise(%d)", int(n))
}

// ParseNoise returns the Noise called s ("normal", "heavy" or "indep").
func ParseNoise(s string) (Noise, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "normal", "":
		return NoiseNormal, nil
	case "heavy":
		return NoiseHeavy, nil
	case "indep":
		return NoiseIndep, nil
	}
	return 0, fmt.Errorf("parsing noise %q: %w", s, ErrUnknownNoise)
}

// noiseParams are the probabilities of each habit, per row.
type noiseParams struct {
	cfSingleMissing float64 // people with one row only
	cfRepeatMissing float64 // rows after a person's first
	cfRepeatWrong   float64 // one character wrong
	cfLower         float64
	cfSpaced        float64

	accentLoss float64
	apostrophe float64
	caseChange float64
	spaces     float64
	swapCols   float64 // surname typed in the given-name column and vice versa
	givenFirst float64 // full name typed "Maria ROSSI" instead of "ROSSI Maria"
	typo       float64 // one wrong letter in a name
	typo2      float64 // a second one

	birthMissing float64
	birthText    float64 // typed as text in another format
	birthWrong   float64 // day and month swapped

	showEmail float64
	showPhone float64
}

func paramsFor(n Noise) noiseParams {
	if n == NoiseHeavy {
		return noiseParams{
			cfSingleMissing: 0.20, cfRepeatMissing: 0.60, cfRepeatWrong: 0.20,
			cfLower: 0.15, cfSpaced: 0.10,
			accentLoss: 0.7, apostrophe: 0.6, caseChange: 0.35, spaces: 0.2,
			swapCols: 0.08, givenFirst: 0.35, typo: 0.12, typo2: 0.4,
			birthMissing: 0.12, birthText: 0.25, birthWrong: 0.05,
			showEmail: 0.7, showPhone: 0.6,
		}
	}
	return noiseParams{
		cfSingleMissing: 0.06, cfRepeatMissing: 0.33, cfRepeatWrong: 0.24,
		cfLower: 0.06, cfSpaced: 0.04,
		accentLoss: 0.5, apostrophe: 0.4, caseChange: 0.2, spaces: 0.1,
		swapCols: 0.03, givenFirst: 0.2, typo: 0.02, typo2: 0,
		birthMissing: 0.04, birthText: 0.1, birthWrong: 0.02,
		showEmail: 0.8, showPhone: 0.7,
	}
}

// typed is one person as typed on one row.
type typed struct {
	surname, given string
	givenFirst     bool // full name typed given name first
	taxCode        string
	cfWrong        bool // missing or one character wrong
	birth          time.Time
	birthMissing   bool
	birthText      string // non-empty: the date typed as this text
	email, phone   string
}

// typeRow types person p for a row. first: the person's first row in output
// order; multi: the person has more rows; strict: the row must stay loadable
// and linkable (Cremona), so noise never hits tax code and birth date at once
// and names keep their letters under NoiseNormal.
func (np *noiseParams) typeRow(r *rand.Rand, p *person, first, multi, strict bool) typed {
	t := typed{surname: p.surname, given: p.given, birth: p.birth, taxCode: p.taxCode}
	switch {
	case first && multi:
		// kept: the reference a repeat is compared with
	case first:
		if r.Float64() < np.cfSingleMissing {
			t.taxCode, t.cfWrong = "", true
		}
	default:
		switch x := r.Float64(); {
		case x < np.cfRepeatMissing:
			t.taxCode, t.cfWrong = "", true
		case x < np.cfRepeatMissing+np.cfRepeatWrong:
			t.taxCode, t.cfWrong = wrongChar(r, t.taxCode), true
		}
	}
	if t.taxCode != "" {
		if r.Float64() < np.cfLower {
			t.taxCode = strings.ToLower(t.taxCode)
		}
		if r.Float64() < np.cfSpaced {
			t.taxCode = t.taxCode[:6] + " " + t.taxCode[6:11] + " " + t.taxCode[11:]
		}
	}

	light := strict && np.typo2 == 0
	t.surname = np.typeName(r, t.surname, !first && !light)
	t.given = np.typeName(r, t.given, !first && !light)
	if !first && r.Float64() < np.swapCols {
		t.surname, t.given = t.given, t.surname
	}
	t.givenFirst = r.Float64() < np.givenFirst

	if !(t.cfWrong && light) {
		switch x := r.Float64(); {
		case x < np.birthMissing:
			t.birthMissing = true
		case x < np.birthMissing+np.birthText:
			t.birthText = dateText(r, t.birth)
		case x < np.birthMissing+np.birthText+np.birthWrong && t.birth.Day() <= 12 && t.birth.Day() != int(t.birth.Month()):
			t.birth = time.Date(t.birth.Year(), time.Month(t.birth.Day()), int(t.birth.Month()), 0, 0, 0, 0, time.UTC)
		}
	}
	if p.email != "" && r.Float64() < np.showEmail {
		t.email = p.email
		if r.IntN(10) == 0 {
			t.email = strings.ToUpper(t.email[:1]) + t.email[1:]
		}
	}
	if p.phone != "" && r.Float64() < np.showPhone {
		t.phone = phoneText(r, p.phone)
	}
	return t
}

// typeName applies the spelling habits to one name; typos only when allowed.
func (np *noiseParams) typeName(r *rand.Rand, s string, typos bool) string {
	if r.Float64() < np.accentLoss {
		s = loseAccents(s, r.IntN(2) == 0)
	}
	if strings.ContainsRune(s, '\'') && r.Float64() < np.apostrophe {
		s = strings.ReplaceAll(s, "'", []string{"", " ", "’", "`"}[r.IntN(4)])
	}
	if typos && r.Float64() < np.typo {
		s = typo(r, s)
		if r.Float64() < np.typo2 {
			s = typo(r, s)
		}
	}
	if r.Float64() < np.caseChange {
		if r.IntN(3) == 0 {
			s = strings.ToLower(s)
		} else {
			s = strings.ToUpper(s)
		}
	}
	if r.Float64() < np.spaces {
		switch r.IntN(3) {
		case 0:
			s += " "
		case 1:
			s = " " + s
		default:
			if i := strings.IndexByte(s, ' '); i > 0 {
				s = s[:i] + "  " + s[i+1:]
			} else {
				s += "  "
			}
		}
	}
	return s
}

// loseAccents drops accents, writing a final accented vowel as vowel +
// apostrophe ("Nicolò" → "Nicolo'") when apostrophe is set.
func loseAccents(s string, apostrophe bool) string {
	var b strings.Builder
	for i, c := range s {
		f := foldRune(c)
		if c < utf8.RuneSelf || f == 0 {
			b.WriteRune(c)
			continue
		}
		if unicode.IsLower(c) {
			f = byte(unicode.ToLower(rune(f)))
		}
		b.WriteByte(f)
		if apostrophe && i+utf8.RuneLen(c) == len(s) && strings.IndexByte("aeiouAEIOU", f) >= 0 {
			b.WriteByte('\'')
		}
	}
	return b.String()
}

// typo replaces, drops or doubles one letter (never the first).
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	i := 1 + r.IntN(len(rs)-2)
	if !unicode.IsLetter(rs[i]) {
		return s
	}
	switch r.IntN(3) {
	case 0:
		c := rune("aeioulnrst"[r.IntN(10)])
		if unicode.IsUpper(rs[i]) {
			c = unicode.ToUpper(c)
		}
		if c == rs[i] {
			return string(append(rs[:i:i], rs[i+1:]...))
		}
		rs[i] = c
		return string(rs)
	case 1:
		return string(append(rs[:i:i], rs[i+1:]...))
	default:
		return string(append(rs[:i+1:i+1], rs[i:]...))
	}
}

// wrongChar changes one character of a tax code into another of the same
// kind (letter for letter, digit for digit), which always breaks the check letter.
func wrongChar(r *rand.Rand, code string) string {
	b := []byte(code)
	i := r.IntN(len(b))
	c := b[i]
	for b[i] == c {
		if c >= '0' && c <= '9' {
			b[i] = byte('0' + r.IntN(10))
		} else {
			b[i] = byte('A' + r.IntN(26))
		}
	}
	return string(b)
}

// dateText types a date as text the way people do.
func dateText(r *rand.Rand, t time.Time) string {
	switch r.IntN(5) {
	case 0, 1:
		return t.Format("02/01/2006")
	case 2:
		return fmt.Sprintf("%d-%d-%02d", t.Day(), int(t.Month()), t.Year()%100)
	case 3:
		return t.Format("2.1.2006")
	default:
		return fmt.Sprintf("%d/%d/%d", t.Day(), int(t.Month()), t.Year())
	}
}

// phoneText formats a mobile number (ten digits) as people type it.
func phoneText(r *rand.Rand, digits string) string {
	switch r.IntN(5) {
	case 0:
		return digits
	case 1:
		return digits[:3] + "-" + digits[3:]
	case 2:
		return "+39 " + digits[:3] + " " + digits[3:]
	case 3:
		return digits[:3] + "/" + digits[3:]
	default:
		return digits[:3] + " " + digits[3:]
	}
}
