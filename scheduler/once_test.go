package scheduler

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
)

// Sending once under uncertainty (issue 12): the started mark, the identity fixed at the first
// try, and the fault matrix.

// killPoster sends through next, except that the request numbered at (1-based) waits at the gate
// first (before, false) or after the network acted (before... true): the daemon is killed there.
type killPoster struct {
	next    posting.Poster
	mu      *sync.Mutex
	n       *int
	at      int
	after   bool          // killed after the network acted, before the outcome was recorded
	reached chan struct{} // closed when the gated request is under way
	release chan struct{} // the killed daemon's goroutine is let go at the test's end
}

func (g killPoster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	g.mu.Lock()
	*g.n++
	n := *g.n
	g.mu.Unlock()
	if n != g.at {
		return g.next.Post(ctx, m)
	}
	var r posting.Receipt
	var err error
	if g.after {
		r, err = g.next.Post(ctx, m)
	}
	close(g.reached)
	<-g.release
	return r, err
}

func (g killPoster) Recovery() posting.Recovery { return posting.RecoveryOf(g.next) }

func (g killPoster) RemoteKey(m posting.Message) string { return posting.RemoteKeyOf(g.next, m) }

// countingPoster counts requests per idempotency key and never deduplicates (a Slack webhook).
type countingPoster struct {
	mu   sync.Mutex
	reqs map[string]int
}

func (c *countingPoster) Post(_ context.Context, m posting.Message) (posting.Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs[m.IdempotencyKey]++
	return posting.Receipt{RemoteID: m.IdempotencyKey}, nil
}

// crashWith runs a dispatch with posters until the gated request is under way, then abandons it
// (the daemon is killed: it writes nothing more that counts, its leases being taken over), and
// recovers with a new dispatcher, as a restart does. It returns the restarted dispatcher's
// recovery counts.
func crashWith(t *testing.T, e *env, posters PosterFor, g killPoster, restart *Dispatcher) (recovered, unknown int) {
	t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	dead := NewDispatcher(e.store, posters, DispatchConfig{Owner: "killed"}, func() time.Time { return e.now }, nil, nil)
	done := make(chan struct{})
	go func() { defer close(done); dead.Dispatch(ctx) }()
	select {
	case <-g.reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the gated request never came")
	}
	rec, unk, err := restart.RecoverLeases(e.ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	// The killed process's goroutine ends without effect: its leases are no longer its own.
	cancel()
	close(g.release)
	<-done
	return rec, unk
}

// TestCrashPlansNeverStartedPostsAgain is issue 12's item 4: twenty live posts on a slow Slack
// webhook, the daemon killed during the third send. Only that send may be out: it is unknown;
// the two before it are sent or unknown; the seventeen never started are planned again with
// no try counted, and go out once after the restart.
func TestCrashPlansNeverStartedPostsAgain(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
		e := newEnvOn(t, db.DSN, start.Add(-time.Hour))
		e.channel("slack", "webhook")
		c := e.campaign(models.Campaign{Name: "Lives", Lang: "en", TimeZone: "UTC"}, "slack")
		for i := range 20 {
			e.plan(e.broadcast(c, fmt.Sprintf("Live %d", i), start).ID)
		}
		e.now = start
		slack := &countingPoster{reqs: map[string]int{}}
		g := killPoster{next: slack, mu: &sync.Mutex{}, n: new(int), at: 3, after: true,
			reached: make(chan struct{}), release: make(chan struct{})}
		posters := func(models.Channel) (posting.Poster, error) { return g, nil }
		restart := NewDispatcher(e.store, func(models.Channel) (posting.Poster, error) { return slack, nil },
			DispatchConfig{Owner: "restarted"}, func() time.Time { return e.now }, nil, nil)
		rec, unk := crashWith(t, e, posters, g, restart)
		if unk > 3 || rec < 17 {
			t.Errorf("after the crash: %d planned again, %d unknown; want 17 planned again, at most 3 unknown", rec, unk)
		}
		s, err := restart.Dispatch(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		posts, err := e.store.ListPosts(e.ctx, models.PostFilter{})
		if err != nil {
			t.Fatal(err)
		}
		unknown := 0
		for _, p := range posts {
			if p.Kind != models.KindLive {
				continue
			}
			n := slack.reqs[p.IdempotencyKey]
			switch {
			case n > 1:
				t.Errorf("post %d reached Slack %d times", p.ID, n)
			case n == 0:
				t.Errorf("post %d never reached Slack (%s: %s)", p.ID, p.Status, p.Error)
			case p.Status == models.PostUnknown:
				unknown++
				if p.Error == "" {
					t.Errorf("post %d unknown with no reason", p.ID)
				}
			case p.Status != models.PostSent:
				t.Errorf("post %d reached Slack but is %s", p.ID, p.Status)
			}
		}
		if unknown == 0 || unknown > 3 {
			t.Errorf("%d unknown posts, want 1 to 3 (the send under way, and those whose outcome was not written yet); restart: %+v", unknown, s)
		}
	})
}

