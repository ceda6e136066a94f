package bluesky

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
)

const (
	handle   = "brand.bsky.social"
	password = "abcd-efgh-ijkl-mnop"
)

var start = time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)

// clock is the one clock of a test, shared by the poster and the fake PDS.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	srv    *blueskytest.Server
	clock  *clock
	did    string
	tokens *posting.MemoryTokens
}

// setup starts a fake PDS with one account, logged in: its session is in e.tokens.
func setup(t *testing.T) *env {
	t.Helper()
	e := &env{srv: blueskytest.New(t), clock: &clock{t: start}}
	e.srv.SetClock(e.clock.Now)
	e.did = e.srv.AddAccount(handle, password)
	access, refresh := e.srv.IssueSession(e.did)
	e.tokens = posting.NewMemoryTokens(posting.Token{Access: access, Refresh: refresh, Expiry: jwtExpiry(access)})
	t.Cleanup(func() {
		for _, c := range e.srv.ContractErrors() {
			t.Errorf("contract error: %s", c)
		}
	})
	return e
}

func (e *env) poster(t *testing.T) *Poster {
	return e.posterWith(t, e.tokens)
}

func (e *env) posterWith(t *testing.T, tokens posting.TokenStore) *Poster {
	t.Helper()
	p, err := New(Config{PDS: e.srv.URL, Handle: handle, DID: e.did, AppPassword: password, Tokens: tokens}, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	p.Now = e.clock.Now
	return p
}

func message(n int) posting.Message {
	return posting.Message{
		PostID: int64(n), IdempotencyKey: fmt.Sprintf("onair-post-%d", n), BroadcastID: 1, Broadcast: "Spring launch",
		Kind: "teaser", Step: "1", Text: fmt.Sprintf("Post %d: live on Tuesday #launch", n),
		DueAt: start.Add(time.Duration(n) * time.Minute), Channel: "bsky", Attempt: 1,
	}
}

func kindOf(err error) string {
	if err == nil {
		return "ok"
	}
	return posting.Classify(err)
}

// picture writes a small PNG and returns its path.
func picture(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPostReceipt(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	m := message(1)
	m.Lang = "fr"
	r, err := p.Post(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	rkey := RecordKey(m.IdempotencyKey, m.DueAt)
	posts := e.srv.Posts(handle)
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	got := posts[0]
	if got.RKey != rkey || got.Text != m.Text || len(got.Langs) != 1 || got.Langs[0] != "fr" {
		t.Errorf("PDS holds %+v", got)
	}
	if got.CreatedAt != "2027-03-30T16:00:00.000Z" {
		t.Errorf("createdAt %q", got.CreatedAt)
	}
	want := posting.Receipt{RemoteID: "at://" + e.did + "/app.bsky.feed.post/" + rkey, Ref: got.CID,
		RemoteURL: "https://bsky.app/profile/brand.bsky.social/post/" + rkey}
	if r != want {
		t.Errorf("receipt %+v, want %+v", r, want)
	}
	if len(got.Facets) != 1 || got.Facets[0].Features[0].Tag != "launch" {
		t.Errorf("facets %+v", got.Facets)
	}
	if p.Recovery() != posting.Resend {
		t.Error("a resend collides on the record key: Recovery must be Resend")
	}
	if e.srv.Requests(blueskytest.CreateSession) != 0 || e.srv.Requests(blueskytest.RefreshSession) != 0 {
		t.Error("a valid session was renewed")
	}
}

func TestLinkCardWithThumbnail(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	pic := picture(t)
	ctx := context.Background()

	m := message(1)
	m.WatchURL, m.Description, m.Image = "https://brand.example/live", "Our spring collection, live.", &posting.Image{Path: pic}
	if _, err := p.Post(ctx, m); err != nil {
		t.Fatal(err)
	}
	m2 := message(2)
	m2.Kind, m2.WatchURL, m2.ReplayURL, m2.Image = "replay", "https://brand.example/live", "brand.example/replay", &posting.Image{Path: pic}
	if _, err := p.Post(ctx, m2); err != nil {
		t.Fatal(err)
	}
	m3 := message(3) // no URL: no card
	m3.Image = &posting.Image{Path: pic}
	if _, err := p.Post(ctx, m3); err != nil {
		t.Fatal(err)
	}

	posts := e.srv.Posts(e.did)
	card := posts[0].Embed
	if card == nil || card.URI != "https://brand.example/live" || card.Title != "Spring launch" || card.Description != "Our spring collection, live." {
		t.Fatalf("card %+v", card)
	}
	if card.Thumb == nil || card.Thumb.MimeType != "image/png" || card.Thumb.Size == 0 {
		t.Fatalf("thumb %+v", card.Thumb)
	}
	if c := posts[1].Embed; c == nil || c.URI != "https://brand.example/replay" || c.Thumb == nil || c.Thumb.Ref.Link != card.Thumb.Ref.Link {
		t.Errorf("replay card %+v", c)
	}
	if posts[2].Embed != nil {
		t.Errorf("a post without URL has a card: %+v", posts[2].Embed)
	}
	if n := e.srv.Requests(blueskytest.UploadBlob); n != 1 {
		t.Errorf("%d uploads; the picture is uploaded once per account", n)
	}

	// The marketer deletes both posts: the PDS deletes the picture with them. The next post
	// uploads it again.
	e.srv.DeleteRecord(e.did, posts[0].RKey)
	e.srv.DeleteRecord(e.did, posts[1].RKey)
	m4 := message(4)
	m4.WatchURL, m4.Image = "https://brand.example/live", &posting.Image{Path: pic}
	if _, err := p.Post(ctx, m4); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Requests(blueskytest.UploadBlob); n != 2 {
		t.Errorf("%d uploads after the PDS lost the picture, want 2", n)
	}
	if n := e.srv.Requests(blueskytest.CreateRecord); n != 5 {
		t.Errorf("%d createRecord calls, want 5 (one refused for its lost picture)", n)
	}

	// A changed file is a new picture.
	later := start.Add(time.Hour)
	if err := os.Chtimes(pic, later, later); err != nil {
		t.Fatal(err)
	}
	m5 := message(5)
	m5.WatchURL, m5.Image = "https://brand.example/live", &posting.Image{Path: pic}
	if _, err := p.Post(ctx, m5); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Requests(blueskytest.UploadBlob); n != 3 {
		t.Errorf("%d uploads after the file changed, want 3", n)
	}
}

func TestPictureProblemsAreRejected(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.png")
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 1, 1)))
	os.WriteFile(big, append(b.Bytes(), make([]byte, maxThumbSize)...), 0o600)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a picture"), 0o600)
	for name, path := range map[string]string{"missing": filepath.Join(dir, "gone.png"), "too big": big, "not a picture": text} {
		t.Run(name, func(t *testing.T) {
			m := message(1)
			m.WatchURL, m.Image = "https://brand.example/live", &posting.Image{Path: path}
			_, err := p.Post(context.Background(), m)
			if kindOf(err) != "rejected" || !strings.Contains(err.Error(), path) {
				t.Errorf("%v", err)
			}
		})
	}
	if n := len(e.srv.Posts(e.did)); n != 0 {
		t.Errorf("%d posts", n)
	}
}

