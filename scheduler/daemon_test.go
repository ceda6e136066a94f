package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
)

// TestDaemonOnAFakeClock runs the daemon, its gocron jobs included, on a fake clock: nothing goes
// out before its due time, and each post goes out once the clock reaches it, stamped with the
// clock's time, without the test sleeping for the hour the campaign spans.
func TestDaemonOnAFakeClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 3, 1, 18, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start.Add(-time.Hour))
	recv := webhooktest.New(t, testSecret, nil)
	e := newEnv(t, clock.Now())
	e.webhook("hook", recv.URL, "")
	c := e.campaign(models.Campaign{Name: "Fake", Lang: "en", TimeZone: "UTC", Reminders: "10m"}, "hook")
	e.plan(e.broadcast(c, "Launch", start).ID)

	store, err := models.Open(e.ctx, e.path, models.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	posters := &Posters{Getenv: func(string) string { return testSecret }, Now: clock.Now}
	disp := NewDispatcher(store, posters.For, DispatchConfig{Owner: "fake"}, clock.Now, nil, nil)
	d := NewDaemon(store, NewPlanner(store, clock.Now, nil), disp, nil, DaemonConfig{Clock: clock, Exclusive: true}, nil, nil)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})

	// The loop and the five jobs each wait on the clock once the first pass is done.
	wctx, stop := context.WithTimeout(e.ctx, 10*time.Second)
	defer stop()
	if err := clock.BlockUntilContext(wctx, 6); err != nil {
		t.Fatalf("the daemon is not waiting on the clock: %v", err)
	}
	if n := len(recv.Deliveries()); n != 0 {
		t.Fatalf("%d posts went out an hour before the broadcast", n)
	}
	sent := func() int {
		n := 0
		for _, p := range e.posts(1) {
			if p.Status == models.PostSent {
				n++
			}
		}
		return n
	}
	for i, at := range []time.Time{start.Add(-10 * time.Minute), start} {
		clock.Advance(at.Sub(clock.Now()))
		// The clock stands still at the due time: the post goes out, and its outcome is
		// recorded, within moments of real time.
		for deadline := time.Now().Add(10 * time.Second); sent() <= i && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if n := len(recv.Deliveries()); n != i+1 || sent() != i+1 {
			t.Fatalf("at %s: %d posts went out (%d recorded sent), want %d", at.Format(time.Kitchen), n, sent(), i+1)
		}
	}
	for _, p := range e.posts(1) {
		if p.Status != models.PostSent || !p.SentAt.Equal(p.DueAt.Time) {
			t.Errorf("%s post: %s at %v, want sent at its due time %v", p.Kind, p.Status, p.SentAt, p.DueAt.Time)
		}
	}
}