// The fault matrix: each adapter x each fault point x what happens before the retry. After
// the retries, on the fake's side the post exists at most once; a post onair says sent is
// there; a post that is there is sent or unknown (with a reason), never cancelled, failed or
// skipped. Every case has its own broadcast, a day after the last one's.

type onceFault string

const (
	faultRefused       onceFault = "refused"                     // nothing done, no answer
	faultAcceptDrop    onceFault = "acts, connection drops"      // done, no answer
	faultAcceptBlind   onceFault = "acts, drops, lookup fails"   // done, no answer, and the lookup finds nothing to say
	faultAcceptKilled  onceFault = "acts, onair killed"          // done, the outcome never recorded
	faultStartedKilled onceFault = "killed before the request"   // the mark is written, the request never leaves
	fault5xx           onceFault = "5xx, nothing done"           // 500 without acting
	faultRateLimited   onceFault = "429"                         // refused for a while
	faultTimeout       onceFault = "timeout before the receiver" // (webhook) the receiver hangs, nothing kept
)

type onceAction string

const (
	actNothing    onceAction = "nothing"
	actReschedule onceAction = "reschedule"
	actCMSStart   onceAction = "CMS edit of starts_at"
	actCampaign   onceAction = "campaign edit"
	actCancelB    onceAction = "cancel"
)

// onceAdapter is one adapter under test: its channel, how to inject a fault on the next send, and
// how many copies of a broadcast's posts its fake holds.
type onceAdapter struct {
	name   string
	faults []onceFault
	inject func(f onceFault)
	copies func(b *models.Broadcast) int
}

