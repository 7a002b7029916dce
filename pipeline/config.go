package pipeline

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/link"
)

// Config is the whole configuration, read from one YAML file by [LoadConfig].
// Relative paths in it are relative to the directory of the config file.
type Config struct {
	// Paths of everything a run writes.
	Paths Paths `yaml:"paths"`
	// Provinces to load, each with its sources.
	Provinces []Province `yaml:"provinces"`
	// HTTP tunes https:// sources.
	HTTP HTTP `yaml:"http"`
	// Schedule drives `correlare schedule`.
	Schedule Schedule `yaml:"schedule"`
	// Exports configures the ORIM exports' pseudonymisation key.
	Exports Exports `yaml:"exports"`
	// Linkage tunes person linkage (blocking, comparisons, thresholds, the
	// analysts' decisions file); see package link.
	Linkage link.Config `yaml:"linkage"`
	// Guard holds back a run that would remove most of a province's rows.
	Guard Guard `yaml:"guard"`
	// Workers is how many provinces a run fetches and loads at once, each
	// province's files one after the other, each file on its own connection
	// and transaction. Default 0: GOMAXPROCS (the cores Go uses); 1 takes
	// the provinces one after the other. `correlare run --workers N` wins.
	Workers int `yaml:"workers"`
	// Lock: how long a run waits for another run to finish. Default 10m; 0 = don't wait.
	LockWait *Duration `yaml:"lock_wait"`
	// Values maps values as typed to canonical ones, for every province:
	// field (status, sex, axis, organisation_type) → value as typed → canonical
	// value, e.g. {status: {"RIT.": withdrawn}}. Keys are compared folded
	// (case, accents, dots and spaces ignored). A province's own values win.
	Values map[string]map[string]string `yaml:"values"`

	dir    string         // directory of the config file
	values canon.ValueMap // Values, checked and folded at load
}

// Paths are the files and folders a run writes. Defaults under var/.
type Paths struct {
	Warehouse string `yaml:"warehouse"` // published DuckDB file; default var/warehouse.duckdb
	Landing   string `yaml:"landing"`   // content-addressed archive of every file received; default var/landing
	Exports   string `yaml:"exports"`   // ORIM exports; default var/exports
	Reports   string `yaml:"reports"`   // funder report, feedback and review workbooks; default var/reports
}

// Province is one OPI and where its files come from.
type Province struct {
	Code    string   `yaml:"code"`    // sigla: CR
	ISTAT   string   `yaml:"istat"`   // three-digit ISTAT code: "019"
	Name    string   `yaml:"name"`    // Cremona
	Partner bool     `yaml:"partner"` // CORRELARE partner
	Sources []Source `yaml:"sources"`
	// Columns maps header texts of this province's sheets to canonical
	// fields (see README), overriding the built-in synonyms; "" keeps the
	// column as an extra.
	Columns map[string]string `yaml:"columns"`
	// Values maps this province's values as typed to canonical ones, like
	// the top-level values:, over which it wins.
	Values map[string]map[string]string `yaml:"values"`

	values canon.ValueMap // global values merged with Values, set at load
}

// Source is a drop folder glob or an https:// URL. It is checked when the
// config loads by the fetcher's own check, [landing.Source.Validate]: http://
// only to a loopback host, every ${VAR} of a header well formed. Whether the
// variable is set is checked when the source is fetched: unset, that source
// fails alone.
type Source struct {
	Path    string            `yaml:"path"`    // glob, e.g. /srv/opi/CR/*.xlsx
	URL     string            `yaml:"url"`     // https://…
	Headers map[string]string `yaml:"headers"` // extra HTTP headers; "${VAR}" is read from the environment when fetched
}

// Landing returns the source as the fetcher takes it.
func (s Source) Landing() landing.Source {
	return landing.Source{Glob: s.Path, URL: s.URL, Headers: s.Headers}
}

// HTTP tunes the fetching of URL sources.
type HTTP struct {
	Timeout *Duration `yaml:"timeout"` // per request; default 60s
	MaxMiB  int64     `yaml:"max_mib"` // size cap per file; default 100
	Retries *int      `yaml:"retries"` // on 5xx, 429 and timeouts; default 4
	Backoff *Duration `yaml:"backoff"` // first retry delay, doubled each time; default 2s
}

