package x

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x/xtest"
)

// clock is a settable clock the poster and the fake X share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)} }

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

// fake starts a fake X on the clock.
func fake(t *testing.T) (*xtest.Server, *clock) {
	t.Helper()
	s, c := xtest.New(t), newClock()
	s.Now = c.Now
	return s, c
}

func newPoster(t *testing.T, cfg Config, c *clock) *Poster {
	t.Helper()
	p, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = c.Now
	p.sleep = func(context.Context, time.Duration) error {
		t.Error("the poster waited, and nothing told it to")
		return nil
	}
	return p
}

// oauth1Poster posts as xtest.DefaultUser with OAuth 1.0a keys.
func oauth1Poster(t *testing.T, s *xtest.Server, c *clock) *Poster {
	t.Helper()
	k := s.NewOAuth1(xtest.DefaultUser)
	return newPoster(t, Config{APIURL: s.URL, OAuth1: &OAuth1{ConsumerKey: k.ConsumerKey, ConsumerSecret: k.ConsumerSecret,
		Token: k.Token, TokenSecret: k.TokenSecret}}, c)
}

// oauth2Setup is an OAuth 2.0 client at the fake and xtest.DefaultUser's token for it, in a store.
type oauth2Setup struct {
	client xtest.Client
	first  posting.Token
	store  *tokenStore
}

func newOAuth2(t *testing.T, s *xtest.Server, confidential bool, scopes ...string) oauth2Setup {
	t.Helper()
	if scopes == nil {
		scopes = Scopes
	}
	cl := s.NewClient(confidential, "http://"+DefaultListen+"/callback")
	tok := s.IssueToken(cl, xtest.DefaultUser, scopes...)
	return oauth2Setup{client: cl, first: tok, store: &tokenStore{MemoryTokens: posting.NewMemoryTokens(tok)}}
}

func (o oauth2Setup) poster(t *testing.T, s *xtest.Server, c *clock) *Poster {
	t.Helper()
	return newPoster(t, Config{APIURL: s.URL, OAuth2: &OAuth2{ClientID: o.client.ID, ClientSecret: o.client.Secret, Tokens: o.store}}, c)
}

// oauth2Poster posts as xtest.DefaultUser with an OAuth 2.0 token of a confidential client.
func oauth2Poster(t *testing.T, s *xtest.Server, c *clock) *Poster {
	t.Helper()
	return newOAuth2(t, s, true).poster(t, s, c)
}

// tokenStore is a posting.TokenStore in memory whose failures and stale reads a test scripts.
type tokenStore struct {
	*posting.MemoryTokens
	mu         sync.Mutex
	saveErr    error                          // Save fails with it, storing nothing
	loadErr    error                          // Load fails with it
	stale      []posting.Token                // Load returns these first, as a lagging replica would
	beforeSave func(prev, next posting.Token) // runs as Save starts
	saved      []posting.Token
}

func (s *tokenStore) Load(ctx context.Context) (posting.Token, error) {
	s.mu.Lock()
	if s.loadErr != nil {
		defer s.mu.Unlock()
		return posting.Token{}, s.loadErr
	}
	if len(s.stale) > 0 {
		defer s.mu.Unlock()
		t := s.stale[0]
		s.stale = s.stale[1:]
		return t, nil
	}
	s.mu.Unlock()
	return s.MemoryTokens.Load(ctx)
}

func (s *tokenStore) Save(ctx context.Context, prev, next posting.Token) error {
	s.mu.Lock()
	hook, err := s.beforeSave, s.saveErr
	s.mu.Unlock()
	if hook != nil {
		hook(prev, next)
	}
	if err != nil {
		return err
	}
	if err := s.MemoryTokens.Save(ctx, prev, next); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, next)
	return nil
}

func (s *tokenStore) set(f func(*tokenStore)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *tokenStore) current(t *testing.T) posting.Token {
	t.Helper()
	tok, err := s.MemoryTokens.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func msg(text string) posting.Message {
	return posting.Message{PostID: 7, IdempotencyKey: "onair-7", BroadcastID: 1, Broadcast: "Spring launch", Kind: "reminder",
		Step: "-1h", Text: text, WatchURL: "https://x.com/i/broadcasts/1ABC", Channel: "brand-x", Attempt: 1}
}

func teaser(text, image string) posting.Message {
	m := msg(text)
	m.Kind, m.Step, m.Image = "teaser", "-3d", &posting.Image{Path: image, Alt: "The spring collection"}
	return m
}

// picture writes a file of the given type (by its first bytes) and size.
func picture(t *testing.T, kind string, size int) string {
	t.Helper()
	heads := map[string]string{"png": "\x89PNG\r\n\x1a\n", "jpeg": "\xff\xd8\xff\xe0", "gif": "GIF89a", "txt": "hello "}
	data := []byte(heads[kind] + strings.Repeat("\x00", size-len(heads[kind])))
	path := filepath.Join(t.TempDir(), "teaser."+kind)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
