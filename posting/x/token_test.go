package x

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x/xtest"
)

var clients = []struct {
	name         string
	confidential bool
}{{"confidential client", true}, {"public client", false}}

func TestRefreshBeforeExpiry(t *testing.T) {
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			s, c := fake(t)
			o := newOAuth2(t, s, cl.confidential)
			p := o.poster(t, s, c)
			ctx := context.Background()

			c.Advance(2*time.Hour - 3*time.Minute) // three minutes left: no renewal yet
			if _, err := p.Post(ctx, msg("J-1.")); err != nil {
				t.Fatal(err)
			}
			if n := s.Requests(xtest.EndpointToken); n != 0 {
				t.Fatalf("%d renewals with three minutes left", n)
			}

			c.Advance(2 * time.Minute) // one minute left: renew first
			o.store.set(func(st *tokenStore) {
				st.beforeSave = func(prev, next posting.Token) {
					// X has rotated: only next works now, and nothing has used it yet.
					if s.RefreshUsable(prev.Refresh) {
						t.Error("X still takes the old refresh token")
					}
					if n := s.Requests(xtest.EndpointTweets); n != 1 {
						t.Errorf("%d posts before the renewed token was stored", n-1)
					}
				}
			})
			if _, err := p.Post(ctx, msg("J-0.")); err != nil {
				t.Fatal(err)
			}
			if n := s.Requests(xtest.EndpointToken); n != 1 {
				t.Fatalf("%d renewals, want 1", n)
			}
			stored := o.store.current(t)
			if len(o.store.saved) != 1 || !sameToken(o.store.saved[0], stored) || stored.Access == o.first.Access ||
				stored.Refresh == o.first.Refresh || !s.RefreshUsable(stored.Refresh) {
				t.Errorf("stored %+v after saving %+v", stored, o.store.saved)
			}
			if want := c.Now().Add(2 * time.Hour); !stored.Expiry.Equal(want) {
				t.Errorf("new token expires %v, want %v (the poster's clock plus X's expires_in)", stored.Expiry, want)
			}
			if _, err := p.Post(ctx, msg("Live!")); err != nil {
				t.Fatal(err)
			}
			if n := s.Requests(xtest.EndpointToken); n != 1 {
				t.Errorf("%d renewals: a fresh token is renewed again", n)
			}
		})
	}
}

func TestRefreshStoreFails(t *testing.T) {
	s, c := fake(t)
	o := newOAuth2(t, s, true)
	p := o.poster(t, s, c)
	ctx := context.Background()
	c.Advance(2 * time.Hour)
	o.store.set(func(st *tokenStore) { st.saveErr = errors.New("database is locked") })

	_, err := p.Post(ctx, msg("J-0."))
	wantKind(t, err, "retry", "could not store", "nothing was posted", "database is locked")
	if n := s.Requests(xtest.EndpointTweets); n != 0 {
		t.Fatalf("%d posts with a token that was not stored", n)
	}

	t.Run("the next try stores the same token", func(t *testing.T) {
		o.store.set(func(st *tokenStore) { st.saveErr = nil })
		if _, err := p.Post(ctx, msg("J-0.")); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests(xtest.EndpointToken); n != 1 {
			t.Errorf("%d renewals: the token X issued was lost", n)
		}
		if st := o.store.current(t); sameToken(st, o.first) || !s.RefreshUsable(st.Refresh) {
			t.Errorf("stored %+v", st)
		}
	})
}

// TestCrashBetweenRefreshAndStore: X issued a new token and killed the old refresh token, and
// onair stopped before storing the new one. The next run holds only a dead refresh token: the
// channel must log in again, and says so.
func TestCrashBetweenRefreshAndStore(t *testing.T) {
	s, c := fake(t)
	o := newOAuth2(t, s, true)
	c.Advance(2 * time.Hour)
	o.store.set(func(st *tokenStore) { st.saveErr = errors.New("disk full") })
	_, err := o.poster(t, s, c).Post(context.Background(), msg("J-0."))
	wantKind(t, err, "retry")
	// The process dies here, with the only good token in its memory.

	o.store.set(func(st *tokenStore) { st.saveErr = nil })
	_, err = o.poster(t, s, c).Post(context.Background(), msg("J-0."))
	wantKind(t, err, "auth", "Value passed for the token was invalid", "fix:login")
	if strings.Contains(err.Error(), o.first.Refresh) || strings.Contains(err.Error(), o.client.Secret) {
		t.Errorf("the error %q shows a credential", err)
	}
	if n := s.Requests(xtest.EndpointTweets); n != 0 {
		t.Errorf("%d posts", n)
	}
}