// Schedule drives the built-in scheduler.
type Schedule struct {
	Cron     string    `yaml:"cron"`     // cron spec, optional seconds field; default "30 2 * * *"
	TimeZone string    `yaml:"timezone"` // default Europe/Rome
	Grace    *Duration `yaml:"grace"`    // time a running run gets after SIGTERM; default 5m
}

// Exports names where the pseudonymisation key comes from: never the config itself.
type Exports struct {
	KeyEnv  string `yaml:"key_env"`  // environment variable holding the key; default CORRELARE_EXPORT_KEY
	KeyFile string `yaml:"key_file"` // file holding the key (mode 0600), read when the variable is unset
	// KeepRuns is how many export directories (one per run) are kept; older
	// ones are removed after a published run. Default 30; -1 keeps all.
	KeepRuns int `yaml:"keep_runs"`
}

// Guard is the shrink guard: when a run would remove more than MaxShrink
// of a province's loaded enrolments, or all of them (files vanished, a file
// emptied or replaced by a much shorter one), the province keeps its last
// good data, the run ends partial and the province is stale until the
// shrink is accepted.
type Guard struct {
	// MaxShrink is the largest share of a province's loaded enrolments one
	// run may remove, 0–1; default 0.5. Removing every row always needs
	// accepting.
	MaxShrink *float64 `yaml:"max_shrink"`
	// AcceptShrink lists provinces (siglas) whose shrink is accepted, like
	// `correlare run --accept-shrink CR`; remove them once applied.
	AcceptShrink []string `yaml:"accept_shrink"`
}

// Duration is a time.Duration written as "90s", "5m", "1h30m" in YAML.
type Duration struct{ time.Duration }

// UnmarshalYAML reads "5m".
func (d *Duration) UnmarshalYAML(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"'`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration like 90s or 5m, got %q", s)
	}
	d.Duration = v
	return nil
}

// LoadConfig reads, defaults and validates the config at path. Every
// problem is reported at once, each with its line.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return ParseConfig(path, b)
}

// ParseConfig is LoadConfig on bytes already read; path names the file in
// errors and anchors relative paths.
func ParseConfig(path string, b []byte) (*Config, error) {
	var c Config
	if err := decodeYAML(b, &c); err != nil {
		return nil, &ConfigError{File: path, Problems: []string{yaml.FormatError(err, false, false)}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving config path: %w", err)
	}
	c.dir = filepath.Dir(abs)
	c.defaults()
	if probs := c.validate(b); len(probs) > 0 {
		return nil, &ConfigError{File: path, Problems: probs}
	}
	return &c, nil
}

// decodeYAML decodes b strictly into c. The YAML library panics on some
// malformed documents (a tag on an empty sequence entry); that is a broken
// config like any other, not a crash.
func decodeYAML(b []byte, c *Config) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("unreadable YAML (the parser failed: %v)", p)
		}
	}()
	return yaml.UnmarshalWithOptions(b, c, yaml.Strict())
}

// ConfigError lists every problem found in a config file.
type ConfigError struct {
	File     string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config %s: %d problem(s):\n  %s", e.File, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

func (c *Config) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Paths.Warehouse, "var/warehouse.duckdb")
	def(&c.Paths.Landing, "var/landing")
	def(&c.Paths.Exports, "var/exports")
	def(&c.Paths.Reports, "var/reports")
	for _, p := range []*string{&c.Paths.Warehouse, &c.Paths.Landing, &c.Paths.Exports, &c.Paths.Reports} {
		*p = c.Resolve(*p)
	}
	for i := range c.Provinces {
		for j := range c.Provinces[i].Sources {
			s := &c.Provinces[i].Sources[j]
			if s.Path != "" {
				s.Path = c.Resolve(s.Path)
			}
		}
	}
	if c.HTTP.Timeout == nil {
		c.HTTP.Timeout = &Duration{60 * time.Second}
	}
	if c.HTTP.MaxMiB == 0 {
		c.HTTP.MaxMiB = 100
	}
	if c.HTTP.Retries == nil {
		n := 4
		c.HTTP.Retries = &n
	}
	if c.HTTP.Backoff == nil {
		c.HTTP.Backoff = &Duration{2 * time.Second}
	}
	def(&c.Schedule.Cron, "30 2 * * *")
	def(&c.Schedule.TimeZone, "Europe/Rome")
	if c.Schedule.Grace == nil {
		c.Schedule.Grace = &Duration{5 * time.Minute}
	}
	def(&c.Exports.KeyEnv, "CORRELARE_EXPORT_KEY")
	if c.Exports.KeepRuns == 0 {
		c.Exports.KeepRuns = 30
	}
	if c.Exports.KeyFile != "" {
		c.Exports.KeyFile = c.Resolve(c.Exports.KeyFile)
	}
	if c.Guard.MaxShrink == nil {
		v := 0.5
		c.Guard.MaxShrink = &v
	}
	if c.LockWait == nil {
		c.LockWait = &Duration{10 * time.Minute}
	}
}

