package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// The demo's results: its clock is compressed into minutes, so the engagement checkpoints are too
// (a few seconds to a minute and a half after each post instead of 1h, 24h and 7d), its console
// channel makes its figures up on a clock that runs as much faster, and the demo, playing the
// live platform as it plays the host, records a viewer every few seconds while the broadcast is
// live. `onair report` then has a real report to show.
type demoResults struct {
	metricsAfter string
	timeScale    float64       // how much faster the console's figures age
	sampleEvery  time.Duration // viewer samples while live
	collectEvery time.Duration
}

var (
	demoResultsNormal = demoResults{metricsAfter: "15s,45s,90s", timeScale: 240, sampleEvery: 5 * time.Second, collectEvery: 2 * time.Second}
	demoResultsFast   = demoResults{metricsAfter: "2s,4s,8s", timeScale: 1800, sampleEvery: time.Second, collectEvery: 500 * time.Millisecond}
)

// demoResultsFor picks the demo's results settings by its speed.
func demoResultsFor(fast bool) demoResults {
	if fast {
		return demoResultsFast
	}
	return demoResultsNormal
}

// demoConsoleSettings are the demo channel's settings: figures on the demo's clock.
func demoConsoleSettings(fast bool) string {
	raw, _ := json.Marshal(map[string]float64{"metrics_time_scale": demoResultsFor(fast).timeScale})
	return string(raw)
}

// demoResultsSetup gives the demo campaign its compressed checkpoints.
func (a *app) demoResultsSetup(ctx context.Context, c *models.Campaign, fast bool) error {
	a.demo = demoResultsFor(fast)
	return a.store.SetCampaignMetricsAfter(ctx, c.ID, a.demo.metricsAfter)
}

// demoCollect makes the demo's daemon collect as often as its clock needs.
func (a *app) demoCollect(d *scheduler.Daemon) {
	d.CollectWith(nil, a.demo.collectEvery)
}

// demoAudience records a viewer sample while the broadcast is live, at most every sampleEvery: a
// made-up but plausible curve that climbs after the "we are live" post and tails off.
func (a *app) demoAudience(ctx context.Context, id int64, end time.Time, last *time.Time) {
	b, err := a.store.BroadcastByID(ctx, id)
	now := a.now()
	if err != nil || now.Before(b.Start()) || !now.Before(end) || a.demo.sampleEvery == 0 {
		return
	}
	if !last.IsZero() && now.Sub(*last) < a.demo.sampleEvery {
		return
	}
	*last = now
	x := now.Sub(b.Start()).Seconds() / end.Sub(b.Start()).Seconds() // 0 at the start, 1 at the end
	viewers := 35 + 420*(1-math.Exp(-x*6))*(1-0.35*x) + 18*math.Sin(x*19)
	_ = a.store.AddAudienceSample(ctx, id, now, int(math.Max(viewers, 0)), "demo")
}

// demoResultsDone reports whether every checkpoint of the broadcast's sent posts was read.
func (a *app) demoResultsDone(ctx context.Context, id int64) bool {
	posts, err := a.store.PostsOfBroadcast(ctx, id)
	if err != nil {
		return true
	}
	cps, _ := models.ParseCheckpoints(a.demo.metricsAfter)
	ms, err := a.store.PostMetricsOf(ctx, []int64{id})
	if err != nil {
		return true
	}
	for _, p := range posts {
		if p.Status == models.PostSent && len(ms[p.ID]) < len(cps) {
			return false
		}
	}
	return true
}

// demoReport prints the demo broadcast's report.
func (a *app) demoReport(ctx context.Context, id int64) {
	p, _ := a.xPrices()
	r, err := scheduler.BuildReport(ctx, a.store, id, scheduler.Prices{Post: p.Post, PostURL: p.PostURL})
	if err != nil {
		fmt.Fprintf(a.errOut, "report: %v\n", err)
		return
	}
	_, c, err := a.loadBroadcast(ctx, fmt.Sprint(id))
	if err != nil {
		fmt.Fprintf(a.errOut, "report: %v\n", err)
		return
	}
	loc := campaignLoc(c)
	localize(r, loc)
	fmt.Fprintln(a.out)
	printReport(a.out, r, loc)
	fmt.Fprintln(a.out)
}
