package schedule

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestMetricsEndpoint(t *testing.T) {
	m := NewMetrics()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	start := time.Date(2026, 6, 10, 2, 30, 0, 0, time.UTC)
	m.Observe(RunResult{
		RunID: "r1", Status: StatusSuccess, Start: start, Duration: 90 * time.Second,
		RowsLoaded:      map[string]int64{"CR": 1234, "MI": 56},
		RowsQuarantined: map[string]int64{"CR": 7},
		Stale:           map[string]bool{"CR": false, "MI": false},
	})
	m.Observe(RunResult{
		RunID: "r2", Status: StatusPartial, Start: start.Add(24 * time.Hour), Duration: 45 * time.Second,
		RowsLoaded:      map[string]int64{"CR": 1240},
		RowsQuarantined: map[string]int64{"CR": 3, "BG": 0},
		Stale:           map[string]bool{"CR": false, "BG": true},
	})
	m.Skipped()

	code, body := get(t, srv.URL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics status %d", code)
	}
	families, err := parseMetrics(body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	end1 := float64(start.Add(90 * time.Second).Unix())
	end2 := float64(start.Add(24*time.Hour + 45*time.Second).Unix())
	tests := []struct {
		name   string
		metric string
		label  string // "name=value" or ""
		want   float64
	}{
		{"last run end", "correlare_last_run_timestamp_seconds", "", end2},
		{"last success end is run 1's", "correlare_last_success_timestamp_seconds", "", end1},
		{"last status partial", "correlare_last_run_status", "status=partial", 1},
		{"not success", "correlare_last_run_status", "status=success", 0},
		{"not failed", "correlare_last_run_status", "status=failed", 0},
		{"duration", "correlare_last_run_duration_seconds", "", 45},
		{"rows loaded", "correlare_rows_loaded", "province=CR", 1240},
		{"rows quarantined", "correlare_rows_quarantined", "province=CR", 3},
		{"zero quarantined", "correlare_rows_quarantined", "province=BG", 0},
		{"stale", "correlare_province_stale", "province=BG", 1},
		{"not stale", "correlare_province_stale", "province=CR", 0},
		{"success count", "correlare_runs_total", "status=success", 1},
		{"partial count", "correlare_runs_total", "status=partial", 1},
		{"failed count", "correlare_runs_total", "status=failed", 0},
		{"skips", "correlare_runs_skipped_total", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := metricValue(families, tc.metric, tc.label)
			if !ok {
				t.Fatalf("/metrics lacks %s{%s}", tc.metric, tc.label)
			}
			if got != tc.want {
				t.Errorf("%s{%s} = %v, want %v", tc.metric, tc.label, got, tc.want)
			}
		})
	}
	t.Run("provinces absent from the last run are dropped", func(t *testing.T) {
		if _, ok := metricValue(families, "correlare_rows_loaded", "province=MI"); ok {
			t.Error("MI rows from the previous run still exported")
		}
	})
	t.Run("Go collector registered", func(t *testing.T) {
		if _, ok := families["go_goroutines"]; !ok {
			t.Error("no go_goroutines")
		}
	})
}

func parseMetrics(body string) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(strings.NewReader(body))
}

// metricValue returns the gauge or counter value of the sample of metric
// with the label "name=value" (or the only sample when label is "").
func metricValue(families map[string]*dto.MetricFamily, metric, label string) (float64, bool) {
	mf, ok := families[metric]
	if !ok {
		return 0, false
	}
	name, value, _ := strings.Cut(label, "=")
	for _, m := range mf.GetMetric() {
		match := label == ""
		for _, lp := range m.GetLabel() {
			if lp.GetName() == name && lp.GetValue() == value {
				match = true
			}
		}
		if !match {
			continue
		}
		if g := m.GetGauge(); g != nil {
			return g.GetValue(), true
		}
		return m.GetCounter().GetValue(), true
	}
	return 0, false
}

func TestHealthz(t *testing.T) {
	start := time.Date(2026, 6, 10, 2, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		runs       []RunResult
		wantCode   int
		wantStatus string
		wantRun    string // last_run.status, "" for none
		wantStale  []string
	}{
		{name: "no run yet", wantCode: 200, wantStatus: "ok"},
		{
			name:     "success",
			runs:     []RunResult{{RunID: "r1", Status: StatusSuccess, Start: start, Duration: time.Minute}},
			wantCode: 200, wantStatus: "ok", wantRun: "success", wantStale: []string{},
		},
		{
			name: "partial with stale provinces",
			runs: []RunResult{{RunID: "r1", Status: StatusPartial, Start: start, Duration: time.Minute,
				Stale: map[string]bool{"MI": true, "BG": true, "CR": false}}},
			wantCode: 200, wantStatus: "ok", wantRun: "partial", wantStale: []string{"BG", "MI"},
		},
		{
			name: "failed after a success",
			runs: []RunResult{
				{RunID: "r1", Status: StatusSuccess, Start: start, Duration: time.Minute},
				{RunID: "r2", Status: StatusFailed, Start: start.Add(24 * time.Hour), Duration: time.Second},
			},
			wantCode: 503, wantStatus: "failing", wantRun: "failed", wantStale: []string{},
		},
		{
			name:     "unknown status counts as failed",
			runs:     []RunResult{{RunID: "r1", Status: "running", Start: start}},
			wantCode: 503, wantStatus: "failing", wantRun: "failed", wantStale: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMetrics()
			for _, r := range tc.runs {
				m.Observe(r)
			}
			srv := httptest.NewServer(m.Handler())
			defer srv.Close()
			code, body := get(t, srv.URL+"/healthz")
			if code != tc.wantCode {
				t.Errorf("status code %d, want %d (body %s)", code, tc.wantCode, body)
			}
			var h Health
			if err := json.Unmarshal([]byte(body), &h); err != nil {
				t.Fatalf("decoding %s: %v", body, err)
			}
			if h.Status != tc.wantStatus {
				t.Errorf("status %q, want %q", h.Status, tc.wantStatus)
			}
			if tc.wantRun == "" {
				if h.LastRun != nil {
					t.Errorf("last_run = %+v, want null", h.LastRun)
				}
				return
			}
			if h.LastRun == nil || string(h.LastRun.Status) != tc.wantRun {
				t.Fatalf("last_run = %+v, want status %s", h.LastRun, tc.wantRun)
			}
			last := tc.runs[len(tc.runs)-1]
			if h.LastRun.RunID != last.RunID || !h.LastRun.End.Equal(last.Start.Add(last.Duration)) {
				t.Errorf("last_run = %+v, want run %s ending %s", h.LastRun, last.RunID, last.Start.Add(last.Duration))
			}
			if strings.Join(h.LastRun.Stale, ",") != strings.Join(tc.wantStale, ",") {
				t.Errorf("stale %v, want %v", h.LastRun.Stale, tc.wantStale)
			}
			if tc.runs[0].Status == StatusSuccess && (h.LastSuccess == nil || !h.LastSuccess.Equal(start.Add(time.Minute))) {
				t.Errorf("last_success = %v, want %s", h.LastSuccess, start.Add(time.Minute))
			}
		})
	}
}
