package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/pipeline"
	"github.com/lombardia-orim/correlare/runlock"
)

// skipMsg is the message package schedule logs for a skipped firing.
const skipMsg = "run skipped: previous run still going"

// daemon is a `correlare schedule` child.
type daemon struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{} // closed when the child has exited
	err    error         // cmd.Wait's error, once done
	base   string        // http://127.0.0.1:port
}

// startSchedule starts `correlare schedule` on the workspace with its JSON
// log on a buffer; the child is killed at cleanup if still running.
func startSchedule(t *testing.T, ws workspace) *daemon {
	t.Helper()
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
	cmd := command(t, ctx, ws.dir, "schedule", "-c", ws.config, "--http", "127.0.0.1:"+port, "--log-format", "json")
	d := &daemon{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{}), base: "http://127.0.0.1:" + port}
	cmd.Stdout, cmd.Stderr = io.Discard, d.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		d.err = cmd.Wait()
		cancel()
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("schedule log:\n%s", tail(d.stderr.String(), 6000))
		}
	})
	return d
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// logs returns the child's JSON log records so far.
func (d *daemon) logs(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(d.stderr.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue // a line being written, or not a log record
		}
		out = append(out, m)
	}
	return out
}

// count returns how many log records have message msg.
func (d *daemon) count(t *testing.T, msg string) int {
	n := 0
	for _, m := range d.logs(t) {
		if m["msg"] == msg {
			n++
		}
	}
	return n
}

// get fetches path from the daemon's HTTP server.
func (d *daemon) get(path string) (int, string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(d.base + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// exited waits up to timeout for the child to exit and returns its status.
func (d *daemon) exited(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-d.done:
	case <-time.After(timeout):
		t.Fatalf("schedule still running %s after SIGTERM", timeout)
	}
	var ee *exec.ExitError
	if errors.As(d.err, &ee) {
		return ee.ExitCode()
	}
	if d.err != nil {
		t.Fatalf("schedule: %v", d.err)
	}
	return 0
}

// metric returns the value of the sample named exactly series (name and
// labels as exposed) in a Prometheus text exposition.
func metric(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, l := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(l, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return v
		}
	}
	t.Fatalf("no %s in /metrics:\n%s", series, body)
	return 0
}

