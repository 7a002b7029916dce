package main

// Integration tests of the real CLI, run as subprocesses: the test binary
// doubles as the correlare binary (TestMain calls main when
// CORRELARE_RUN_MAIN=1), so the tests need no separate build.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/pipeline"
)

// testKey is the pseudonymisation key of the children: not a secret.
const testKey = "correlare-cli-test-key-not-a-secret-0123456789"

// childTimeout bounds any one child process, so a hang fails the test
// instead of the whole package timing out.
const childTimeout = 2 * time.Minute

func TestMain(m *testing.M) {
	if os.Getenv("CORRELARE_RUN_MAIN") == "1" {
		main()
		os.Exit(exitOK)
	}
	os.Exit(m.Run())
}

// result is what a finished child did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, tail(r.stderr, 4000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// command returns the correlare CLI with args, run in dir.
func command(t *testing.T, ctx context.Context, dir string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = dir
	env := []string{"CORRELARE_RUN_MAIN=1", "CORRELARE_EXPORT_KEY=" + testKey}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CORRELARE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// correlare runs the CLI with args in dir and waits for it.
func correlare(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
	defer cancel()
	cmd := command(t, ctx, dir, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		t.Fatalf("correlare %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

// lockedBuffer is an io.Writer that a test may read while a child writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// repoDir is the module root (tests run in cmd/correlare).
func repoDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", d, err)
	}
	return d
}

// workspace is a config over copies of demo provinces, writing under var/.
type workspace struct {
	dir       string
	config    string // config file path
	warehouse string
	opi       string // drop folders: opi/<SIGLA>/
}

var demoProvinces = map[string]string{
	"CR": `{code: CR, istat: "019", name: Cremona, partner: true, sources: [{path: opi/CR/*}]}`,
	"LO": `{code: LO, istat: "098", name: Lodi, partner: true, sources: [{path: opi/LO/*}]}`,
}

// newWorkspace copies testdata/demo/<code>/ for each code into a temp dir
// and writes config.yaml there; extra is appended to the config (YAML at
// top level, e.g. lock_wait or schedule).
func newWorkspace(t *testing.T, extra string, codes ...string) workspace {
	t.Helper()
	dir := t.TempDir()
	w := workspace{dir: dir, config: filepath.Join(dir, "config.yaml"),
		warehouse: filepath.Join(dir, "var", "warehouse.duckdb"), opi: filepath.Join(dir, "opi")}
	var provs []string
	for _, code := range codes {
		copyDir(t, filepath.Join(repoDir(t), "testdata", "demo", code), filepath.Join(w.opi, code))
		provs = append(provs, "  - "+demoProvinces[code])
	}
	cfg := "paths:\n  warehouse: var/warehouse.duckdb\n  landing: var/landing\n  exports: var/exports\n  reports: var/reports\n" +
		extra + "\nprovinces:\n" + strings.Join(provs, "\n") + "\n"
	if err := os.WriteFile(w.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(w.warehouse), 0o750); err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs the CLI in the workspace.
func (w workspace) run(t *testing.T, args ...string) result {
	t.Helper()
	return correlare(t, w.dir, args...)
}

// loadConfig loads the workspace's config as the CLI does.
func (w workspace) loadConfig(t *testing.T) *pipeline.Config {
	t.Helper()
	cfg, err := pipeline.LoadConfig(w.config)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInitThenRunWithoutToken: on a machine without Milano's token, the
// example that init writes still loads: validate checks a workbook with it,
// and a run (Cremona's folder pointed at the demo's) loads Cremona and
// reports Milano's HTTPS source failed, naming the unset variable, without
// any request; Milano alone is stale, the run partial.
func TestInitThenRunWithoutToken(t *testing.T) {
	t.Setenv("OPI_MILANO_TOKEN", "")
	os.Unsetenv("OPI_MILANO_TOKEN") // t.Setenv above restores the environment
	dir := t.TempDir()
	if r := correlare(t, dir, "init"); r.code != exitOK {
		t.Fatalf("init: %s", r)
	}
	cfg := filepath.Join(dir, "correlare.yaml")
	cr := filepath.Join(dir, "opi", "CR")
	copyDir(t, filepath.Join(repoDir(t), "testdata", "demo", "CR"), cr)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "/srv/opi/cremona/*.xlsx", filepath.Join(cr, "*.xlsx"), 1)
	if edited == string(b) {
		t.Fatal("the example no longer reads Cremona from /srv/opi/cremona/*.xlsx")
	}
	if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	book, err := filepath.Glob(filepath.Join(cr, "*.xlsx"))
	if err != nil || len(book) != 1 {
		t.Fatalf("Cremona's demo workbook: %v %v", book, err)
	}
	if r := correlare(t, dir, "validate", "-c", cfg, "-p", "CR", book[0]); r.code != exitOK {
		t.Fatalf("validate with the example: %s", r)
	}

	r := correlare(t, dir, "run", "-c", cfg)
	if r.code != exitPartial || !strings.Contains(r.stdout, "1 file(s) failed: MI https://opi.example.it/milano/iscrizioni.xlsx; stale: MI") {
		t.Fatalf("run without the token: want exit %d, Milano's source failed and Milano alone stale, got %s", exitPartial, r)
	}
	if !strings.Contains(r.stderr, "environment variable OPI_MILANO_TOKEN is not set") {
		t.Errorf("the log does not name the unset variable: %s", r)
	}
	w := openWarehouse(t, filepath.Join(dir, "var", "warehouse.duckdb"))
	defer w.Close(context.Background())
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'CR'"); n != 437 {
		t.Errorf("Cremona: %d applications, want 437", n)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM run_files WHERE province_code = 'MI' AND status = 'fetch_failed' AND error LIKE '%header Authorization: environment variable OPI_MILANO_TOKEN is not set%'"); n != 1 {
		t.Errorf("run_files: %d failed Milano sources naming the variable, want 1", n)
	}
}

// TestInit: init writes the example config, which loads; a second init
// refuses to overwrite (exit 2) and leaves the file as it was.
func TestInit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "correlare.yaml")

	r := correlare(t, dir, "init", path)
	if r.code != exitOK {
		t.Fatalf("init: %s", r)
	}
	if !strings.Contains(r.stdout, "wrote "+path) {
		t.Errorf("init does not say what it wrote: %s", r)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pipeline.ExampleConfig()) {
		t.Error("written config differs from pipeline.ExampleConfig()")
	}
	if _, err := pipeline.LoadConfig(path); err != nil {
		t.Errorf("the example config does not load: %v", err)
	}

	t.Run("default path", func(t *testing.T) {
		dir := t.TempDir()
		if r := correlare(t, dir, "init"); r.code != exitOK {
			t.Fatalf("init: %s", r)
		}
		if _, err := pipeline.LoadConfig(filepath.Join(dir, "correlare.yaml")); err != nil {
			t.Errorf("init without a path: %v", err)
		}
	})

	t.Run("refuses to overwrite", func(t *testing.T) {
		mine := []byte("# my own config\n")
		if err := os.WriteFile(path, mine, 0o644); err != nil {
			t.Fatal(err)
		}
		r := correlare(t, dir, "init", path)
		if r.code != exitUsage {
			t.Fatalf("init over an existing file: want exit %d, got %s", exitUsage, r)
		}
		if !strings.Contains(r.stderr, "exists") {
			t.Errorf("message does not say the file exists: %q", r.stderr)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, mine) {
			t.Errorf("init overwrote the existing file: %q", got)
		}
	})
}

