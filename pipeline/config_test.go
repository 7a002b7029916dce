package pipeline

import (
	"errors"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
)

// The example loads on a machine without Milano's token: the token is read
// when Milano's source is fetched (see TestInitThenRunWithoutToken).
func TestExampleConfigLoads(t *testing.T) {
	t.Setenv("OPI_MILANO_TOKEN", "")
	os.Unsetenv("OPI_MILANO_TOKEN") // t.Setenv above restores the environment
	c, err := ParseConfig("/etc/correlare/correlare.yaml", ExampleConfig())
	if err != nil {
		t.Fatalf("without OPI_MILANO_TOKEN: %v", err)
	}
	if len(c.Provinces) != 2 || c.Provinces[0].Code != "CR" || c.Provinces[0].ISTAT != "019" {
		t.Fatalf("provinces %+v", c.Provinces)
	}
	if c.Paths.Warehouse != "/etc/correlare/var/warehouse.duckdb" {
		t.Errorf("warehouse resolved to %s", c.Paths.Warehouse)
	}
	if got := c.Provinces[0].ColumnOverrides()["Cod. edizione"]; got != "edition" {
		t.Errorf("override %q", got)
	}
	if c.LockWait.Minutes() != 10 || c.Schedule.Grace.Minutes() != 5 {
		t.Errorf("durations %v %v", c.LockWait, c.Schedule.Grace)
	}
}

func TestConfigReportsEveryProblemWithItsLine(t *testing.T) {
	src := `paths:
  warehouse: w.duckdb
schedule:
  timezone: Mars/Olympus
provinces:
  - code: cremona
    istat: 19
    name: Cremona
    sources:
      - path: x/*.xlsx
        url: https://a/b.xlsx
  - code: MI
    istat: "015"
    name: ""
    sources: []
    columns:
      Foo: not_a_field
`
	_, err := ParseConfig(filepath.Join(t.TempDir(), "c.yaml"), []byte(src))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want *ConfigError, got %v", err)
	}
	want := []string{
		"line 6: province 1: code \"cremona\"",
		"istat \"19\" must be three digits",
		"line 10: province cremona source 1: give path or url, not both",
		"province MI: name is missing",
		"province MI: no sources",
		"line 17: province MI: column \"Foo\" maps to unknown field",
		"line 4: schedule: unknown time zone",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ce.Problems), len(want), msg)
	}
}

