package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"github.com/lombardia-orim/correlare/canon"
)

// This file is the independent noise model (NoiseIndep). It shares nothing
// with noise.go: every row is typed on its own (there is no clean reference
// row), the tax code is mostly absent, names suffer keyboard slips on an
// Italian keyboard, OCR confusions, phonetic spellings, nicknames and other
// transliterations, and dates digit slips, swaps and off-by-one years.

// noiseKind is one kind of error the independent typing makes.
type noiseKind int

const (
	nkKeyboard       noiseKind = iota // a neighbouring key hit, a letter doubled, dropped or swapped
	nkOCR                             // rn→m, l→1, O→0, cl→d…
	nkPhonetic                        // gn/ni, ch/c, double consonants, final vowel
	nkNickname                        // Giuseppe → Peppe, Maria Grazia → M. Grazia
	nkTranslit                        // Mohamed → Mohammed
	nkCompound                        // De Luca → Deluca, D'Angelo → D Angelo
	nkMarried                         // a wife's surname with her husband's: "Rossi in Bianchi"
	nkSwapNames                       // surname in the given-name column and vice versa
	nkWrongColumn                     // "Rossi Maria" typed in the surname column
	nkTaxCodeMissing                  // no tax code on the row
	nkTaxCodeWrong                    // a tax code with a misread or mistyped character
	nkBirthMissing                    // no birth date
	nkBirthText                       // the date typed as text
	nkBirthDigit                      // one digit of the date wrong
	nkBirthSwap                       // day and month swapped
	nkBirthYear                       // the year off by one
	nkEmailTypo                       // a slip in the address
	nkEmailMissing                    // the person has an address, the row does not
	nkKinds                           // number of kinds
)

var noiseKindNames = [nkKinds]string{
	"keyboard", "ocr", "phonetic", "nickname", "translit", "compound", "married", "swap_names",
	"wrong_column", "tax_code_missing", "tax_code_wrong", "birth_missing", "birth_text",
	"birth_digit", "birth_swap", "birth_year", "email_typo", "email_missing",
}

func (k noiseKind) String() string { return noiseKindNames[k] }

// noiseKindSet is the set of kinds applied to one row.
type noiseKindSet uint32

func (s *noiseKindSet) add(k noiseKind)     { *s |= 1 << k }
func (s noiseKindSet) has(k noiseKind) bool { return s&(1<<k) != 0 }

// indepRates are the independent model's probabilities, per row (per name
// for the name kinds). The test measures them back on the written set.
var indepRates = struct {
	taxCodeShown, taxCodeWrong                                float64
	birthMissing, birthText, birthDigit, birthSwap, birthYear float64
	nickname, compoundGiven, translit, compoundSurname        float64
	usualNick, usualShown                                     float64 // people who go by a short form; rows that show it
	phonetic, keyboard, ocr                                   float64
	swap, wrongColumn                                         float64
	emailShown, emailTypo, phoneShown, townShown, placeShown  float64
	upper, lower, givenFirst, sexBlank                        float64
	married, moved                                            float64 // a wife's rows with the husband's surname; repeaters who change employer
}{
	taxCodeShown: 0.22, taxCodeWrong: 0.10,
	birthMissing: 0.08, birthText: 0.12, birthDigit: 0.03, birthSwap: 0.03, birthYear: 0.025,
	nickname: 0.06, compoundGiven: 0.25, usualNick: 0.25, usualShown: 0.6, translit: 0.30, compoundSurname: 0.35,
	phonetic: 0.04, keyboard: 0.03, ocr: 0.015,
	swap: 0.03, wrongColumn: 0.015,
	emailShown: 0.65, emailTypo: 0.03, phoneShown: 0.6, townShown: 0.9, placeShown: 0.85,
	upper: 0.28, lower: 0.07, givenFirst: 0.15, sexBlank: 0.04,
	married: 0.15, moved: 0.12,
}

// indepTyped is one person as typed on one row of the independent set.
type indepTyped struct {
	surname, given string // the two name columns
	givenFirst     bool   // a full-name column typed given name first
	nameCase       int    // 0 as is, 1 upper, 2 lower
	taxCode        string
	birth          cell
	place, town    string
	email, phone   string
	org            string
	sexBlank       bool
	kinds          noiseKindSet
}

