package bluesky

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/onairhq/onair/posting"
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
