package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

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
	return fmt.Sprintf("River v0.51.2, %d workers, FetchCooldown %s, FetchPollInterval %s, bodies drained, %d/%d idle connections, timed until every river_job is completed",
		s.MaxWorkers, s.FetchCooldown, s.FetchPollInterval, s.MaxIdleConns, s.MaxIdleConnsPerHost)
}

type riverSetup struct{}

// riverThroughput does scenario 1's work with River (github.com/riverqueue/river), a well-known
// Go job queue on PostgreSQL: total jobs already inserted, each POSTing one post to the same
// receiver; jobs per second from the client's start until every job is recorded completed (as
// onair's figure counts until every outcome is written).
func riverThroughput(ctx context.Context, cfg config, total int) (float64, error) {
	recv, err := newReceiver(0)
	if err != nil {
		return 0, err
	}
	defer recv.close()
	dsn, cleanup, err := freshDSN(cfg, "postgres", "river")
	if err != nil {
		return 0, err
	}
	defer cleanup()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return 0, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return 0, fmt.Errorf("river migrations: %w", err)
	}
	rs := riverSettings
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = rs.MaxIdleConns, rs.MaxIdleConnsPerHost
	workers := river.NewWorkers()
	river.AddWorker(workers, &postWorker{client: &http.Client{Transport: t}, url: recv.url})
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: rs.MaxWorkers}},
		FetchCooldown:     rs.FetchCooldown,
		FetchPollInterval: rs.FetchPollInterval,
		Workers:           workers,
	})
	if err != nil {
		return 0, err
	}
	for done := 0; done < total; done += 1000 {
		var params []river.InsertManyParams
		for i := done; i < min(done+1000, total); i++ {
			params = append(params, river.InsertManyParams{Args: postArgs{Key: fmt.Sprintf("river-%d", i),
				Text: "We're live! Spring collection launch is happening right now. https://x.com/i/broadcasts/1BENCH"}})
		}
		if _, err := client.InsertMany(ctx, params); err != nil {
			return 0, fmt.Errorf("river insert: %w", err)
		}
	}
	began := time.Now()
	if err := client.Start(ctx); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	completed := 0
	for completed < total && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		if recv.count() < total {
			continue
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'completed'`).Scan(&completed); err != nil {
			return 0, err
		}
	}
	elapsed := time.Since(began)
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client.Stop(stopCtx)
	if recv.count() < total || completed < total {
		return 0, fmt.Errorf("river delivered %d of %d, completed %d", recv.count(), total, completed)
	}
	return float64(total) / elapsed.Seconds(), nil
}