// TestConfigSources: every source goes through landing's one check when
// the config loads; each problem names the source and its line. Plain http
// is for loopback hosts only, read from the parsed host, and a header's
// ${VAR} must be set now, not discovered at the night's run.
func TestConfigSources(t *testing.T) {
	t.Setenv("CORRELARE_TEST_TOKEN", "s3cret")
	os.Unsetenv("CORRELARE_TEST_UNSET") // t.Setenv above restores the environment
	for _, tc := range []struct {
		name   string
		source string // the YAML of one source, from line 6
		want   string // the one problem expected; "" = loads
	}{
		{"glob", "path: x/*.xlsx", ""},
		{"https", "url: https://opi.example.org/cr.xlsx", ""},
		{"http localhost", "url: http://localhost:8080/cr.xlsx", ""},
		{"http 127.0.0.1", "url: http://127.0.0.1/cr.xlsx", ""},
		{"http 127.8.9.10", "url: http://127.8.9.10/cr.xlsx", ""},
		{"http ::1", "url: http://[::1]:8080/cr.xlsx", ""},
		{"header set", "url: https://opi.example.org/cr.xlsx\n        headers: {Authorization: \"Bearer ${CORRELARE_TEST_TOKEN}\"}", ""},
		{"http remote", "url: http://opi.example.org/cr.xlsx", "line 6: province CR source 1: url http://opi.example.org/cr.xlsx: http:// is allowed only for loopback hosts"},
		{"http localhost prefix", "url: http://localhost.evil.example/cr.xlsx", "line 6: province CR source 1: url http://localhost.evil.example/cr.xlsx: http:// is allowed only"},
		{"http 127.0.0.1 prefix", "url: http://127.0.0.1.evil.example/cr.xlsx", "line 6: province CR source 1: url http://127.0.0.1.evil.example/cr.xlsx: http:// is allowed only"},
		{"http ::1 prefix", "url: http://[::1]x.evil.example/cr.xlsx", "line 6: province CR source 1: url "},
		{"http loopback in userinfo", "url: http://localhost@evil.example/cr.xlsx", "line 6: province CR source 1: url http://evil.example/cr.xlsx: http:// is allowed only"},
		{"ftp", "url: ftp://opi.example.org/cr.xlsx", "line 6: province CR source 1: url ftp://opi.example.org/cr.xlsx: scheme \"ftp\" not supported"},
		{"no host", "url: https:///cr.xlsx", "line 6: province CR source 1: url https:///cr.xlsx: no host"},
		{"password not echoed", "url: http://u:hunter22@opi.example.org/cr.xlsx?token=hunter22", "line 6: province CR source 1: url http://opi.example.org/cr.xlsx?token=REDACTED: "},
		{"bad glob", "path: x/[CR/*.xlsx", "line 6: province CR source 1: path "},
		{"both", "path: x/*.xlsx\n        url: https://opi.example.org/cr.xlsx", "line 6: province CR source 1: give path or url, not both"},
		{"headers on a glob", "path: x/*.xlsx\n        headers: {A: b}", "line 7: province CR source 1: headers are sent only to a url"},
		// Read when fetched: unset here, the fetch of this source fails alone.
		{"header variable unset", "url: https://opi.example.org/cr.xlsx\n        headers:\n          X-Other: plain\n          Authorization: \"Bearer ${CORRELARE_TEST_UNSET}\"", ""},
		{"header variable without a name", "url: https://opi.example.org/cr.xlsx\n        headers:\n          X-Other: plain\n          Authorization: \"Bearer ${}\"",
			"line 9: province CR source 1: header Authorization: bad variable name \"\""},
		{"header variable unterminated", "url: https://opi.example.org/cr.xlsx\n        headers: {Authorization: \"Bearer ${TOKEN\"}", "line 7: province CR source 1: header Authorization: unterminated ${"},
		{"header name the path syntax cannot hold", "url: https://opi.example.org/cr.xlsx\n        headers:\n          \"X.Token [1]\": \"${CORRELARE_TEST_UNSET\"",
			"line 8: province CR source 1: header X.Token [1]: unterminated ${"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "provinces:\n  - code: CR\n    istat: \"019\"\n    name: Cremona\n    sources:\n      - " + tc.source + "\n"
			_, err := ParseConfig(filepath.Join(t.TempDir(), "c.yaml"), []byte(src))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("config:\n%s\nwant it to load, got %v", src, err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("config:\n%s\nwant *ConfigError, got %v", src, err)
			}
			if len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], tc.want) {
				t.Fatalf("problems %q, want one starting %q", ce.Problems, tc.want)
			}
			if strings.Contains(err.Error(), "hunter22") || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("problem %q leaks a secret", err)
			}
		})
	}
}

// TestConfigUnsetHeaderListedWithOtherProblems: a header's ${VAR} whose
// syntax is wrong is one problem among the others, each with its line; an
// unset one is no problem of the config (its source fails when fetched).
func TestConfigUnsetHeaderListedWithOtherProblems(t *testing.T) {
	t.Setenv("CORRELARE_TEST_UNSET", "")
	os.Unsetenv("CORRELARE_TEST_UNSET") // t.Setenv above restores the environment
	src := `provinces:
  - code: CR
    istat: "019"
    name: Cremona
    sources:
      - url: http://localhost.evil.example/cr.xlsx
        headers:
          Authorization: "Bearer ${CORRELARE_TEST_UNSET"
          X-Unset: "${CORRELARE_TEST_UNSET}"
  - code: BG
    istat: "16"
    name: Bergamo
    sources:
      - path: bg/*.xlsx
`
	_, err := ParseConfig(filepath.Join(t.TempDir(), "c.yaml"), []byte(src))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want *ConfigError, got %v", err)
	}
	want := []string{
		"line 6: province CR source 1: url http://localhost.evil.example/cr.xlsx: http:// is allowed only for loopback hosts",
		"line 8: province CR source 1: header Authorization: unterminated ${",
		"line 10: province BG: istat \"16\" must be three digits",
	}
	if len(ce.Problems) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(ce.Problems, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(ce.Problems[i], w) {
			t.Errorf("problem %d = %q, want it to start %q", i+1, ce.Problems[i], w)
		}
	}
}

