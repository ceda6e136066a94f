package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
)

// TestFaults runs the daemon, with the real clock, against a receiver that answers 500s, hangs
// past the timeout, rate limits with a reset time, drops connections, and even keeps a post then
// drops the connection: every post ends delivered once, and no request reaches a rate-limited
// channel before its reset.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the real clock for seconds: skipped under -short")
	}
	t.Parallel()
	faults := func(n int, key string) webhooktest.Fault {
		switch {
		case n%7 == 1:
			return webhooktest.Status500
		case n%11 == 3:
			return webhooktest.Timeout
		case n%13 == 5:
			return webhooktest.RateLimit
		case n%17 == 2:
			return webhooktest.Drop
		case n%19 == 4:
			return webhooktest.AcceptThenDrop
		}
		return webhooktest.OK
	}
	recv := webhooktest.New(t, testSecret, faults)
	recv.RetryAfter = time.Second
	recv.Hang = time.Second

	e := newEnv(t, time.Now())
	e.webhook("a", recv.URL, "")
	e.webhook("b", recv.URL, "")
	c := e.campaign(models.Campaign{Name: "Faults", Lang: "en", TimeZone: "UTC"}, "a", "b")
	const broadcasts = 40
	start := time.Now().Add(500 * time.Millisecond)
	for i := 0; i < broadcasts; i++ {
		b := e.broadcast(c, fmt.Sprintf("Live %d", i), start.Add(time.Duration(i)*20*time.Millisecond))
		e.plan(b.ID)
	}
	posters := &Posters{Getenv: func(string) string { return testSecret }}
	disp := NewDispatcher(e.store, posters.For, DispatchConfig{Owner: "faults", MaxAttempts: 30,
		BackoffBase: 50 * time.Millisecond, BackoffMax: 400 * time.Millisecond}, time.Now, nil, nil)
	d := NewDaemon(e.store, NewPlanner(e.store, time.Now, nil), disp, nil, DaemonConfig{DBPath: e.path, RecoverEvery: 500 * time.Millisecond}, time.Now, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	want := 2 * broadcasts
	deadline := time.Now().Add(40 * time.Second)
	for len(recv.Deliveries()) < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// Let the last answers be recorded (an AcceptThenDrop is retried, then deduplicated).
	for time.Now().Before(deadline) {
		n, _ := e.store.Pending(e.ctx)
		if n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if got := len(recv.Deliveries()); got != want {
		t.Fatalf("%d posts delivered, want %d", got, want)
	}
	if errs := recv.ContractErrors(); len(errs) > 0 {
		t.Errorf("contract errors: %v", errs)
	}
	var statuses []struct {
		Status models.PostStatus
		N      int
	}
	e.store.DB().Raw("SELECT status, count(*) AS n FROM posts GROUP BY status").Scan(&statuses)
	if len(statuses) != 1 || statuses[0].Status != models.PostSent || statuses[0].N != want {
		t.Errorf("post statuses: %+v", statuses)
	}
	resent := 0
	for _, n := range recv.Requests() {
		resent += n - 1
	}
	t.Logf("%d posts, %d requests beyond the first per post (faults answered)", want, resent)
	if resent == 0 {
		t.Error("no fault was exercised")
	}
	for _, ch := range []string{"a", "b"} {
		answers := recv.Answers(ch)
		for i, a := range answers {
			if a.Fault != webhooktest.RateLimit {
				continue
			}
			// Until its reset, the channel gets only the requests under way before the dispatcher
			// read the 429 (its other sends go side by side): they come right after it, none later.
			reset := a.At.Add(recv.RetryAfter - 50*time.Millisecond)
			var early []time.Duration
			for _, b := range answers[i+1:] {
				if b.At.Before(reset) && b.At.Sub(a.At) > recv.RetryAfter/4 {
					early = append(early, b.At.Sub(a.At))
				}
			}
			if len(early) > 0 {
				t.Errorf("channel %s: requests %v after a 429, before its reset (%v)", ch, early, recv.RetryAfter)
			}
		}
	}
}
