package landing

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzFileNameFrom: whatever a server sends, the name is a usable base name.
func FuzzFileNameFrom(f *testing.F) {
	for _, s := range [][2]string{
		{`attachment; filename="iscritti.xlsx"`, "/a/b.xlsx"},
		{`attachment; filename*=UTF-8''%C3%A0.xlsx`, "/"},
		{`attachment; filename="../../x"`, "/.."},
		{`inline; filename="a\\b\\c.csv"`, ""},
		{`attachment; filename=".."`, "/."},
		{"attachment; filename=\"\x00\x1f\"", "/\x7f"},
		{`garbage;;=`, "/download/"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, cd, p string) {
		n := fileNameFrom(cd, p)
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") {
			t.Fatalf("fileNameFrom(%q, %q) = %q", cd, p, n)
		}
	})
}

// FuzzParseRetryAfter: the wait is never negative nor over the cap.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "-5", "120", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT", " 3 ", "soon", ""} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d := parseRetryAfter(v, now)
		if d < 0 || d > MaxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v", v, d)
		}
	})
}

// FuzzRedactURL: the password and secret query values never survive.
func FuzzRedactURL(f *testing.F) {
	f.Add("https://u:pw@opi.example.org/cr.xlsx?access_token=pw&x=1", "pw")
	f.Add("http://127.0.0.1:8080/a?Signature=pw&KEY=pw", "pw")
	f.Add("https://x.org/a?%74oken=pw", "pw")
	f.Add("https://x.org/a?token", "pw")
	f.Add("https://x.org/a#pw", "pw")
	f.Add("http://localhost.evil.example/a?token=pw", "pw")
	f.Add("http://127.0.0.1.evil.example:8080/a", "pw")
	f.Add("http://[::1]:80/a", "pw")
	f.Add("http://127.0.0.1@evil.example/a", "pw")
	f.Fuzz(func(t *testing.T, raw, secret string) {
		checkValidateURL(t, raw)
		if len(secret) < 4 || strings.ContainsAny(secret, "%+&=?#/:@[]") {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || strings.Contains(raw, secret) || strings.Contains(u.String(), secret) {
			return // the secret is part of what may be shown
		}
		// Put the secret in every place that must be redacted.
		u.User = url.UserPassword("user", secret)
		u.Fragment = secret
		q := u.RawQuery
		if q != "" {
			q += "&"
		}
		u.RawQuery = q + "api_key=" + url.QueryEscape(secret)
		out := redactURL(u)
		if strings.Contains(out, secret) || strings.Contains(out, url.QueryEscape(secret)) {
			t.Fatalf("redactURL(%q) = %q leaks %q", u.String(), out, secret)
		}
		if err := ValidateURL(u.String()); err != nil && strings.Contains(err.Error(), secret) {
			t.Fatalf("ValidateURL(%q) = %q leaks %q", u.String(), err, secret)
		}
	})
}

// checkValidateURL: a URL ValidateURL accepts is https:// with a host, or
// http:// to a host that is loopback by an independent reading (netip):
// never a name that merely starts like localhost or 127.0.0.1.
func checkValidateURL(t *testing.T, raw string) {
	t.Helper()
	if ValidateURL(raw) != nil {
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("ValidateURL accepted unparseable %q", raw)
	}
	host := u.Hostname()
	if host == "" {
		t.Fatalf("ValidateURL accepted %q without a host", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		addr, err := netip.ParseAddr(host)
		if !strings.EqualFold(host, "localhost") && (err != nil || !addr.Unmap().IsLoopback()) {
			t.Fatalf("ValidateURL accepted plain http to %q (%q)", host, raw)
		}
	default:
		t.Fatalf("ValidateURL accepted scheme %q (%q)", u.Scheme, raw)
	}
}

// FuzzExpandEnv: expansion never panics and leaves no "${" from the input
// behind on success.
func FuzzExpandEnv(f *testing.F) {
	for _, s := range []string{"Bearer ${TOKEN}", "${A}${B}", "$HOME", "${", "${}", "a${B", "${ A }", "x}"} {
		f.Add(s)
	}
	lookup := func(string) (string, bool) { return "v", true }
	f.Fuzz(func(t *testing.T, s string) {
		out, err := expandEnv(s, lookup)
		if err == nil && strings.Contains(out, "${") {
			t.Fatalf("expandEnv(%q) = %q", s, out)
		}
	})
}