// indepTyper types rows of the independent set.
type indepTyper struct {
	r *rand.Rand
}

func newIndepTyper(r *rand.Rand) *indepTyper { return &indepTyper{r: r} }

func (ty *indepTyper) chance(p float64) bool { return ty.r.Float64() < p }

// typeRow types person ip for application a on a row of sheet s.
func (ty *indepTyper) typeRow(ip *indepPerson, s *sheetLayout, a *application) indepTyped {
	r, p, R := ty.r, ip.p, &indepRates
	var t indepTyped

	// Names.
	t.given = ty.given(ip, &t.kinds)
	t.surname = ty.surname(ip, &t.kinds)
	if ip.husband != nil && ty.chance(R.married) {
		if r.IntN(2) == 0 {
			t.surname += " in " + ip.husband.sur.name
		} else {
			t.surname += " " + ip.husband.sur.name
		}
		t.kinds.add(nkMarried)
	}
	full := false
	for _, c := range s.cols {
		full = full || c.kind == kFullName
	}
	switch {
	case ty.chance(R.swap + ip.origin.swapProb):
		t.surname, t.given = t.given, t.surname
		t.kinds.add(nkSwapNames)
	case !full && ty.chance(R.wrongColumn):
		t.surname = t.surname + " " + t.given
		t.kinds.add(nkWrongColumn)
	}
	t.givenFirst = full && ty.chance(R.givenFirst)
	switch x := r.Float64(); {
	case x < R.upper:
		t.nameCase = 1
	case x < R.upper+R.lower:
		t.nameCase = 2
	}

	// Tax code: mostly not given.
	if ty.chance(R.taxCodeShown) {
		t.taxCode = p.taxCode
		if ty.chance(R.taxCodeWrong) {
			t.taxCode = ty.misreadCode(t.taxCode)
			t.kinds.add(nkTaxCodeWrong)
		}
		if ty.chance(0.1) {
			t.taxCode = strings.ToLower(t.taxCode)
		}
	} else {
		t.kinds.add(nkTaxCodeMissing)
	}

	// Birth date.
	if ty.chance(R.birthMissing) {
		t.birth = text("")
		t.kinds.add(nkBirthMissing)
	} else {
		b := p.birth
		switch x := r.Float64(); {
		case x < R.birthDigit:
			if d, ok := ty.digitSlip(b); ok {
				b = d
				t.kinds.add(nkBirthDigit)
			}
		case x < R.birthDigit+R.birthSwap:
			if b.Day() <= 12 && b.Day() != int(b.Month()) {
				b = time.Date(b.Year(), time.Month(b.Day()), int(b.Month()), 0, 0, 0, 0, time.UTC)
				t.kinds.add(nkBirthSwap)
			}
		case x < R.birthDigit+R.birthSwap+R.birthYear:
			b = b.AddDate([]int{-1, 1}[r.IntN(2)], 0, 0)
			t.kinds.add(nkBirthYear)
		}
		if s.textDates || ty.chance(R.birthText) {
			t.birth = text(ty.dateAsText(b))
			t.kinds.add(nkBirthText)
		} else {
			t.birth = date(b)
		}
	}

	// Places, contacts.
	if ty.chance(R.placeShown) {
		t.place = ty.placeText(p.place.name)
	}
	if ty.chance(R.townShown) {
		t.town = ty.placeText(p.municipality)
	}
	if p.email != "" {
		if ty.chance(R.emailShown) {
			t.email = p.email
			if ty.chance(R.emailTypo) {
				t.email = ty.emailSlip(t.email)
				t.kinds.add(nkEmailTypo)
			}
			if ty.chance(0.05) {
				t.email = strings.ToUpper(t.email)
			}
		} else {
			t.kinds.add(nkEmailMissing)
		}
	}
	phone := p.phone
	if ip.landline != "" && (phone == "" || r.IntN(3) == 0) {
		phone = ip.landline
	}
	if phone != "" && ty.chance(R.phoneShown) {
		t.phone = ty.phoneAs(phone)
	}
	t.org = p.org.name
	if ip.org2 != nil && !a.m.start.Before(ip.moved) {
		t.org = ip.org2.name
	}
	t.sexBlank = ty.chance(R.sexBlank)
	return t
}

