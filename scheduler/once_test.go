package scheduler

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
	"github.com/onairhq/onair/posting/x"
	"github.com/onairhq/onair/posting/x/xtest"
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
	t.Parallel()
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
// skipped; nothing stays sending; a 429 never holds the channel past the network's cap; and a
// receiver that cannot deduplicate (Slack, Discord) gets an unknown post at most once. Every
// case has its own broadcast, a day after the last one's.

type onceFault string

const (
	faultRefused       onceFault = "refused"                   // nothing done, no answer (the connection closed)
	faultTimeout       onceFault = "timeout before the server" // the server hangs, nothing done
	faultAcceptDrop    onceFault = "acts, connection drops"    // done, no answer
	faultAcceptBlind   onceFault = "acts, drops, lookup fails" // done, no answer, and the lookup finds nothing to say
	faultAcceptKilled  onceFault = "acts, onair killed"        // done, the outcome never recorded
	faultStartedKilled onceFault = "killed before the request" // the mark is written, the request never leaves
	fault5xx           onceFault = "5xx, nothing done"         // 500 without acting
	fault5xxAfter      onceFault = "acts, then 5xx"            // done, then 500
	faultRateLimited   onceFault = "429"                       // refused for a while
	faultAbsurd429     onceFault = "429, reset in ten years"   // Retry-After: 315360000 or its network's equivalent
	faultRedirect      onceFault = "301 elsewhere"             // the channel's address moved; nothing done
)

// httpFaults are the fault points of an adapter that speaks HTTP and whose fake has them all.
var httpFaults = []onceFault{faultRefused, faultTimeout, faultAcceptDrop, faultAcceptKilled, faultStartedKilled,
	fault5xx, fault5xxAfter, faultRateLimited, faultAbsurd429, faultRedirect}

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
	// maxHold is the longest a rate limit may hold the channel (posting.MaxHold or MaxDailyHold).
	maxHold time.Duration
	// requests, for a receiver that cannot deduplicate, counts the requests that carried key.
	requests func(key string) int
}

// chatHook is a fake Slack or Discord incoming webhook whose next answer can be a fault.
func chatHook(t *testing.T, format string) (*webhooktest.Receiver, func(webhooktest.Fault)) {
	t.Helper()
	var mu sync.Mutex
	next := webhooktest.OK
	recv := webhooktest.New(t, "", func(int, string) webhooktest.Fault {
		mu.Lock()
		defer mu.Unlock()
		f := next
		next = webhooktest.OK
		return f
	})
	recv.Format = format
	recv.Hang = 2 * time.Second
	return recv, func(f webhooktest.Fault) { mu.Lock(); next = f; mu.Unlock() }
}

// hookFaults maps the matrix's fault points to a webhook receiver's.
var hookFaults = map[onceFault]webhooktest.Fault{faultRefused: webhooktest.Drop, faultTimeout: webhooktest.Timeout,
	faultAcceptDrop: webhooktest.AcceptThenDrop, fault5xx: webhooktest.Status500, fault5xxAfter: webhooktest.AcceptThen500,
	faultRateLimited: webhooktest.RateLimit, faultAbsurd429: webhooktest.RateLimit, faultRedirect: webhooktest.Redirect301}

// absurdReset is the reset of faultAbsurd429: ten years.
const absurdReset = 315360000 * time.Second

