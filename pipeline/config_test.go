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