func TestSentOnceFaultMatrix(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		base := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
		e := newEnvOn(t, db.DSN, base)
		clock := func() time.Time { return e.now }

		// Bluesky, against the fake PDS.
		pds := blueskytest.New(t)
		pds.SetClock(clock)
		did := pds.AddAccount("brand.test", "app-pass-word")
		access, refresh := pds.IssueSession(did)
		tokens := posting.NewMemoryTokens(posting.Token{Access: access, Refresh: refresh, Expiry: base.Add(100 * 24 * time.Hour)})
		e.channel("bsky", posting.Bluesky)
		// The json webhook, against the fake receiver (it reads json payloads only: Slack and
		// Discord are covered by posting/webhook's sendonce tests and TestCrashPlansNeverStartedPostsAgain).
		var faultNext webhooktest.Fault
		var faultMu sync.Mutex
		recv := webhooktest.New(t, testSecret, func(n int, key string) webhooktest.Fault {
			faultMu.Lock()
			defer faultMu.Unlock()
			f := faultNext
			faultNext = webhooktest.OK
			return f
		})
		recv.Hang = 2 * time.Second
		recv.RetryAfter = time.Second
		e.webhook("hook", recv.URL, "")
		setHook := func(f webhooktest.Fault) { faultMu.Lock(); faultNext = f; faultMu.Unlock() }

		hooks := &Posters{Getenv: func(string) string { return testSecret }, Now: clock}
		var kill *killPoster // set for the cases where onair is killed
		posters := func(ch models.Channel) (posting.Poster, error) {
			var p posting.Poster
			if ch.Network == posting.Bluesky {
				bp, err := bluesky.New(bluesky.Config{PDS: pds.URL, Handle: "brand.test", DID: did, Tokens: tokens, Timeout: 300 * time.Millisecond}, pds.Client())
				if err != nil {
					return nil, err
				}
				bp.Now = clock
				p = bp
			} else {
				var err error
				if p, err = hooks.For(ch); err != nil {
					return nil, err
				}
			}
			if kill != nil {
				k := *kill
				k.next = p
				return k, nil
			}
			return p, nil
		}
		d := NewDispatcher(e.store, posters, DispatchConfig{Owner: "matrix", BackoffBase: time.Second, BackoffMax: time.Minute}, clock, nil, nil)
		life := NewLifecycle(e.store, e.planner)
		driver := "sqlite3"
		if db.Engine == "postgres" {
			driver = "pgx"
		}
		cms, err := sql.Open(driver, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cms.Close() })

		kept := func(b *models.Broadcast, channel string) int {
			n := 0
			for _, dl := range recv.Deliveries() {
				if dl.Payload.BroadcastID == b.ID && dl.Payload.Channel == channel {
					n++
				}
			}
			return n
		}
		adapters := []onceAdapter{
			{name: "bsky",
				faults: []onceFault{faultRefused, faultAcceptDrop, faultAcceptBlind, faultAcceptKilled, faultStartedKilled, fault5xx, faultRateLimited},
				inject: func(f onceFault) {
					switch f {
					case faultRefused:
						pds.Fail(blueskytest.CreateRecord, blueskytest.Drop)
					case faultAcceptDrop:
						pds.Fail(blueskytest.CreateRecord, blueskytest.AcceptThenDrop)
					case faultAcceptBlind:
						pds.Fail(blueskytest.CreateRecord, blueskytest.AcceptThenDrop)
						pds.Fail(blueskytest.GetRecord, blueskytest.Drop)
					case fault5xx:
						pds.Fail(blueskytest.CreateRecord, blueskytest.Status500)
					case faultRateLimited:
						pds.Fail(blueskytest.CreateRecord, blueskytest.RateLimited)
					}
				},
				copies: func(b *models.Broadcast) int {
					n := 0
					for _, p := range pds.Posts(did) {
						if strings.Contains(p.Text, b.Title) {
							n++
						}
					}
					return n
				}},
			{name: "hook",
				faults: []onceFault{faultRefused, faultTimeout, faultAcceptDrop, faultAcceptKilled, faultStartedKilled, fault5xx, faultRateLimited},
				inject: func(f onceFault) {
					setHook(map[onceFault]webhooktest.Fault{faultRefused: webhooktest.Drop, faultTimeout: webhooktest.Timeout,
						faultAcceptDrop: webhooktest.AcceptThenDrop, fault5xx: webhooktest.Status500, faultRateLimited: webhooktest.RateLimit}[f])
				},
				copies: func(b *models.Broadcast) int { return kept(b, "hook") }},
		}
		actions := []onceAction{actNothing, actReschedule, actCMSStart, actCampaign, actCancelB}

		caseN := 0
		for _, a := range adapters {
			camp := e.campaign(models.Campaign{Name: "Matrix " + a.name, Lang: "en", TimeZone: "UTC", Teasers: "2h"}, a.name)
			for _, f := range a.faults {
				for _, act := range actions {
					caseN++
					name := fmt.Sprintf("%s/%s/%s", a.name, f, act)
					e.now = base.Add(time.Duration(caseN) * 24 * time.Hour)
					start := e.now.Add(3 * time.Hour)
					b := e.broadcast(camp, fmt.Sprintf("Case %d", caseN), start)
					e.plan(b.ID)
					e.now = start.Add(-2 * time.Hour) // the teaser is due
					chID := e.channelID(a.name)
					e.store.SetChannelStatus(e.ctx, chID, models.ChannelActive, "")
					e.store.HoldChannel(e.ctx, chID, time.Time{}, "")

					// The first try, with the fault.
					switch f {
					case faultAcceptKilled, faultStartedKilled:
						kill = &killPoster{mu: &sync.Mutex{}, n: new(int), at: 1, after: f == faultAcceptKilled,
							reached: make(chan struct{}), release: make(chan struct{})}
						crashWith(t, e, posters, *kill, d)
						kill = nil
					default:
						a.inject(f)
						if _, err := d.Dispatch(e.ctx); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					}
					// What happens before the retry.
					later := models.NewTime(start.Add(5 * time.Minute))
					switch act {
					case actReschedule:
						if _, err := life.Edit(e.ctx, b.ID, models.BroadcastEdit{StartsAt: &later}); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					case actCMSStart:
						var v any = later.UTC().Format(time.RFC3339)
						q := `UPDATE broadcasts SET starts_at = ? WHERE id = ?`
						if db.Engine == "postgres" {
							v, q = later.UTC(), dollarParams(q)
						}
						if _, err := cms.Exec(q, v, b.ID); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if _, err := e.planner.Reconcile(e.ctx); err != nil {
							t.Fatal(err)
						}
					case actCampaign:
						camp.Hashtags = fmt.Sprintf("#case%d", caseN)
						if _, err := e.store.UpdateCampaign(e.ctx, camp, []string{a.name}); err != nil {
							t.Fatal(err)
						}
						e.plan(b.ID)
					case actCancelB:
						if _, err := life.Cancel(e.ctx, b.ID); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					}
					// The retries, before the broadcast starts.
					for _, at := range []time.Duration{15 * time.Minute, 40 * time.Minute, 80 * time.Minute} {
						e.now = start.Add(-2*time.Hour + at)
						e.store.HoldChannel(e.ctx, chID, time.Time{}, "") // a rate limit's hold ends
						if _, _, err := d.RecoverLeases(e.ctx, true); err != nil {
							t.Fatal(err)
						}
						if _, err := d.Dispatch(e.ctx); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					}
					checkOnce(t, name, e, b, a.copies(b))
					// Done with it: nothing of it goes out during the next cases.
					life.Cancel(e.ctx, b.ID)
				}
			}
		}
	})
}

// checkOnce checks a matrix case's teaser against what the fake holds.
func checkOnce(t *testing.T, name string, e *env, b *models.Broadcast, copies int) {
	t.Helper()
	var teaser models.Post
	for _, p := range e.posts(b.ID) {
		if p.Kind == models.KindTeaser {
			teaser = p
		}
	}
	t.Logf("%s: %d on the network; %s (%s)", name, copies, teaser.Status, teaser.Error)
	switch {
	case copies > 1:
		t.Errorf("%s: the post is on the network %d times", name, copies)
	case teaser.Status == models.PostUnknown:
		if teaser.Error == "" {
			t.Errorf("%s: unknown with no reason", name)
		}
	case copies == 1 && teaser.Status != models.PostSent:
		t.Errorf("%s: on the network, but onair says %s (%s)", name, teaser.Status, teaser.Error)
	case copies == 0 && teaser.Status == models.PostSent:
		t.Errorf("%s: onair says sent, the network does not have it", name)
	case teaser.Status == models.PostSending:
		t.Errorf("%s: still sending", name)
	}
}

func (e *env) channelID(name string) int64 {
	e.t.Helper()
	ch, err := e.store.ChannelByName(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return ch.ID
}
