package scheduler

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"pgregory.net/rapid"
)

// TestGivingUpKeepsTheRealError: a post the network kept failing while the daemon ran is settled
// with the network's error when its window closes, not "skipped (was onair stopped?)": failed
// when no try left (the address could not be reached), unknown when a try got no good answer
// after its request left (a 502: the network may have acted).
func TestGivingUpKeepsTheRealError(t *testing.T) {
	t.Parallel()
	answers502 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	t.Cleanup(answers502.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more: connection refused
	for _, c := range []struct {
		name, url string
		status    models.PostStatus
		says      string
	}{
		{"unreachable", closed.URL, models.PostFailed, "network kept failing: "},
		{"answers 502", answers502.URL, models.PostUnknown, "a try may have reached it"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
			e := newEnv(t, start.Add(-2*time.Hour))
			e.webhook("hook", c.url, "")
			camp := e.campaign(models.Campaign{Name: "Down", Lang: "en", TimeZone: "UTC", Reminders: "1h"}, "hook")
			b := e.broadcast(camp, "Launch", start)
			e.plan(b.ID)
			d := e.dispatcher(DispatchConfig{MaxAttempts: 50, BackoffBase: time.Minute, BackoffMax: time.Minute})
			e.now = start.Add(-time.Hour)
			if s := e.dispatch(d); s.Retry != 1 {
				t.Fatalf("first try: %+v", s)
			}
			for i := 0; i < 30; i++ { // passes every minute until past the reminder's window (15 min)
				e.now = e.now.Add(time.Minute)
				e.dispatch(d)
			}
			p := e.posts(b.ID)["reminder 1h"]
			if p.Status != c.status || !strings.Contains(p.Error, c.says) || !strings.Contains(p.Error, "window passed") {
				t.Errorf("reminder after its window: %s %q", p.Status, p.Error)
			}
		})
	}
}

