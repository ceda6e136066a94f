package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
	"github.com/onairhq/onair/posting/console"
	"github.com/onairhq/onair/posting/mastodon"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
	"github.com/onairhq/onair/posting/x"
	"github.com/onairhq/onair/posting/x/xtest"
	"github.com/onairhq/onair/scheduler/source"
)

// syncClock is a clock the test moves, read by the fakes' goroutines.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// networks is one channel on each network, sending to fakes on one clock, and the readers of
// their posts' engagement.
type networks struct {
	e       *env
	clock   *syncClock
	xs      *xtest.Server
	mastod  *mastodontest.Server
	bsky    *blueskytest.Server
	posters map[string]posting.Poster
	readers map[string]posting.MetricsReader
}

func (n *networks) set(t time.Time) {
	n.clock.mu.Lock()
	n.clock.t = t
	n.clock.mu.Unlock()
	n.e.now = t
}

func newNetworks(t *testing.T, e *env) *networks {
	t.Helper()
	n := &networks{e: e, clock: &syncClock{t: e.now}, posters: map[string]posting.Poster{}, readers: map[string]posting.MetricsReader{}}
	n.xs = xtest.New(t)
	n.xs.Now = n.clock.Now
	keys := n.xs.NewOAuth1(xtest.DefaultUser)
	xp, err := x.New(x.Config{APIURL: n.xs.URL, OAuth1: &x.OAuth1{ConsumerKey: keys.ConsumerKey, ConsumerSecret: keys.ConsumerSecret,
		Token: keys.Token, TokenSecret: keys.TokenSecret}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	xp.Now = n.clock.Now

	n.mastod = mastodontest.New(t)
	n.mastod.SetClock(n.clock.Now)
	mp, err := mastodon.New(mastodon.Config{Server: n.mastod.URL, Token: n.mastod.AddAccount("brand")}, n.mastod.Client())
	if err != nil {
		t.Fatal(err)
	}
	mp.Now = n.clock.Now

	n.bsky = blueskytest.New(t)
	n.bsky.SetClock(n.clock.Now)
	did := n.bsky.AddAccount("brand.bsky.social", "abcd-efgh-ijkl-mnop")
	access, refresh := n.bsky.IssueSession(did)
	bp, err := bluesky.New(bluesky.Config{PDS: n.bsky.URL, Handle: "brand.bsky.social", DID: did, AppPassword: "abcd-efgh-ijkl-mnop",
		Tokens: posting.NewMemoryTokens(posting.Token{Access: access, Refresh: refresh, Expiry: e.now.Add(90 * 24 * time.Hour)})}, n.bsky.Client())
	if err != nil {
		t.Fatal(err)
	}
	bp.Now = n.clock.Now
	bm, err := bluesky.NewMetrics(n.bsky.URL, n.bsky.Client(), 0)
	if err != nil {
		t.Fatal(err)
	}
	bm.Now = n.clock.Now

	cp := console.New(io.Discard, "")
	cp.Now = n.clock.Now
	qk := n.xs.NewOAuth1(xtest.User{ID: "1720665183188922369", Username: "brandquiet", Name: "Quiet"})
	quiet, err := x.New(x.Config{APIURL: n.xs.URL, OAuth1: &x.OAuth1{ConsumerKey: qk.ConsumerKey, ConsumerSecret: qk.ConsumerSecret,
		Token: qk.Token, TokenSecret: qk.TokenSecret}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	quiet.Now = n.clock.Now

	on := true
	for _, ch := range []struct {
		name, network string
		metrics       *bool
		poster        posting.Poster
		reader        posting.MetricsReader
	}{
		{"brand-x", "x", &on, xp, xp},
		{"quiet-x", "x", nil, quiet, quiet}, // X reads are off unless asked for
		{"brand-m", "mastodon", nil, mp, mp},
		{"brand-b", "bluesky", nil, bp, bm},
		{"preview", "console", nil, cp, cp},
	} {
		settings, _ := json.Marshal(ChannelSettings{Metrics: ch.metrics})
		if err := e.store.CreateChannel(e.ctx, &models.Channel{Name: ch.name, Network: ch.network, Settings: string(settings)}); err != nil {
			t.Fatal(err)
		}
		n.posters[ch.name], n.readers[ch.name] = ch.poster, ch.reader
	}
	return n
}

func (n *networks) dispatcher() *Dispatcher {
	return NewDispatcher(n.e.store, func(ch models.Channel) (posting.Poster, error) { return n.posters[ch.Name], nil },
		DispatchConfig{Owner: "test"}, n.clock.Now, nil, nil)
}

func (n *networks) collector() *Collector {
	return NewCollector(n.e.store, func(ch models.Channel) (posting.MetricsReader, error) {
		if !MetricsOn(ch) {
			return nil, nil
		}
		return n.readers[ch.Name], nil
	}, n.clock.Now, nil)
}

// metrics returns the broadcast's checkpoints read, by "kind step channel checkpoint".
func (n *networks) metrics(t *testing.T, id int64) map[string]models.PostMetric {
	t.Helper()
	posts, err := n.e.store.PostsOfBroadcast(n.e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	chans, _ := n.e.store.ChannelsByID(n.e.ctx, []int64{1, 2, 3, 4, 5})
	ms, err := n.e.store.PostMetricsOf(n.e.ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]models.PostMetric{}
	for _, p := range posts {
		for _, m := range ms[p.ID] {
			out[string(p.Kind)+" "+p.Step+" "+chans[p.ChannelID].Name+" "+m.Checkpoint] = m
		}
	}
	return out
}

func collectOnce(t *testing.T, c *Collector) CollectStats {
	t.Helper()
	st, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return st
}

// TestCollectCheckpoints sends a broadcast's posts on four networks and reads their engagement
// at 1h, 24h and 7d on a fake clock: batched per channel, X's reads counted in dollars and only
// where asked for, a 429 delaying only the reads of its channel, a failing AppView never touching
// a post, each checkpoint read once across restarts, and those left too long recorded missed.
func TestCollectCheckpoints(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-48*time.Hour))
		n := newNetworks(t, e)
		c := e.campaign(models.Campaign{Name: "Spring", Lang: "en", Teasers: "1d", Reminders: "10m"},
			"brand-x", "quiet-x", "brand-m", "brand-b", "preview")
		b := e.broadcast(c, "Launch", start)
		e.plan(b.ID)
		d := n.dispatcher()
		col := n.collector()

		n.set(start.Add(-24 * time.Hour))
		if s := e.dispatch(d); s.Sent != 5 {
			t.Fatalf("teasers: %+v", s)
		}
		n.set(start.Add(-23*time.Hour - 59*time.Minute))
		if st := collectOnce(t, col); st.Read != 0 {
			t.Fatalf("read %d checkpoints before the first was due", st.Read)
		}
		n.set(start.Add(-23 * time.Hour))
		st := collectOnce(t, col)
		if st.Read != 4 || st.CostUSD != x.ReadCostUSD || n.xs.Requests(xtest.EndpointPostsByIDs) != 1 {
			t.Fatalf("1h of the teasers: %+v, %d X reads; want 4 read (not quiet-x), $0.005", st, n.xs.Requests(xtest.EndpointPostsByIDs))
		}
		m := n.metrics(t, b.ID)
		if m["teaser 1d brand-x 1h"].Impressions == nil || m["teaser 1d brand-m 1h"].Impressions != nil || m["teaser 1d brand-m 1h"].Likes == nil {
			t.Errorf("X gives impressions, Mastodon does not: %+v / %+v", m["teaser 1d brand-x 1h"], m["teaser 1d brand-m 1h"])
		}
		if _, ok := m["teaser 1d quiet-x 1h"]; ok {
			t.Error("an X channel without --metrics was read")
		}

		n.set(start.Add(-10 * time.Minute))
		e.dispatch(d)
		n.set(start)
		e.dispatch(d)
		// X limits the reads: they wait, the other networks are read, nothing else changes.
		n.set(start.Add(50 * time.Minute))
		n.xs.FailNext(xtest.EndpointPostsByIDs, xtest.RateLimit)
		n.bsky.Fail(blueskytest.GetPosts, blueskytest.Status500)
		before, _ := e.store.PostsOfBroadcast(e.ctx, b.ID)
		_, err := col.Collect(e.ctx)
		if err == nil {
			t.Error("a failing AppView was not reported")
		}
		after, _ := e.store.PostsOfBroadcast(e.ctx, b.ID)
		for i := range before {
			if before[i].Status != after[i].Status || before[i].Attempts != after[i].Attempts || before[i].Error != after[i].Error {
				t.Errorf("collecting changed post %d: %s -> %s", before[i].ID, before[i].Status, after[i].Status)
			}
		}
		chans, _ := e.store.Channels(e.ctx)
		for _, ch := range chans {
			if ch.Status != models.ChannelActive || !ch.PausedUntil.IsZero() {
				t.Errorf("collecting changed channel %s: %s until %v", ch.Name, ch.Status, ch.PausedUntil)
			}
		}
		m = n.metrics(t, b.ID)
		if _, ok := m["reminder 10m brand-x 1h"]; ok {
			t.Error("X answered 429, yet its reminder's 1h was recorded")
		}
		if _, ok := m["reminder 10m brand-m 1h"]; !ok {
			t.Error("Mastodon's reminder was not read while X was limited")
		}
		n.set(start.Add(time.Hour))
		e.dispatch(d) // sending goes on
		collectOnce(t, col)
		if _, ok := n.metrics(t, b.ID)["reminder 10m brand-x 1h"]; ok {
			t.Error("X was read before its rate limit ended")
		}
		reads := n.xs.Requests(xtest.EndpointPostsByIDs)
		n.set(start.Add(66 * time.Minute))
		collectOnce(t, col)
		m = n.metrics(t, b.ID)
		for _, k := range []string{"reminder 10m brand-x 1h", "live 0 brand-x 1h", "reminder 10m brand-b 1h", "teaser 1d brand-x 24h"} {
			if m[k].Status != models.MetricOK {
				t.Errorf("%s: %+v, want read", k, m[k])
			}
		}
		if got := n.xs.Requests(xtest.EndpointPostsByIDs) - reads; got != 1 {
			t.Errorf("X's due posts took %d requests, want 1 batch", got)
		}

		// A restarted collector reads nothing twice.
		reads = n.xs.Requests(xtest.EndpointPostsByIDs)
		if st := collectOnce(t, n.collector()); st.Read != 0 || n.xs.Requests(xtest.EndpointPostsByIDs) != reads {
			t.Errorf("after a restart: %+v, %d X reads", st, n.xs.Requests(xtest.EndpointPostsByIDs)-reads)
		}

		// The week's checkpoint of the teasers: the counts grew.
		n.set(start.Add(-24*time.Hour + 7*24*time.Hour + time.Minute))
		collectOnce(t, col)
		m = n.metrics(t, b.ID)
		for _, ch := range []string{"brand-x", "brand-m", "brand-b", "preview"} {
			h, w := m["teaser 1d "+ch+" 1h"], m["teaser 1d "+ch+" 7d"]
			if h.Likes == nil || w.Likes == nil || *w.Likes <= *h.Likes {
				t.Errorf("%s: likes at 1h %v, at 7d %v; want growth", ch, h.Likes, w.Likes)
			}
		}

		// Deleted on the network: gone. Left unread too long: missed.
		all, _ := e.store.PostsOfBroadcast(e.ctx, b.ID)
		for _, p := range all {
			if p.Kind == models.KindReminder && p.ChannelID == 1 {
				n.xs.DeletePost(p.RemoteID)
			}
		}
		n.set(start.Add(7*24*time.Hour - 10*time.Minute + time.Minute))
		collectOnce(t, col)
		if got := n.metrics(t, b.ID)["reminder 10m brand-x 7d"]; got.Status != models.MetricGone {
			t.Errorf("a deleted X post: %+v, want gone", got)
		}
		n.set(start.Add(15 * 24 * time.Hour))
		if st := collectOnce(t, col); st.Missed == 0 {
			t.Errorf("15 days later: %+v, want the live posts' 7d checkpoints missed", st)
		}
		if got := n.metrics(t, b.ID)["live 0 brand-m 7d"]; got.Status != models.MetricMissed || got.Likes != nil {
			t.Errorf("live on Mastodon at 7d: %+v, want missed", got)
		}
		// Every X post read is counted: the teaser at 1h, 24h and 7d, the reminder and the live
		// post at 1h (their 24h passed unread while the clock jumped; the reminder was deleted
		// before its 7d: X returns nothing for it, and charges nothing).
		var cost float64
		for k, m := range n.metrics(t, b.ID) {
			if m.CostUSD != 0 && !hasChannel(k, "brand-x") {
				t.Errorf("%s cost $%.3f: only brand-x pays", k, m.CostUSD)
			}
			cost += m.CostUSD
		}
		if want := 5 * x.ReadCostUSD; cost < want-1e-9 || cost > want+1e-9 {
			t.Errorf("X reads cost $%.3f, want $%.3f", cost, want)
		}
	})
}

func hasChannel(key, ch string) bool {
	for i := 0; i+len(ch) <= len(key); i++ {
		if key[i:i+len(ch)] == ch {
			return true
		}
	}
	return false
}

// TestCollectAuthRefusalWaits: refused credentials hold the channel's reads, not its posts.
func TestCollectAuthRefusalWaits(t *testing.T) {
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	e := newEnv(t, start.Add(-48*time.Hour))
	n := newNetworks(t, e)
	c := e.campaign(models.Campaign{Name: "Spring", Lang: "en", Teasers: "1d"}, "brand-x")
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	n.set(start.Add(-24 * time.Hour))
	e.dispatch(n.dispatcher())
	n.set(start.Add(-23 * time.Hour))
	n.xs.FailNext(xtest.EndpointPostsByIDs, xtest.Unauthorized)
	col := n.collector()
	_, err := col.Collect(e.ctx)
	var au *posting.Auth
	if !errors.As(err, &au) {
		t.Fatalf("err = %v, want the refusal reported", err)
	}
	n.set(start.Add(-23*time.Hour + 10*time.Minute))
	if st := collectOnce(t, col); st.Read != 0 || st.Waiting != 1 {
		t.Errorf("10 minutes after a refusal: %+v, want the read waiting", st)
	}
	n.set(start.Add(-23*time.Hour + 16*time.Minute))
	if st := collectOnce(t, col); st.Read != 1 {
		t.Errorf("16 minutes later: %+v, want read", st)
	}
}

// TestCollectElectedOnly: with several daemons on PostgreSQL, only the elected one reads
// engagement; a daemon's one-shot pass (run-due) reads what is due.
func TestCollectElectedOnly(t *testing.T) {
	dsn := modelstest.Postgres(t)
	if dsn == "" {
		t.Skip(modelstest.EnvPostgres + " is not set")
	}
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	e := newEnvOn(t, dsn, start.Add(-48*time.Hour))
	n := newNetworks(t, e)
	c := e.campaign(models.Campaign{Name: "Spring", Lang: "en", Teasers: "1d"}, "brand-m", "preview")
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	n.set(start.Add(-24 * time.Hour))
	e.dispatch(n.dispatcher())
	n.set(start.Add(-23 * time.Hour))

	sqlDB, err := e.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	// The leader's lock is one per schema: this test's database elects its own daemon.
	leader, follower := NewElector(sqlDB), NewElector(sqlDB)
	if err := leader.IsLeader(e.ctx); err != nil {
		t.Fatalf("the first elector of this database is not elected: %v", err)
	}
	defer leader.Resign()
	daemon := func(el *Elector) *Daemon {
		d := NewDaemon(e.store, e.planner, n.dispatcher(), nil, DaemonConfig{PostgresDSN: dsn, Elector: el}, n.clock.Now, nil)
		d.CollectWith(n.collector(), 0)
		return d
	}
	daemon(follower).collect(e.ctx)
	if got := len(n.metrics(t, b.ID)); got != 0 {
		t.Fatalf("a daemon that is not the leader read %d checkpoints", got)
	}
	daemon(leader).collect(e.ctx)
	if got := len(n.metrics(t, b.ID)); got != 2 {
		t.Fatalf("the leader read %d checkpoints, want the 2 teasers' 1h", got)
	}
}

// TestRunOnceCollects: a one-shot pass (run-due, for crontab users) reads what is due.
func TestRunOnceCollects(t *testing.T) {
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	e := newEnv(t, start.Add(-48*time.Hour))
	n := newNetworks(t, e)
	c := e.campaign(models.Campaign{Name: "Spring", Lang: "en", Teasers: "1d"}, "brand-b", "preview")
	b := e.broadcast(c, "Launch", start)
	e.plan(b.ID)
	n.set(start.Add(-24 * time.Hour))
	d := NewDaemon(e.store, e.planner, n.dispatcher(), nil, DaemonConfig{Exclusive: true}, n.clock.Now, nil)
	d.CollectWith(n.collector(), 0)
	if res, err := d.RunOnce(e.ctx); err != nil || res.Dispatch.Sent != 2 {
		t.Fatalf("run-due: %+v, %v", res, err)
	}
	n.set(start.Add(-23 * time.Hour))
	if _, err := d.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(n.metrics(t, b.ID)); got != 2 {
		t.Fatalf("run-due read %d checkpoints, want 2", got)
	}
}

// statsReader is a live platform's analytics, as a source.StatsReader.
type statsReader struct {
	stats source.Stats
	err   error
	refs  []string
}

func (r *statsReader) Stats(_ context.Context, ref string) (source.Stats, error) {
	r.refs = append(r.refs, ref)
	return r.stats, r.err
}

func TestCollectPlatformStats(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(48*time.Hour))
		c := spring(e)
		b := e.broadcast(c, "Launch", start)
		r := &statsReader{stats: source.Stats{Views: 5000, LiveViews: 1200, ReplayViews: 3800, WatchMinutes: 20400, AverageViewSeconds: -1}}
		if err := CollectPlatformStats(e.ctx, e.store, b.ID, "youtube", "youtube:abc", r, e.now); err != nil {
			t.Fatal(err)
		}
		r.stats.ReplayViews = 4100 // two days on
		if err := CollectPlatformStats(e.ctx, e.store, b.ID, "youtube", "youtube:abc", r, e.now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rep, err := BuildReport(e.ctx, e.store, b.ID, Prices{})
		if err != nil {
			t.Fatal(err)
		}
		a := rep.Audience
		if a.Views == nil || a.Views.Value != 5000 || a.Viewers.Value != 1200 || a.ReplayViews.Value != 4100 ||
			a.WatchMinutes.Value != 20400 || a.AverageViewSeconds != nil || a.ReplayViews.Source != "youtube" {
			t.Errorf("audience %+v", a)
		}
		r.err = errors.New("quota")
		if err := CollectPlatformStats(e.ctx, e.store, b.ID, "youtube", "youtube:abc", r, e.now); err == nil {
			t.Error("a failing platform was not reported")
		}
		// Figures given by hand win over the platform's.
		v := int64(1500)
		if err := e.store.SetBroadcastStats(e.ctx, models.BroadcastStats{BroadcastID: b.ID, Viewers: &v}); err != nil {
			t.Fatal(err)
		}
		rep, _ = BuildReport(e.ctx, e.store, b.ID, Prices{})
		if rep.Audience.Viewers.Value != 1500 || rep.Audience.Viewers.Source != "given" || rep.Audience.ReplayViews.Value != 4100 {
			t.Errorf("given figures: %+v", rep.Audience)
		}
	})
}

func TestPeakAndAverage(t *testing.T) {
	at := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
	sample := func(min int, v int) models.AudienceSample {
		return models.AudienceSample{SampledAt: models.NewTime(at.Add(time.Duration(min) * time.Minute)), Viewers: v}
	}
	for _, tt := range []struct {
		name          string
		samples       []models.AudienceSample
		peak, average int
	}{
		{"one", []models.AudienceSample{sample(0, 40)}, 40, 40},
		{"steady minutes", []models.AudienceSample{sample(0, 100), sample(1, 200), sample(2, 300)}, 300, 200},
		// A ten-minute gap (the platform did not answer) counts for its length.
		{"a gap", []models.AudienceSample{sample(0, 100), sample(10, 400), sample(11, 400)}, 400, 150},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, a, ok := PeakAndAverage(tt.samples)
			if !ok || p != tt.peak || a != tt.average {
				t.Errorf("PeakAndAverage = %d, %d, %v; want %d, %d", p, a, ok, tt.peak, tt.average)
			}
		})
	}
	if _, _, ok := PeakAndAverage(nil); ok {
		t.Error("no samples gave figures")
	}
}
