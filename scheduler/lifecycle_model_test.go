package scheduler

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting"
)

// The model-based test of the broadcast lifecycle: random sequences of what marketers (the
// lifecycle, as the CLI calls it), a CMS (raw SQL on its own connection) and the daemon (passes,
// crashes mid-send, restarts) do, with the clock moving, checked against a small reference model
// of the transition table and of what may reach the network when. rapid prints the seed of a
// failing sequence and shrinks it; replay one with -rapid.seed=N.
//
// go test runs 100 sequences on SQLite and 40 on PostgreSQL (30 each with -short: the model
// test is CPU-bound, and shares the machine with the rest of go test ./...); -lifecycle.checks=N
// runs N, e.g. 1000 before a release or after a change to the lifecycle.

var lifecycleChecks = flag.Int("lifecycle.checks", 0, "sequences the lifecycle model test runs per engine (default 100 on SQLite, 40 on PostgreSQL, 30 with -short)")

// netPost is one post as the fake network holds it.
type netPost struct {
	key                string
	broadcast, channel int64
	kind               models.Kind
	step               string
	at                 time.Time // the model clock when the network first got it
	requests           int
	phaseAt            models.BroadcastStatus // the model's phase of its broadcast then
	replayAtIt         string                 // and its replay URL
}

// fakeNet is a network that deduplicates by idempotency key (as Mastodon and the webhook's
// receivers do), so an interrupted send may be resent. It records when each post arrived.
type fakeNet struct {
	mu    sync.Mutex
	posts map[string]*netPost
	order []*netPost
	now   func() time.Time
	phase func(broadcast int64, at time.Time) (phase models.BroadcastStatus, replayURL string)
}

func (n *fakeNet) receive(m posting.Message, channel int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.posts[m.IdempotencyKey]; p != nil {
		p.requests++
		return
	}
	ph, replay := n.phase(m.BroadcastID, n.now())
	p := &netPost{key: m.IdempotencyKey, broadcast: m.BroadcastID, channel: channel, kind: models.Kind(m.Kind), step: m.Step,
		at: n.now(), requests: 1, phaseAt: ph, replayAtIt: replay}
	n.posts[m.IdempotencyKey] = p
	n.order = append(n.order, p)
}

type netPoster struct {
	net     *fakeNet
	channel int64
}

func (p netPoster) Post(_ context.Context, m posting.Message) (posting.Receipt, error) {
	p.net.receive(m, p.channel)
	return posting.Receipt{RemoteID: m.IdempotencyKey}, nil
}

func (netPoster) Recovery() posting.Recovery { return posting.Resend }

// modelBroadcast is the reference model of one broadcast: what the transition table says its
// row holds.
type modelBroadcast struct {
	id                  int64
	status              models.BroadcastStatus
	start               time.Time
	duration            time.Duration
	startedAt, endedAt  time.Time
	replayURL           string
	skippedByHand       map[int64]bool // post ids
	crashed             map[int64]bool // post ids a crashed daemon had claimed
	everAdded, replayed bool
}

func (b *modelBroadcast) liveAt() time.Time {
	if !b.startedAt.IsZero() {
		return b.startedAt
	}
	return b.start
}

func (b *modelBroadcast) end() time.Time {
	if !b.endedAt.IsZero() {
		return b.endedAt
	}
	return b.liveAt().Add(b.duration)
}

// phase is what the broadcast is at t: scheduled, live, ended (by signal or by the clock), or
// cancelled.
func (b *modelBroadcast) phase(t time.Time) models.BroadcastStatus {
	switch {
	case b.status == models.BroadcastCancelled:
		return models.BroadcastCancelled
	case b.status == models.BroadcastEnded || !t.Before(b.end()):
		return models.BroadcastEnded
	case b.status == models.BroadcastLive || !t.Before(b.start):
		return models.BroadcastLive
	}
	return models.BroadcastScheduled
}

// clockMoves applies the daemon's clock moves (a pass reconciles, which advances).
func (b *modelBroadcast) clockMoves(t time.Time) {
	switch {
	case b.status == models.BroadcastScheduled && !t.Before(b.start):
		b.status = models.BroadcastLive
		if !t.Before(b.end()) {
			b.status = models.BroadcastEnded
		}
	case b.status == models.BroadcastLive && b.endedAt.IsZero() && !t.Before(b.end()):
		b.status = models.BroadcastEnded
	}
}