// TestClockMovesBroadcasts: with nothing signalled, a broadcast is live from its start and
// ended from its planned end, by the clock; a real signal still counts after that.
func TestClockMovesBroadcasts(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	e := newEnv(t, start.Add(-time.Hour))
	c := spring(e)
	b := e.broadcast(c, "Launch", start) // 45 min
	e.plan(b.ID)
	life := NewLifecycle(e.store, e.planner)
	phase := func() string {
		if _, err := e.planner.Reconcile(e.ctx); err != nil {
			t.Fatal(err)
		}
		got, err := e.store.BroadcastByID(e.ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		return Phase(got, e.now)
	}
	if got := phase(); got != string(models.BroadcastScheduled) {
		t.Errorf("before the start: %s", got)
	}
	e.now = start.Add(time.Minute)
	if got := phase(); got != "live (by the clock)" {
		t.Errorf("after the start: %s", got)
	}
	if p := e.posts(b.ID)["reminder 10m"]; p.Status != models.PostCancelled {
		t.Errorf("reminder once live by the clock: %s", p.Status)
	}
	// The host says it really started now: the live post keeps its place (it was due at the start).
	if _, err := life.GoLive(e.ctx, b.ID, e.now, false); err != nil {
		t.Fatalf("going live on a broadcast live by the clock: %v", err)
	}
	if got := phase(); got != string(models.BroadcastLive) {
		t.Errorf("after go live: %s", got)
	}
	e.now = start.Add(2 * time.Hour)
	if got := phase(); got != "ended (by the clock)" {
		t.Errorf("after the planned end: %s", got)
	}
	if _, err := life.End(e.ctx, b.ID, e.now, "https://example.com/replay", false); err != nil {
		t.Fatalf("ending a broadcast ended by the clock: %v", err)
	}
	if got := phase(); got != string(models.BroadcastEnded) {
		t.Errorf("after end: %s", got)
	}
	_, err := life.End(e.ctx, b.ID, e.now, "", false)
	var r *Refusal
	if !errors.As(err, &r) || r.Code != RefusedState {
		t.Errorf("ending twice: %v", err)
	}
}

// TestOffsetsRoundTrip: every offset list the CLI accepts survives storage and plans, 0 included.
func TestOffsetsRoundTrip(t *testing.T) {
	e := newEnv(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	e.channel("preview", "console")
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		unit := rapid.SampledFrom([]string{"m", "h", "d", "w", "s"})
		gen := func(label string, zero bool) string {
			var parts []string
			seen := map[string]bool{}
			for range rapid.IntRange(0, 3).Draw(rt, label+" count") {
				v := rapid.IntRange(0, 40).Draw(rt, label+" n")
				if v == 0 && !zero {
					v = 1
				}
				o := strings.Repeat("0", rapid.IntRange(0, 1).Draw(rt, "pad")) + strconv.Itoa(v) + unit.Draw(rt, label+" unit")
				norm, err := models.NormalizeOffsets(o)
				if err != nil || seen[norm] {
					continue
				}
				seen[norm] = true
				parts = append(parts, o)
			}
			return strings.Join(parts, ",")
		}
		teasers, replays := gen("teasers", false), gen("replays", true)
		nt, err := models.NormalizeOffsets(teasers)
		if err != nil {
			rt.Fatalf("teasers %q: %v", teasers, err)
		}
		nr, err := models.NormalizeOffsets(replays)
		if err != nil {
			rt.Fatalf("replays %q: %v", replays, err)
		}
		n++
		c := e.campaign(models.Campaign{Name: "C" + strconv.Itoa(n), TimeZone: "UTC", Lang: "en", Teasers: nt, ReplayAfter: nr}, "preview")
		stored, err := e.store.CampaignByID(e.ctx, c.ID)
		if err != nil {
			rt.Fatal(err)
		}
		for _, list := range []string{stored.Teasers, stored.ReplayAfter} {
			again, err := models.NormalizeOffsets(list)
			if err != nil || again != list {
				rt.Fatalf("stored %q reads back as %q (%v)", list, again, err)
			}
		}
		b := e.broadcast(c, "Live", e.now.Add(400*24*time.Hour)) // past every teaser (40w at most)
		b.ReplayURL = ""
		res := e.plan(b.ID)
		if res.Error != "" {
			rt.Fatalf("teasers %q, replays %q: plan error %s", nt, nr, res.Error)
		}
		want := 1 + len(strings.Split(nr, ","))
		if nr == "" {
			want = 1
		}
		if nt != "" {
			want += len(strings.Split(nt, ","))
		}
		if got := len(e.posts(b.ID)); got != want {
			rt.Fatalf("teasers %q, replays %q: %d posts, want %d", nt, nr, got, want)
		}
	})
}

// TestUnknownChannelStatusDoesNotHoldPostsForever: a channel whose status onair does not know
// sends nothing, and its posts end skipped with that status as the reason once their window
// passes, instead of waiting as planned for ever.
func TestUnknownChannelStatusDoesNotHoldPostsForever(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	e := newEnv(t, start.Add(-2*time.Hour))
	c := spring(e)
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	if err := e.store.DB().Exec(`UPDATE channels SET status = 'archived-by-cms'`).Error; err != nil {
		t.Fatal(err)
	}
	d := e.dispatcher(DispatchConfig{})
	e.now = start.Add(-time.Hour)
	if s := e.dispatch(d); s.Claimed != 0 {
		t.Fatalf("claimed %d posts on a channel in an unknown status", s.Claimed)
	}
	e.now = start.Add(-30 * time.Minute) // past the 1h reminder's window (15 min)
	e.dispatch(d)
	p := e.posts(b.ID)["reminder 1h"]
	if p.Status != models.PostSkipped || !strings.Contains(p.Error, "archived-by-cms") {
		t.Errorf("reminder after its window on that channel: %s %q", p.Status, p.Error)
	}
}
