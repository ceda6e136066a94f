package main

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// The scenarios below are earlier checks (issue 7), run when named; each runs once per engine.

// slowNetwork: the receiver answers after 200 ms; throughput must come from many sends at once:
// on many channels (500 channels, 10 posts each), and on few channels with many broadcasts (20
// channels, 50 posts each, every one for another broadcast, which may go side by side).
func slowNetwork(ctx context.Context, cfg config) ([]Row, error) {
	return perEngine(cfg, func(engine string) ([]Row, error) {
		var rows []Row
		for _, s := range []struct{ channels, perChannel int }{{500, n(cfg, 10)}, {20, n(cfg, 50)}} {
			rate, err := slowRun(ctx, cfg, engine, s.channels, s.perChannel)
			if err != nil {
				return nil, err
			}
			rows = append(rows, Row{Scenario: "slow", Engine: engine, Target: fmt.Sprintf("slow network, %d channels: >= 1,000 posts/s", s.channels),
				Figure: span([]float64{rate}, "posts/s"), Values: []float64{rate}, Met: all([]float64{rate}, func(v float64) bool { return v >= 1000 }),
				Setup: fmt.Sprintf("%d posts due on %d channels, receiver answers after 200 ms", s.channels*s.perChannel, s.channels)})
		}
		return rows, nil
	})
}

func slowRun(ctx context.Context, cfg config, engine string, channels, perChannel int) (float64, error) {
	recv, err := newReceiver(200 * time.Millisecond)
	if err != nil {
		return 0, err
	}
	defer recv.close()
	planClock := time.Now().Add(-time.Hour)
	f, err := newFixture(ctx, cfg, engine, "slow", recv, channels, liveOnly, func() time.Time { return planClock })
	if err != nil {
		return 0, err
	}
	defer f.cleanup()
	start := time.Now().Add(-time.Minute)
	if err := f.broadcasts(ctx, perChannel, func(int) time.Time { return start }); err != nil {
		return 0, err
	}
	if _, err := scheduler.NewPlanner(f.store, func() time.Time { return planClock }, nil).Reconcile(ctx); err != nil {
		return 0, err
	}
	posters := &scheduler.Posters{}
	disp := scheduler.NewDispatcher(f.store, posters.For, cfg.dispatcher("bench"), nil, nil, nil)
	began := time.Now()
	if _, err := disp.Dispatch(ctx); err != nil {
		return 0, err
	}
	elapsed := time.Since(began)
	total := channels * perChannel
	if got := recv.count(); got != total {
		return 0, fmt.Errorf("%d of %d posts arrived", got, total)
	}
	return float64(total) / elapsed.Seconds(), nil
}

// pickup: the daemon running, another connection (as a CMS) inserts a broadcast: time until its
// posts are planned.
func pickup(ctx context.Context, cfg config) ([]Row, error) {
	return perEngine(cfg, func(engine string) ([]Row, error) {
		recv, err := newReceiver(0)
		if err != nil {
			return nil, err
		}
		defer recv.close()
		f, err := newFixture(ctx, cfg, engine, "pickup", recv, 1, [3]string{"1d", "10m", "30m"}, nil)
		if err != nil {
			return nil, err
		}
		defer f.cleanup()
		planner := scheduler.NewPlanner(f.store, nil, nil)
		posters := &scheduler.Posters{}
		disp := scheduler.NewDispatcher(f.store, posters.For, cfg.dispatcher("bench"), nil, nil, nil)
		driver, dsn := "sqlite3", "file:"+f.dsn+"?_busy_timeout=10000&_txlock=immediate"
		dcfg := scheduler.DaemonConfig{DBPath: f.dsn, Exclusive: true}
		if engine == "postgres" {
			sqlDB, _ := f.store.SQLDB()
			driver, dsn = "pgx", f.dsn
			dcfg = scheduler.DaemonConfig{PostgresDSN: f.dsn, Elector: scheduler.NewElector(sqlDB)}
		}
		d := scheduler.NewDaemon(f.store, planner, disp, nil, dcfg, nil, nil)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.Run(runCtx) }()
		defer func() { cancel(); <-done }()
		time.Sleep(500 * time.Millisecond)

		cms, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, err
		}
		defer cms.Close()
		rounds := n(cfg, 50)
		var waits []float64
		for i := 0; i < rounds; i++ {
			ref := fmt.Sprintf("cms-%d", i)
			start := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
			q := `INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES (?, 'Bench', 'From the CMS', ?)`
			check := `SELECT revision = planned_revision FROM broadcasts WHERE external_ref = ?`
			if engine == "postgres" {
				q = `INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES ($1, 'Bench', 'From the CMS', $2)`
				check = `SELECT revision = planned_revision FROM broadcasts WHERE external_ref = $1`
			}
			began := time.Now()
			if _, err := cms.Exec(q, ref, start); err != nil {
				return nil, err
			}
			for {
				var planned bool
				if err := cms.QueryRow(check, ref).Scan(&planned); err != nil {
					return nil, err
				}
				if planned {
					break
				}
				if time.Since(began) > 30*time.Second {
					return nil, fmt.Errorf("broadcast %s not planned after 30 s", ref)
				}
				time.Sleep(2 * time.Millisecond)
			}
			waits = append(waits, float64(time.Since(began))/float64(time.Millisecond))
			time.Sleep(time.Duration(50+i%7*30) * time.Millisecond) // not in step with the watch tick
		}
		p := percentile(waits, 0.99)
		return []Row{{Scenario: "pickup", Engine: engine, Target: "CMS pickup p99 < 500 ms",
			Figure: fmt.Sprintf("p99 %.0f ms", p), Values: []float64{p}, Met: all([]float64{p}, func(v float64) bool { return v < 500 }),
			Setup: fmt.Sprintf("%d broadcasts inserted one by one through a separate connection; p50 %.0f ms, max %.0f ms", rounds, percentile(waits, 0.5), percentile(waits, 1))}}, nil
	})
}