// lifecycleWorld is one database and what runs against it, reused from sequence to sequence
// (emptied in between).
type lifecycleWorld struct {
	engine  string
	store   *models.Store
	cms     *sql.DB
	camp    *models.Campaign
	chans   []int64
	now     time.Time
	net     *fakeNet
	model   map[int64]*modelBroadcast
	order   []int64
	planner *Planner
	life    *Lifecycle
	daemon  *Daemon
	disp    *Dispatcher
}

func TestLifecycleModel(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		checks := 100
		switch {
		case *lifecycleChecks > 0:
			checks = *lifecycleChecks
		case testing.Short():
			checks = 30
		case db.Engine == "postgres":
			checks = 40
		}
		if f := flag.Lookup("rapid.checks"); f != nil {
			old := f.Value.String()
			f.Value.Set(fmt.Sprint(checks))
			t.Cleanup(func() { f.Value.Set(old) })
		}
		w := newLifecycleWorld(t, db)
		rapid.Check(t, func(rt *rapid.T) { w.sequence(rt) })
	})
}

func newLifecycleWorld(t *testing.T, db modelstest.DB) *lifecycleWorld {
	w := &lifecycleWorld{engine: db.Engine}
	clock := func() time.Time { return w.now }
	fromTemplate(t, db.DSN)
	s, err := models.Open(context.Background(), db.DSN, models.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w.store = s
	driver := "sqlite3"
	if db.Engine == "postgres" {
		driver = "pgx"
	}
	// The CMS's own connection: plain database/sql, SQLite's foreign keys off (its default).
	if w.cms, err = sql.Open(driver, db.DSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.cms.Close() })
	ctx := context.Background()
	for _, name := range []string{"a", "b"} {
		ch := &models.Channel{Name: name, Network: "console"}
		if err := s.CreateChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		w.chans = append(w.chans, ch.ID)
	}
	w.camp = &models.Campaign{Name: "Model", Lang: "en", TimeZone: "UTC", Teasers: "1d,3h",
		Reminders: "1h,10m", ReplayAfter: "0,2h"}
	if err := s.CreateCampaign(ctx, w.camp, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	w.net = &fakeNet{now: clock}
	w.net.phase = func(id int64, at time.Time) (models.BroadcastStatus, string) {
		b := w.model[id]
		if b == nil {
			return "?", ""
		}
		return b.phase(at), b.replayURL
	}
	posters := func(ch models.Channel) (posting.Poster, error) { return netPoster{net: w.net, channel: ch.ID}, nil }
	w.planner = NewPlanner(s, clock, nil)
	w.life = NewLifecycle(s, w.planner)
	w.disp = NewDispatcher(s, posters, DispatchConfig{Owner: "model", MaxAttempts: 3}, clock, nil, nil)
	w.daemon = NewDaemon(s, w.planner, w.disp, nil, DaemonConfig{Exclusive: true}, clock, nil)
	return w
}

// reset empties the broadcasts of the last sequence and starts the clock afresh.
func (w *lifecycleWorld) reset(rt *rapid.T) {
	for _, table := range []string{"attempts", "posts", "broadcasts"} {
		// onair's own connection: a CMS may not delete posts.
		if err := w.store.DB().Exec("DELETE FROM " + table).Error; err != nil {
			rt.Fatal(err)
		}
	}
	w.now = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	w.net.mu.Lock()
	w.net.posts, w.net.order = map[string]*netPost{}, nil
	w.net.mu.Unlock()
	w.model, w.order = map[int64]*modelBroadcast{}, nil
}

func (w *lifecycleWorld) sequence(rt *rapid.T) {
	w.reset(rt)
	ctx := context.Background()
	pick := func(rt *rapid.T) *modelBroadcast {
		if len(w.order) == 0 {
			rt.Skip("no broadcast yet")
		}
		return w.model[rapid.SampledFrom(w.order).Draw(rt, "broadcast")]
	}
	// refused checks that the lifecycle refused exactly when the model's table says so.
	refused := func(rt *rapid.T, what string, b *modelBroadcast, want bool, err error) bool {
		var r *Refusal
		isRefusal := err != nil && errors.As(err, &r)
		if err != nil && !isRefusal {
			rt.Fatalf("%s broadcast %d: %v", what, b.id, err)
		}
		if isRefusal != want {
			rt.Fatalf("%s broadcast %d (model: %s, start %s, now %s): refused=%v (%v), the table says %v",
				what, b.id, b.status, b.start.Format(time.RFC3339), w.now.Format(time.RFC3339), isRefusal, err, want)
		}
		return isRefusal
	}
	early := func(b *modelBroadcast, force bool) bool {
		return !force && b.status == models.BroadcastScheduled && b.startedAt.IsZero() && w.now.Add(EarlyMargin).Before(b.start)
	}

	rt.Repeat(map[string]func(*rapid.T){
		"add": func(rt *rapid.T) {
			if len(w.order) >= 3 {
				rt.Skip("enough broadcasts")
			}
			start := w.now.Add(time.Duration(rapid.IntRange(5, 3*24*60).Draw(rt, "start in minutes")) * time.Minute).Truncate(time.Second)
			minutes := rapid.IntRange(10, 120).Draw(rt, "duration")
			b := &models.Broadcast{CampaignID: &w.camp.ID, Title: "Live", StartsAt: models.NewTime(start), DurationMinutes: minutes,
				WatchURL: "https://example.com/w"}
			if err := w.store.CreateBroadcast(ctx, b); err != nil {
				rt.Fatal(err)
			}
			if _, err := w.planner.Plan(ctx, b.ID); err != nil {
				rt.Fatal(err)
			}
			w.model[b.ID] = &modelBroadcast{id: b.ID, status: models.BroadcastScheduled, start: start,
				duration: time.Duration(minutes) * time.Minute, skippedByHand: map[int64]bool{}, crashed: map[int64]bool{}}
			w.order = append(w.order, b.ID)
		},
		"live": func(rt *rapid.T) {
			b := pick(rt)
			force := rapid.Bool().Draw(rt, "force")
			allowed := b.status == models.BroadcastScheduled || b.status == models.BroadcastLive && b.startedAt.IsZero()
			_, err := w.life.GoLive(ctx, b.id, w.now, force)
			if !refused(rt, "go live", b, !allowed || early(b, force), err) {
				b.status, b.startedAt = models.BroadcastLive, w.now
			}
		},
		"end": func(rt *rapid.T) {
			b := pick(rt)
			force := rapid.Bool().Draw(rt, "force")
			replay := rapid.SampledFrom([]string{"", "https://example.com/r"}).Draw(rt, "replay")
			allowed := b.status == models.BroadcastScheduled || b.status == models.BroadcastLive ||
				b.status == models.BroadcastEnded && b.endedAt.IsZero()
			_, err := w.life.End(ctx, b.id, w.now, replay, force)
			if !refused(rt, "end", b, !allowed || early(b, force), err) {
				if b.startedAt.IsZero() {
					b.startedAt = w.now
					if b.start.Before(w.now) {
						b.startedAt = b.start
					}
				}
				b.status, b.endedAt = models.BroadcastEnded, w.now
				if replay != "" {
					b.replayURL = replay
				}
			}
		},
		"replay": func(rt *rapid.T) {
			b := pick(rt)
			_, err := w.life.SetReplay(ctx, b.id, "https://example.com/replay")
			if !refused(rt, "set the replay of", b, b.status == models.BroadcastCancelled, err) {
				b.replayURL = "https://example.com/replay"
			}
		},
		"cancel": func(rt *rapid.T) {
			b := pick(rt)
			_, err := w.life.Cancel(ctx, b.id)
			if !refused(rt, "cancel", b, b.status == models.BroadcastCancelled, err) {
				b.status = models.BroadcastCancelled
			}
		},
		"reopen": func(rt *rapid.T) {
			b := pick(rt)
			allowed := b.status == models.BroadcastCancelled || b.status == models.BroadcastEnded
			if b.status == models.BroadcastEnded {
				open := *b
				open.endedAt = time.Time{}
				allowed = w.now.Before(open.end())
			}
			_, err := w.life.Reopen(ctx, b.id)
			if refused(rt, "reopen", b, !allowed, err) {
				return
			}
			switch {
			case b.status == models.BroadcastEnded:
				b.status, b.endedAt = models.BroadcastLive, time.Time{}
			case !b.endedAt.IsZero():
				b.status = models.BroadcastEnded
			case !b.startedAt.IsZero():
				b.status = models.BroadcastLive
			default:
				b.status = models.BroadcastScheduled
			}
		},
		"reschedule": func(rt *rapid.T) {
			b := pick(rt)
			start := w.now.Add(time.Duration(rapid.IntRange(5, 2*24*60).Draw(rt, "new start in minutes")) * time.Minute).Truncate(time.Second)
			t := models.NewTime(start)
			_, err := w.life.Edit(ctx, b.id, models.BroadcastEdit{StartsAt: &t})
			if refused(rt, "reschedule", b, b.status == models.BroadcastCancelled, err) {
				return
			}
			b.start = start
			if b.status != models.BroadcastScheduled {
				b.status, b.startedAt, b.endedAt = models.BroadcastScheduled, time.Time{}, time.Time{}
			}
		},
		"post skip": func(rt *rapid.T) {
			b := pick(rt)
			p := w.pendingPost(rt, b.id)
			if _, err := w.life.SkipPost(ctx, p.ID); err != nil {
				rt.Fatalf("skip pending post %d: %v", p.ID, err)
			}
			b.skippedByHand[p.ID] = true
		},
		"post edit": func(rt *rapid.T) {
			b := pick(rt)
			p := w.pendingPost(rt, b.id)
			if _, err := w.life.EditPost(ctx, p.ID, fmt.Sprintf("Edited %s %s", p.Kind, p.Step)); err != nil {
				rt.Fatalf("edit pending post %d: %v", p.ID, err)
			}
		},
		"cms live": func(rt *rapid.T) {
			b := pick(rt)
			w.cmsExec(rt, "UPDATE broadcasts SET status = 'live', started_at = ?, ended_at = NULL WHERE id = ?", w.cmsTime(w.now), b.id)
			b.status, b.startedAt, b.endedAt = models.BroadcastLive, w.now, time.Time{}
		},
		"cms cancel": func(rt *rapid.T) {
			b := pick(rt)
			w.cmsExec(rt, "UPDATE broadcasts SET status = 'cancelled' WHERE id = ?", b.id)
			b.status = models.BroadcastCancelled
		},
		"cms reschedule": func(rt *rapid.T) {
			b := pick(rt)
			start := w.now.Add(time.Duration(rapid.IntRange(5, 2*24*60).Draw(rt, "cms start in minutes")) * time.Minute).Truncate(time.Second)
			var v any = w.cmsTime(start)
			if w.engine == "sqlite" && rapid.Bool().Draw(rt, "unix seconds") {
				v = start.Unix() // as docs/cms-integration.md's Python example writes it
			}
			w.cmsExec(rt, "UPDATE broadcasts SET starts_at = ? WHERE id = ?", v, b.id)
			b.start = start
		},
		"clock": func(rt *rapid.T) {
			step := rapid.SampledFrom([]time.Duration{time.Minute, 5 * time.Minute, 20 * time.Minute, time.Hour, 3 * time.Hour, 20 * time.Hour}).Draw(rt, "clock step")
			w.now = w.now.Add(step)
		},
		"pass": func(rt *rapid.T) { w.pass(rt) },
		"crash": func(rt *rapid.T) {
			// A daemon claims what is due and dies mid-send: some sends had started, some of
			// those reached the network, none was recorded; the others were claimed ahead of
			// their turn. The fake network deduplicates by key, so (as the dispatcher does for
			// such networks) no started mark is written: the next pass (a restart) sends every
			// one of them again under its key, or leaves it unknown once its window has passed.
			claimed, err := w.store.ClaimDue(ctx, "crashed", w.now, w.now.Add(time.Minute), 10)
			if err != nil {
				rt.Fatal(err)
			}
			for _, p := range claimed {
				w.model[p.BroadcastID].crashed[p.ID] = true
				bs, err := w.store.BroadcastsByID(ctx, []int64{p.BroadcastID})
				if err != nil {
					rt.Fatal(err)
				}
				b := bs[p.BroadcastID]
				if !notYetAtSend(&b, p.Kind, w.now).IsZero() || overtakenAtSend(&b, p.Kind, w.now) != "" {
					continue // the dispatcher never sends it
				}
				if rapid.Bool().Draw(rt, "reached the network") {
					w.net.receive(posting.Message{IdempotencyKey: p.IdempotencyKey, BroadcastID: p.BroadcastID, Kind: string(p.Kind), Step: p.Step}, p.ChannelID)
				}
			}
		},
		"": func(rt *rapid.T) { w.checkSent(rt) },
	})
	// The end of the story: a month later, after two passes, every post has settled.
	w.now = w.now.Add(30 * 24 * time.Hour)
	w.pass(rt)
	w.pass(rt)
	w.checkSent(rt)
	posts, err := w.store.ListPosts(ctx, models.PostFilter{})
	if err != nil {
		rt.Fatal(err)
	}
	for _, p := range posts {
		switch p.Status {
		case models.PostPlanned, models.PostHeld, models.PostSending, models.PostInvalid:
			rt.Fatalf("post %d (%s %s of broadcast %d) is still %s a month later: %q", p.ID, p.Kind, p.Step, p.BroadcastID, p.Status, p.Error)
		case models.PostSent:
			if w.net.posts[p.IdempotencyKey] == nil {
				rt.Fatalf("post %d is sent but the network does not have it", p.ID)
			}
		case models.PostCancelled, models.PostSkipped, models.PostFailed, models.PostUnknown:
			if p.Error == "" {
				rt.Fatalf("post %d ended %s with no reason", p.ID, p.Status)
			}
			if p.Status == models.PostSkipped && p.Error == "skipped by hand" && !w.model[p.BroadcastID].skippedByHand[p.ID] {
				rt.Fatalf("post %d says skipped by hand; nobody skipped it", p.ID)
			}
			if p.Status == models.PostCancelled && w.net.posts[p.IdempotencyKey] != nil {
				rt.Fatalf("post %d is cancelled (%s) but the network has it", p.ID, p.Error)
			}
		}
	}
}

func (w *lifecycleWorld) cmsTime(t time.Time) any {
	if w.engine == "postgres" {
		return t.UTC()
	}
	return t.UTC().Format(time.RFC3339)
}

func (w *lifecycleWorld) cmsExec(rt *rapid.T, query string, args ...any) {
	if w.engine == "postgres" {
		query = dollarParams(query)
	}
	if _, err := w.cms.Exec(query, args...); err != nil {
		rt.Fatalf("cms: %s: %v", query, err)
	}
}

func dollarParams(q string) string {
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func (w *lifecycleWorld) pendingPost(rt *rapid.T, broadcast int64) models.Post {
	posts, err := w.store.PostsOfBroadcast(context.Background(), broadcast)
	if err != nil {
		rt.Fatal(err)
	}
	var pending []models.Post
	for _, p := range posts {
		if models.Pending(p.Status) {
			pending = append(pending, p)
		}
	}
	if len(pending) == 0 {
		rt.Skip("no pending post")
	}
	return rapid.SampledFrom(pending).Draw(rt, "post")
}

// pass is one daemon pass (run-due): recover, reconcile (the clock's moves first), dispatch.
// Then it checks that what had to go out by now went.
func (w *lifecycleWorld) pass(rt *rapid.T) {
	if _, err := w.daemon.RunOnce(context.Background()); err != nil {
		rt.Fatalf("pass at %s: %v", w.now.Format(time.RFC3339), err)
	}
	for _, id := range w.order {
		w.model[id].clockMoves(w.now)
	}
	w.checkLive(rt)
}

// checkSent holds after every step: the network has each post of a step once, and got each at a
// moment the model allows.
func (w *lifecycleWorld) checkSent(rt *rapid.T) {
	w.net.mu.Lock()
	defer w.net.mu.Unlock()
	steps := map[string]string{}
	for _, p := range w.net.order {
		k := fmt.Sprintf("broadcast %d channel %d %s %s", p.broadcast, p.channel, p.kind, p.step)
		if other, dup := steps[k]; dup {
			rt.Fatalf("%s went out twice, under keys %s and %s", k, other, p.key)
		}
		steps[k] = p.key
		ok := false
		switch p.kind {
		case models.KindTeaser, models.KindReminder:
			ok = p.phaseAt == models.BroadcastScheduled
		case models.KindLive:
			ok = p.phaseAt == models.BroadcastLive
		case models.KindReplay:
			ok = p.phaseAt == models.BroadcastEnded && p.replayAtIt != ""
		}
		if !ok {
			rt.Fatalf("%s went out at %s while the broadcast was %s (replay URL %q)", k, p.at.Format(time.RFC3339), p.phaseAt, p.replayAtIt)
		}
	}
}

// checkLive holds after a pass: a broadcast that is live (signalled or by the clock) has its
// "we are live" post out on every channel, unless a person skipped it.
func (w *lifecycleWorld) checkLive(rt *rapid.T) {
	for _, id := range w.order {
		b := w.model[id]
		if b.phase(w.now) != models.BroadcastLive {
			continue
		}
		posts, err := w.store.PostsOfBroadcast(context.Background(), id)
		if err != nil {
			rt.Fatal(err)
		}
		for _, ch := range w.chans {
			i := slices.IndexFunc(posts, func(p models.Post) bool { return p.ChannelID == ch && p.Kind == models.KindLive })
			if i < 0 {
				rt.Fatalf("broadcast %d is live at %s and has no live post on channel %d", id, w.now.Format(time.RFC3339), ch)
			}
			p := posts[i]
			// A send interrupted by a crash may be unknown (its window had passed when it was
			// recovered): a person checks; it is never sent twice.
			if p.Status != models.PostSent && !b.skippedByHand[p.ID] && !(b.crashed[p.ID] && p.Status == models.PostUnknown) {
				rt.Fatalf("broadcast %d is live at %s (model %s, db status?) and its live post on channel %d is %s: %q (due %s)",
					id, w.now.Format(time.RFC3339), b.status, ch, p.Status, p.Error, p.DueAt.Format(time.RFC3339))
			}
		}
	}
}
