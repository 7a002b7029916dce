package canon

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// sexWords maps folded spellings to "F" or "M".
var sexWords = map[string]string{
	"F": "F", "FEMMINA": "F", "FEMMINILE": "F", "DONNA": "F", "FEMALE": "F", "WOMAN": "F",
	"M": "M", "MASCHIO": "M", "MASCHILE": "M", "UOMO": "M", "MALE": "M", "MAN": "M",
}

// ParseSex reads F, M, Femmina, Maschio, Donna, Uomo, female, male, "F."
// (any case, punctuation ignored) and returns "F" or "M". Errors wrap
// ErrEmpty or ErrBadSex.
func ParseSex(raw string) (string, error) {
	if CleanText(raw) == "" {
		return "", fmt.Errorf("parsing sex: %w", ErrEmpty)
	}
	var buf [64]byte
	if s, ok := sexWords[string(appendFold(buf[:0], raw))]; ok {
		return s, nil
	}
	return "", fmt.Errorf("parsing sex: %w", ErrBadSex)
}

// statusStem is a word stem of an outcome, with the longest ending (in
// letters) a word may add to it; -1 for any.
type statusStem struct {
	stem   string
	ending int
	status string
}

var statusStems = []statusStem{
	{"AMMESS", 2, StatusAccepted}, {"ACCETTAT", 2, StatusAccepted}, {"ACCOLT", 2, StatusAccepted},
	{"ISCRITT", 2, StatusAccepted}, {"FREQUENTANT", 1, StatusAccepted}, {"CONFERMAT", 2, StatusAccepted},
	{"IDONE", 2, StatusAccepted},
	// Abbreviations, typed with or without a dot: amm., acc., accett.
	{"AMM", 0, StatusAccepted}, {"ACC", 0, StatusAccepted}, {"ACCETT", 0, StatusAccepted},
	// Yes/no columns ("Ammesso/a?"): sì, s, x, ✓ (above), 1, vero.
	{"SI", 0, StatusAccepted}, {"S", 0, StatusAccepted}, {"OK", 0, StatusAccepted}, {"X", 0, StatusAccepted},
	{"YES", 0, StatusAccepted}, {"Y", 0, StatusAccepted}, {"1", 0, StatusAccepted}, {"VERO", 0, StatusAccepted},
	{"TRUE", 0, StatusAccepted},
	{"RESPINT", 2, StatusNotAccepted}, {"DINIEGAT", 2, StatusNotAccepted}, {"ESCLUS", 2, StatusNotAccepted},
	{"RIFIUTAT", 2, StatusNotAccepted}, {"SCARTAT", 2, StatusNotAccepted}, {"DINIEGO", 0, StatusNotAccepted},
	{"ESCL", 0, StatusNotAccepted}, {"RESP", 0, StatusNotAccepted}, {"DINIEG", 0, StatusNotAccepted},
	{"NO", 0, StatusNotAccepted}, {"N", 0, StatusNotAccepted}, {"0", 0, StatusNotAccepted},
	{"FALSO", 0, StatusNotAccepted}, {"FALSE", 0, StatusNotAccepted},
	{"RITIRAT", 2, StatusWithdrawn}, {"RITIRO", 0, StatusWithdrawn}, {"RINUNC", -1, StatusWithdrawn},
	{"RIT", 0, StatusWithdrawn}, {"RIN", 0, StatusWithdrawn},
}

// wordStatus returns the outcome a folded word stands for, or "".
func wordStatus(w string) string {
	for _, st := range statusStems {
		if strings.HasPrefix(w, st.stem) && (st.ending < 0 || len(w)-len(st.stem) <= st.ending) {
			return st.status
		}
	}
	return ""
}

// foldedWords splits s into words at anything that is not a letter or a
// digit, and folds each.
func foldedWords(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range ws {
		ws[i] = Fold(w)
	}
	return ws
}