func TestConfigUnknownKeyIsAnError(t *testing.T) {
	_, err := ParseConfig("c.yaml", []byte("provinces: []\nwarehouse: x\n"))
	if err == nil || !strings.Contains(err.Error(), "warehouse") {
		t.Fatalf("want unknown-key error, got %v", err)
	}
}

// FuzzParseConfig: no config text, however broken, panics the loader, and a
// config that loads has every province's code, ISTAT code and sources.
func FuzzParseConfig(f *testing.F) {
	f.Add(string(ExampleConfig()))
	f.Add("provinces:\n  - {code: CR, istat: \"019\", name: Cremona, sources: [{path: x/*}]}\n")
	f.Add("paths: [1, 2]\n")
	f.Add("provinces:\n  - code: CR\n    istat: 019\n    columns: {a: b}\n")
	f.Add("schedule: {cron: '* * *', timezone: ''}\nlock_wait: forever\n")
	f.Add("&a [*a]")
	f.Add("provinces:\n  - {code: CR, istat: \"019\", name: Cremona, sources: [{url: \"http://localhost.evil.example/a\"}]}\n")
	f.Add("provinces:\n  - {code: CR, istat: \"019\", name: Cremona, sources: [{url: \"http://127.0.0.1.evil.example/a\"}]}\n")
	f.Add("provinces:\n  - {code: CR, istat: \"019\", name: Cremona, sources: [{url: \"http://[::1]:80/a\"}]}\n")
	f.Add("provinces:\n  - code: CR\n    istat: \"019\"\n    name: C\n    sources:\n      - url: https://x.org/a\n        headers: {A: \"${CORRELARE_FUZZ_UNSET}\", B: \"${HOME}\"}\n")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseConfig("/tmp/fuzz.yaml", []byte(src))
		if err != nil {
			return
		}
		if len(c.Provinces) == 0 {
			t.Fatal("a config without provinces loaded")
		}
		for _, p := range c.Provinces {
			if !reSigla.MatchString(p.Code) || !reISTAT.MatchString(p.ISTAT) || len(p.Sources) == 0 {
				t.Fatalf("invalid province loaded: %+v", p)
			}
			for _, s := range p.Sources {
				// What loads, the fetcher accepts: the same check, once.
				if err := s.Landing().Validate(); err != nil {
					t.Fatalf("source %+v loaded but the fetcher refuses it: %v", s, err)
				}
				if u, err := url.Parse(s.URL); err == nil && u.Scheme == "http" {
					host := u.Hostname()
					addr, err := netip.ParseAddr(host)
					if !strings.EqualFold(host, "localhost") && (err != nil || !addr.Unmap().IsLoopback()) {
						t.Fatalf("plain http to %q loaded", host)
					}
				}
			}
		}
	})
}

func TestConfigGuard(t *testing.T) {
	const provs = "provinces:\n  - {code: CR, istat: \"019\", name: Cremona, sources: [{path: x/*}]}\n"
	cases := []struct {
		name, guard string
		max         float64
		err         string // substring of the problem; "" loads
	}{
		{"default", "", 0.5, ""},
		{"set", "guard: {max_shrink: 0.2, accept_shrink: [CR]}\n", 0.2, ""},
		{"too large", "guard: {max_shrink: 1.5}\n", 0, "line 1: guard: max_shrink must be between 0 and 1"},
		{"negative", "guard: {max_shrink: -0.1}\n", 0, "max_shrink must be between 0 and 1"},
		{"unknown province", "guard:\n  accept_shrink: [CR, ZZ]\n", 0, "line 2: guard: accept_shrink names \"ZZ\", which is not a configured province"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig("c.yaml", []byte(tc.guard+provs))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *c.Guard.MaxShrink != tc.max {
				t.Errorf("max_shrink %v, want %v", *c.Guard.MaxShrink, tc.max)
			}
		})
	}
}