func TestThreadReplies(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	ctx := context.Background()
	root, err := p.Post(ctx, message(1))
	if err != nil {
		t.Fatal(err)
	}
	m2 := message(2)
	m2.Thread = &posting.Thread{Root: root, Parent: root}
	second, err := p.Post(ctx, m2)
	if err != nil {
		t.Fatal(err)
	}
	m3 := message(3)
	m3.Thread = &posting.Thread{Root: root, Parent: second}
	if _, err := p.Post(ctx, m3); err != nil {
		t.Fatal(err)
	}
	posts := e.srv.Posts(e.did)
	if posts[0].Reply != nil {
		t.Errorf("the root is a reply: %+v", posts[0].Reply)
	}
	want := []*blueskytest.Reply{nil,
		{Root: blueskytest.StrongRef{URI: posts[0].URI, CID: posts[0].CID}, Parent: blueskytest.StrongRef{URI: posts[0].URI, CID: posts[0].CID}},
		{Root: blueskytest.StrongRef{URI: posts[0].URI, CID: posts[0].CID}, Parent: blueskytest.StrongRef{URI: posts[1].URI, CID: posts[1].CID}},
	}
	for i := 1; i < 3; i++ {
		if posts[i].Reply == nil || *posts[i].Reply != *want[i] {
			t.Errorf("post %d replies %+v, want %+v", i, posts[i].Reply, want[i])
		}
	}

	m4 := message(4)
	m4.Thread = &posting.Thread{Root: root, Parent: posting.Receipt{RemoteID: second.RemoteID}}
	if _, err := p.Post(ctx, m4); kindOf(err) != "rejected" {
		t.Errorf("a parent without CID: %v", err)
	}
}

