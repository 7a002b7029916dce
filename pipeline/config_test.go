package pipeline

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleConfigLoads(t *testing.T) {
	c, err := ParseConfig("/etc/correlare/correlare.yaml", ExampleConfig())
	if err != nil {
		t.Fatal(err)
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