// given types the given name: a nickname, another way of writing a compound
// name, another transliteration, then slips.
func (ty *indepTyper) given(ip *indepPerson, ks *noiseKindSet) string {
	R := &indepRates
	g := ip.giv.name
	nick := nicknames[g]
	rate := R.nickname
	if strings.Contains(g, " ") {
		rate = R.compoundGiven
	}
	switch {
	case ip.usual != "" && ty.chance(R.usualShown):
		g = ip.usual
		ks.add(nkNickname)
	case len(nick) > 0 && ty.chance(rate):
		g = pick(ty.r, nick)
		ks.add(nkNickname)
	case len(ip.giv.alt) > 0 && ty.chance(R.translit):
		g = pick(ty.r, ip.giv.alt)
		ks.add(nkTranslit)
	}
	return ty.slips(g, ks)
}

// surname types the surname: another transliteration or compound spacing,
// then slips.
func (ty *indepTyper) surname(ip *indepPerson, ks *noiseKindSet) string {
	R := &indepRates
	s := ip.sur.name
	switch {
	case len(ip.sur.alt) > 0 && ty.chance(R.translit):
		s = pick(ty.r, ip.sur.alt)
		ks.add(nkTranslit)
	case strings.ContainsAny(s, " '") && ty.chance(R.compoundSurname):
		s = ty.compound(s)
		ks.add(nkCompound)
	}
	return ty.slips(s, ks)
}

// slips applies at most one of the phonetic, keyboard and OCR errors.
func (ty *indepTyper) slips(s string, ks *noiseKindSet) string {
	R := &indepRates
	switch x := ty.r.Float64(); {
	case x < R.phonetic:
		if v := ty.phonetic(s); v != s {
			ks.add(nkPhonetic)
			return v
		}
	case x < R.phonetic+R.keyboard:
		if v := ty.keyboardSlip(s); v != s {
			ks.add(nkKeyboard)
			return v
		}
	case x < R.phonetic+R.keyboard+R.ocr:
		if v := ty.ocrSlip(s); v != s {
			ks.add(nkOCR)
			return v
		}
	}
	return s
}

// compound writes a surname with a particle another way.
func (ty *indepTyper) compound(s string) string {
	switch ty.r.IntN(3) {
	case 0: // De Luca → Deluca, D'Angelo → Dangelo
		v := strings.NewReplacer(" ", "", "'", "").Replace(s)
		return v[:1] + strings.ToLower(v[1:])
	case 1: // D'Angelo → D Angelo, De Luca → De-Luca
		if strings.Contains(s, "'") {
			return strings.ReplaceAll(s, "'", " ")
		}
		return strings.ReplaceAll(s, " ", "-")
	}
	// De Luca → DeLuca, D'Angelo → D'angelo
	if i := strings.IndexAny(s, " '"); i >= 0 && i+1 < len(s) {
		if s[i] == ' ' {
			return s[:i] + s[i+1:]
		}
		return s[:i+1] + strings.ToLower(s[i+1:])
	}
	return s
}

// phoneticRules are Italian spelling confusions: each turns from into to.
var phoneticRules = []struct{ from, to string }{
	{"gn", "ni"}, {"gli", "li"}, {"chi", "ci"}, {"che", "ce"}, {"cq", "q"}, {"qu", "cu"},
	{"zz", "z"}, {"ll", "l"}, {"tt", "t"}, {"rr", "r"}, {"cc", "c"}, {"pp", "p"}, {"ss", "s"},
	{"nn", "n"}, {"mm", "m"}, {"ff", "f"}, {"bb", "b"},
	{"ph", "f"}, {"kh", "k"}, {"sh", "sc"}, {"y", "i"}, {"j", "i"}, {"k", "c"}, {"w", "v"},
	{"ou", "u"}, {"ee", "ea"},
}