// appendFoldedWords is foldedWords without a string per word: it appends
// the folded words to buf one after another, and the end of each in buf
// to ends.
func appendFoldedWords(buf []byte, ends []int, s string) ([]byte, []int) {
	start := -1 // the start of the current word in s, -1 between words
	for i, r := range s {
		sep := !unicode.IsLetter(r) && !unicode.IsDigit(r)
		switch {
		case sep && start >= 0:
			buf = appendFold(buf, s[start:i])
			ends = append(ends, len(buf))
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	if start >= 0 {
		buf = appendFold(buf, s[start:])
		ends = append(ends, len(buf))
	}
	return buf, ends
}

// ParseStatus reads an application outcome, accents, case and dots
// ignored: ammesso/a, amm., accettato/a, acc., sì/si/s/ok/x/✓/1/vero,
// iscritto/a, frequentante → accepted; non ammesso/a, non amm., non
// accettato/a, respinto/a, diniegato/a, escluso/a, escl., no/n/0/falso/✗ →
// not_accepted; ritirato/a, rit., rinuncia, rin., rinunciatario/a, ritiro,
// "ritirato prima dell'inizio" → withdrawn. The yes/no forms serve columns
// headed "Ammesso/a?" or "Accettato/a?". A withdrawal anywhere in the cell
// wins ("ammessa – ritirata" is withdrawn); otherwise the first word
// decides. It never returns StatusNotIndicated: errors wrap ErrEmpty or
// ErrBadStatus, and the caller decides.
func ParseStatus(raw string) (string, error) {
	s := CleanText(raw)
	if s == "" {
		return "", fmt.Errorf("parsing status: %w", ErrEmpty)
	}
	switch s {
	case "✓", "✔", "☑", "✅", "✔️":
		return StatusAccepted, nil
	case "✗", "✘", "❌", "☒":
		return StatusNotAccepted, nil
	}
	// The words, folded, one after another in buf; words[i] ends at ends[i].
	var bufA [64]byte
	var endsA [8]int
	buf, ends := appendFoldedWords(bufA[:0], endsA[:0], s)
	if len(ends) == 0 {
		return "", fmt.Errorf("parsing status: %w", ErrBadStatus)
	}
	word := func(i int) []byte {
		if i == 0 {
			return buf[:ends[0]]
		}
		return buf[ends[i-1]:ends[i]]
	}
	for i := range ends {
		if wordStatus(string(word(i))) == StatusWithdrawn && (i == 0 || string(word(i-1)) != "NON") {
			return StatusWithdrawn, nil
		}
	}
	if string(word(0)) == "NON" {
		if len(ends) > 1 && wordStatus(string(word(1))) == StatusAccepted && isStatusWord(string(word(1))) {
			return StatusNotAccepted, nil
		}
		return "", fmt.Errorf("parsing status: %w", ErrBadStatus)
	}
	if st := wordStatus(string(word(0))); st != "" {
		return st, nil
	}
	return "", fmt.Errorf("parsing status: %w", ErrBadStatus)
}

// isStatusWord reports an outcome word that "non" may negate: a word
// (ammesso, amm., accettato), not a yes/no mark (sì, s, x, 1, vero).
func isStatusWord(w string) bool {
	switch w {
	case "SI", "S", "X", "OK", "YES", "Y", "1", "VERO", "TRUE":
		return false
	}
	return true
}

// ParseEmail reads an e-mail address: trimmed, lower-cased, a "mailto:"
// prefix and angle brackets removed, and checked with net/mail (a bare
// address, no display name, a dotted domain). Errors wrap ErrEmpty or
// ErrBadEmail.
func ParseEmail(raw string) (string, error) {
	s := CleanText(raw)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = strings.TrimSpace(s[7:])
	}
	s = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">"))
	if s == "" {
		return "", fmt.Errorf("parsing e-mail: %w", ErrEmpty)
	}
	if strings.ContainsAny(s, " ,;<>\"") {
		return "", fmt.Errorf("parsing e-mail: %w", ErrBadEmail)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("parsing e-mail: %w", ErrBadEmail)
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") {
		return "", fmt.Errorf("parsing e-mail: domain: %w", ErrBadEmail)
	}
	return s, nil
}