// Resolve makes p absolute relative to the config file's directory.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

var (
	reSigla = regexp.MustCompile(`^[A-Z]{2}$`)
	reISTAT = regexp.MustCompile(`^[0-9]{3}$`)
)

// validate returns every problem, each prefixed with its line in src.
func (c *Config) validate(src []byte) []string {
	file, _ := parser.ParseBytes(src, 0)
	var probs []string
	lineOf := func(path string) string {
		if file != nil {
			if p, err := yaml.PathString(path); err == nil {
				if n, err := p.FilterFile(file); err == nil && n != nil {
					return fmt.Sprintf("line %d: ", n.GetToken().Position.Line)
				}
			}
		}
		return ""
	}
	at := func(path, format string, args ...any) {
		probs = append(probs, lineOf(path)+fmt.Sprintf(format, args...))
	}
	if len(c.Provinces) == 0 {
		at("$", "no provinces: list at least one under provinces:")
	}
	seen := map[string]int{}
	for i, p := range c.Provinces {
		base := fmt.Sprintf("$.provinces[%d]", i)
		if !reSigla.MatchString(p.Code) {
			at(base, "province %d: code %q must be a two-letter sigla like CR", i+1, p.Code)
		} else if j, dup := seen[p.Code]; dup {
			at(base+".code", "province %s listed twice (entries %d and %d)", p.Code, j+1, i+1)
		}
		seen[p.Code] = i
		if !reISTAT.MatchString(p.ISTAT) {
			at(base, "province %s: istat %q must be three digits like \"019\" (quote it)", p.Code, p.ISTAT)
		}
		if strings.TrimSpace(p.Name) == "" {
			at(base, "province %s: name is missing", p.Code)
		}
		if len(p.Sources) == 0 {
			at(base, "province %s: no sources: give a path (drop folder glob) or a url", p.Code)
		}
		for j, s := range p.Sources {
			sp := fmt.Sprintf("%s.sources[%d]", base, j)
			for _, e := range sourceProblems(s.Landing().Validate()) {
				path, what := sp, ""
				switch {
				case e.Field == "glob":
					path, what = sp+".path", "path "
				case e.Field == "url":
					path, what = sp+".url", "url "
				case e.Field == "headers" && e.Header != "":
					path, what = sp+".headers."+e.Header, "header "+e.Header+": "
					if lineOf(path) == "" { // a name the path syntax cannot hold
						path = sp + ".headers"
					}
				case e.Field == "headers":
					path = sp + ".headers"
				}
				at(path, "province %s source %d: %s%v", p.Code, j+1, what, e.Err)
			}
		}
		keys := make([]string, 0, len(p.Columns))
		for k := range p.Columns {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := p.Columns[k]
			if _, ok := canon.ParseField(v); !ok && v != "" {
				at(base+".columns", "province %s: column %q maps to unknown field %q (see README for the fields)", p.Code, k, v)
			}
		}
	}
	global := valueMap(c.Values, "$.values", "values", at)
	c.values = global
	for i := range c.Provinces {
		p := &c.Provinces[i]
		own := valueMap(p.Values, fmt.Sprintf("$.provinces[%d].values", i), "province "+p.Code+": values", at)
		p.values = global.Merge(own)
	}
	if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil {
		at("$.schedule.timezone", "schedule: unknown time zone %q", c.Schedule.TimeZone)
	}
	for _, err := range c.Linkage.Validate() {
		at("$.linkage", "linkage: %v", err)
	}
	if c.Exports.KeepRuns < -1 {
		at("$.exports.keep_runs", "exports: keep_runs must be at least 1, or -1 to keep every export")
	}
	if v := *c.Guard.MaxShrink; v < 0 || v > 1 {
		at("$.guard.max_shrink", "guard: max_shrink must be between 0 and 1 (a share of a province's rows), got %v", v)
	}
	for i, code := range c.Guard.AcceptShrink {
		if _, ok := seen[code]; !ok {
			at(fmt.Sprintf("$.guard.accept_shrink[%d]", i), "guard: accept_shrink names %q, which is not a configured province", code)
		}
	}
	if c.Workers < 0 {
		at("$.workers", "workers must be 0 (as many as cores) or more, got %d", c.Workers)
	}
	if c.HTTP.MaxMiB < 0 {
		at("$.http.max_mib", "http: max_mib must be positive")
	}
	if c.HTTP.Retries != nil && *c.HTTP.Retries < 0 {
		at("$.http.retries", "http: retries must be 0 or more")
	}
	return probs
}