// phonetic misspells s the way it sounds: a rule above, a single consonant
// doubled, or the final vowel changed.
func (ty *indepTyper) phonetic(s string) string {
	r := ty.r
	low := strings.ToLower(s)
	var cand []int
	for i, ru := range phoneticRules {
		if j := strings.Index(low[1:], ru.from); j >= 0 {
			cand = append(cand, i)
		}
	}
	switch x := r.IntN(3); {
	case x == 0 && len(cand) > 0:
		ru := phoneticRules[cand[r.IntN(len(cand))]]
		j := 1 + strings.Index(low[1:], ru.from)
		return s[:j] + matchCase(s[j:j+len(ru.from)], ru.to) + s[j+len(ru.from):]
	case x == 1:
		// A single consonant between vowels doubled: Galimberti → Gallimberti.
		rs := []rune(s)
		var at []int
		for i := 1; i+1 < len(rs); i++ {
			if isVowel(rs[i-1]) && isVowel(rs[i+1]) && unicode.IsLetter(rs[i]) && !isVowel(rs[i]) {
				at = append(at, i)
			}
		}
		if len(at) > 0 {
			i := at[r.IntN(len(at))]
			return string(rs[:i+1]) + string(rs[i:])
		}
	}
	// The final vowel changed: Rossi → Rosso, Maria → Marie.
	rs := []rune(s)
	last := len(rs) - 1
	if last < 3 || !isVowel(rs[last]) {
		if len(cand) > 0 {
			ru := phoneticRules[cand[0]]
			j := 1 + strings.Index(low[1:], ru.from)
			return s[:j] + matchCase(s[j:j+len(ru.from)], ru.to) + s[j+len(ru.from):]
		}
		return s
	}
	swap := map[rune]rune{'a': 'e', 'e': 'i', 'i': 'o', 'o': 'i', 'u': 'o', 'A': 'E', 'E': 'I', 'I': 'O', 'O': 'I', 'U': 'O'}
	if v, ok := swap[rs[last]]; ok {
		rs[last] = v
	}
	return string(rs)
}

func isVowel(c rune) bool { return strings.ContainsRune("aeiouAEIOUàèéìòù", c) }

// matchCase gives to the case of from (all upper or not).
func matchCase(from, to string) string {
	if strings.ToUpper(from) == from && strings.ToLower(from) != from {
		return strings.ToUpper(to)
	}
	return to
}

// italianKeys is the Italian QWERTY layout, three rows of letters.
var italianKeys = [3]string{"qwertyuiopè", "asdfghjklòàù", "zxcvbnm"}

// keyNeighbours maps a key to the keys around it.
var keyNeighbours = func() map[rune][]rune {
	rows := make([][]rune, 3)
	for i, row := range italianKeys {
		rows[i] = []rune(row)
	}
	m := map[rune][]rune{}
	for i, row := range rows {
		for j, c := range row {
			for di := -1; di <= 1; di++ {
				ii := i + di
				if ii < 0 || ii > 2 {
					continue
				}
				for dj := -1; dj <= 1; dj++ {
					// Rows are staggered, each half a key right of the one
					// above: below a key are j-1 and j, above it j and j+1.
					jj := j + dj
					if di == 1 && dj == 1 || di == -1 && dj == -1 {
						continue
					}
					if (di != 0 || dj != 0) && jj >= 0 && jj < len(rows[ii]) {
						m[c] = append(m[c], rows[ii][jj])
					}
				}
			}
		}
	}
	return m
}()

// keyboardSlip hits a neighbouring key, types a letter twice, drops one or
// swaps two, never on the first letter.
func (ty *indepTyper) keyboardSlip(s string) string {
	r := ty.r
	rs := []rune(s)
	if len(rs) < 3 {
		return s
	}
	i := 1 + r.IntN(len(rs)-1)
	c := unicode.ToLower(rs[i])
	nb := keyNeighbours[c]
	if len(nb) == 0 {
		return s
	}
	n := nb[r.IntN(len(nb))]
	if unicode.IsUpper(rs[i]) {
		n = unicode.ToUpper(n)
	}
	switch x := r.IntN(10); {
	case x < 5:
		rs[i] = n
	case x < 7:
		rs = append(rs[:i+1:i+1], append([]rune{n}, rs[i+1:]...)...)
	case x < 9 && i+1 < len(rs) && rs[i+1] != rs[i] && unicode.IsLetter(rs[i+1]):
		rs[i], rs[i+1] = rs[i+1], rs[i]
	default:
		rs = append(rs[:i:i], rs[i+1:]...)
	}
	return string(rs)
}