func TestAnotherProcessRefreshedFirst(t *testing.T) {
	ctx := context.Background()
	t.Run("its token is in the store", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		a, b := o.poster(t, s, c), o.poster(t, s, c)
		for _, p := range []*Poster{a, b} {
			if _, err := p.Post(ctx, msg(fmt.Sprintf("hello from %p", p))); err != nil {
				t.Fatal(err)
			}
		}
		c.Advance(2 * time.Hour)
		if _, err := b.Post(ctx, msg("b renews")); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Post(ctx, msg("a uses b's token")); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests(xtest.EndpointToken); n != 1 {
			t.Errorf("%d renewals, want b's only", n)
		}
	})

	t.Run("store answers ErrTokenChanged", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		p := o.poster(t, s, c)
		c.Advance(2 * time.Hour)
		other := s.IssueToken(o.client, xtest.DefaultUser, Scopes...) // what the other process got
		o.store.set(func(st *tokenStore) {
			st.beforeSave = func(prev, next posting.Token) {
				st.beforeSave = nil
				if err := st.MemoryTokens.Save(ctx, prev, other); err != nil {
					t.Error(err)
				}
			}
		})
		if _, err := p.Post(ctx, msg("J-0.")); err != nil {
			t.Fatal(err)
		}
		if st := o.store.current(t); !sameToken(st, other) || !sameToken(p.tok, other) {
			t.Errorf("stored %+v, using %+v; want the other process's %+v", st, p.tok, other)
		}
	})

	t.Run("X refuses the spent refresh token, the store has the new one", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		a, b := o.poster(t, s, c), o.poster(t, s, c)
		if _, err := a.Post(ctx, msg("a loads the token")); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Hour)
		if _, err := b.Post(ctx, msg("b renews")); err != nil {
			t.Fatal(err)
		}
		// a reads the store before renewing, but a lagging read still shows the old token.
		o.store.set(func(st *tokenStore) { st.stale = []posting.Token{o.first} })
		if _, err := a.Post(ctx, msg("a goes on")); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests(xtest.EndpointToken); n != 2 {
			t.Errorf("%d renewals, want b's and a's refused one", n)
		}
	})

	t.Run("a 401 after another process renewed", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		p := o.poster(t, s, c)
		if _, err := p.Post(ctx, msg("first")); err != nil {
			t.Fatal(err)
		}
		renewed := s.IssueToken(o.client, xtest.DefaultUser, Scopes...)
		if err := o.store.Save(ctx, o.first, renewed); err != nil {
			t.Fatal(err)
		}
		s.Revoke(o.first)
		if _, err := p.Post(ctx, msg("second")); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests(xtest.EndpointTweets); n != 3 {
			t.Errorf("%d requests, want first, the refused second, and second again", n)
		}
	})
}

