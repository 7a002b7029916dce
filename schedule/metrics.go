package schedule

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Status is how a pipeline run ended, as in the runs table.
type Status string

// The run statuses.
const (
	StatusSuccess Status = "success" // every province published from its new file
	StatusPartial Status = "partial" // published, some provinces kept their last good data
	StatusFailed  Status = "failed"  // nothing new published
)

var statuses = []Status{StatusSuccess, StatusPartial, StatusFailed}

// RunResult is what the pipeline reports after a run, keyed by province
// code ("CR", "MI", ...).
type RunResult struct {
	RunID           string
	Status          Status
	Start           time.Time
	Duration        time.Duration
	RowsLoaded      map[string]int64
	RowsQuarantined map[string]int64
	Stale           map[string]bool // province kept its last good data
}

// Metrics holds the figures of the last run for /metrics and /healthz, in
// its own Prometheus registry (not the global one).
type Metrics struct {
	reg *prometheus.Registry

	lastRun         prometheus.Gauge
	lastSuccess     prometheus.Gauge
	lastStatus      *prometheus.GaugeVec
	lastDuration    prometheus.Gauge
	rowsLoaded      *prometheus.GaugeVec
	rowsQuarantined *prometheus.GaugeVec
	stale           *prometheus.GaugeVec
	runs            *prometheus.CounterVec
	skipped         prometheus.Counter

	mu            sync.Mutex
	lastResult    *RunResult
	lastSuccessAt time.Time
}

// NewMetrics returns Metrics with the correlare_* collectors and the Go and
// process collectors registered in a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "correlare_last_run_timestamp_seconds",
			Help: "Unix time the last run finished.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "correlare_last_success_timestamp_seconds",
			Help: "Unix time the last run with status success finished.",
		}),
		lastStatus: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "correlare_last_run_status",
			Help: "1 for the status of the last run, 0 for the others.",
		}, []string{"status"}),
		lastDuration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "correlare_last_run_duration_seconds",
			Help: "Duration of the last run.",
		}),
		rowsLoaded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "correlare_rows_loaded",
			Help: "Rows loaded per province by the last run.",
		}, []string{"province"}),
		rowsQuarantined: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "correlare_rows_quarantined",
			Help: "Rows quarantined per province by the last run.",
		}, []string{"province"}),
		stale: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "correlare_province_stale",
			Help: "1 if the province kept its last good data in the last run.",
		}, []string{"province"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "correlare_runs_total",
			Help: "Runs finished since the process started, by status.",
		}, []string{"status"}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "correlare_runs_skipped_total",
			Help: "Scheduled runs skipped because the previous run was still going.",
		}),
	}
	m.reg.MustRegister(m.lastRun, m.lastSuccess, m.lastStatus, m.lastDuration,
		m.rowsLoaded, m.rowsQuarantined, m.stale, m.runs, m.skipped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, s := range statuses {
		m.runs.WithLabelValues(string(s))
	}
	return m
}

// Registry returns the registry, for callers that add their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Observe records a finished run. Per-province figures replace those of
// the previous run (a province absent from r disappears). A status other
// than success or partial counts as failed.
func (m *Metrics) Observe(r RunResult) {
	if !slices.Contains(statuses, r.Status) {
		r.Status = StatusFailed
	}
	end := r.Start.Add(r.Duration)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastResult = &r
	m.lastRun.Set(unixSeconds(end))
	m.lastDuration.Set(r.Duration.Seconds())
	if r.Status == StatusSuccess {
		m.lastSuccessAt = end
		m.lastSuccess.Set(unixSeconds(end))
	}
	for _, s := range statuses {
		v := 0.0
		if s == r.Status {
			v = 1
		}
		m.lastStatus.WithLabelValues(string(s)).Set(v)
	}
	m.runs.WithLabelValues(string(r.Status)).Inc()
	setAll(m.rowsLoaded, r.RowsLoaded)
	setAll(m.rowsQuarantined, r.RowsQuarantined)
	m.stale.Reset()
	for p, s := range r.Stale {
		v := 0.0
		if s {
			v = 1
		}
		m.stale.WithLabelValues(p).Set(v)
	}
}

// Skipped counts a firing skipped because a run was still going; wire it
// to Options.OnSkip.
func (m *Metrics) Skipped() { m.skipped.Inc() }

func setAll(g *prometheus.GaugeVec, byProvince map[string]int64) {
	g.Reset()
	for p, n := range byProvince {
		g.WithLabelValues(p).Set(float64(n))
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Handler serves GET /metrics (Prometheus text format from the registry)
// and GET /healthz (JSON; 503 when the last run failed, see the package
// documentation).
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /healthz", m.serveHealth)
	return mux
}

// Health is the /healthz body.
type Health struct {
	Status      string     `json:"status"` // "ok" or "failing"
	LastRun     *RunHealth `json:"last_run"`
	LastSuccess *time.Time `json:"last_success"`
}

// RunHealth summarises the last run in /healthz.
type RunHealth struct {
	RunID           string    `json:"run_id"`
	Status          Status    `json:"status"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	DurationSeconds float64   `json:"duration_seconds"`
	Stale           []string  `json:"stale_provinces"`
}

// Health returns what /healthz reports and its HTTP status code.
func (m *Metrics) Health() (Health, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := Health{Status: "ok"}
	if !m.lastSuccessAt.IsZero() {
		t := m.lastSuccessAt
		h.LastSuccess = &t
	}
	r := m.lastResult
	if r == nil {
		return h, http.StatusOK
	}
	rh := &RunHealth{
		RunID: r.RunID, Status: r.Status, Start: r.Start, End: r.Start.Add(r.Duration),
		DurationSeconds: r.Duration.Seconds(), Stale: []string{},
	}
	for p, s := range r.Stale {
		if s {
			rh.Stale = append(rh.Stale, p)
		}
	}
	slices.Sort(rh.Stale)
	h.LastRun = rh
	if r.Status == StatusFailed {
		h.Status = "failing"
		return h, http.StatusServiceUnavailable
	}
	return h, http.StatusOK
}

func (m *Metrics) serveHealth(w http.ResponseWriter, _ *http.Request) {
	h, code := m.Health()
	body, err := json.Marshal(h)
	if err != nil {
		http.Error(w, "encoding health: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}
