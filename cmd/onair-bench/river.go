package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/onairhq/onair/posting/webhook"
)

// postArgs is the peer's job: one post to deliver, as onair's webhook would.
type postArgs struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

func (postArgs) Kind() string { return "post" }

type postWorker struct {
	river.WorkerDefaults[postArgs]
	client *http.Client
	url    string
}

func (w *postWorker) Work(ctx context.Context, job *river.Job[postArgs]) error {
	body, _ := json.Marshal(job.Args)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderIdempotencyKey, job.Args.Key)
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	// Drained, so the connection goes back to the pool (onair's adapters read every answer).
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

// riverSettings is how the peer runs: tuned as River's documentation allows for a burst of jobs
// that are all available at once (River's defaults poll for work every 100 ms, which caps it at
// MaxWorkers jobs per 100 ms), with onair's HTTP transport settings. They are printed beside the
// figure.
var riverSettings = struct {
	MaxWorkers                        int
	FetchCooldown, FetchPollInterval  time.Duration
	MaxIdleConns, MaxIdleConnsPerHost int
}{MaxWorkers: 256, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
	MaxIdleConns: 512, MaxIdleConnsPerHost: 256}

func (riverSetup) String() string {
	s := riverSettings
	return fmt.Sprintf("v0.51.2, %d workers, FetchCooldown %s, FetchPollInterval %s, bodies drained, %d/%d idle connections (onair's), timed until every river_job is completed",
		s.MaxWorkers, s.FetchCooldown, s.FetchPollInterval, s.MaxIdleConns, s.MaxIdleConnsPerHost)
}

type riverSetup struct{}

// riverClient makes a fresh database with River's schema and a client of the tuned settings
// whose worker POSTs each job to url. The cleanup stops the client and drops the database.
func riverClient(ctx context.Context, cfg config, url string) (*river.Client[pgx.Tx], *pgxpool.Pool, string, func(), error) {
	dsn, db, drop, err := freshDSN(cfg, "postgres", "river")
	if err != nil {
		return nil, nil, "", nil, err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		drop()
		return nil, nil, "", nil, err
	}
	cleanup := func() { pool.Close(); drop() }
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		cleanup()
		return nil, nil, "", nil, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		cleanup()
		return nil, nil, "", nil, fmt.Errorf("river migrations: %w", err)
	}
	rs := riverSettings
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = rs.MaxIdleConns, rs.MaxIdleConnsPerHost
	workers := river.NewWorkers()
	river.AddWorker(workers, &postWorker{client: &http.Client{Transport: t}, url: url})
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: rs.MaxWorkers}},
		FetchCooldown:     rs.FetchCooldown,
		FetchPollInterval: rs.FetchPollInterval,
		Workers:           workers,
	})
	if err != nil {
		cleanup()
		return nil, nil, "", nil, err
	}
	return client, pool, db, func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		client.Stop(stopCtx)
		cleanup()
	}, nil
}

// riverInsert inserts total jobs (keys river-0...), scheduled at at (zero: available now).
func riverInsert(ctx context.Context, client *river.Client[pgx.Tx], total int, at time.Time) error {
	for done := 0; done < total; done += 1000 {
		var params []river.InsertManyParams
		for i := done; i < min(done+1000, total); i++ {
			var opts *river.InsertOpts
			if !at.IsZero() {
				opts = &river.InsertOpts{ScheduledAt: at}
			}
			params = append(params, river.InsertManyParams{Args: postArgs{Key: fmt.Sprintf("river-%d", i),
				Text: "We're live! Spring collection launch is happening right now. https://x.com/i/broadcasts/1BENCH"}, InsertOpts: opts})
		}
		if _, err := client.InsertMany(ctx, params); err != nil {
			return fmt.Errorf("river insert: %w", err)
		}
	}
	return nil
}

// riverWait waits until every one of total jobs has reached the receiver and is recorded
// completed (as onair's figures count until every outcome is written).
func riverWait(ctx context.Context, pool *pgxpool.Pool, recv *receiver, total int, deadline time.Time) error {
	completed := 0
	for completed < total && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		if recv.count() < total {
			continue
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'completed'`).Scan(&completed); err != nil {
			return err
		}
	}
	if recv.count() < total || completed < total {
		return fmt.Errorf("river delivered %d of %d, completed %d", recv.count(), total, completed)
	}
	return nil
}

// riverThroughput does the throughput run's work with River: total jobs already inserted, each
// POSTing one post to a receiver like onair's; jobs per second from the client's start until
// every job is recorded completed.
func riverThroughput(ctx context.Context, cfg config, total int) (dispatchFigure, error) {
	recv, err := newReceiver(0)
	if err != nil {
		return dispatchFigure{}, err
	}
	defer recv.close()
	client, pool, db, cleanup, err := riverClient(ctx, cfg, recv.url)
	if err != nil {
		return dispatchFigure{}, err
	}
	defer cleanup()
	if err := riverInsert(ctx, client, total, time.Time{}); err != nil {
		return dispatchFigure{}, err
	}
	cpu := startCPU(db)
	began := time.Now()
	if err := client.Start(ctx); err != nil {
		return dispatchFigure{}, err
	}
	if err := riverWait(ctx, pool, recv, total, time.Now().Add(5*time.Minute)); err != nil {
		return dispatchFigure{}, err
	}
	elapsed := time.Since(began)
	self, server := cpu.stop()
	return dispatchFigure{rate: float64(total) / elapsed.Seconds(), selfUS: self * 1e6 / float64(total),
		serverUS: server * 1e6 / float64(total), posts: total}, nil
}

// riverBurst is the burst with River: total jobs scheduled for the same second, 4 s ahead. River
// moves scheduled jobs to available with a maintenance service every 5 s (not configurable);
// the peer is given its best case instead: the jobs are made available at once in SQL, keeping
// their scheduled time, so that its fetch (which waits for scheduled_at) starts them the moment
// they are due, found by its 50 ms poll. It returns each job's lateness in ms.
func riverBurst(ctx context.Context, cfg config, total int) ([]float64, error) {
	recv, err := newReceiver(0)
	if err != nil {
		return nil, err
	}
	defer recv.close()
	client, pool, _, cleanup, err := riverClient(ctx, cfg, recv.url)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	due := time.Now().Add(4 * time.Second).Truncate(time.Second)
	if err := riverInsert(ctx, client, total, due); err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'scheduled'`); err != nil {
		return nil, err
	}
	if time.Now().After(due.Add(-time.Second)) {
		return nil, fmt.Errorf("inserting River's jobs took past their due time; use a smaller --scale")
	}
	if err := client.Start(ctx); err != nil {
		return nil, err
	}
	if err := riverWait(ctx, pool, recv, total, due.Add(2*time.Minute)); err != nil {
		return nil, err
	}
	var late []float64
	recv.mu.Lock()
	for _, at := range recv.first {
		late = append(late, float64(at.Sub(due))/float64(time.Millisecond))
	}
	recv.mu.Unlock()
	return late, nil
}