func TestLoginNeededAgain(t *testing.T) {
	ctx := context.Background()
	t.Run("refresh token expired", func(t *testing.T) {
		s, c := fake(t)
		s.RefreshTTL = 7 * 24 * time.Hour
		o := newOAuth2(t, s, true)
		c.Advance(8 * 24 * time.Hour)
		_, err := o.poster(t, s, c).Post(ctx, msg("J-0."))
		wantKind(t, err, "auth", "invalid_grant", "fix:login")
		if n := s.Requests(xtest.EndpointTweets); n != 0 {
			t.Errorf("%d posts", n)
		}
	})
	t.Run("login revoked", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		s.Revoke(o.first)
		_, err := o.poster(t, s, c).Post(ctx, msg("J-0."))
		wantKind(t, err, "auth", "fix:login")
		if n := s.Requests(xtest.EndpointTweets); n != 1 {
			t.Errorf("%d requests: the stored token did not change, so no second try", n)
		}
	})
	t.Run("no refresh token", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true, "tweet.read", "tweet.write", "users.read")
		c.Advance(2 * time.Hour)
		_, err := o.poster(t, s, c).Post(ctx, msg("J-0."))
		wantKind(t, err, "auth", "without a refresh token", "fix:login")
	})
	t.Run("no token at all", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		o.store.MemoryTokens = posting.NewMemoryTokens(posting.Token{})
		_, err := o.poster(t, s, c).Post(ctx, msg("J-0."))
		wantKind(t, err, "auth", "fix:login")
	})
	t.Run("client secret changed", func(t *testing.T) {
		s, c := fake(t)
		o := newOAuth2(t, s, true)
		o.client.Secret = "regenerated-in-the-portal"
		c.Advance(2 * time.Hour)
		_, err := o.poster(t, s, c).Post(ctx, msg("J-0."))
		wantKind(t, err, "auth", "unauthorized_client", "Client Secret")
	})
}

func TestTokenStoreDown(t *testing.T) {
	s, c := fake(t)
	o := newOAuth2(t, s, true)
	o.store.set(func(st *tokenStore) { st.loadErr = errors.New("connection refused") })
	_, err := o.poster(t, s, c).Post(context.Background(), msg("J-0."))
	wantKind(t, err, "retry", "read the channel's X token", "connection refused")
}

func TestConcurrentSendsRenewOnce(t *testing.T) {
	s, c := fake(t)
	o := newOAuth2(t, s, false)
	p := o.poster(t, s, c)
	c.Advance(2 * time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := p.Post(context.Background(), msg(fmt.Sprintf("post %d", i)))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n, posts := s.Requests(xtest.EndpointToken), len(s.Posts()); n != 1 || posts != 8 {
		t.Errorf("%d renewals and %d posts, want 1 and 8", n, posts)
	}
}

// TestShortTokenLifetimes: with access tokens that live two minutes or less, a token renewed a
// moment ago is used, not renewed again, and a token is renewed once it has lived half its life.
func TestShortTokenLifetimes(t *testing.T) {
	tests := []struct {
		lifetime time.Duration
		renewals int // over six posts 20 seconds apart
	}{
		// The first post renews the login's token (its lifetime is not known yet), then a
		// token is renewed once it has less than 30 seconds left: at 0s, 40s and 80s.
		{60 * time.Second, 3},
		// 60 seconds left: at 0s and 60s.
		{120 * time.Second, 2},
		// As in X: the first renewal comes after an hour and 58 minutes.
		{2 * time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			s, c := fake(t)
			s.AccessTTL = tt.lifetime
			o := newOAuth2(t, s, true)
			p := o.poster(t, s, c)
			for i := range 6 {
				if _, err := p.Post(context.Background(), msg(fmt.Sprintf("post %d", i))); err != nil {
					t.Fatalf("post %d, %v in: %v", i, time.Duration(i)*20*time.Second, err)
				}
				c.Advance(20 * time.Second)
			}
			if n := s.Requests(xtest.EndpointToken); n != tt.renewals {
				t.Errorf("%d renewals, want %d", n, tt.renewals)
			}
			if st := o.store.current(t); len(o.store.saved) != tt.renewals || !sameToken(st, p.tok) {
				t.Errorf("stored %d tokens; the store holds %+v, the poster uses %+v", len(o.store.saved), st, p.tok)
			}
		})
	}

	t.Run("another process renewed it", func(t *testing.T) {
		s, c := fake(t)
		s.AccessTTL = time.Minute
		o := newOAuth2(t, s, true)
		a, b := o.poster(t, s, c), o.poster(t, s, c)
		ctx := context.Background()
		for i := range 6 {
			for _, p := range []*Poster{a, b} {
				if _, err := p.Post(ctx, msg(fmt.Sprintf("post %d from %p", i, p))); err != nil {
					t.Fatal(err)
				}
			}
			c.Advance(20 * time.Second)
		}
		if n := s.Requests(xtest.EndpointToken); n > 4 {
			t.Errorf("%d renewals for 12 posts over two minutes", n)
		}
	})
}
