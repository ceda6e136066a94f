package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
)

const testSecret = "s3cret"

func (e *env) webhook(name, url, format string) {
	e.t.Helper()
	settings, _ := json.Marshal(webhook.Settings{URL: url, Format: format, SecretEnv: "HOOK_SECRET", Timeout: "300ms"})
	if err := e.store.CreateChannel(e.ctx, &models.Channel{Name: name, Network: "webhook", Settings: string(settings)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) dispatcher(cfg DispatchConfig) *Dispatcher {
	posters := &Posters{Getenv: func(string) string { return testSecret }, Now: func() time.Time { return e.now }}
	if cfg.Owner == "" {
		cfg.Owner = "test"
	}
	if cfg.Remedy == nil {
		cfg.Remedy = testRemedy
	}
	return NewDispatcher(e.store, posters.For, cfg, func() time.Time { return e.now }, nil, nil)
}

// testRemedy words a coded error for the tests to check: its code, fix and subject, where the CLI
// names the command to type (cmd/onair's hints, tested there).
func testRemedy(err error) string {
	e, ok := errors.AsType[*models.Error](err)
	if !ok {
		return err.Error()
	}
	return fmt.Sprintf("%s [%s %s channel=%s post=%d]", err.Error(), e.Code, e.Fix, e.Channel, e.Post)
}

func (e *env) dispatch(d *Dispatcher) DispatchStats {
	e.t.Helper()
	s, err := d.Dispatch(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// hookCampaign plans one broadcast at start on webhook channel "hook" (teaser 1d, reminder 10m,
// live, replay 30m) and returns its id.
func hookCampaign(e *env, url string, start time.Time) int64 {
	e.webhook("hook", url, "")
	c := e.campaign(models.Campaign{Name: "Hooks", Lang: "en", Teasers: "1d", Reminders: "10m", ReplayAfter: "30m"}, "hook")
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	return b.ID
}

func TestDispatchSendsDuePostsOnce(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		recv := webhooktest.New(t, testSecret, nil)
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-48*time.Hour))
		id := hookCampaign(e, recv.URL, start)
		d := e.dispatcher(DispatchConfig{})

		if s := e.dispatch(d); s.Claimed != 0 {
			t.Fatalf("nothing is due yet, claimed %d", s.Claimed)
		}
		e.now = start.Add(-24 * time.Hour) // the teaser's time
		if s := e.dispatch(d); s.Sent != 1 {
			t.Fatalf("at the teaser's time: %+v", s)
		}
		e.now = start.Add(-10 * time.Minute)
		if s := e.dispatch(d); s.Sent != 1 {
			t.Fatalf("at the reminder's time: %+v", s)
		}
		e.now = start
		if s := e.dispatch(d); s.Sent != 1 {
			t.Fatalf("at the start: %+v", s)
		}
		if s := e.dispatch(d); s.Claimed != 0 {
			t.Errorf("a second pass claimed %d posts", s.Claimed)
		}
		got := recv.Deliveries()
		if len(got) != 3 || got[0].Payload.Kind != "teaser" || got[1].Payload.Kind != "reminder" || got[2].Payload.Kind != "live" {
			t.Fatalf("deliveries: %+v", got)
		}
		if errs := recv.ContractErrors(); len(errs) > 0 {
			t.Errorf("requests broke the contract: %v", errs)
		}
		for k, p := range e.posts(id) {
			if p.Kind == "replay" {
				if p.Status != models.PostHeld {
					t.Errorf("replay: %s", p.Status)
				}
				continue
			}
			if p.Status != models.PostSent || p.SentAt.IsZero() || p.RemoteID != p.IdempotencyKey || p.LeaseOwner != "" {
				t.Errorf("%s after sending: %+v", k, p)
			}
			atts, _ := e.store.Attempts(e.ctx, p.ID)
			if len(atts) != 1 || atts[0].Result != models.ResultSent {
				t.Errorf("%s attempts: %+v", k, atts)
			}
		}
	})
}

