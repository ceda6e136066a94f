package x

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/onairhq/onair/posting"
)

// An X API address whose certificate is not trusted, or which redirects in a loop, is a channel
// to fix: retrying would fail the same way.
func TestMisconfiguredAPI(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(loop.Close)
	for name, tt := range map[string]struct{ url, words string }{
		"untrusted certificate": {tlsSrv.URL, "certificate"},
		"redirect loop":         {loop.URL, "loop"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPoster(t, Config{APIURL: tt.url, OAuth1: &OAuth1{ConsumerKey: "k", ConsumerSecret: "s", Token: "t", TokenSecret: "ts"}}, newClock())
			_, err := p.Me(context.Background())
			if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), tt.words) || !strings.Contains(err.Error(), strings.TrimPrefix(tt.url, "http")) {
				t.Fatalf("%v classified %q, want misconfigured naming %s and %q", err, posting.Classify(err), tt.url, tt.words)
			}
		})
	}
}
