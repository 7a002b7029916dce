package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lombardia-orim/correlare/pipeline"
	"github.com/lombardia-orim/correlare/schedule"
)

type scheduleCmd struct {
	configFlag
	HTTP string `name:"http" placeholder:"127.0.0.1:9090" help:"Serve /healthz and /metrics (Prometheus) on this address."`
}

func (c *scheduleCmd) Run(ctx context.Context, lf *logFlags) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := lf.logger()
	loc, err := time.LoadLocation(cfg.Schedule.TimeZone)
	if err != nil {
		return usageErr("schedule: %v", err)
	}
	sched, err := schedule.Parse(cfg.Schedule.Cron, loc)
	if err != nil {
		return usageErr("schedule: %v", err)
	}
	metrics := schedule.NewMetrics()
	// After a restart /metrics shows the last run until the next one.
	if hist, err := pipeline.ReadHistory(cfg); err == nil && len(hist) > 0 {
		h := hist[len(hist)-1]
		stale := map[string]bool{}
		for _, p := range h.Stale {
			stale[p] = true
		}
		metrics.Observe(schedule.RunResult{RunID: h.RunID, Status: schedule.Status(h.Status), Start: h.Started,
			Duration: h.Finished.Sub(h.Started), Stale: stale})
	}
	if c.HTTP != "" {
		ln, err := net.Listen("tcp", c.HTTP)
		if err != nil {
			return usageErr("listening on %s: %v", c.HTTP, err)
		}
		srv := &http.Server{Handler: metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Shutdown(context.WithoutCancel(ctx))
		log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	}
	log.Info("scheduler started", "cron", cfg.Schedule.Cron, "timezone", loc.String(),
		"next", sched.Next(time.Now()).Format(time.RFC3339))
	job := func(ctx context.Context) error {
		res := pipeline.Run(ctx, cfg, pipeline.Options{Logger: log, Version: version})
		metrics.Observe(runResult(res))
		log.Info(res.Summary())
		if res.Status == pipeline.StatusFailed {
			return errors.New(res.Summary())
		}
		return nil
	}
	err = schedule.Run(ctx, sched, job, schedule.Options{Grace: cfg.Schedule.Grace.Duration, Logger: log,
		OnSkip: func(context.Context, schedule.Firing) { metrics.Skipped() },
		OnFinish: func(_ context.Context, o schedule.Outcome) {
			if errors.Is(o.Err, schedule.ErrPanic) {
				// pipeline.Run recovers its own panics; this is one outside it.
				metrics.Observe(schedule.RunResult{Status: schedule.StatusFailed, Start: o.Start, Duration: o.End.Sub(o.Start)})
			}
			if o.Err != nil {
				log.Error("scheduled run failed", "err", o.Err)
			}
		}})
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("scheduler: %w", err)
	}
	log.Info("scheduler stopped")
	return nil
}

func runResult(res *pipeline.Result) schedule.RunResult {
	r := schedule.RunResult{RunID: res.RunID, Status: schedule.Status(res.Status), Start: res.Started,
		Duration: res.Finished.Sub(res.Started), RowsLoaded: map[string]int64{}, RowsQuarantined: map[string]int64{},
		Stale: map[string]bool{}}
	for _, f := range res.Files {
		r.RowsLoaded[f.Province] += f.Counts.Loaded
		r.RowsQuarantined[f.Province] += f.Counts.Quarantined
		if _, ok := r.Stale[f.Province]; !ok {
			r.Stale[f.Province] = false
		}
	}
	for _, p := range res.Stale {
		r.Stale[p] = true
	}
	return r
}