// recordingTokens wraps a TokenStore: it can fail Save, and notes how many posts the PDS had
// been asked for when Save was called.
type recordingTokens struct {
	posting.TokenStore
	saveErr      error
	beforeSave   func()
	creates      func() int
	createsAtSav []int
}

func (r *recordingTokens) Save(ctx context.Context, prev, next posting.Token) error {
	r.createsAtSav = append(r.createsAtSav, r.creates())
	if r.beforeSave != nil {
		r.beforeSave()
	}
	if r.saveErr != nil {
		return r.saveErr
	}
	return r.TokenStore.Save(ctx, prev, next)
}

func TestRefreshRotatesAndSavesBeforeUse(t *testing.T) {
	e := setup(t)
	rec := &recordingTokens{TokenStore: e.tokens, creates: func() int { return e.srv.Requests(blueskytest.CreateRecord) }}
	p := e.posterWith(t, rec)
	old, _ := e.tokens.Load(context.Background())

	e.clock.Advance(2*time.Hour + time.Minute) // the access JWT has expired
	if _, err := p.Post(context.Background(), message(1)); err != nil {
		t.Fatal(err)
	}
	cur, _ := e.tokens.Load(context.Background())
	if cur.Access == old.Access || cur.Refresh == old.Refresh {
		t.Fatal("the session was not renewed")
	}
	if want := e.clock.Now().Add(2 * time.Hour).Truncate(time.Second); !cur.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v (the new access JWT's exp)", cur.Expiry, want)
	}
	if len(rec.createsAtSav) != 1 || rec.createsAtSav[0] != 0 {
		t.Errorf("saves made after %v createRecord calls; the new pair must be saved before it is used", rec.createsAtSav)
	}
	if n := e.srv.Requests(blueskytest.RefreshSession); n != 1 {
		t.Errorf("%d refreshSession calls", n)
	}
	if n := e.srv.Requests(blueskytest.CreateSession); n != 0 {
		t.Errorf("%d createSession calls: a live refresh JWT needs no login", n)
	}

	// Two minutes before expiry is soon enough to renew.
	e.clock.Advance(2*time.Hour - 90*time.Second)
	if _, err := p.Post(context.Background(), message(2)); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Requests(blueskytest.RefreshSession); n != 2 {
		t.Errorf("%d refreshSession calls 90s before expiry, want 2", n)
	}

	// The rotated refresh JWT is dead: a process still holding it logs in again.
	stale := e.posterWith(t, posting.NewMemoryTokens(old))
	if _, err := stale.Post(context.Background(), message(3)); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Requests(blueskytest.CreateSession); n != 1 {
		t.Errorf("%d createSession calls for the dead refresh JWT, want 1", n)
	}
}

func TestSaveFailsNothingPosted(t *testing.T) {
	e := setup(t)
	rec := &recordingTokens{TokenStore: e.tokens, saveErr: errors.New("database is locked"),
		creates: func() int { return e.srv.Requests(blueskytest.CreateRecord) }}
	p := e.posterWith(t, rec)
	e.clock.Advance(2 * time.Hour)
	_, err := p.Post(context.Background(), message(1))
	if kindOf(err) != "retry" || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("%v", err)
	}
	if n := e.srv.Requests(blueskytest.CreateRecord); n != 0 {
		t.Errorf("%d createRecord calls after the session could not be saved", n)
	}
}

