package mastodon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

// A server whose certificate onair cannot trust, or which redirects a post away, is a channel to
// fix, not a fault to retry.
func TestMisconfiguredServer(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://new.example"+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(moved.Close)
	for name, tt := range map[string]struct{ url, words string }{
		"untrusted certificate": {tlsSrv.URL, "certificate"},
		"moved":                 {moved.URL, "https://new.example/api/v1/statuses"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Server: tt.url, Token: "token"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Post(context.Background(), msg())
			if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("%v classified %q, want misconfigured saying %q", err, posting.Classify(err), tt.words)
			}
		})
	}
	t.Run("login against an untrusted certificate", func(t *testing.T) {
		t.Parallel()
		_, err := RegisterApp(context.Background(), nil, tlsSrv.URL, "onair")
		if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("%v", err)
		}
	})
}

// A server that takes the connection and never answers does not hang `channel add` or
// `channel login`: every request of a login has a timeout (posting.LoginTimeout, or the
// client's own).
func TestLoginDoesNotHang(t *testing.T) {
	t.Parallel()
	srv := mastodontest.New(t)
	client := &http.Client{Timeout: 100 * time.Millisecond}
	calls := map[string]func() error{
		mastodontest.RouteInstanceV2: func() error { _, err := InstanceLimits(context.Background(), client, srv.URL); return err },
		mastodontest.RouteApps:       func() error { _, err := RegisterApp(context.Background(), client, srv.URL, "onair"); return err },
		mastodontest.RouteToken: func() error {
			_, err := ExchangeCode(context.Background(), client, srv.URL, App{ClientID: "id", ClientSecret: "s"}, "code")
			return err
		},
	}
	for route, call := range calls {
		srv.FailNext(route, mastodontest.Hang)
		done := make(chan error, 1)
		go func() { done <- call() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "no answer from") {
				t.Errorf("%s: %v, want a clear timeout", route, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting after 10 s", route)
		}
	}
	if c := orDefaultClient(nil); c.Timeout != posting.LoginTimeout {
		t.Errorf("a login without a client waits %v, want %v", c.Timeout, posting.LoginTimeout)
	}
}