func TestConfigValueMappings(t *testing.T) {
	src := `values:
  status:
    "RIT.": withdrawn
    "Pend.": not_indicated
  sex: {D: F}
provinces:
  - code: CR
    istat: "019"
    name: Cremona
    sources: [{path: x/*.xlsx}]
    values:
      status: {"rit": not_accepted}
      axis: {quarto: IV}
      organisation_type: {"A.S.L.": ASL}
  - code: MI
    istat: "015"
    name: Milano
    sources: [{path: y/*.xlsx}]
`
	c, err := ParseConfig(filepath.Join(t.TempDir(), "c.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		province string
		field    canon.Field
		folded   string
		want     string
	}{
		{"CR", canon.FieldStatus, "RIT", canon.StatusNotAccepted}, // the province wins
		{"CR", canon.FieldStatus, "PEND", canon.StatusNotIndicated},
		{"CR", canon.FieldSex, "D", "F"},
		{"CR", canon.FieldAxis, "QUARTO", "IV"},
		{"CR", canon.FieldOrganisationType, "ASL", "ASL"},
		{"MI", canon.FieldStatus, "RIT", canon.StatusWithdrawn},
		{"MI", canon.FieldAxis, "QUARTO", ""},
		{"BG", canon.FieldStatus, "RIT", canon.StatusWithdrawn}, // not configured: the global values
	}
	for _, tc := range tests {
		t.Run(tc.province+" "+string(tc.field)+" "+tc.folded, func(t *testing.T) {
			if got := c.ValuesFor(tc.province)[tc.field][tc.folded]; got != tc.want {
				t.Errorf("%s %s %s = %q, want %q", tc.province, tc.field, tc.folded, got, tc.want)
			}
		})
	}
	if p, _ := c.Province("CR"); p.ValueMap()[canon.FieldStatus]["RIT"] != canon.StatusNotAccepted {
		t.Errorf("Province.ValueMap %v", p.ValueMap())
	}
}

func TestConfigValueMappingProblems(t *testing.T) {
	src := `values:
  status:
    "RIT.": ritirato
  surname: {X: Y}
provinces:
  - code: CR
    istat: "019"
    name: Cremona
    sources: [{path: x/*.xlsx}]
    values:
      sex:
        "--": F
        D: donna
      axis: {sesto: VI}
      organisation_type: {ASL: ""}
`
	_, err := ParseConfig(filepath.Join(t.TempDir(), "c.yaml"), []byte(src))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want *ConfigError, got %v", err)
	}
	want := []string{
		`line 3: values: status "RIT.": maps to "ritirato", which is not one of accepted, not_accepted, withdrawn, not_indicated`,
		`line 4: values: "surname" is not a field whose values can be mapped`,
		`line 12: province CR: values: sex "--": the value to map has no letters or digits`,
		`line 13: province CR: values: sex "D": maps to "donna", which is not one of F, M`,
		`line 14: province CR: values: axis "sesto": maps to "VI", which is not one of I, II, III, IV, V`,
		`line 15: province CR: values: organisation_type "ASL": maps to an empty value`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ce.Problems), len(want), msg)
	}
}

func TestExampleConfigValues(t *testing.T) {
	t.Setenv("OPI_MILANO_TOKEN", "token")
	c, err := ParseConfig("/etc/correlare/correlare.yaml", ExampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	cr, mi := c.ValuesFor("CR"), c.ValuesFor("MI")
	if cr[canon.FieldStatus]["OKCORSO"] != canon.StatusAccepted || cr[canon.FieldStatus]["RITPRIMA"] != canon.StatusWithdrawn ||
		mi[canon.FieldStatus]["OKCORSO"] != "" || mi[canon.FieldOrganisationType]["ASL"] != "ASL" {
		t.Errorf("CR %v, MI %v", cr, mi)
	}
}