func history(t *testing.T, cfg *pipeline.Config) []pipeline.HistoryEntry {
	t.Helper()
	h, err := pipeline.ReadHistory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestSchedule runs the scheduler on a seconds-level spec. The test holds
// the run lock to make a run last longer than the 2 s between firings: the
// first run waits on the lock and the next firing is skipped and logged.
// Once the lock is released the run publishes; /metrics and /healthz
// report it. A SIGTERM during a run lets it finish within the grace
// period; the process exits 0 and the warehouse is intact.
//
// The grace period is an hour: what is asserted is that a run which ends is
// let to end, whatever the machine's load makes its duration (a 20 s grace
// once cancelled a 22 s run on a saturated machine). Cancellation at the end
// of the grace period is TestScheduleGraceOver's.
func TestSchedule(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 1m\nschedule: {cron: \"*/2 * * * * *\", timezone: Europe/Rome, grace: 1h}", "CR", "LO")
	cfg := ws.loadConfig(t)
	ctx := context.Background()
	lockPath := runlock.PathFor(ws.warehouse)

	lk, err := runlock.Acquire(ctx, lockPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := startSchedule(t, ws)
	waitFor(t, 30*time.Second, "/healthz", func() bool {
		code, _, err := d.get("/healthz")
		return err == nil && code == http.StatusOK
	})
	if _, body, _ := d.get("/healthz"); !strings.Contains(body, `"last_run":null`) {
		t.Errorf("/healthz before any run: %s", body)
	}

	// Overlap: the first run waits for the lock; the next firing is skipped.
	waitFor(t, 30*time.Second, "a skipped firing in the log", func() bool { return d.count(t, skipMsg) > 0 })
	for _, m := range d.logs(t) {
		if m["msg"] == skipMsg && m["level"] != "WARN" {
			t.Errorf("skip logged at level %v", m["level"])
		}
	}
	if n := d.count(t, "run finished"); n != 0 {
		t.Errorf("%d runs finished while the lock was held", n)
	}
	lk.Release()
	waitFor(t, time.Minute, "the first run in runs.jsonl", func() bool { return len(history(t, cfg)) >= 1 })

	// Hold the lock again: no run can finish while the figures are compared.
	lk, err = runlock.Acquire(ctx, lockPath, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Release()
	var health struct {
		Status  string `json:"status"`
		LastRun struct {
			RunID  string `json:"run_id"`
			Status string `json:"status"`
		} `json:"last_run"`
	}
	var hist []pipeline.HistoryEntry
	waitFor(t, 10*time.Second, "/healthz to report the last run of runs.jsonl", func() bool {
		hist = history(t, cfg) // a run that just released the lock may still be recording itself
		code, body, err := d.get("/healthz")
		return err == nil && code == http.StatusOK && json.Unmarshal([]byte(body), &health) == nil &&
			len(hist) > 0 && health.LastRun.RunID == hist[len(hist)-1].RunID
	})
	last := hist[len(hist)-1]
	if last.Status != pipeline.StatusSuccess {
		t.Fatalf("scheduled run: %+v", last)
	}
	if health.Status != "ok" || health.LastRun.Status != "success" {
		t.Errorf("/healthz: %+v", health)
	}

	t.Run("metrics", func(t *testing.T) {
		code, body, err := d.get("/metrics")
		if err != nil || code != http.StatusOK {
			t.Fatalf("/metrics: %d %v", code, err)
		}
		if v := metric(t, body, `correlare_last_run_status{status="success"}`); v != 1 {
			t.Errorf("last run status success = %v", v)
		}
		if v := metric(t, body, `correlare_last_run_status{status="failed"}`); v != 0 {
			t.Errorf("last run status failed = %v", v)
		}
		w := openWarehouse(t, ws.warehouse)
		for _, p := range []string{"LO", "CR"} {
			want := queryInt(t, w.DB, "SELECT coalesce(sum(rows_loaded), 0) FROM run_files WHERE run_id = ? AND province_code = ?", last.RunID, p)
			if v := metric(t, body, fmt.Sprintf(`correlare_rows_loaded{province=%q}`, p)); v != float64(want) {
				t.Errorf("rows loaded %s: /metrics %v, runs table %d", p, v, want)
			}
		}
		if total := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'"); total == 0 {
			t.Error("no LO enrolments published")
		}
		if v := metric(t, body, "correlare_runs_skipped_total"); v < 1 {
			t.Errorf("skipped runs = %v, want ≥ 1", v)
		}
		if v := metric(t, body, `correlare_runs_total{status="success"}`); v != float64(len(hist)) {
			t.Errorf("runs_total success %v, history has %d runs", v, len(hist))
		}
	})

	t.Run("status", func(t *testing.T) {
		r := ws.run(t, "status", "-c", ws.config)
		if r.code != exitOK || !strings.Contains(r.stdout, last.RunID+" ") {
			t.Fatalf("status does not list the scheduled run %s: %s", last.RunID, r)
		}
	})

	// SIGTERM while a run is going (blocked on the lock held here): it
	// gets the grace period; release the lock and it finishes.
	skips := d.count(t, skipMsg)
	waitFor(t, 30*time.Second, "a run going and a later firing skipped", func() bool { return d.count(t, skipMsg) > skips })
	termAt := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the scheduler to wait for the current run", func() bool {
		return d.count(t, "scheduler stopping: waiting for the current run") == 1
	})
	lk.Release()
	if code := d.exited(t, 10*time.Minute); code != exitOK {
		t.Fatalf("schedule exited %d after SIGTERM", code)
	}
	t.Logf("exited %s after SIGTERM", time.Since(termAt).Round(time.Millisecond))
	for _, msg := range []string{"scheduler stopped", "warehouse published"} {
		if d.count(t, msg) == 0 {
			t.Errorf("no %q in the log", msg)
		}
	}
	if n := d.count(t, "grace period over: cancelling the current run"); n != 0 {
		t.Error("the run was cancelled although it finished within the grace period")
	}

	t.Run("warehouse intact", func(t *testing.T) {
		final := history(t, cfg)
		if len(final) <= len(hist) {
			t.Errorf("runs.jsonl did not grow: %d then %d runs", len(hist), len(final))
		}
		for _, h := range final {
			if h.Status != pipeline.StatusSuccess {
				t.Errorf("run %s: %s %s", h.RunID, h.Status, h.Error)
			}
		}
		if _, err := os.Stat(ws.warehouse + ".building"); !os.IsNotExist(err) {
			t.Errorf("building copy left behind: %v", err)
		}
		w := openWarehouse(t, ws.warehouse)
		if n := queryInt(t, w.DB, "SELECT count(*) FROM runs"); n != int64(len(final)) {
			t.Errorf("runs table has %d runs, history %d", n, len(final))
		}
		if n := queryInt(t, w.DB, "SELECT count(*) FROM runs WHERE finished_at IS NULL OR status <> 'success'"); n != 0 {
			t.Errorf("%d runs unfinished or not successful", n)
		}
		// Cremona's 437 applications (domain.md); Lodi's workbook has no
		// modules sheet, so its rows loaded are all enrolments.
		if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'CR'"); n != 437 {
			t.Errorf("CR: %d enrolments, want 437", n)
		}
		loaded := queryInt(t, w.DB, "SELECT coalesce(sum(rows_loaded), 0) FROM run_files WHERE province_code = 'LO'")
		if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'"); n != loaded || n == 0 {
			t.Errorf("LO: %d enrolments, the runs loaded %d rows", n, loaded)
		}
	})

	// After a restart, /healthz reports the last run of the history before
	// any new run finishes (the lock is held again meanwhile).
	t.Run("restart", func(t *testing.T) {
		final := history(t, cfg)
		lk, err := runlock.Acquire(ctx, lockPath, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		d := startSchedule(t, ws)
		waitFor(t, 30*time.Second, "/healthz after a restart", func() bool {
			code, body, err := d.get("/healthz")
			return err == nil && code == http.StatusOK && strings.Contains(body, final[len(final)-1].RunID)
		})
		lk.Release()
		if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := d.exited(t, 10*time.Minute); code != exitOK {
			t.Fatalf("schedule exited %d after SIGTERM", code)
		}
	})
}