// TestSentOnceFaultMatrix sends a teaser through every adapter under every fault, then does one
// of the actions that can come between a try and its retry: each ends on the network at most
// once, and onair says what happened. Under -short each fault meets one action, the actions in turn.
func TestSentOnceFaultMatrix(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		t.Parallel()
		base := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
		e := newEnvOn(t, db.DSN, base)
		clock := func() time.Time { return e.now }
		const timeout = 100 * time.Millisecond

		// Bluesky, against the fake PDS.
		pds := blueskytest.New(t)
		pds.SetClock(clock)
		did := pds.AddAccount("brand.test", "app-pass-word")
		access, refresh := pds.IssueSession(did)
		tokens := posting.NewMemoryTokens(posting.Token{Access: access, Refresh: refresh, Expiry: base.Add(100 * 24 * time.Hour)})
		e.channel("bsky", "bluesky")
		// X, against the fake API (OAuth 1.0a).
		xs := xtest.New(t)
		xs.Now = clock
		xkeys := xs.NewOAuth1(xtest.DefaultUser)
		e.channel("x", "x")
		// Mastodon, and a GoToSocial server (it ignores Idempotency-Key).
		mast := mastodontest.New(t)
		mast.SetClock(clock)
		mastToken := mast.AddAccount("brand")
		e.channel("masto", "mastodon")
		gts := mastodontest.New(t)
		gts.SetClock(clock)
		gts.SetGoToSocialMode(true)
		gtsToken := gts.AddAccount("brand")
		e.channel("gts", "mastodon")
		// The json webhook, against the fake receiver; Slack and Discord against fakes that
		// keep every copy.
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
		hook := func(name, url, format string) {
			settings, _ := json.Marshal(webhook.Settings{URL: url, Format: format, SecretEnv: "HOOK_SECRET", Timeout: "100ms"})
			if err := e.store.CreateChannel(e.ctx, &models.Channel{Name: name, Network: "webhook", Settings: string(settings)}); err != nil {
				t.Fatal(err)
			}
		}
		hook("hook", recv.URL, "")
		setHook := func(f webhooktest.Fault) { faultMu.Lock(); faultNext = f; faultMu.Unlock() }
		slack, setSlack := chatHook(t, webhook.FormatSlack)
		hook("slack", slack.URL, webhook.FormatSlack)
		discord, setDiscord := chatHook(t, webhook.FormatDiscord)
		hook("discord", discord.URL, webhook.FormatDiscord)
		// The console with a file.
		file := filepath.Join(t.TempDir(), "posts.jsonl")
		settings, _ := json.Marshal(console.Settings{File: file})
		if err := e.store.CreateChannel(e.ctx, &models.Channel{Name: "console", Network: "console", Settings: string(settings)}); err != nil {
			t.Fatal(err)
		}

		hooks := &Posters{Getenv: func(string) string { return testSecret }, Now: clock}
		var kill *killPoster // set for the cases where onair is killed
		posters := func(ch models.Channel) (posting.Poster, error) {
			var p posting.Poster
			var err error
			switch ch.Name {
			case "bsky":
				var bp *bluesky.Poster
				if bp, err = bluesky.New(bluesky.Config{PDS: pds.URL, Handle: "brand.test", DID: did, Tokens: tokens, Timeout: timeout}, pds.Client()); err == nil {
					bp.Now, p = clock, bp
				}
			case "x":
				var xp *x.Poster
				if xp, err = x.New(x.Config{APIURL: xs.URL, Timeout: timeout, OAuth1: &x.OAuth1{ConsumerKey: xkeys.ConsumerKey,
					ConsumerSecret: xkeys.ConsumerSecret, Token: xkeys.Token, TokenSecret: xkeys.TokenSecret}}, xs.Client()); err == nil {
					xp.Now, p = clock, xp
				}
			case "masto", "gts":
				srv, token := mast, mastToken
				if ch.Name == "gts" {
					srv, token = gts, gtsToken
				}
				var mp *mastodon.Poster
				if mp, err = mastodon.New(mastodon.Config{Server: srv.URL, Token: token, Timeout: timeout}, srv.Client()); err == nil {
					mp.Now, p = clock, mp
				}
			case "console":
				// A new poster for each dispatch, as after a restart: it reads the file again.
				cp := console.New(io.Discard, file)
				cp.Now, p = clock, cp
			default:
				p, err = hooks.For(ch)
			}
			if err != nil {
				return nil, err
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
		chatKept := func(r *webhooktest.Receiver) func(b *models.Broadcast) int {
			return func(b *models.Broadcast) int {
				n := 0
				for _, dl := range r.Deliveries() {
					if strings.Contains(dl.Text, b.Title) {
						n++
					}
				}
				return n
			}
		}
		withTitle := func(b *models.Broadcast, texts []string) int {
			n := 0
			for _, text := range texts {
				if strings.Contains(text, b.Title) {
					n++
				}
			}
			return n
		}
		mastFaults := map[onceFault]mastodontest.Fault{faultRefused: mastodontest.Drop, faultTimeout: mastodontest.Hang,
			faultAcceptDrop: mastodontest.AcceptThenDrop, fault5xx: mastodontest.ServerError, fault5xxAfter: mastodontest.AcceptThen500,
			faultRateLimited: mastodontest.TooManyRequests, faultAbsurd429: mastodontest.AbsurdReset, faultRedirect: mastodontest.Redirect301}
		mastodonRow := func(name string, srv *mastodontest.Server) onceAdapter {
			return onceAdapter{name: name, faults: httpFaults, maxHold: posting.MaxHold,
				inject: func(f onceFault) {
					if mf, ok := mastFaults[f]; ok {
						srv.FailNext(mastodontest.RouteStatuses, mf)
					}
				},
				copies: func(b *models.Broadcast) int {
					var texts []string
					for _, st := range srv.Statuses("brand") {
						texts = append(texts, st.Text)
					}
					return withTitle(b, texts)
				}}
		}
		adapters := []onceAdapter{
			{name: "bsky", maxHold: posting.MaxDailyHold,
				faults: []onceFault{faultRefused, faultTimeout, faultAcceptDrop, faultAcceptBlind, faultAcceptKilled, faultStartedKilled,
					fault5xx, fault5xxAfter, faultRateLimited, faultAbsurd429, faultRedirect},
				inject: func(f onceFault) {
					pds.RetryAfter = 30 * time.Second
					switch f {
					case faultRefused:
						pds.Fail(blueskytest.CreateRecord, blueskytest.Drop)
					case faultTimeout:
						pds.Fail(blueskytest.CreateRecord, blueskytest.Hang)
					case faultAcceptDrop:
						pds.Fail(blueskytest.CreateRecord, blueskytest.AcceptThenDrop)
					case faultAcceptBlind:
						pds.Fail(blueskytest.CreateRecord, blueskytest.AcceptThenDrop)
						pds.Fail(blueskytest.GetRecord, blueskytest.Drop)
					case fault5xx:
						pds.Fail(blueskytest.CreateRecord, blueskytest.Status500)
					case fault5xxAfter:
						pds.Fail(blueskytest.CreateRecord, blueskytest.AcceptThen500)
					case faultRateLimited:
						pds.Fail(blueskytest.CreateRecord, blueskytest.RateLimited)
					case faultAbsurd429:
						pds.RetryAfter = absurdReset
						pds.Fail(blueskytest.CreateRecord, blueskytest.RateLimited)
					case faultRedirect:
						pds.Fail(blueskytest.CreateRecord, blueskytest.Redirect301)
					}
				},
				copies: func(b *models.Broadcast) int {
					var texts []string
					for _, p := range pds.Posts(did) {
						texts = append(texts, p.Text)
					}
					return withTitle(b, texts)
				}},
			{name: "x", faults: httpFaults, maxHold: posting.MaxDailyHold,
				inject: func(f onceFault) {
					xf, ok := map[onceFault]xtest.Fault{faultRefused: xtest.Drop, faultTimeout: xtest.Hang,
						faultAcceptDrop: xtest.AcceptThenDrop, fault5xx: xtest.Status500, fault5xxAfter: xtest.AcceptThen500,
						faultRateLimited: xtest.RateLimit, faultAbsurd429: xtest.AbsurdReset, faultRedirect: xtest.Redirect301}[f]
					if ok {
						xs.FailNext(xtest.EndpointTweets, xf)
					}
				},
				copies: func(b *models.Broadcast) int {
					var texts []string
					for _, p := range xs.Posts() {
						texts = append(texts, p.Text)
					}
					return withTitle(b, texts)
				}},
			mastodonRow("masto", mast),
			mastodonRow("gts", gts),
			{name: "hook", faults: httpFaults, maxHold: posting.MaxHold,
				inject: func(f onceFault) {
					recv.RetryAfter = time.Second
					if f == faultAbsurd429 {
						recv.RetryAfter = absurdReset
					}
					setHook(hookFaults[f])
				},
				copies: func(b *models.Broadcast) int { return kept(b, "hook") }},
			{name: "slack", faults: httpFaults, maxHold: posting.MaxHold,
				inject: func(f onceFault) {
					slack.RetryAfter = time.Second
					if f == faultAbsurd429 {
						slack.RetryAfter = absurdReset
					}
					setSlack(hookFaults[f])
				},
				copies: chatKept(slack), requests: func(key string) int { return slack.Requests()[key] }},
			{name: "discord", faults: httpFaults, maxHold: posting.MaxHold,
				inject: func(f onceFault) {
					discord.RetryAfter = time.Second
					if f == faultAbsurd429 {
						discord.RetryAfter = absurdReset
					}
					setDiscord(hookFaults[f])
				},
				copies: chatKept(discord), requests: func(key string) int { return discord.Requests()[key] }},
			// The console writes a file: no connection to refuse, drop, time out, redirect or
			// rate limit. Its faults are a crash before the write and one after it (the key is
			// in the file, the outcome not recorded).
			{name: "console", faults: []onceFault{faultStartedKilled, faultAcceptKilled},
				copies: func(b *models.Broadcast) int {
					raw, _ := os.ReadFile(file)
					n := 0
					for _, l := range strings.Split(string(raw), "\n") {
						var line console.Line
						if json.Unmarshal([]byte(l), &line) == nil && line.BroadcastID == b.ID && line.Kind == string(models.KindTeaser) {
							n++
						}
					}
					return n
				}},
		}
		actions := []onceAction{actNothing, actReschedule, actCMSStart, actCampaign, actCancelB}

		caseN := 0
		for _, a := range adapters {
			camp := e.campaign(models.Campaign{Name: "Matrix " + a.name, Lang: "en", TimeZone: "UTC", Teasers: "2h"}, a.name)
			for fi, f := range a.faults {
				for ai, act := range actions {
					if testing.Short() && (fi+ai)%len(actions) != 0 {
						continue // -short: one action per fault, each action in turn
					}
					caseN++
					name := fmt.Sprintf("%s/%s/%s", a.name, f, act)
					e.now = base.Add(time.Duration(caseN) * 24 * time.Hour)
					start := e.now.Add(3 * time.Hour)
					b := e.broadcast(camp, fmt.Sprintf("Case %03d", caseN), start) // no title holds another
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
					switch f {
					case faultRateLimited, faultAbsurd429:
						checkHold(t, name, e, a.name, a.maxHold)
					case faultRedirect:
						// Nothing was done: the channel's address is to fix, not a try to count.
						ch, err := e.store.ChannelByName(e.ctx, a.name)
						if err != nil {
							t.Fatal(err)
						}
						if ch.Status != models.ChannelPaused {
							t.Errorf("%s: after a 301 the channel is %s (%s), want paused", name, ch.Status, ch.StatusReason)
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
						// A person fixed what paused the channel (the address a redirect gave).
						e.store.SetChannelStatus(e.ctx, chID, models.ChannelActive, "")
						if _, _, err := d.RecoverLeases(e.ctx, true); err != nil {
							t.Fatal(err)
						}
						if _, err := d.Dispatch(e.ctx); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					}
					checkOnce(t, name, e, b, a.copies(b), a.requests)
					// Done with it: nothing of it goes out during the next cases.
					life.Cancel(e.ctx, b.ID)
				}
			}
		}
		for _, errs := range [][]string{mast.ContractErrors(), gts.ContractErrors(), recv.ContractErrors(), slack.ContractErrors(), discord.ContractErrors()} {
			for _, e := range errs {
				t.Errorf("a request broke the fake's contract: %s", e)
			}
		}
	})
}

// checkHold checks that a rate limit held channel, and for no longer than limit.
func checkHold(t *testing.T, name string, e *env, channel string, limit time.Duration) {
	t.Helper()
	ch, err := e.store.ChannelByName(e.ctx, channel)
	if err != nil {
		t.Fatal(err)
	}
	held := ch.PausedUntil.Sub(e.now)
	if held <= 0 || held > limit+posting.ResetMargin {
		t.Errorf("%s: the 429 held the channel %s; want more than 0, at most %s", name, held, limit)
	}
}

// checkOnce checks a matrix case's teaser against what the fake holds.
func checkOnce(t *testing.T, name string, e *env, b *models.Broadcast, copies int, requests func(key string) int) {
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
		if requests != nil {
			if n := requests(teaser.IdempotencyKey); n > 1 {
				t.Errorf("%s: unknown, and sent %d times to a receiver that cannot deduplicate", name, n)
			}
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
