package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/scheduler"
)

// receiver is a webhook endpoint on loopback that answers at once (or after delay) and records
// when each post first arrived.
type receiver struct {
	url   string
	delay time.Duration
	mu    sync.Mutex
	first map[string]time.Time
	srv   *http.Server
}

func newReceiver(delay time.Duration) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/hook", delay: delay, first: map[string]time.Time{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		key := req.Header.Get(webhook.HeaderIdempotencyKey)
		r.mu.Lock()
		if _, ok := r.first[key]; !ok {
			r.first[key] = at
		}
		r.mu.Unlock()
		if r.delay > 0 {
			time.Sleep(r.delay)
		}
		w.Write([]byte(`{"id":"` + key + `"}`))
	})}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.first)
}

func (r *receiver) close() { r.srv.Close() }

// fixture is a fresh database with webhook channels to a receiver and one campaign over them.
type fixture struct {
	store   *models.Store
	dsn, db string // db: the PostgreSQL database's name ("" on SQLite)
	camp    *models.Campaign
	cleanup func()
}

// newFixture opens a fresh database with channels webhook channels and a campaign with the given
// cadence (teasers, reminders, replay-after).
func newFixture(ctx context.Context, cfg config, engine, name string, recv *receiver, channels int, cadence [3]string, now func() time.Time) (*fixture, error) {
	dsn, db, drop, err := freshDSN(cfg, engine, name)
	if err != nil {
		return nil, err
	}
	store, err := models.Open(ctx, dsn, models.Options{Now: now})
	if err != nil {
		drop()
		return nil, err
	}
	f := &fixture{store: store, dsn: dsn, db: db, cleanup: func() { store.Close(); drop() }}
	settings, _ := json.Marshal(webhook.Settings{URL: recv.url, Timeout: "30s"})
	names := make([]string, channels)
	for i := range names {
		names[i] = fmt.Sprintf("hook%03d", i)
		if err := store.CreateChannel(ctx, &models.Channel{Name: names[i], Network: "webhook", Settings: string(settings)}); err != nil {
			f.cleanup()
			return nil, err
		}
	}
	f.camp = &models.Campaign{Name: "Bench", TimeZone: "UTC", Lang: "en", Teasers: cadence[0], Reminders: cadence[1], ReplayAfter: cadence[2],
		Hashtags: "#Bench"}
	if err := store.CreateCampaign(ctx, f.camp, names); err != nil {
		f.cleanup()
		return nil, err
	}
	return f, nil
}

