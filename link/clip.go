package link

import (
	"unicode/utf8"

	edlib "github.com/hbollon/go-edlib"
)

// maxFuzzyBytes bounds the text the fuzzy metrics read. Edit distance and
// Jaro-Winkler cost the product of the two lengths (edit distance also in
// memory): two 40,000-character cells would take gigabytes and minutes. No
// name, organisation or role is that long; such a value is compared by its
// first maxFuzzyBytes bytes (exact equality still reads all of it).
const maxFuzzyBytes = 256

// clip cuts s to at most maxFuzzyBytes bytes, at a character boundary.
func clip(s string) string {
	if len(s) <= maxFuzzyBytes {
		return s
	}
	i := maxFuzzyBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// jaroWinkler is go-edlib's Jaro-Winkler similarity of the clipped values,
// computed on the bytes when both are ASCII (the same arithmetic in the same
// order, without converting to runes: TestJaroWinklerMatchesEdlib).
func jaroWinkler(a, b string) float32 {
	a, b = clip(a), clip(b)
	if !ascii(a) || !ascii(b) {
		return edlib.JaroWinklerSimilarity(a, b)
	}
	j := jaroASCII(a, b)
	if j != 0.0 && j != 1.0 {
		prefix := 0
		for i := 0; i < min(len(a), len(b)); i++ {
			if a[i] != b[i] {
				break
			}
			prefix++
		}
		prefix = min(prefix, 4)
		return j + 0.1*float32(prefix)*(1-j)
	}
	return j
}

// jaroASCII is go-edlib's JaroSimilarity of two ASCII strings of at most
// maxFuzzyBytes bytes.
func jaroASCII(s1, s2 string) float32 {
	l1, l2 := len(s1), len(s2)
	if l1 == 0 || l2 == 0 {
		return 0.0
	} else if s1 == s2 {
		return 1.0
	}
	var match int
	maxDist := max(l1, l2)/2 - 1
	var t1, t2 [maxFuzzyBytes]bool
	for i := 0; i < l1; i++ {
		for j := max(0, i-maxDist); j < min(l2, i+maxDist+1); j++ {
			if s1[i] == s2[j] && !t2[j] {
				t1[i] = true
				t2[j] = true
				match++
				break
			}
		}
	}
	if match == 0 {
		return 0.0
	}
	var t float32
	var p int
	for i := 0; i < l1; i++ {
		if t1[i] {
			for !t2[p] {
				p++
			}
			if s1[i] != s2[p] {
				t++
			}
			p++
		}
	}
	t /= 2
	return (float32(match)/float32(l1) +
		float32(match)/float32(l2) +
		(float32(match)-t)/float32(match)) / 3.0
}

// withinOneEdit says whether a and b (clipped) are at most one edit apart
// in optimal string alignment distance (go-edlib's): equal, or one
// insertion, deletion, substitution or transposition of adjacent characters.
// Two ASCII strings are checked directly; others go through go-edlib.
func withinOneEdit(a, b string) bool {
	a, b = clip(a), clip(b)
	if !ascii(a) || !ascii(b) {
		return edlib.OSADamerauLevenshteinDistance(a, b) <= 1
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	switch len(a) - len(b) {
	case 0:
		if i == len(a) || a[i+1:] == b[i+1:] {
			return true // equal, or one substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		return a[i+1:] == b[i:] // one deletion from a
	}
	return false
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