// ocrPairs are what a scanner misreads, in both directions where it happens.
var ocrPairs = []struct{ from, to string }{
	{"rn", "m"}, {"m", "rn"}, {"cl", "d"}, {"d", "cl"}, {"l", "1"}, {"I", "1"}, {"i", "l"},
	{"O", "0"}, {"o", "0"}, {"e", "c"}, {"h", "b"}, {"u", "v"}, {"S", "5"}, {"B", "8"},
	{"vv", "w"}, {"ri", "n"}, {"G", "6"}, {"Z", "2"},
}

// ocrSlip makes one scanner confusion (not on the first character).
func (ty *indepTyper) ocrSlip(s string) string {
	var cand []int
	for i, p := range ocrPairs {
		if strings.Contains(s[1:], p.from) {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return s
	}
	p := ocrPairs[cand[ty.r.IntN(len(cand))]]
	j := 1 + strings.Index(s[1:], p.from)
	return s[:j] + p.to + s[j+len(p.from):]
}

// misreadCode spoils a tax code: a misread character (0/O, 1/I, 5/S, 8/B,
// 2/Z), a neighbouring key, or two characters swapped.
func (ty *indepTyper) misreadCode(code string) string {
	r := ty.r
	b := []byte(code)
	look := map[byte]byte{'0': 'O', 'O': '0', '1': 'I', 'I': '1', '5': 'S', 'S': '5', '8': 'B', 'B': '8', '2': 'Z', 'Z': '2'}
	var at []int
	for i, c := range b {
		if _, ok := look[c]; ok {
			at = append(at, i)
		}
	}
	switch x := r.IntN(3); {
	case x == 0 && len(at) > 0:
		i := at[r.IntN(len(at))]
		b[i] = look[b[i]]
	case x == 1:
		i := r.IntN(len(b) - 1)
		if b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
			break
		}
		fallthrough
	default:
		i := r.IntN(len(b))
		if b[i] >= '0' && b[i] <= '9' {
			b[i] = '0' + (b[i]-'0'+1+byte(r.IntN(8)))%10
		} else if nb := keyNeighbours[rune(b[i]+'a'-'A')]; len(nb) > 0 {
			if c := nb[r.IntN(len(nb))]; c < 128 {
				b[i] = byte(unicode.ToUpper(c))
			} else {
				b[i] = 'X'
			}
		}
	}
	return string(b)
}

// digitSlip changes one digit of the day, month or year so that the date
// stays valid (and is not the day/month swap or a year off by one).
func (ty *indepTyper) digitSlip(b time.Time) (time.Time, bool) {
	r := ty.r
	for range 20 {
		d, m, y := b.Day(), int(b.Month()), b.Year()
		switch r.IntN(3) {
		case 0:
			d = flipDigit(r, d)
		case 1:
			m = flipDigit(r, m)
		default:
			y = y/10*10 + (y%10+2+r.IntN(7))%10
		}
		if d < 1 || m < 1 || m > 12 || d > daysIn(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)) {
			continue
		}
		n := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if n.Equal(b) || (d == int(b.Month()) && m == b.Day()) {
			continue
		}
		return n, true
	}
	return b, false
}

// flipDigit changes one decimal digit of a two-digit number.
func flipDigit(r *rand.Rand, n int) int {
	if r.IntN(2) == 0 {
		return n/10*10 + (n%10+1+r.IntN(9))%10
	}
	return (n/10+1+r.IntN(3))%4*10 + n%10
}

var itMonths = []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
	"agosto", "settembre", "ottobre", "novembre", "dicembre"}

// dateAsText types a date in one of the formats people use.
func (ty *indepTyper) dateAsText(b time.Time) string {
	d, m, y := b.Day(), int(b.Month()), b.Year()
	switch ty.r.IntN(7) {
	case 0:
		return fmt.Sprintf("%02d/%02d/%02d", d, m, y%100)
	case 1:
		return fmt.Sprintf("%d %s %d", d, itMonths[m-1], y)
	case 2:
		return fmt.Sprintf("%d-%02d-%02d", y, m, d)
	case 3:
		return fmt.Sprintf("%02d.%02d.%d", d, m, y)
	case 4:
		return fmt.Sprintf("%02d%02d%d", d, m, y)
	case 5:
		return fmt.Sprintf("%02d-%s-%02d", d, itMonths[m-1][:3], y%100)
	}
	return fmt.Sprintf("%02d/%02d/%d", d, m, y)
}