// TestScheduleGraceOver: a SIGTERM while a run cannot finish (it waits for
// a lock held here) cancels the run when the grace period is over; the
// process exits 0 and the published warehouse is byte for byte as it was.
func TestScheduleGraceOver(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 1m\nschedule: {cron: \"* * * * * *\", grace: 1s}", "LO")
	cfg := ws.loadConfig(t)
	if r := ws.run(t, "run", "-c", ws.config); r.code != exitOK {
		t.Fatalf("run: %s", r)
	}
	sum := func() [32]byte {
		b, err := os.ReadFile(ws.warehouse)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	lk, err := runlock.Acquire(context.Background(), runlock.PathFor(ws.warehouse), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Release()

	d := startSchedule(t, ws)
	waitFor(t, 30*time.Second, "a scheduled run to start", func() bool { return d.count(t, "run started") > 0 })
	termAt := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := d.exited(t, 30*time.Second); code != exitOK {
		t.Fatalf("schedule exited %d after SIGTERM", code)
	}
	t.Logf("exited %s after SIGTERM", time.Since(termAt).Round(time.Millisecond))
	if d.count(t, "grace period over: cancelling the current run") != 1 {
		t.Error("the grace period's end is not logged")
	}
	h := history(t, cfg)
	if last := h[len(h)-1]; last.Status != pipeline.StatusFailed || !strings.Contains(last.Error, "context canceled") {
		t.Errorf("cancelled run recorded as %s %q", last.Status, last.Error)
	}
	if sum() != before {
		t.Error("the published warehouse changed")
	}
	if _, err := os.Stat(filepath.Join(ws.dir, "var", "warehouse.duckdb.building")); !os.IsNotExist(err) {
		t.Errorf("building copy left behind: %v", err)
	}
}