func TestDowntimeSkipsStalePosts(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		recv := webhooktest.New(t, testSecret, nil)
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-48*time.Hour))
		id := hookCampaign(e, recv.URL, start)
		e.update(id, map[string]any{"replay_url": "https://x.com/replay"})
		e.plan(id)
		d := e.dispatcher(DispatchConfig{})

		// The daemon was down from before the teaser until 5 minutes into the broadcast.
		e.now = start.Add(5 * time.Minute)
		s := e.dispatch(d)
		if s.Skipped != 2 || s.Sent != 1 {
			t.Fatalf("after downtime: %+v, want teaser and reminder skipped, live sent", s)
		}
		posts := e.posts(id)
		for _, k := range []string{"teaser 1d", "reminder 10m"} {
			if p := posts[k]; p.Status != models.PostSkipped || !strings.Contains(p.Error, "window passed") {
				t.Errorf("%s: %s %q", k, p.Status, p.Error)
			}
		}
		if p := posts["live 0"]; p.Status != models.PostSent {
			t.Errorf("live within its window: %s", p.Status)
		}
		// Down again until long after the replay's window (24h).
		e.now = start.Add(48 * time.Hour)
		if s := e.dispatch(d); s.Skipped != 1 || s.Sent != 0 {
			t.Errorf("replay after its window: %+v", s)
		}
		if n := len(recv.Deliveries()); n != 1 {
			t.Errorf("%d deliveries, want only the live post", n)
		}
	})
}

func TestReminderSentLateWithinItsWindow(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		recv := webhooktest.New(t, testSecret, nil)
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-48*time.Hour))
		hookCampaign(e, recv.URL, start)
		d := e.dispatcher(DispatchConfig{})
		e.now = start.Add(-9 * time.Minute) // a minute late: "starting in 10 minutes" is still fair (window 2m30s)
		e.dispatch(d)
		got := recv.Deliveries()
		if len(got) != 1 || got[0].Payload.Kind != "reminder" {
			t.Errorf("late reminder within its window: %+v", got)
		}
	})
}

func TestRetryWithBackoffThenFail(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		recv := webhooktest.New(t, testSecret, func(int, string) webhooktest.Fault { return webhooktest.Status500 })
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-25*time.Hour))
		id := hookCampaign(e, recv.URL, start)
		d := e.dispatcher(DispatchConfig{MaxAttempts: 3, BackoffBase: time.Minute})
		e.now = start.Add(-24 * time.Hour)
		var last models.Post
		for try := 1; try <= 3; try++ {
			s := e.dispatch(d)
			if s.Claimed != 1 {
				t.Fatalf("try %d claimed %d", try, s.Claimed)
			}
			last = e.posts(id)["teaser 1d"]
			if try < 3 {
				wait := last.NextAttemptAt.Sub(e.now)
				lo, hi := time.Minute<<(try-1)/2, time.Minute<<(try-1)
				if last.Status != models.PostPlanned || wait < lo || wait > hi {
					t.Fatalf("after try %d: %s, next try in %v (want %v..%v)", try, last.Status, wait, lo, hi)
				}
				if s := e.dispatch(d); s.Claimed != 0 {
					t.Fatalf("retried before its time")
				}
				e.now = last.NextAttemptAt.Time
			}
		}
		// A 500 came after the request left: the receiver may have kept the post, so giving up
		// leaves it for a person to check rather than calling it failed.
		if last.Status != models.PostUnknown || !strings.Contains(last.Error, "gave up after 3 tries") || !strings.Contains(last.Error, "500") ||
			!strings.Contains(last.Error, "may have reached the network") {
			t.Errorf("after 3 tries: %s %q", last.Status, last.Error)
		}
		if atts, _ := e.store.Attempts(e.ctx, last.ID); len(atts) != 3 {
			t.Errorf("%d attempts recorded, want 3", len(atts))
		}
	})
}