// broadcasts inserts count broadcasts starting at start(i), in one transaction (setup, not measured).
func (f *fixture) broadcasts(ctx context.Context, count int, start func(i int) time.Time) error {
	return f.store.Tx(ctx, func(tx *models.Store) error {
		for i := 0; i < count; i++ {
			b := &models.Broadcast{CampaignID: &f.camp.ID, Title: fmt.Sprintf("Spring collection launch %d", i),
				StartsAt: models.NewTime(start(i)), DurationMinutes: 60, WatchURL: "https://x.com/i/broadcasts/1BENCH"}
			if err := tx.CreateBroadcast(ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
}

var liveOnly = [3]string{"", "", ""}

// dispatchFigure is one throughput run: posts per second, and the CPU it cost per post in this
// process (dispatcher and receiver) and in the database server.
type dispatchFigure struct {
	rate                 float64
	selfUS, serverUS     float64 // CPU µs per post
	posts, channels, dmn int
}

// dispatchRuns memoises throughput runs, so that scenarios sharing a setup in one invocation
// (dispatch and flatness on PostgreSQL) measure it once per repetition.
var dispatchRuns = map[string]dispatchFigure{}

// onairThroughput is one throughput run (repetition rep): posts posts already due over channels
// webhook channels, sent by daemons dispatchers as fast as they can claim, send and record them.
func onairThroughput(ctx context.Context, cfg config, engine string, posts, channels, daemons, rep int) (dispatchFigure, error) {
	key := fmt.Sprint(engine, posts, channels, daemons, rep)
	if f, ok := dispatchRuns[key]; ok {
		return f, nil
	}
	recv, err := newReceiver(0)
	if err != nil {
		return dispatchFigure{}, err
	}
	defer recv.close()
	perChannel := max(1, posts/channels)
	planClock := time.Now().Add(-time.Hour)
	f, err := newFixture(ctx, cfg, engine, "throughput", recv, channels, liveOnly, func() time.Time { return planClock })
	if err != nil {
		return dispatchFigure{}, err
	}
	defer f.cleanup()
	start := time.Now().Add(-time.Minute)
	if err := f.broadcasts(ctx, perChannel, func(int) time.Time { return start }); err != nil {
		return dispatchFigure{}, err
	}
	if _, err := scheduler.NewPlanner(f.store, func() time.Time { return planClock }, nil).Reconcile(ctx); err != nil {
		return dispatchFigure{}, err
	}
	// The daemon analyses after a large plan pass; the bench's planner call does not.
	if err := f.store.Optimize(ctx); err != nil {
		return dispatchFigure{}, err
	}
	total := perChannel * channels
	stores := []*models.Store{f.store}
	for i := 1; i < daemons; i++ {
		s, err := models.Open(ctx, f.dsn, models.Options{})
		if err != nil {
			return dispatchFigure{}, err
		}
		defer s.Close()
		stores = append(stores, s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, daemons)
	cpu := startCPU(f.db)
	began := time.Now()
	for i, store := range stores {
		posters := &scheduler.Posters{}
		disp := scheduler.NewDispatcher(store, posters.For, cfg.dispatcher(fmt.Sprintf("bench-%d", i)), nil, nil, nil)
		wg.Add(1)
		// Labelled, so that a profile tells the runs apart: go tool pprof -tagfocus channels=256.
		labels := pprof.Labels("engine", engine, "channels", fmt.Sprint(channels), "daemons", fmt.Sprint(daemons))
		go pprof.Do(ctx, labels, func(ctx context.Context) {
			defer wg.Done()
			if _, err := disp.Dispatch(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	self, server := cpu.stop()
	close(errs)
	if err := <-errs; err != nil {
		return dispatchFigure{}, err
	}
	if got := recv.count(); got != total {
		return dispatchFigure{}, fmt.Errorf("%d of %d posts arrived", got, total)
	}
	fig := dispatchFigure{rate: float64(total) / elapsed.Seconds(), selfUS: self * 1e6 / float64(total),
		serverUS: server * 1e6 / float64(total), posts: total, channels: channels, dmn: daemons}
	dispatchRuns[key] = fig
	return fig, nil
}

// onairLateness plans broadcasts (each posting once on every channel) due from 4 s on, every gap
// apart, runs a daemon with the real clock until all arrived, and returns each post's lateness
// (receiver's first arrival minus due time) in ms.
func onairLateness(ctx context.Context, cfg config, engine string, channels, broadcasts int, gap time.Duration) ([]float64, error) {
	recv, err := newReceiver(0)
	if err != nil {
		return nil, err
	}
	defer recv.close()
	f, err := newFixture(ctx, cfg, engine, "lateness", recv, channels, liveOnly, nil)
	if err != nil {
		return nil, err
	}
	defer f.cleanup()
	first := time.Now().Add(4 * time.Second).Truncate(time.Second)
	if err := f.broadcasts(ctx, broadcasts, func(i int) time.Time { return first.Add(time.Duration(i) * gap) }); err != nil {
		return nil, err
	}
	planner := scheduler.NewPlanner(f.store, nil, nil)
	if _, err := planner.Reconcile(ctx); err != nil {
		return nil, err
	}
	if time.Now().After(first.Add(-time.Second)) {
		return nil, fmt.Errorf("planning took past the first due time; use a smaller --scale")
	}
	posters := &scheduler.Posters{}
	disp := scheduler.NewDispatcher(f.store, posters.For, cfg.dispatcher("bench"), nil, nil, nil)
	dcfg := scheduler.DaemonConfig{Exclusive: true}
	if engine == "sqlite" {
		dcfg.DBPath = f.dsn
	} else {
		dcfg.PostgresDSN = f.dsn
		dcfg.Exclusive = false
	}
	d := scheduler.NewDaemon(f.store, planner, disp, nil, dcfg, nil, nil)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	want := channels * broadcasts
	deadline := time.Now().Add(4*time.Second + time.Duration(broadcasts)*gap + 60*time.Second)
	for recv.count() < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		return nil, err
	}
	if recv.count() != want {
		return nil, fmt.Errorf("%d of %d posts arrived", recv.count(), want)
	}
	var posts []models.Post
	if err := f.store.DB().Find(&posts).Error; err != nil {
		return nil, err
	}
	var late []float64
	recv.mu.Lock()
	for _, p := range posts {
		late = append(late, float64(recv.first[p.IdempotencyKey].Sub(p.DueAt.Time))/float64(time.Millisecond))
	}
	recv.mu.Unlock()
	return late, nil
}

// dispatcher returns the dispatcher settings of a run: onair's defaults, but for --per-channel.
func (c config) dispatcher(owner string) scheduler.DispatchConfig {
	d := c.dispatch
	d.Owner = owner
	return d
}
