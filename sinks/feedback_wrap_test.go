package sinks

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// wrappedLinesRef is the first wrappedLines, by paragraphs and words with
// strings.Split and strings.Fields: the allocation-free one must agree.
func wrappedLinesRef(text string, width float64) int {
	limit := max(int(width*0.95)-1, 4)
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		lines++
		n := 0
		for _, word := range strings.Fields(para) {
			l := utf8.RuneCountInString(word)
			if n > 0 && n+1+l > limit {
				lines++
				n = 0
			}
			if n > 0 {
				n++
			}
			n += l
		}
	}
	return lines
}

func FuzzWrappedLines(f *testing.F) {
	for _, s := range []string{"", "a", "\n", "a\n\nb", "  parola  lunghissima\tcon\u00a0spazi\u2003strani  ",
		"Controllare il codice fiscale su un documento e correggere il carattere sbagliato", "\xff\xfe x \xff",
		strings.Repeat("àè ", 50), "riga\r\nnuova"} {
		for _, w := range []float64{0, 4, 9, 40, 60.5} {
			f.Add(s, w)
		}
	}
	f.Fuzz(func(t *testing.T, text string, width float64) {
		if width != width || width < -1e6 || width > 1e6 {
			return // NaN and absurd widths: int() of them is not defined
		}
		if got, want := wrappedLines(text, width), wrappedLinesRef(text, width); got != want {
			t.Errorf("wrappedLines(%q, %v) = %d, the reference gives %d", text, width, got, want)
		}
	})
}