// valueMap checks and folds one values: block; path is its YAML path (for
// the line of each problem) and what names it in messages.
func valueMap(vs map[string]map[string]string, path, what string, at func(path, format string, args ...any)) canon.ValueMap {
	m := canon.ValueMap{}
	for _, name := range slices.Sorted(maps.Keys(vs)) {
		f, ok := canon.ParseField(name)
		if !ok || !canon.Mappable(f) {
			at(yamlKey(path, name), "%s: %q is not a field whose values can be mapped (status, sex, axis, organisation_type)", what, name)
			continue
		}
		for _, typed := range slices.Sorted(maps.Keys(vs[name])) {
			if err := m.Add(f, typed, vs[name][typed]); err != nil {
				at(yamlKey(yamlKey(path, name), typed), "%s: %s %q: %s", what, name, typed, mappingProblem(f, vs[name][typed], err))
			}
		}
	}
	return m
}

// yamlKey is the YAML path of key under path: $.values.status.'RIT.'. A
// key with a quote gives path itself (the line of its parent).
func yamlKey(path, key string) string {
	if strings.ContainsAny(key, "'\\") || key == "" {
		return path
	}
	return path + ".'" + key + "'"
}

// mappingProblem says in a sentence what is wrong with a mapping.
func mappingProblem(f canon.Field, target string, err error) string {
	switch {
	case errors.Is(err, canon.ErrEmptyMappingKey):
		return "the value to map has no letters or digits"
	case errors.Is(err, canon.ErrUnknownTarget) && canon.CanonicalValues(f) != nil:
		return fmt.Sprintf("maps to %q, which is not one of %s", target, strings.Join(canon.CanonicalValues(f), ", "))
	case errors.Is(err, canon.ErrUnknownTarget):
		return "maps to an empty value"
	}
	return err.Error()
}

// ValueMap returns the province's value mappings, global ones included
// (nil before the config is loaded).
func (p Province) ValueMap() canon.ValueMap { return p.values }

// sourceProblems splits what landing.Source.Validate returned into its
// problems.
func sourceProblems(err error) []*landing.SourceError {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	out := make([]*landing.SourceError, 0, len(errs))
	for _, e := range errs {
		se, ok := errors.AsType[*landing.SourceError](e)
		if !ok {
			se = &landing.SourceError{Err: e}
		}
		out = append(out, se)
	}
	return out
}

// ColumnOverrides returns the province's header overrides as canonical fields.
func (p Province) ColumnOverrides() map[string]canon.Field {
	if len(p.Columns) == 0 {
		return nil
	}
	m := make(map[string]canon.Field, len(p.Columns))
	for k, v := range p.Columns {
		f, _ := canon.ParseField(v)
		m[k] = f
	}
	return m
}

// ValuesFor returns the value mappings that apply to province code: its
// own over the global ones, or the global ones for a province not in the
// config.
func (c *Config) ValuesFor(code string) canon.ValueMap {
	if p, ok := c.Province(code); ok {
		return p.values
	}
	return c.values
}

// Province returns the configured province with code, if any.
func (c *Config) Province(code string) (Province, bool) {
	for _, p := range c.Provinces {
		if p.Code == code {
			return p, true
		}
	}
	return Province{}, false
}

// ErrNoConfig is returned when no config file was given or found.
var ErrNoConfig = errors.New("no config file")
