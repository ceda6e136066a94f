package main

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
	"github.com/onairhq/onair/posting/x/xtest"
	"github.com/onairhq/onair/scheduler"
)

// The daemon, run as a real process, against the fake X, Mastodon and Bluesky servers.

// netdPNG writes a small real PNG picture and returns its path.
func netdPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 18))
	for x := 0; x < 32; x++ {
		for y := 0; y < 18; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 14), 200, 255})
		}
	}
	path := filepath.Join(t.TempDir(), "teaser.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// netdDaemon starts the daemon binary on db; it is killed when the test ends if still running.
func netdDaemon(t *testing.T, db string, extra ...string) *daemonProc {
	t.Helper()
	d := startDaemon(t, db, extra...)
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.kill9()
		}
	})
	return d
}

// netdStore opens the database the CLI and the daemon use, for the test's own reads.
func netdStore(t *testing.T, db string) *models.Store {
	t.Helper()
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// netdWait polls cond until it holds or timeout passes, and says whether it held.
func netdWait(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// netdPost is a post row with its channel's name.
type netdPost struct {
	models.Post
	Channel string
}

func (p netdPost) String() string {
	return fmt.Sprintf("post %d (broadcast %d, %s %s on %s, %s)", p.ID, p.BroadcastID, p.Kind, p.Step, p.Channel, p.Status)
}

// netdPosts lists every post, in due order, with its channel's name.
func netdPosts(t *testing.T, store *models.Store) []netdPost {
	t.Helper()
	var posts []models.Post
	if err := store.DB().Order("due_at, id").Find(&posts).Error; err != nil {
		t.Fatal(err)
	}
	chans, err := store.Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{}
	for _, c := range chans {
		names[c.ID] = c.Name
	}
	out := make([]netdPost, len(posts))
	for i, p := range posts {
		out[i] = netdPost{Post: p, Channel: names[p.ChannelID]}
	}
	return out
}

// netdSelect returns the posts of one broadcast on one channel, in due order.
func netdSelect(posts []netdPost, broadcast int64, channel string) []netdPost {
	var out []netdPost
	for _, p := range posts {
		if p.BroadcastID == broadcast && p.Channel == channel {
			out = append(out, p)
		}
	}
	return out
}

// netdCount counts posts matching f.
func netdCount(posts []netdPost, f func(netdPost) bool) int {
	n := 0
	for _, p := range posts {
		if f(p) {
			n++
		}
	}
	return n
}

// netdSlowWriter holds an answer back for a while once the handler has done its work (the post
// exists), so that a kill lands between the network's doing and onair's knowing.
type netdSlowWriter struct {
	http.ResponseWriter
	once  sync.Once
	delay time.Duration
	gone  <-chan struct{} // the client went away: stop holding the answer back
}

func (w *netdSlowWriter) wait() {
	w.once.Do(func() {
		select {
		case <-time.After(w.delay):
		case <-w.gone:
		}
	})
}

func (w *netdSlowWriter) WriteHeader(code int) { w.wait(); w.ResponseWriter.WriteHeader(code) }

func (w *netdSlowWriter) Write(b []byte) (int, error) { w.wait(); return w.ResponseWriter.Write(b) }

// Hijack lets the fakes' dropped connections through (their "accept then drop" faults).
func (w *netdSlowWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

// netdSlow serves h on a server of its own, slowed: each request waits before the fake sees it,
// and its answer waits again after the fake did the work.
func netdSlow(t *testing.T, h http.Handler, before, after time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(before)
		h.ServeHTTP(&netdSlowWriter{ResponseWriter: w, delay: after, gone: r.Context().Done()}, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestNetworksXThreadEndToEnd sets up an X channel (OAuth 1.0a keys) with the CLI, a threaded
// campaign with a picture and a cadence of seconds, and runs the daemon binary until every post
// went out: X got each post once, in order and on time (the replay too, whose due time the CLI
// moved under the running daemon by ending the broadcast); the teasers carry the uploaded
// picture; reminders, live and replay form one thread under the first teaser; every request kept
// X's contract; the posts table says sent with X's ids.
func TestNetworksXThreadEndToEnd(t *testing.T) {
	endToEnd(t)
	fake := xtest.New(t)
	keys := fake.NewOAuth1(xtest.DefaultUser)
	s := newSession(t, time.Now())
	s.ok("init")
	out := s.ok("channel", "add", "x", "--name", "brand-x", "--api-url", fake.URL, "--consumer-key", keys.ConsumerKey,
		"--consumer-secret", keys.ConsumerSecret, "--access-token", keys.Token, "--access-secret", keys.TokenSecret)
	if !strings.Contains(out, "posting as @"+xtest.DefaultUser.Username) {
		t.Errorf("channel add did not check the keys with X:\n%s", out)
	}
	s.ok("campaign", "add", "Launch", "--tz", "UTC", "--lang", "en", "--channels", "brand-x", "--thread",
		"--image", netdPNG(t), "--teasers", "7s,5s", "--reminders", "3s,2s", "--replay-after", "1s", "--hashtags", "#SpringDrop")
	s.now = time.Now()
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring drop", "--at", "+8s",
		"--watch-url", "https://x.com/i/broadcasts/1LIVE", "--replay-url", "https://x.com/i/broadcasts/1REPLAY")
	store := netdStore(t, s.db)
	if n := len(netdPosts(t, store)); n != 6 {
		t.Fatalf("%d posts planned, want 6 (2 teasers, 2 reminders, live, replay)", n)
	}

	d := netdDaemon(t, s.db)
	sentKind := func(kind models.Kind) func() bool {
		return func() bool {
			return netdCount(netdPosts(t, store), func(p netdPost) bool { return p.Kind == kind && p.Status == models.PostSent }) == 1
		}
	}
	if !netdWait(15*time.Second, sentKind(models.KindLive)) {
		t.Fatalf("the live post was not sent: %v\n%s", netdPosts(t, store), d.stderr.String())
	}
	s.now = time.Now()
	s.ok("broadcast", "end", "1")
	if !netdWait(10*time.Second, sentKind(models.KindReplay)) {
		t.Fatalf("the replay post was not sent: %v\n%s", netdPosts(t, store), d.stderr.String())
	}
	d.stop(t)

	posts := netdPosts(t, store)
	got := fake.Posts()
	if len(got) != len(posts) {
		t.Fatalf("X has %d posts, want %d: %+v", len(got), len(posts), got)
	}
	if n := fake.Requests(xtest.EndpointTweets); n != len(posts) {
		t.Errorf("X saw %d POST /2/tweets, want %d: one each, no retry", n, len(posts))
	}
	uploads := map[string]xtest.Media{}
	for _, m := range fake.Uploads() {
		uploads[m.ID] = m
	}
	for i, p := range posts {
		x := got[i]
		if p.Status != models.PostSent || p.RemoteID != x.ID || p.RemoteURL != "https://x.com/i/web/status/"+x.ID {
			t.Errorf("%v: remote id %q url %q; X's post %d is %s", p, p.RemoteID, p.RemoteURL, i, x.ID)
		}
		if x.Text != p.Text || x.Auth != "oauth1" || x.AuthorID != xtest.DefaultUser.ID {
			t.Errorf("X's post %d (%s, as %s by %s) is not %v:\n%q\n%q", i, x.ID, x.Auth, x.AuthorID, p, x.Text, p.Text)
		}
		if i > 0 && x.At.Before(got[i-1].At) {
			t.Errorf("X's posts out of order at %d", i)
		}
		// On time: the replay's due time moved when the CLI ended the broadcast, under the
		// running daemon.
		if late := p.SentAt.Sub(p.DueAt.Time); late < 0 || late > 2*time.Second {
			t.Errorf("%v sent %v after it was due", p, late)
		}
		if p.Kind == models.KindTeaser {
			if len(x.MediaIDs) != 1 || uploads[x.MediaIDs[0]].Type != "image/png" || uploads[x.MediaIDs[0]].Category != "tweet_image" {
				t.Errorf("%v carries media %v; uploads %+v", p, x.MediaIDs, uploads)
			}
		} else if len(x.MediaIDs) != 0 {
			t.Errorf("%v carries media %v: only teasers carry the picture", p, x.MediaIDs)
		}
	}
	// Teasers stand alone; each later post answers the one before it, under the first teaser.
	wantReply := []string{"", "", got[0].ID, got[2].ID, got[3].ID, got[4].ID}
	for i, x := range got {
		if x.ReplyTo != wantReply[i] {
			t.Errorf("%v replies to %q, want %q", posts[i], x.ReplyTo, wantReply[i])
		}
	}
	if len(uploads) != 2 {
		t.Errorf("%d pictures uploaded, want one per teaser", len(uploads))
	}
	if errs := fake.Errors(); len(errs) > 0 {
		t.Errorf("contract errors: %q", errs)
	}
	if r := fake.Refusals(); len(r) > 0 {
		t.Errorf("X refused credentials: %q", r)
	}
	if strings.Contains(d.stderr.String(), keys.TokenSecret) || strings.Contains(d.stderr.String(), keys.ConsumerSecret) {
		t.Error("the daemon's log prints an X secret")
	}
}

// netdNetworks are the three fakes of the kill -9 tests, each behind a slowed server, with the
// accounts the channels post as.
type netdNetworks struct {
	x    *xtest.Server
	xKey xtest.OAuth1Keys
	m    *mastodontest.Server
	b    *blueskytest.Server
	// Where the channels reach them.
	xURL, mURL, bURL string
}

const (
	netdMastoUser   = "brand"
	netdBskyHandle  = "brand.test"
	netdBskyAppPass = "abcd-efgh-ijkl-mnop"
)

func netdStartNetworks(t *testing.T) *netdNetworks {
	t.Helper()
	n := &netdNetworks{x: xtest.New(t), m: mastodontest.New(t), b: blueskytest.New(t)}
	n.xKey = n.x.NewOAuth1(xtest.DefaultUser)
	n.b.AddAccount(netdBskyHandle, netdBskyAppPass)
	before, after := 10*time.Millisecond, 60*time.Millisecond
	n.xURL = netdSlow(t, n.x, before, after).URL
	n.mURL = netdSlow(t, n.m.Config.Handler, before, after).URL
	n.bURL = netdSlow(t, n.b.Config.Handler, before, after).URL
	return n
}

// addChannels adds brand-x, brand-masto and brand-bsky with the CLI, and a threaded campaign with
// a picture over them.
func (n *netdNetworks) addChannels(s *session, cadence ...string) {
	s.ok("channel", "add", "x", "--name", "brand-x", "--api-url", n.xURL, "--consumer-key", n.xKey.ConsumerKey,
		"--consumer-secret", n.xKey.ConsumerSecret, "--access-token", n.xKey.Token, "--access-secret", n.xKey.TokenSecret)
	s.ok("channel", "add", "mastodon", "--name", "brand-masto", "--server", n.mURL, "--token", n.m.AddAccount(netdMastoUser))
	s.ok("channel", "add", "bluesky", "--name", "brand-bsky", "--handle", netdBskyHandle, "--app-password", netdBskyAppPass, "--pds", n.bURL)
	s.ok(append([]string{"campaign", "add", "Launch", "--tz", "UTC", "--lang", "en", "--channels", "brand-x,brand-masto,brand-bsky",
		"--thread", "--image", netdPNG(s.t), "--hashtags", "#SpringDrop"}, cadence...)...)
}

// faults makes each network drop some answers to created posts (the post exists, onair cannot
// know) and fail some requests outright.
func (n *netdNetworks) faults() {
	n.x.FailNext(xtest.EndpointTweets, 0, xtest.AcceptThenDrop, 0, 0, xtest.Status503, 0, 0, xtest.AcceptThenDrop)
	n.m.FailNext(mastodontest.RouteStatuses, 0, mastodontest.AcceptThenDrop, 0, 0, mastodontest.ServerError, 0, 0, mastodontest.AcceptThenDrop)
	n.b.Fail(blueskytest.CreateRecord, blueskytest.OK, blueskytest.AcceptThenDrop, blueskytest.OK, blueskytest.OK,
		blueskytest.Status500, blueskytest.OK, blueskytest.OK, blueskytest.AcceptThenDrop)
}

// netdRemote is one post as a network holds it.
type netdRemote struct {
	id, ref, text string // ref: Bluesky's CID
	replyTo       string // the parent's id
	parent, root  string // Bluesky: the reply's parent and root as "uri cid"
	media         int    // pictures attached (Bluesky: the link card's)
}

// held returns what each channel's network holds, by channel name.
func (n *netdNetworks) held() map[string][]netdRemote {
	out := map[string][]netdRemote{}
	for _, x := range n.x.Posts() {
		out["brand-x"] = append(out["brand-x"], netdRemote{id: x.ID, text: x.Text, replyTo: x.ReplyTo, media: len(x.MediaIDs)})
	}
	for _, st := range n.m.Statuses(netdMastoUser) {
		out["brand-masto"] = append(out["brand-masto"], netdRemote{id: st.ID, text: st.Text, replyTo: st.InReplyToID, media: len(st.Media)})
	}
	for _, p := range n.b.Posts(netdBskyHandle) {
		r := netdRemote{id: p.URI, ref: p.CID, text: p.Text}
		if p.Reply != nil {
			r.replyTo = p.Reply.Parent.URI
			r.parent, r.root = p.Reply.Parent.URI+" "+p.Reply.Parent.CID, p.Reply.Root.URI+" "+p.Reply.Root.CID
		}
		if p.Embed != nil && p.Embed.Thumb != nil {
			r.media = 1
		}
		out["brand-bsky"] = append(out["brand-bsky"], r)
	}
	return out
}

// check asserts, network by network, that each holds every post of the database exactly once,
// under the id the database recorded, with its picture, and in its broadcast's thread (one
// unbroken chain of replies under the first teaser), and that no request broke the network's
// contract.
func (n *netdNetworks) check(t *testing.T, posts []netdPost, broadcasts []int64) {
	t.Helper()
	contract := map[string][]string{"brand-x": n.x.Errors(), "brand-masto": n.m.ContractErrors(), "brand-bsky": n.b.ContractErrors()}
	held := n.held()
	for _, channel := range []string{"brand-x", "brand-masto", "brand-bsky"} {
		t.Run(channel, func(t *testing.T) {
			if errs := contract[channel]; len(errs) > 0 {
				t.Errorf("contract errors: %q", errs)
			}
			byText := map[string][]netdRemote{}
			for _, r := range held[channel] {
				byText[strings.TrimSpace(r.text)] = append(byText[strings.TrimSpace(r.text)], r)
			}
			planned := 0
			for _, b := range broadcasts {
				mine := netdSelect(posts, b, channel)
				planned += len(mine)
				var first *netdRemote
				var replies []netdRemote
				for _, p := range mine {
					found := byText[strings.TrimSpace(p.Text)]
					if len(found) != 1 {
						t.Errorf("%v is there %d times, want once", p, len(found))
						continue
					}
					r := found[0]
					if p.RemoteID != r.id {
						t.Errorf("%v: the database has remote id %q, the network holds it as %q", p, p.RemoteID, r.id)
					}
					if channel == "brand-bsky" && (p.RemoteRef != r.ref || !strings.HasSuffix(r.id, "/app.bsky.feed.post/"+bluesky.RecordKey(p.IdempotencyKey, p.DueAt.Time))) {
						t.Errorf("%v: cid %q, record %s %s: not under the post's own record key", p, p.RemoteRef, r.id, r.ref)
					}
					wantMedia := 0
					if p.Kind == models.KindTeaser || channel == "brand-bsky" {
						wantMedia = 1
					}
					if r.media != wantMedia {
						t.Errorf("%v carries %d pictures, want %d", p, r.media, wantMedia)
					}
					switch {
					case p.Kind == models.KindTeaser:
						if r.replyTo != "" {
							t.Errorf("teaser %v replies to %s", p, r.replyTo)
						}
						if first == nil {
							first = &r
						}
					case first == nil:
						t.Errorf("%v: no teaser to thread under", p)
					default:
						replies = append(replies, r)
						if channel == "brand-bsky" && r.root != first.id+" "+first.ref {
							t.Errorf("thread broken: %v has root %q, want %q", p, r.root, first.id+" "+first.ref)
						}
					}
				}
				if first != nil {
					netdCheckChain(t, channel, *first, replies)
				}
			}
			if len(held[channel]) != planned {
				t.Errorf("the network holds %d posts, want the %d planned", len(held[channel]), planned)
			}
		})
	}
}

// netdCheckChain asserts that a broadcast's replies form one chain under its first teaser: each
// answers the teaser or another reply, no two answer the same post, and following the answers
// from the teaser reaches every reply. The chain is in the order the posts went out, which under
// kills is not always their due order: a reply whose earlier post is still being recovered when
// its own window would close goes out under the latest post that is out (scheduler/thread.go), and
// the recovered post then answers it.
func netdCheckChain(t *testing.T, channel string, first netdRemote, replies []netdRemote) {
	t.Helper()
	byParent := map[string]netdRemote{}
	for _, r := range replies {
		if other, dup := byParent[r.replyTo]; dup {
			t.Errorf("thread broken: %q and %q both answer %q", other.text, r.text, r.replyTo)
		}
		byParent[r.replyTo] = r
	}
	at, reached := first, 0
	for {
		next, ok := byParent[at.id]
		if !ok {
			break
		}
		if channel == "brand-bsky" && next.parent != at.id+" "+at.ref {
			t.Errorf("thread broken: %q has parent %q, want %q", next.text, next.parent, at.id+" "+at.ref)
		}
		at, reached = next, reached+1
	}
	if reached != len(replies) {
		t.Errorf("thread broken: %d of %d replies follow from the first teaser %s", reached, len(replies), first.id)
	}
}

// netdKillRun runs daemons on db until every post of broadcasts is sent, killing them with
// SIGKILL at random moments until killUntil (but not between calm[0] and calm[1]), and ending
// each broadcast once its live posts went out. It returns how many kills there were, and how
// many came while a post was being sent.
func netdKillRun(t *testing.T, db string, store *models.Store, s *session, broadcasts []int64, daemons int, killUntil time.Time, calm [2]time.Time, args ...string) (kills, midSend int) {
	t.Helper()
	procs := make([]*daemonProc, daemons)
	for i := range procs {
		procs[i] = netdDaemon(t, db, args...)
	}
	ended := map[int64]bool{}
	endLive := func() {
		posts := netdPosts(t, store)
		for _, b := range broadcasts {
			if ended[b] {
				continue
			}
			live := netdCount(posts, func(p netdPost) bool { return p.BroadcastID == b && p.Kind == models.KindLive })
			sent := netdCount(posts, func(p netdPost) bool {
				return p.BroadcastID == b && p.Kind == models.KindLive && p.Status == models.PostSent
			})
			if live > 0 && sent == live {
				s.now = time.Now()
				s.ok("broadcast", "end", fmt.Sprint(b))
				ended[b] = true
			}
		}
	}
	sending := func() bool {
		var n int64
		store.DB().Raw(`SELECT count(*) FROM posts WHERE status = ?`, models.PostSending).Scan(&n)
		return n > 0
	}
	finished := func() bool {
		posts := netdPosts(t, store)
		return len(ended) == len(broadcasts) && netdCount(posts, func(p netdPost) bool { return p.Status == models.PostSent }) == len(posts)
	}
	for time.Now().Before(killUntil) && !finished() {
		// Half the kills wait for a send under way (and land a little into it), the others come
		// at any moment.
		started, waitSend := time.Now(), rand.IntN(2) == 0
		pause := started.Add(time.Duration(250+rand.IntN(700)) * time.Millisecond)
		for time.Now().Before(pause) {
			endLive()
			if waitSend && time.Since(started) > 200*time.Millisecond && sending() {
				time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if now := time.Now(); !now.Before(calm[0]) && now.Before(calm[1]) {
			continue
		}
		if sending() {
			midSend++
		}
		i := rand.IntN(len(procs))
		procs[i].kill9()
		kills++
		procs[i] = netdDaemon(t, db, args...)
	}
	t.Logf("after %d kills: statuses %v", kills, postStatuses(t, store))
	// What is left goes out at once: replays, and the claims of a killed daemon as their lease
	// ends (PostgreSQL).
	done := netdWait(10*time.Second, func() bool { endLive(); return finished() })
	for _, d := range procs {
		d.stop(t)
	}
	if !done {
		t.Errorf("not everything was sent: %v", netdPosts(t, store))
		for _, d := range procs {
			t.Logf("daemon log:\n%s", d.stderr.String())
		}
	}
	return kills, midSend
}

// netdStatusCheck fails the test unless every post is sent: none lost, none left unknown or
// sending.
func netdStatusCheck(t *testing.T, posts []netdPost) {
	t.Helper()
	for _, p := range posts {
		if p.Status != models.PostSent {
			t.Errorf("%v: %s", p, p.Error)
		}
	}
}

// TestNetworksKill9 runs one threaded campaign with a picture on X, Mastodon and Bluesky at once,
// the networks slow and dropping some answers to posts they created, and kills the daemon with
// SIGKILL at random moments, restarting it each time, until everything is sent: each network
// holds every planned post exactly once, each broadcast's thread is whole on each network, and no
// post is left unknown or sending.
func TestNetworksKill9(t *testing.T) {
	endToEnd(t)
	netdKill9(t, filepath.Join(t.TempDir(), "onair.db"), 1)
}

// TestNetworksKill9Postgres is TestNetworksKill9 with two daemons sharing a PostgreSQL database,
// killed in turn: a killed daemon's claims are resent by the other once their lease ends.
func TestNetworksKill9Postgres(t *testing.T) {
	endToEnd(t)
	dsn := modelstest.Postgres(t)
	if dsn == "" {
		t.Skip(modelstest.EnvPostgres + " is not set: the PostgreSQL daemon tests need a server")
	}
	useKeyFile(t, dsn)
	netdKill9(t, dsn, 2, "--lease", "2s")
}

// netdKill9 is the kill -9 test on database db, with that many daemons.
func netdKill9(t *testing.T, db string, daemons int, args ...string) {
	n := netdStartNetworks(t)
	s := &session{t: t, db: db, now: time.Now()}
	s.ok("init")
	n.addChannels(s, "--teasers", "13s,11s", "--reminders", "8s,5s", "--replay-after", "1s")
	s.now = time.Now()
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring drop", "--at", "+14s",
		"--watch-url", "https://example.com/live/spring", "--replay-url", "https://example.com/replay/spring")
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Summer drop", "--at", "+15s",
		"--watch-url", "https://example.com/live/summer", "--replay-url", "https://example.com/replay/summer")
	store := netdStore(t, db)
	n.faults()
	// Teasers and reminders go stale when their broadcast starts: a send interrupted within a
	// lease of that moment is found after its window, and rightly left unknown (it may be out, and
	// is not sent late). No kill comes then; before and after, they come at any moment.
	calm := [2]time.Time{s.now.Add(11 * time.Second), s.now.Add(15500 * time.Millisecond)}
	kills, midSend := netdKillRun(t, db, store, s, []int64{1, 2}, daemons, s.now.Add(18*time.Second), calm, args...)

	posts := netdPosts(t, store)
	if len(posts) != 36 {
		t.Errorf("%d posts, want 36 (2 broadcasts x 3 channels x 6 posts)", len(posts))
	}
	netdStatusCheck(t, posts)
	n.check(t, posts, []int64{1, 2})
	var recovered, retried int
	store.DB().Raw(`SELECT count(*) FROM attempts WHERE result = ?`, models.ResultRecovered).Scan(&recovered)
	store.DB().Raw(`SELECT count(*) FROM posts WHERE attempts > 1`).Scan(&retried)
	t.Logf("%d daemon(s), %d kills (%d while a post was being sent), %d posts; %d interrupted sends recovered, %d posts tried more than once; "+
		"create requests: X %d, Mastodon %d, Bluesky %d", daemons, kills, midSend, len(posts), recovered, retried,
		n.x.Requests(xtest.EndpointTweets), n.m.Requests(mastodontest.RouteStatuses), n.b.Requests(blueskytest.CreateRecord))
}

// TestNetworksInterruptedPastWindow: the daemon is killed while Bluesky holds back its answer to
// a reminder it created, and comes back once the broadcast has started, when the reminder's window
// has passed. The reminder is neither reported skipped (it is on Bluesky) nor sent again late: it
// is unknown, saying how to settle it, and `onair post resolve --sent` settles it. The live post
// goes out.
func TestNetworksInterruptedPastWindow(t *testing.T) {
	endToEnd(t)
	fake := blueskytest.New(t)
	fake.AddAccount(netdBskyHandle, netdBskyAppPass)
	var creates atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/"+blueskytest.CreateRecord) && creates.Add(1) == 1 {
			// The first post is made; its answer is held back until the client is gone.
			w = &netdSlowWriter{ResponseWriter: w, delay: time.Minute, gone: r.Context().Done()}
		}
		fake.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	s := newSession(t, time.Now())
	s.ok("init")
	s.ok("channel", "add", "bluesky", "--name", "brand-bsky", "--handle", netdBskyHandle, "--app-password", netdBskyAppPass, "--pds", front.URL)
	s.ok("campaign", "add", "Launch", "--tz", "UTC", "--lang", "en", "--channels", "brand-bsky",
		"--teasers", "", "--reminders", "2s", "--replay-after", "")
	s.now = time.Now()
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring drop", "--at", "+3s", "--watch-url", "https://example.com/live")
	start := s.now.Add(3 * time.Second)
	store := netdStore(t, s.db)

	d := netdDaemon(t, s.db)
	if !netdWait(10*time.Second, func() bool { return len(fake.Posts(netdBskyHandle)) == 1 }) {
		t.Fatalf("the reminder never reached Bluesky:\n%s", d.stderr.String())
	}
	d.kill9()
	time.Sleep(time.Until(start) + 200*time.Millisecond) // down until the broadcast has started
	d = netdDaemon(t, s.db)
	live := func() bool {
		return netdCount(netdPosts(t, store), func(p netdPost) bool { return p.Kind == models.KindLive && p.Status == models.PostSent }) == 1
	}
	if !netdWait(10*time.Second, live) {
		t.Fatalf("the live post was not sent: %v\n%s", netdPosts(t, store), d.stderr.String())
	}
	d.stop(t)

	var reminder netdPost
	for _, p := range netdPosts(t, store) {
		if p.Kind == models.KindReminder {
			reminder = p
		}
	}
	if want := fmt.Sprintf("onair post resolve %d --sent", reminder.ID); reminder.Status != models.PostUnknown || !strings.Contains(reminder.Error, want) {
		t.Errorf("%v: %q; want unknown, saying %q", reminder, reminder.Error, want)
	}
	if n := len(fake.Posts(netdBskyHandle)); n != 2 {
		t.Errorf("Bluesky holds %d posts, want 2: the reminder once, the live post", n)
	}
	s.now = time.Now()
	s.ok("post", "resolve", fmt.Sprint(reminder.ID), "--sent")
	if st := postStatuses(t, store); st[models.PostSent] != 2 || len(st) != 1 {
		t.Errorf("statuses after resolve: %v", st)
	}
}

// netdFreeAddr returns a loopback address nothing listens on now.
func netdFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// netdLoginX runs `onair channel login NAME` in-process and plays the person in the browser:
// it opens the address the command prints, and the fake X sends it back to onair's callback.
func netdLoginX(t *testing.T, s *session, fake *xtest.Server, name, listen string) string {
	t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"--db", s.db, "channel", "login", name, "--listen", listen,
			"--authorize-url", fake.URL + "/i/oauth2/authorize", "--timeout", "20s"}, out, errOut, time.Now)
	}()
	link := regexp.MustCompile(`http://\S+/i/oauth2/authorize\S+`)
	var u string
	if !netdWait(10*time.Second, func() bool { u = link.FindString(out.String()); return u != "" }) {
		t.Fatalf("channel login printed no link:\n%s%s", out.String(), errOut.String())
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("the browser could not follow the login: %v", err)
	}
	resp.Body.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("channel login: exit %d\n%s%s", code, out.String(), errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("channel login did not finish:\n%s", out.String())
	}
	return out.String()
}

