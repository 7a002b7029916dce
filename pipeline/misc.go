package pipeline

import (
	"crypto/rand"
	"net/url"
	"sort"
)

func randRead(b []byte) { rand.Read(b) }

func sortStrings(s []string) { sort.Strings(s) }

// redactURL drops credentials and the query from a URL for logs and tables.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}