// ParsePhone reads a telephone number and returns it in E.164 form,
// "+39…". Spaces, dots, slashes, dashes and parentheses are ignored; a
// leading 00 is read as +. A number without a country code gets
// defaultCC ("+39" when empty). Italian numbers must have 6 to 11 digits
// after +39, others 8 to 15 digits in all. Errors wrap ErrEmpty or
// ErrBadPhone.
func ParsePhone(raw, defaultCC string) (string, error) {
	if defaultCC == "" {
		defaultCC = "+39"
	}
	if len(defaultCC) < 2 || len(defaultCC) > 4 || defaultCC[0] != '+' || !allDigits(defaultCC[1:]) {
		return "", fmt.Errorf("parsing phone: default country code: %w", ErrBadPhone)
	}
	s := CleanText(raw)
	if d, ok := strings.CutSuffix(s, ".0"); ok && allDigits(d) { // a number cell
		s = d
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == '+' && len(b) == 0 && i == strings.IndexByte(s, '+'):
			b = append(b, c)
		case c == ' ' || c == '.' || c == '/' || c == '-' || c == '(' || c == ')':
		default:
			return "", fmt.Errorf("parsing phone: %w", ErrBadPhone)
		}
	}
	n := string(b)
	switch {
	case n == "":
		return "", fmt.Errorf("parsing phone: %w", ErrEmpty)
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case n[0] != '+':
		if defaultCC == "+39" && len(n) == 12 && strings.HasPrefix(n, "393") {
			n = "+" + n // 39 333 1234567 typed without the plus
		} else {
			n = defaultCC + n
		}
	}
	digits := n[1:]
	if strings.HasPrefix(n, "+39") {
		if l := len(digits) - 2; l < 6 || l > 11 {
			return "", fmt.Errorf("parsing phone: length: %w", ErrBadPhone)
		}
	} else if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", fmt.Errorf("parsing phone: length: %w", ErrBadPhone)
	}
	return n, nil
}

// Axes are the five axes of the integration plan, in order.
var Axes = []string{"I", "II", "III", "IV", "V"}

// AxisTitleIT gives each axis its Italian title.
var AxisTitleIT = map[string]string{
	"I":   "Educazione e apprendimento: dalla lingua ai valori",
	"II":  "Lavoro",
	"III": "Alloggio e governo del territorio",
	"IV":  "Accesso ai servizi essenziali",
	"V":   "Minori e seconde generazioni",
}

// axisFolded holds the folded titles, in the order of Axes.
var axisFolded = func() []string {
	fs := make([]string, len(Axes))
	for i, a := range Axes {
		fs[i] = Fold(AxisTitleIT[a])
	}
	return fs
}()

// ParseAxis reads an axis: "I".."V", "1".."5", "Asse IV", "asse 4",
// "IV - Accesso ai servizi", or the axis title (or its first words, at
// least five letters: "Accesso ai servizi", "Lavoro"). It returns "I".."V".
// Errors wrap ErrEmpty or ErrBadAxis.
func ParseAxis(raw string) (string, error) {
	if CleanText(raw) == "" {
		return "", fmt.Errorf("parsing axis: %w", ErrEmpty)
	}
	ws := foldedWords(raw)
	if len(ws) == 0 {
		return "", fmt.Errorf("parsing axis: %w", ErrBadAxis)
	}
	if ws[0] == "ASSE" || ws[0] == "AXIS" {
		ws = ws[1:]
		if len(ws) == 0 {
			return "", fmt.Errorf("parsing axis: %w", ErrBadAxis)
		}
	}
	switch ws[0] {
	case "I", "1":
		return "I", nil
	case "II", "2":
		return "II", nil
	case "III", "3":
		return "III", nil
	case "IV", "4":
		return "IV", nil
	case "V", "5":
		return "V", nil
	}
	f := strings.Join(ws, "")
	for i, t := range axisFolded {
		if f == t || len(f) >= 5 && strings.HasPrefix(t, f) {
			return Axes[i], nil
		}
	}
	return "", fmt.Errorf("parsing axis: %w", ErrBadAxis)
}