// cliScenario: the CLI on a database of 100,000 broadcasts: wall time of whole commands, process
// start included, as a marketer sees it.
func cliScenario(ctx context.Context, cfg config) ([]Row, error) {
	return perEngine(cfg, func(engine string) ([]Row, error) {
		recv, err := newReceiver(0)
		if err != nil {
			return nil, err
		}
		defer recv.close()
		now := time.Now()
		f, err := newFixture(ctx, cfg, engine, "cli", recv, 3, [3]string{"7d,1d", "1h,10m", "30m"}, func() time.Time { return now })
		if err != nil {
			return nil, err
		}
		defer f.cleanup()
		count := n(cfg, 100000)
		batch := make([]models.Broadcast, 0, 1000)
		for i := 0; i < count; i++ {
			batch = append(batch, models.Broadcast{CampaignID: &f.camp.ID, Title: fmt.Sprintf("Broadcast %d", i), Status: models.BroadcastScheduled,
				StartsAt: models.NewTime(now.Add(time.Duration(i) * time.Minute)), DurationMinutes: 60, WatchURL: "https://x.com/i/broadcasts/1BENCH"})
			if len(batch) == cap(batch) || i == count-1 {
				if err := f.store.DB().Omit("Revision", "PlannedRevision").CreateInBatches(batch, 500).Error; err != nil {
					return nil, err
				}
				batch = batch[:0]
			}
		}
		// Plan the first broadcast (plan show reads it); mark the rest as planned without posts.
		if _, err := scheduler.NewPlanner(f.store, func() time.Time { return now }, nil).Plan(ctx, 1); err != nil {
			return nil, err
		}
		if err := f.store.DB().Exec("UPDATE broadcasts SET planned_revision = revision").Error; err != nil {
			return nil, err
		}
		bin, err := buildOnair(cfg)
		if err != nil {
			return nil, err
		}
		var out []Row
		for _, args := range [][]string{{"broadcast", "list"}, {"plan", "show", "1"}} {
			var walls []float64
			for i := 0; i < 10; i++ {
				began := time.Now()
				if o, err := exec.Command(bin, append([]string{"--db", f.dsn}, args...)...).CombinedOutput(); err != nil {
					return nil, fmt.Errorf("onair %v: %v\n%s", args, err, o)
				}
				walls = append(walls, float64(time.Since(began))/float64(time.Millisecond))
			}
			worst := percentile(walls, 1)
			out = append(out, Row{Scenario: "cli", Engine: engine, Target: "CLI " + strings.Join(args[:2], " ") + " < 100 ms",
				Figure: fmt.Sprintf("max %.0f ms", worst), Values: []float64{worst}, Met: all([]float64{worst}, func(v float64) bool { return v < 100 }),
				Setup: fmt.Sprintf("%d broadcasts; 10 runs of the binary, process start included; median %.0f ms", count, percentile(walls, 0.5))})
		}
		return out, nil
	})
}

// perEngine runs one scenario's check on each engine in turn.
func perEngine(cfg config, run func(engine string) ([]Row, error)) ([]Row, error) {
	var rows []Row
	for _, engine := range cfg.engines {
		rs, err := run(engine)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", engine, err)
		}
		rows = append(rows, rs...)
	}
	return rows, nil
}