func TestRateLimitHoldsTheChannel(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		limited := true
		recv := webhooktest.New(t, testSecret, func(n int, key string) webhooktest.Fault {
			if limited {
				limited = false
				return webhooktest.RateLimit
			}
			return webhooktest.OK
		})
		recv.RetryAfter = 120 * time.Second
		other := webhooktest.New(t, testSecret, nil)
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-25*time.Hour))
		e.webhook("hook", recv.URL, "")
		e.webhook("other", other.URL, "")
		c := e.campaign(models.Campaign{Name: "Two", Lang: "en", Reminders: "20m,19m"}, "hook", "other")
		b := e.broadcast(c, "Launch", start)
		e.plan(b.ID)
		d := e.dispatcher(DispatchConfig{})

		e.now = start.Add(-19 * time.Minute) // both reminders are due, and within their windows
		s := e.dispatch(d)
		if len(other.Deliveries()) != 2 {
			t.Errorf("the other channel is not held: %d deliveries", len(other.Deliveries()))
		}
		if len(recv.Deliveries()) != 0 || s.Held < 1 {
			t.Fatalf("rate-limited channel: %d deliveries, stats %+v", len(recv.Deliveries()), s)
		}
		ch, _ := e.store.ChannelByName(e.ctx, "hook")
		if want := e.now.Add(120 * time.Second); !ch.PausedUntil.Equal(want) {
			t.Errorf("channel held until %v, want %v", ch.PausedUntil.Time, want)
		}
		e.now = e.now.Add(119 * time.Second)
		if s := e.dispatch(d); s.Claimed != 0 {
			t.Errorf("claimed %d posts before the reset", s.Claimed)
		}
		e.now = e.now.Add(time.Second)
		e.dispatch(d)
		if n := len(recv.Deliveries()); n != 2 {
			t.Errorf("after the reset: %d deliveries", n)
		}
		var p models.Post
		e.store.DB().Where("channel_id = ? AND step = '20m'", ch.ID).Take(&p)
		if p.Status != models.PostSent || p.Attempts != 1 {
			t.Errorf("a rate limit counted against the post's tries: %s, attempts %d", p.Status, p.Attempts)
		}
		if atts, _ := e.store.Attempts(e.ctx, p.ID); len(atts) != 2 || atts[0].Result != models.ResultRateLimited {
			t.Errorf("attempts: %+v", atts)
		}
	})
}

func TestAuthPausesChannelAndRejectedFailsPost(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		answer := webhooktest.Unprocessable
		recv := webhooktest.New(t, testSecret, func(int, string) webhooktest.Fault { return answer })
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-25*time.Hour))
		id := hookCampaign(e, recv.URL, start)
		d := e.dispatcher(DispatchConfig{})

		e.now = start.Add(-24 * time.Hour)
		e.dispatch(d)
		teaser := e.posts(id)["teaser 1d"]
		if teaser.Status != models.PostFailed || !strings.Contains(teaser.Error, "Text is too long") {
			t.Errorf("rejected post: %s %q", teaser.Status, teaser.Error)
		}
		ch, _ := e.store.ChannelByName(e.ctx, "hook")
		if ch.Status != models.ChannelActive {
			t.Errorf("a rejected post paused the channel: %s", ch.Status)
		}

		answer = webhooktest.Unauthorized
		e.now = start.Add(-10 * time.Minute)
		e.dispatch(d)
		ch, _ = e.store.ChannelByName(e.ctx, "hook")
		if ch.Status != models.ChannelNeedsAuth || !strings.Contains(ch.StatusReason, "[credentials resume channel=hook") {
			t.Errorf("after 401: channel %s %q", ch.Status, ch.StatusReason)
		}
		if p := e.posts(id)["reminder 10m"]; p.Status != models.PostPlanned {
			t.Errorf("reminder on a needs-auth channel: %s", p.Status)
		}
		if s := e.dispatch(d); s.Claimed != 0 {
			t.Errorf("claimed %d posts on a needs-auth channel", s.Claimed)
		}
		answer = webhooktest.OK
		e.store.SetChannelStatus(e.ctx, ch.ID, models.ChannelActive, "")
		if s := e.dispatch(d); s.Sent != 1 {
			t.Errorf("after resume: %+v", s)
		}
	})
}