// netdSecrets opens a channel's sealed credentials with the key file beside the database.
func netdSecrets(t *testing.T, store *models.Store, db, name string) scheduler.Secrets {
	t.Helper()
	key, err := readKeyFile(db + ".key")
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := models.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := store.ChannelByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := (&scheduler.Vault{Sealer: sealer}).Open(ch.ID, ch.Secrets)
	if err != nil {
		t.Fatal(err)
	}
	if sec.Token == nil {
		t.Fatalf("channel %s holds no token", name)
	}
	return sec
}

// TestNetworksXTokenRotation: an X channel logged in with OAuth 2.0 (channel login against the
// fake, through its authorize page) whose access tokens live a few seconds past the renewal
// margin. The daemon renews the token as it posts; the database holds the rotated refresh token,
// which a restarted daemon keeps using. Once the person revokes the app, the channel stops
// (needs-auth, saying to run `onair channel login`), and its posts wait: none sent, none failed.
func TestNetworksXTokenRotation(t *testing.T) {
	endToEnd(t)
	fake := xtest.New(t)
	// onair renews a token 2 minutes before it expires: these are renewed 1 s after they are issued.
	fake.AccessTTL = 2*time.Minute + time.Second
	listen := netdFreeAddr(t)
	client := fake.NewClient(false, "http://"+listen+"/callback")
	s := newSession(t, time.Now())
	s.ok("init")
	s.ok("channel", "add", "x", "--name", "brand-x", "--oauth2", "--client-id", client.ID, "--api-url", fake.URL)
	if out := netdLoginX(t, s, fake, "brand-x", listen); !strings.Contains(out, "logged in as @"+xtest.DefaultUser.Username) {
		t.Errorf("channel login:\n%s", out)
	}
	store := netdStore(t, s.db)
	login := netdSecrets(t, store, s.db, "brand-x").Token
	if !fake.RefreshUsable(login.Refresh) {
		t.Fatal("the token channel login stored is not one X would renew")
	}
	s.ok("campaign", "add", "Launch", "--tz", "UTC", "--lang", "en", "--channels", "brand-x",
		"--teasers", "6s,5s,4s", "--reminders", "3s,2s", "--replay-after", "")
	s.now = time.Now()
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring drop", "--at", "+7s", "--watch-url", "https://example.com/live")
	sent := func(b int64) int {
		return netdCount(netdPosts(t, store), func(p netdPost) bool { return p.BroadcastID == b && p.Status == models.PostSent })
	}

	// The first daemon posts, renewing the token; it is stopped half way.
	d := netdDaemon(t, s.db)
	if !netdWait(15*time.Second, func() bool { return sent(1) >= 3 }) {
		t.Fatalf("3 posts not sent: %v\n%s", netdPosts(t, store), d.stderr.String())
	}
	d.stop(t)
	first := netdSecrets(t, store, s.db, "brand-x").Token
	switch {
	case fake.RefreshUsable(login.Refresh):
		t.Errorf("the login's refresh token is still good: the daemon never renewed the token")
	case first.Refresh == login.Refresh || !fake.RefreshUsable(first.Refresh):
		t.Errorf("the database does not hold the rotated refresh token (X takes it: %v)", fake.RefreshUsable(first.Refresh))
	}

	// A restarted daemon goes on with the stored token, and renews it again.
	d = netdDaemon(t, s.db)
	if !netdWait(15*time.Second, func() bool { return sent(1) == 6 }) {
		t.Fatalf("broadcast 1 not all sent: %v\n%s", netdPosts(t, store), d.stderr.String())
	}
	second := netdSecrets(t, store, s.db, "brand-x").Token
	if second.Refresh == first.Refresh || fake.RefreshUsable(first.Refresh) || !fake.RefreshUsable(second.Refresh) {
		t.Errorf("the restarted daemon did not renew from the stored token and store the new one")
	}
	renewals := fake.Requests(xtest.EndpointToken) - 1 // the login's code exchange
	posted := len(fake.Posts())
	if posted != 6 {
		t.Errorf("X has %d posts, want 6", posted)
	}
	for _, p := range fake.Posts() {
		if p.Auth != "oauth2" {
			t.Errorf("post %s sent with %s", p.ID, p.Auth)
		}
	}

	// The person revokes the app: the channel stops, its posts wait.
	fake.Revoke(*second)
	s.now = time.Now()
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Summer drop", "--at", "+7s", "--watch-url", "https://example.com/live2")
	var ch *models.Channel
	if !netdWait(10*time.Second, func() bool {
		ch, _ = store.ChannelByName(context.Background(), "brand-x")
		return ch != nil && ch.Status == models.ChannelNeedsAuth
	}) {
		t.Fatalf("the channel is %s (%s) after the app was revoked\n%s", ch.Status, ch.StatusReason, d.stderr.String())
	}
	if !strings.Contains(ch.StatusReason, "onair channel login brand-x") {
		t.Errorf("needs-auth reason does not say to log in again: %q", ch.StatusReason)
	}
	time.Sleep(1500 * time.Millisecond) // more posts fall due: they must wait too
	d.stop(t)
	posts := netdPosts(t, store)
	for _, p := range netdSelect(posts, 2, "brand-x") {
		if p.Status != models.PostPlanned || p.Attempts != 0 {
			t.Errorf("%v after the revocation: %d attempts counted, want planned with none", p, p.Attempts)
		}
	}
	if st := postStatuses(t, store); st[models.PostFailed] != 0 || st[models.PostSent] != 6 {
		t.Errorf("statuses %v: want 6 sent and none failed", st)
	}
	var auth int
	store.DB().Raw(`SELECT count(*) FROM attempts WHERE result = ?`, models.ResultAuth).Scan(&auth)
	if auth != 1 {
		t.Errorf("%d attempts refused for credentials, want 1 (the channel stops at the first)", auth)
	}
	if len(fake.Posts()) != 6 {
		t.Errorf("X has %d posts after the revocation, want 6", len(fake.Posts()))
	}
	log := d.stderr.String()
	for _, tok := range []string{login.Access, login.Refresh, first.Refresh, second.Access, second.Refresh} {
		if strings.Contains(log, tok) {
			t.Error("the daemon's log prints a token")
		}
	}
	t.Logf("%d token renewals for 6 posts over 2 daemons; channel stopped with: %s", renewals, ch.StatusReason)
	if renewals < 2 {
		t.Errorf("%d renewals, want at least one per daemon", renewals)
	}

	// Logged in again, the channel is active, and the posts that waited go out.
	if out := netdLoginX(t, s, fake, "brand-x", listen); !strings.Contains(out, "It was needs-auth; it is active again") {
		t.Errorf("channel login after needs-auth:\n%s", out)
	}
	d = netdDaemon(t, s.db)
	if !netdWait(15*time.Second, func() bool { return sent(2) == 6 }) {
		t.Fatalf("the posts that waited were not sent: %v\n%s", netdPosts(t, store), d.stderr.String())
	}
	d.stop(t)
	if st := postStatuses(t, store); st[models.PostSent] != 12 || len(st) != 1 {
		t.Errorf("statuses at the end %v, want 12 sent", st)
	}
	if n := len(fake.Posts()); n != 12 {
		t.Errorf("X has %d posts, want 12", n)
	}
}