func TestAnotherProcessRenewedFirst(t *testing.T) {
	t.Run("its session is used when our refresh JWT was rotated", func(t *testing.T) {
		e := setup(t)
		old, _ := e.tokens.Load(context.Background())
		e.clock.Advance(2 * time.Hour)
		// Another process refreshes with the same refresh JWT and stores its pair.
		other := e.posterWith(t, e.tokens)
		if _, err := other.Post(context.Background(), message(1)); err != nil {
			t.Fatal(err)
		}
		// This process read the old token before that.
		stale := &staleTokens{TokenStore: e.tokens, first: old}
		p := e.posterWith(t, stale)
		if _, err := p.Post(context.Background(), message(2)); err != nil {
			t.Fatal(err)
		}
		if n := e.srv.Requests(blueskytest.CreateSession); n != 0 {
			t.Errorf("%d createSession calls; the other process's session was there", n)
		}
	})
	t.Run("Save answers ErrTokenChanged", func(t *testing.T) {
		e := setup(t)
		e.clock.Advance(2 * time.Hour)
		access, refresh := e.srv.IssueSession(e.did)
		theirs := posting.Token{Access: access, Refresh: refresh, Expiry: jwtExpiry(access)}
		rec := &recordingTokens{TokenStore: e.tokens, creates: func() int { return 0 }}
		rec.beforeSave = func() {
			cur, _ := e.tokens.Load(context.Background())
			if err := e.tokens.Save(context.Background(), cur, theirs); err != nil {
				t.Fatal(err)
			}
		}
		p := e.posterWith(t, rec)
		if _, err := p.Post(context.Background(), message(1)); err != nil {
			t.Fatal(err)
		}
		if cur, _ := e.tokens.Load(context.Background()); cur != theirs {
			t.Error("the other process's session was overwritten")
		}
	})
}

// staleTokens answers its first Load with an old token, as a process that read it before
// another one renewed it.
type staleTokens struct {
	posting.TokenStore
	first posting.Token
	read  bool
}

func (s *staleTokens) Load(ctx context.Context) (posting.Token, error) {
	if !s.read {
		s.read = true
		return s.first, nil
	}
	return s.TokenStore.Load(ctx)
}

func TestDeadRefreshLogsInOnce(t *testing.T) {
	for name, kill := range map[string]func(e *env){
		"revoked": func(e *env) { e.srv.RevokeSessions(e.did) },
		"expired": func(e *env) { e.clock.Advance(91 * 24 * time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			e := setup(t)
			kill(e)
			e.clock.Advance(3 * time.Hour)
			p := e.poster(t)
			for i := range 10 {
				if _, err := p.Post(context.Background(), message(i)); err != nil {
					t.Fatal(err)
				}
			}
			// Another Poster of the same channel (a restarted daemon) uses the stored session.
			q := e.poster(t)
			if _, err := q.Post(context.Background(), message(10)); err != nil {
				t.Fatal(err)
			}
			if n := e.srv.Requests(blueskytest.CreateSession); n != 1 {
				t.Errorf("%d createSession calls for 11 posts, want 1", n)
			}
			if n := len(e.srv.Posts(e.did)); n != 11 {
				t.Errorf("%d posts", n)
			}
		})
	}
}