// placeText types a town: as is, in capitals, abbreviated or with the
// province's sigla.
func (ty *indepTyper) placeText(s string) string {
	switch x := ty.r.IntN(20); {
	case x < 4:
		return strings.ToUpper(s)
	case x < 5:
		return strings.ToLower(s)
	case x < 6 && strings.Contains(s, " "):
		f := strings.Fields(s)
		return f[0][:1] + ". " + strings.Join(f[1:], " ")
	}
	return s
}

// emailSlip makes one slip in an address: a key in the local part, the
// domain misspelt, a dot lost.
func (ty *indepTyper) emailSlip(e string) string {
	at := strings.IndexByte(e, '@')
	if at < 1 {
		return e
	}
	switch ty.r.IntN(3) {
	case 0:
		return ty.keyboardSlip(e[:at]) + e[at:]
	case 1:
		dom := strings.NewReplacer("gmail", "gmial", "libero", "libeor", "hotmail", "hotmial", "yahoo", "yaho").Replace(e[at:])
		if dom == e[at:] {
			dom = strings.Replace(dom, ".", ",", 1)
		}
		return e[:at] + dom
	}
	if i := strings.IndexAny(e[:at], "._"); i >= 0 {
		return e[:i] + e[i+1:]
	}
	return e[:at] + "@" + e[at:]
}

// phoneAs formats a phone number as typed.
func (ty *indepTyper) phoneAs(digits string) string {
	if strings.Contains(digits, " ") { // a landline, "0372 123456"
		if ty.r.IntN(3) == 0 {
			return strings.ReplaceAll(digits, " ", "/")
		}
		return digits
	}
	switch ty.r.IntN(4) {
	case 0:
		return digits[:3] + "." + digits[3:6] + "." + digits[6:]
	case 1:
		return "0039" + digits
	case 2:
		return digits[:3] + " " + digits[3:6] + " " + digits[6:]
	}
	return digits
}

// cell renders column c of application a as typed t.
func (ty *indepTyper) cell(s *sheetLayout, a *application, t *indepTyped, c col, seq int) cell {
	r, p := ty.r, a.p
	nc := func(v string) string {
		switch {
		case s.upperNames || t.nameCase == 1:
			return strings.ToUpper(v)
		case t.nameCase == 2:
			return strings.ToLower(v)
		}
		return v
	}
	switch c.kind {
	case kSeq:
		return number(float64(seq))
	case kSurname:
		return text(nc(t.surname))
	case kGiven:
		return text(nc(t.given))
	case kFullName:
		sur, giv := t.surname, t.given
		if !s.mixedFull && t.nameCase == 0 {
			sur = strings.ToUpper(sur)
		}
		if t.givenFirst {
			return text(nc(giv + " " + sur))
		}
		return text(nc(sur + " " + giv))
	case kTaxCode:
		return text(t.taxCode)
	case kSex:
		switch {
		case t.sexBlank:
			return text("")
		case p.female:
			return text(s.sexF.pick(r, true))
		}
		return text(s.sexM.pick(r, false))
	case kBirth:
		return t.birth
	case kBirthPlace:
		return text(nc(t.place))
	case kMunicipality:
		return text(nc(t.town))
	case kEmail:
		return text(t.email)
	case kPhone:
		return text(t.phone)
	case kOrg:
		if r.IntN(100) < 10 {
			return text(strings.ToUpper(t.org))
		}
		return text(t.org)
	case kOrgType:
		return text(p.org.kind)
	case kRole:
		if r.IntN(100) < 12 {
			return text(strings.ToLower(p.role))
		}
		return text(p.role)
	case kApplied:
		return date(a.applied)
	case kStatus:
		switch a.status {
		case canon.StatusAccepted:
			return text(s.accepted.pick(r, p.female))
		case canon.StatusNotAccepted:
			return text(s.rejected.pick(r, p.female))
		}
		return text(s.withdrawn.pick(r, p.female))
	case kHours:
		if !a.hasHours {
			return text("")
		}
		return number(a.hours)
	case kSatisfaction:
		if a.sat == 0 {
			return text("")
		}
		return number(float64(a.sat))
	case kNote:
		return text("")
	case kOfficePhone:
		return text("")
	}
	return moduleCell(a.m, c.kind, s.axisPrefix)
}
