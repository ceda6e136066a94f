package scheduler

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

// TestSlackTimeoutIsUnknown: a Slack webhook cannot deduplicate, so a send that timed out after
// the request left is never sent again by the daemon: the post is unknown for a person to check,
// and the receiver saw exactly one request, however many passes follow.
func TestSlackTimeoutIsUnknown(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		select { // answers after the client's timeout (300 ms)
		case <-release:
		case <-time.After(2 * time.Second):
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	e := newEnv(t, start.Add(-time.Minute))
	e.webhook("slack", srv.URL, "slack")
	c := e.campaign(models.Campaign{Name: "Slack", Lang: "en", TimeZone: "UTC"}, "slack")
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	d := e.dispatcher(DispatchConfig{MaxAttempts: 5})
	e.now = start
	if s := e.dispatch(d); s.Unknown != 1 || s.Retry != 0 {
		t.Fatalf("after a timeout on Slack: %+v", s)
	}
	for i := 0; i < 3; i++ {
		e.now = e.now.Add(time.Minute)
		e.dispatch(d)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("the Slack receiver got %d requests, want 1", n)
	}
	live := e.posts(b.ID)["live 0"]
	if live.Status != models.PostUnknown || live.Error == "" {
		t.Errorf("live post after the timeout: %s %q", live.Status, live.Error)
	}
}

// TestRecoveryBringsRetriesForward: once a retry on a channel goes through, the channel's other
// posts waiting out their backoff are due at once, not minutes later.
func TestRecoveryBringsRetriesForward(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	e := newEnv(t, start.Add(-3*time.Hour))
	e.webhook("hook", srv.URL, "")
	c := e.campaign(models.Campaign{Name: "Outage", Lang: "en", TimeZone: "UTC", Reminders: "2h,1h50m"}, "hook")
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	d := e.dispatcher(DispatchConfig{MaxAttempts: 10, BackoffBase: 10 * time.Minute, BackoffMax: 10 * time.Minute})
	e.now = start.Add(-110 * time.Minute) // both reminders due; the receiver is down
	if s := e.dispatch(d); s.Retry != 2 {
		t.Fatalf("during the outage: %+v", s)
	}
	posts := e.posts(b.ID)
	first, second := posts["reminder 2h"], posts["reminder 1h50m"]
	if first.NextAttemptAt.After(second.NextAttemptAt.Time) {
		first, second = second, first
	}
	down.Store(false)
	e.now = first.NextAttemptAt.Time // the first retry goes through...
	e.dispatch(d)
	e.dispatch(d) // ...and the other follows in the next pass, not at its own backoff
	for k, p := range e.posts(b.ID) {
		if strings.HasPrefix(k, "reminder") && p.Status != models.PostSent {
			t.Errorf("%s after the outage ended at %s: %s (next try %s)", k, e.now.Format(time.RFC3339), p.Status, p.NextAttemptAt.Format(time.RFC3339))
		}
	}
}
