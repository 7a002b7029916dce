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

// jaroWinkler is go-edlib's Jaro-Winkler similarity of the clipped values.
func jaroWinkler(a, b string) float32 {
	return edlib.JaroWinklerSimilarity(clip(a), clip(b))
}