func TestRevokedAppPassword(t *testing.T) {
	e := setup(t)
	e.srv.RevokeAppPassword(e.did, password)
	// As on a real PDS, the access token in hand works until it expires: revoking the app
	// password does not stop onair at once (docs/channels.md says so).
	if _, err := e.poster(t).Post(context.Background(), message(0)); err != nil {
		t.Fatalf("with the access token still valid: %v", err)
	}
	e.clock.Advance(2 * time.Hour)
	_, err := e.poster(t).Post(context.Background(), message(1))
	if kindOf(err) != "auth" || posting.FixOf(err) != posting.FixLogin || !strings.Contains(err.Error(), "Invalid identifier or password") {
		t.Fatalf("%v", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Error("the error shows the app password")
	}
	if n := len(e.srv.Posts(e.did)); n != 1 {
		t.Errorf("%d posts, want the one sent before the access token expired", n)
	}

	t.Run("no app password kept", func(t *testing.T) {
		e := setup(t)
		e.srv.RevokeSessions(e.did)
		e.clock.Advance(2 * time.Hour)
		p, _ := New(Config{PDS: e.srv.URL, Handle: handle, DID: e.did, Tokens: e.tokens}, e.srv.Client())
		p.Now = e.clock.Now
		if _, err := p.Post(context.Background(), message(1)); kindOf(err) != "auth" {
			t.Fatalf("%v", err)
		}
		if n := e.srv.Requests(blueskytest.CreateSession); n != 0 {
			t.Errorf("%d createSession calls without a password", n)
		}
	})
}

func TestRefusedTokenIsRenewedOnce(t *testing.T) {
	for _, f := range []blueskytest.Fault{blueskytest.Unauthorized, blueskytest.ExpiredToken} {
		t.Run(f.String(), func(t *testing.T) {
			e := setup(t)
			p := e.poster(t)
			e.srv.Fail(blueskytest.CreateRecord, f)
			if _, err := p.Post(context.Background(), message(1)); err != nil {
				t.Fatal(err)
			}
			if n := e.srv.Requests(blueskytest.RefreshSession); n != 1 {
				t.Errorf("%d refreshSession calls", n)
			}
			e.srv.Fail(blueskytest.CreateRecord, f, f)
			if _, err := p.Post(context.Background(), message(2)); kindOf(err) != "auth" {
				t.Errorf("refused twice: %v", err)
			}
			if n := len(e.srv.Posts(e.did)); n != 1 {
				t.Errorf("%d posts", n)
			}
		})
	}
}

func TestResendAfterAcceptThenDrop(t *testing.T) {
	e := setup(t)
	m := message(1)
	// The PDS creates the post and the connection drops; checking afterwards fails too, as when
	// onair crashed there.
	e.srv.Fail(blueskytest.CreateRecord, blueskytest.AcceptThenDrop)
	e.srv.Fail(blueskytest.GetRecord, blueskytest.Status500)
	if _, err := e.poster(t).Post(context.Background(), m); kindOf(err) != "retry" {
		t.Fatalf("first try: %v", err)
	}
	m.Attempt = 2
	r, err := e.poster(t).Post(context.Background(), m)
	var al *posting.Already
	if !errors.As(err, &al) {
		t.Fatalf("resend: %v", err)
	}
	posts := e.srv.Posts(e.did)
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	if al.Receipt.RemoteID != posts[0].URI || al.Receipt.Ref != posts[0].CID || r != al.Receipt {
		t.Errorf("already %+v, receipt %+v, PDS holds %s %s", al.Receipt, r, posts[0].URI, posts[0].CID)
	}
	if n := e.srv.Requests(blueskytest.CreateRecord); n != 1 {
		t.Errorf("%d createRecord calls: the resend must look before it creates", n)
	}

	t.Run("found at once when the check works", func(t *testing.T) {
		e := setup(t)
		e.srv.Fail(blueskytest.CreateRecord, blueskytest.AcceptThenDrop)
		_, err := e.poster(t).Post(context.Background(), message(1))
		if kindOf(err) != "already" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("resend of a post never created creates it", func(t *testing.T) {
		e := setup(t)
		m := message(1)
		m.Attempt = 3
		if _, err := e.poster(t).Post(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if n := e.srv.Requests(blueskytest.GetRecord); n != 1 {
			t.Errorf("%d getRecord calls", n)
		}
	})
}

func TestCollisionIsAlready(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	first, err := p.Post(context.Background(), message(1))
	if err != nil {
		t.Fatal(err)
	}
	// The same post again, by a sender that did not know it went out: the PDS answers the
	// record key collision with a 500.
	_, err = p.Post(context.Background(), message(1))
	var al *posting.Already
	if !errors.As(err, &al) || al.Receipt != first {
		t.Fatalf("%v (%+v), want already %+v", err, al, first)
	}
	if n := len(e.srv.Posts(e.did)); n != 1 {
		t.Errorf("%d posts", n)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		faults map[string][]blueskytest.Fault
		text   string
		kind   string
		words  string
		posts  int
	}{
		{"500 on create, not created", map[string][]blueskytest.Fault{blueskytest.CreateRecord: {blueskytest.Status500}}, "", "retry", "does not have the post", 0},
		{"dropped before create", map[string][]blueskytest.Fault{blueskytest.CreateRecord: {blueskytest.Drop}}, "", "retry", "does not have the post", 0},
		{"429 on create", map[string][]blueskytest.Fault{blueskytest.CreateRecord: {blueskytest.RateLimited}}, "", "rate-limited", "RateLimitExceeded", 0},
		{"text too long", nil, strings.Repeat("é", 301), "rejected", "300 graphemes", 0},
		{"text too many bytes", nil, strings.Repeat("👩🏽‍💻", 201), "rejected", "3000", 0},
		{"500 on the look-up before a resend", map[string][]blueskytest.Fault{blueskytest.GetRecord: {blueskytest.Status500}}, "", "retry", "InternalServerError", 0},
		{"429 on upload", map[string][]blueskytest.Fault{blueskytest.UploadBlob: {blueskytest.RateLimited}}, "", "rate-limited", "picture", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			for method, f := range tt.faults {
				e.srv.Fail(method, f...)
			}
			m := message(1)
			if tt.text != "" {
				m.Text = tt.text
			}
			if tt.name == "500 on the look-up before a resend" {
				m.Attempt = 2
			}
			if tt.name == "429 on upload" {
				m.WatchURL, m.Image = "https://brand.example/live", &posting.Image{Path: picture(t)}
			}
			_, err := e.poster(t).Post(context.Background(), m)
			if kindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("%v: %s, want %s with %q", err, kindOf(err), tt.kind, tt.words)
			}
			var rl *posting.RateLimited
			if errors.As(err, &rl) && !rl.Until.Equal(start.Add(30*time.Second).Truncate(time.Second).Add(posting.ResetMargin)) {
				t.Errorf("until %v, want RateLimit-Reset %v", rl.Until, start.Add(30*time.Second))
			}
			if n := len(e.srv.Posts(e.did)); n != tt.posts {
				t.Errorf("%d posts", n)
			}
			if strings.Contains(err.Error(), "eyJ") {
				t.Errorf("the error shows a token: %v", err)
			}
		})
	}
}

func TestWritePointsRateLimit(t *testing.T) {
	e := setup(t)
	e.srv.WritePoints = 6 // two posts an hour
	p := e.poster(t)
	e.clock.Advance(10 * time.Minute)
	for i := range 2 {
		if _, err := p.Post(context.Background(), message(i)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.Post(context.Background(), message(2))
	var rl *posting.RateLimited
	if !errors.As(err, &rl) {
		t.Fatalf("%v", err)
	}
	if want := start.Add(70*time.Minute + posting.ResetMargin); !rl.Until.Equal(want) {
		t.Errorf("until %v, want the window's reset %v", rl.Until, want)
	}
	e.clock.Advance(time.Hour)
	if _, err := p.Post(context.Background(), message(2)); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestLogin(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s, err := Login(ctx, e.srv.Client(), e.srv.URL, "@"+handle, password)
	if err != nil {
		t.Fatal(err)
	}
	if s.DID != e.did || s.Handle != handle || s.Token.Access == "" || s.Token.Refresh == "" {
		t.Errorf("session %+v", s)
	}
	if want := start.Add(2 * time.Hour); !s.Token.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v", s.Token.Expiry, want)
	}

	_, err = Login(ctx, e.srv.Client(), e.srv.URL, handle, "wrong-pass-word-xxxx")
	if kindOf(err) != "auth" || !strings.Contains(err.Error(), "app password") || strings.Contains(err.Error(), "wrong-pass") {
		t.Errorf("wrong password: %v", err)
	}
	_, err = Login(ctx, e.srv.Client(), e.srv.URL, "nobody.bsky.social", password)
	if kindOf(err) != "auth" {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := Login(ctx, nil, "bsky.social", handle, password); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("PDS without scheme: %v", err)
	}

	// 30 logins per 5 minutes per account: two were made above (the unknown one is no account's).
	for range 28 {
		if _, err := Login(ctx, e.srv.Client(), e.srv.URL, handle, password); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Login(ctx, e.srv.Client(), e.srv.URL, handle, password)
	var rl *posting.RateLimited
	if !errors.As(err, &rl) || !rl.Until.Equal(start.Add(5*time.Minute+posting.ResetMargin)) || !strings.Contains(err.Error(), "30 logins") {
		t.Errorf("31st login: %v", err)
	}
	e.clock.Advance(5 * time.Minute)
	if _, err := Login(ctx, e.srv.Client(), e.srv.URL, handle, password); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestMe(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	s, err := p.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.DID != e.did || s.Handle != handle {
		t.Errorf("%+v", s)
	}
	e.clock.Advance(3 * time.Hour)
	if _, err := p.Me(context.Background()); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := e.srv.Requests(blueskytest.RefreshSession); n != 1 {
		t.Errorf("%d refreshSession calls", n)
	}
}

func TestNewChecksConfig(t *testing.T) {
	tokens := posting.NewMemoryTokens(posting.Token{})
	for name, cfg := range map[string]Config{
		"no DID":        {Tokens: tokens},
		"handle as DID": {DID: handle, Tokens: tokens},
		"no tokens":     {DID: "did:plc:abc"},
		"bad PDS":       {DID: "did:plc:abc", Tokens: tokens, PDS: "pds.example.com"},
	} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p, err := New(Config{DID: "did:plc:abc", Tokens: tokens}, nil)
	if err != nil || p.cfg.PDS != DefaultPDS || p.cfg.Timeout != 30*time.Second {
		t.Errorf("defaults: %+v %v", p, err)
	}
}

func TestConcurrentPostsRenewOnce(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	e.clock.Advance(3 * time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			if _, err := p.Post(context.Background(), message(i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r, c := e.srv.Requests(blueskytest.RefreshSession), e.srv.Requests(blueskytest.CreateSession); r != 1 || c != 0 {
		t.Errorf("%d refreshSession and %d createSession calls for 8 concurrent posts, want 1 and 0", r, c)
	}
	if n := len(e.srv.Posts(e.did)); n != 8 {
		t.Errorf("%d posts", n)
	}
}

// A reset further than a day's window (and an hour) is not believed: the hold is cut to
// posting.MaxDailyHold; Bluesky's daily caps (35,000 points, 300 logins) still hold a full day.
func TestResetTimeCap(t *testing.T) {
	now := start
	for _, tt := range []struct {
		name string
		h    http.Header
		want time.Time
	}{
		{"ten years of Retry-After", http.Header{"Retry-After": {"315360000"}}, now.Add(posting.MaxDailyHold)},
		{"a daily reset", http.Header{"Ratelimit-Reset": {strconv.FormatInt(now.Add(23*time.Hour).Unix(), 10)}}, now.Add(23*time.Hour + posting.ResetMargin)},
		{"a reset next year", http.Header{"Ratelimit-Reset": {strconv.FormatInt(now.AddDate(1, 0, 0).Unix(), 10)}}, now.Add(posting.MaxDailyHold)},
	} {
		if got := resetTime(tt.h, now); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The account's own password opens a full session (scope com.atproto.access) on a real PDS: onair
// refuses it at login and asks for an app password.
func TestLoginRefusesTheMainPassword(t *testing.T) {
	e := setup(t)
	e.srv.SetPassword(handle, "the-main-password")
	_, err := Login(context.Background(), e.srv.Client(), e.srv.URL, handle, "the-main-password")
	if kindOf(err) != "auth" || !strings.Contains(err.Error(), "App passwords") || strings.Contains(err.Error(), "the-main-password") {
		t.Fatalf("%v: want a refusal that asks for an app password", err)
	}
	if _, err := Login(context.Background(), e.srv.Client(), e.srv.URL, handle, password); err != nil {
		t.Errorf("app password: %v", err)
	}
}

// The link card's picture belongs to the account's repository, not to a session: after the
// session is renewed, and in a new Poster for the same account (the dispatcher builds one per
// claim), the uploaded blob is reused.
func TestThumbnailSurvivesRenewals(t *testing.T) {
	e := setup(t)
	pic := picture(t)
	ctx := context.Background()
	for i := range 3 {
		m := message(10 + i)
		m.WatchURL, m.Image = "https://brand.example/live", &posting.Image{Path: pic}
		if _, err := e.poster(t).Post(ctx, m); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(3 * time.Hour) // the access JWT expired: the next post renews the session
	}
	if n := e.srv.Requests(blueskytest.RefreshSession); n < 2 {
		t.Fatalf("%d renewals: the test did not renew the session", n)
	}
	if n := e.srv.Requests(blueskytest.UploadBlob); n != 1 {
		t.Errorf("%d uploads, want 1: the picture was uploaded again after a renewal", n)
	}
}
