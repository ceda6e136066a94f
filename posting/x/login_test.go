package x

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x/xtest"
)

// browse is the person's browser: it opens the URL and follows X's redirect to onair's callback.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("browser: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func loginConfig(s *xtest.Server, c xtest.Client, listen string) LoginConfig {
	return LoginConfig{APIURL: s.URL, AuthorizeURL: s.URL + "/i/oauth2/authorize", ClientID: c.ID, ClientSecret: c.Secret, Listen: listen}
}

func TestLogin(t *testing.T) {
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			s := xtest.New(t)
			listen := freeAddr(t)
			client := s.NewClient(cl.confidential, "http://"+listen+"/callback")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var shown string
			tok, err := Login(ctx, loginConfig(s, client, listen), nil, func(u string) {
				shown = u
				if status, page := browse(t, u); status != http.StatusOK || !strings.Contains(page, "can now post") {
					t.Errorf("callback page %d %q", status, page)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(shown, s.URL+"/i/oauth2/authorize?") {
				t.Errorf("shown %s", shown)
			}
			if tok.Access == "" || tok.Refresh == "" || !s.RefreshUsable(tok.Refresh) {
				t.Errorf("token %+v", tok)
			}
			if left := time.Until(tok.Expiry); left < 2*time.Hour-time.Minute || left > 2*time.Hour {
				t.Errorf("token expires in %v, want two hours", left)
			}
			auths := s.Authorizations()
			if len(auths) != 1 {
				t.Fatalf("%d authorizations", len(auths))
			}
			a := auths[0]
			if a.ClientID != client.ID || a.RedirectURI != "http://"+listen+"/callback" || a.ChallengeMethod != "S256" || len(a.State) < 32 {
				t.Errorf("authorization %+v", a)
			}
			for _, scope := range []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"} {
				if !slices.Contains(a.Scopes, scope) {
					t.Errorf("scopes %v lack %s", a.Scopes, scope)
				}
			}

			// The token works: onair channel test, then a post with a picture.
			p, err := New(Config{APIURL: s.URL, OAuth2: &OAuth2{ClientID: client.ID, ClientSecret: client.Secret,
				Tokens: posting.NewMemoryTokens(tok)}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if u, err := p.Me(ctx); err != nil || u.ID != xtest.DefaultUser.ID {
				t.Errorf("Me = %+v, %v", u, err)
			}
			if _, err := p.Post(ctx, teaser("J-3.", picture(t, "png", 1000))); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLoginRefused(t *testing.T) {
	ctx := context.Background()
	t.Run("the person declines", func(t *testing.T) {
		s := xtest.New(t)
		s.DenyLogin = true
		listen := freeAddr(t)
		client := s.NewClient(false, "http://"+listen+"/callback")
		_, err := Login(ctx, loginConfig(s, client, listen), nil, func(u string) { browse(t, u) })
		if err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a callback with another state is ignored", func(t *testing.T) {
		s := xtest.New(t)
		listen := freeAddr(t)
		client := s.NewClient(false, "http://"+listen+"/callback")
		tok, err := Login(ctx, loginConfig(s, client, listen), nil, func(u string) {
			if status, _ := browse(t, "http://"+listen+"/callback?state=forged&code=attacker"); status != http.StatusBadRequest {
				t.Errorf("forged callback answered %d", status)
			}
			browse(t, u)
		})
		if err != nil || tok.Refresh == "" {
			t.Errorf("token %+v, %v", tok, err)
		}
	})
	t.Run("nobody opens the link", func(t *testing.T) {
		s := xtest.New(t)
		listen := freeAddr(t)
		client := s.NewClient(false, "http://"+listen+"/callback")
		ctx, cancel := context.WithCancel(ctx)
		_, err := Login(ctx, loginConfig(s, client, listen), nil, func(string) { cancel() })
		if err == nil || !strings.Contains(err.Error(), "no answer from X") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		s := xtest.New(t)
		listen := freeAddr(t)
		client := s.NewClient(true, "http://"+listen+"/callback")
		client.Secret = "stale"
		_, err := Login(ctx, loginConfig(s, client, listen), nil, func(u string) { browse(t, u) })
		if err == nil || !strings.Contains(err.Error(), "Client Secret") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("callback off this machine", func(t *testing.T) {
		_, err := Login(ctx, LoginConfig{ClientID: "id", Listen: "0.0.0.0:8765"}, nil, func(string) { t.Error("shown") })
		if err == nil || !strings.Contains(err.Error(), "must be on this machine") {
			t.Errorf("error %v", err)
		}
	})
}
