package bluesky

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
)

// A PDS whose certificate onair cannot trust is a channel to fix, not a fault to retry: at login
// and when posting.
func TestUntrustedPDS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err := Login(context.Background(), nil, srv.URL, handle, password)
	if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("login: %v classified %q, want misconfigured naming %s", err, posting.Classify(err), srv.URL)
	}
}

// A PDS that answers a post with 301 did nothing: the channel's address is to fix (the channel
// is paused), not a try that may have reached the PDS, looked for and retried.
func TestRedirectedPost(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Fail(blueskytest.CreateRecord, blueskytest.Redirect301)
	_, err := e.poster(t).Post(context.Background(), message(1))
	if kindOf(err) != "misconfigured" || !strings.Contains(err.Error(), "301") {
		t.Fatalf("%v classified %q, want misconfigured, naming the 301", err, kindOf(err))
	}
	if n := e.srv.Requests(blueskytest.GetRecord); n != 0 {
		t.Errorf("looked for the post %d times; the PDS did nothing", n)
	}
}