func TestRecoverInterruptedSends(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		recv := webhooktest.New(t, testSecret, nil)
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-25*time.Hour))
		e.webhook("hook", recv.URL, "")
		e.webhook("slack", recv.URL, "slack")
		c := e.campaign(models.Campaign{Name: "Crash", Lang: "en", Teasers: "1d"}, "hook", "slack")
		b := e.broadcast(c, "Launch", start)
		e.plan(b.ID)
		e.now = start.Add(-24 * time.Hour)
		// A dispatcher claims both teasers, starts both sends, then dies before recording anything.
		claimed, err := e.store.ClaimDue(e.ctx, "dead", e.now, e.now.Add(time.Minute), 10)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %v %d", err, len(claimed))
		}
		if m, err := e.store.MarkStarted(e.ctx, "dead", e.now, []models.SendStart{{PostID: claimed[0].ID}, {PostID: claimed[1].ID}}); err != nil || len(m) != 2 {
			t.Fatalf("mark started: %v %v", m, err)
		}
		d := e.dispatcher(DispatchConfig{})
		if rec, unk, _ := d.RecoverLeases(e.ctx, false); rec+unk != 0 {
			t.Errorf("recovered leases that have not expired: %d %d", rec, unk)
		}
		rec, unk, err := d.RecoverLeases(e.ctx, true)
		if err != nil || rec != 1 || unk != 1 {
			t.Fatalf("recover: %d resent, %d unknown, %v", rec, unk, err)
		}
		list, _ := e.store.ListPosts(e.ctx, models.PostFilter{BroadcastID: b.ID, Status: models.PostUnknown})
		if len(list) != 1 || list[0].ChannelID != 2 || !strings.Contains(list[0].Error, fmt.Sprintf("[unsettled resend channel= post=%d]", list[0].ID)) {
			t.Errorf("the Slack post (no deduplication there) should wait for a person: %+v", list)
		}
		if s := e.dispatch(d); s.Sent != 1 {
			t.Errorf("the webhook post is sent again: %+v", s)
		}
		var key string
		e.store.DB().Raw("SELECT idempotency_key FROM posts WHERE id = ?", claimed[0].ID).Scan(&key)
		if recv.Requests()[key] != 1 {
			t.Errorf("requests for the resent post: %d", recv.Requests()[key])
		}
	})
}

// TestDaemonWakesAtDueTimeAndSeesCMSWrites runs the daemon with the real clock: a broadcast a
// CMS inserts through its own connection is planned and its post goes out at its due time, not
// at the next 15-second sweep.
func TestDaemonWakesAtDueTimeAndSeesCMSWrites(t *testing.T) {
	t.Parallel()
	recv := webhooktest.New(t, testSecret, nil)
	e := newEnv(t, time.Now())
	e.webhook("hook", recv.URL, "")
	e.campaign(models.Campaign{Name: "Now", Lang: "en", TimeZone: "UTC", Reminders: "1s"}, "hook")
	clock := time.Now
	posters := &Posters{Getenv: func(string) string { return testSecret }}
	disp := NewDispatcher(e.store, posters.For, DispatchConfig{Owner: "daemon"}, clock, nil, nil)
	planner := NewPlanner(e.store, clock, nil)
	d := NewDaemon(e.store, planner, disp, nil, DaemonConfig{DBPath: e.path}, clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	cms := cmsConn(t, e.path)
	due := time.Now().Add(1500 * time.Millisecond).Truncate(time.Millisecond)
	if _, err := cms.Exec(`INSERT INTO broadcasts (campaign, title, starts_at) VALUES ('Now', 'From the CMS', ?)`,
		due.UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(recv.Deliveries()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := recv.Deliveries()
	if len(got) != 2 {
		t.Fatalf("deliveries: %+v", got)
	}
	// The live post was due at `due`: it arrived well before any sweep would have sent it.
	late := got[1].At.Sub(due)
	if late < 0 || late > time.Second {
		t.Errorf("live post arrived %v after its due time", late)
	}
	t.Logf("live post received %v after its due time", late)
}

// TestCrashesDoNotUseUpTries: claims cut short by a crash count as attempts (a resend may find
// the post already there) but not as failed tries: a post whose daemon died again and again still
// gets its full number of tries from the network.
func TestCrashesDoNotUseUpTries(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		recv := webhooktest.New(t, testSecret, func(int, string) webhooktest.Fault { return webhooktest.Status500 })
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-25*time.Hour))
		id := hookCampaign(e, recv.URL, start)
		e.now = start.Add(-24 * time.Hour)
		d := e.dispatcher(DispatchConfig{MaxAttempts: 3, BackoffBase: time.Second})
		for crash := 0; crash < 4; crash++ {
			if _, err := e.store.ClaimDue(e.ctx, "dead", e.now, e.now.Add(time.Minute), 10); err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.RecoverLeases(e.ctx, true); err != nil {
				t.Fatal(err)
			}
		}
		for try := 1; try <= 3; try++ {
			e.dispatch(d)
			p := e.posts(id)["teaser 1d"]
			want := models.PostPlanned
			if try == 3 {
				want = models.PostUnknown // the 500s came after the requests left
			}
			if p.Status != want {
				t.Fatalf("after %d failed tries (and 4 crashes, %d attempts): %s %q, want %s", try, p.Attempts, p.Status, p.Error, want)
			}
			if try == 3 && !strings.Contains(p.Error, "gave up after 3 tries") {
				t.Errorf("error %q", p.Error)
			}
			e.now = p.NextAttemptAt.Time
		}
	})
}