// TestUsageErrors: bad command lines exit 2 with usage and the problem on
// stderr; --help exits 0.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		msg  string // substring of stderr
	}{
		{"no command", nil, exitUsage, "expected one of"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unexpected argument frobnicate"},
		{"run without config", []string{"run"}, exitUsage, "missing flags: --config"},
		{"unknown flag", []string{"status", "--nope"}, exitUsage, "unknown flag --nope"},
		{"bad log format", []string{"run", "-c", "x.yaml", "--log-format", "xml"}, exitUsage, "--log-format"},
		{"missing config file", []string{"run", "-c", "nothere.yaml"}, exitUsage, "nothere.yaml"},
		{"validate missing file", []string{"validate", "nothere.xlsx"}, exitUsage, "nothere.xlsx"},
		{"help", []string{"run", "--help"}, exitOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := correlare(t, dir, tc.args...)
			if r.code != tc.code {
				t.Fatalf("want exit %d, got %s", tc.code, r)
			}
			if !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("stderr lacks %q: %s", tc.msg, r)
			}
			if tc.code == exitOK && !strings.Contains(r.stdout, "Usage: correlare run") {
				t.Errorf("help does not show the usage: %s", r)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := correlare(t, t.TempDir(), "version")
	if r.code != exitOK || r.stdout != "correlare "+version+"\n" {
		t.Fatalf("version: %s", r)
	}
}
