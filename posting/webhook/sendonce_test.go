package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
)

// receiver is a webhook endpoint that counts the POSTs it got, by path, and answers each with
// answer (n counts from 0 on each path).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	posts  map[string]int
	bodies map[string][]string
	other  []string // requests that are not a POST with a body
}

func newReceiver(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	t.Helper()
	rc := &receiver{posts: map[string]int{}, bodies: map[string][]string{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := rc.posts[r.URL.Path]
		if r.Method != http.MethodPost || len(body) == 0 {
			rc.other = append(rc.other, r.Method+" "+r.URL.Path)
		} else {
			rc.posts[r.URL.Path]++
			rc.bodies[r.URL.Path] = append(rc.bodies[r.URL.Path], string(body))
		}
		rc.mu.Unlock()
		answer(w, r, n)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count(path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.posts[path]
}

// hang answers nothing until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// dropAfterReading closes the connection once the request is read: the receiver acted, the
// sender cannot know.
func dropAfterReading(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// Slack and Discord cannot deduplicate: an outcome onair cannot know is "unknown", sent once;
// the json format, which carries Idempotency-Key, may be retried.
func TestUncertainOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, n int)
		warm   bool // a first post opens a keep-alive connection the second one reuses
		want   map[string]string
	}{
		{"timeout after the request was written", func(w http.ResponseWriter, r *http.Request, _ int) { hang(w, r) }, false,
			map[string]string{FormatSlack: "unknown", FormatDiscord: "unknown", FormatJSON: "retry"}},
		{"connection dropped after the receiver read the post", func(w http.ResponseWriter, _ *http.Request, _ int) { dropAfterReading(w) }, false,
			map[string]string{FormatSlack: "unknown", FormatDiscord: "unknown", FormatJSON: "retry"}},
		{"connection dropped on a reused connection", func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 0 {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			dropAfterReading(w)
		}, true, map[string]string{FormatSlack: "unknown", FormatDiscord: "unknown"}},
		{"500 after acting", func(w http.ResponseWriter, _ *http.Request, _ int) { http.Error(w, "oops", 500) }, false,
			map[string]string{FormatSlack: "unknown", FormatDiscord: "unknown", FormatJSON: "retry"}},
		{"502 from a gateway", func(w http.ResponseWriter, _ *http.Request, _ int) { http.Error(w, "bad gateway", 502) }, false,
			map[string]string{FormatSlack: "unknown", FormatDiscord: "unknown", FormatJSON: "retry"}},
		{"503 busy: nothing done", func(w http.ResponseWriter, _ *http.Request, _ int) { http.Error(w, "busy", 503) }, false,
			map[string]string{FormatSlack: "retry", FormatDiscord: "retry", FormatJSON: "retry"}},
	}
	for _, tt := range tests {
		for format, want := range tt.want {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				t.Parallel()
				rc := newReceiver(t, tt.answer)
				// Only the hanging receiver needs the timeout to fire; elsewhere a short one would
				// fire on a loaded machine before the request left, which is another case.
				timeout := 10 * time.Second
				if strings.HasPrefix(tt.name, "timeout") {
					timeout = 100 * time.Millisecond
				}
				p, err := New(Config{URL: rc.URL + "/hook", Format: format, Timeout: timeout}, nil)
				if err != nil {
					t.Fatal(err)
				}
				sent := 0
				if tt.warm {
					if _, err := p.Post(context.Background(), msg()); err != nil {
						t.Fatal(err)
					}
					sent++
				}
				_, err = p.Post(context.Background(), msg())
				if got := posting.Classify(err); got != want {
					t.Fatalf("%v classified %q, want %q", err, got, want)
				}
				if n := rc.count("/hook"); n != sent+1 {
					t.Errorf("the receiver got %d POSTs, want %d: the post was sent again behind onair's back", n, sent+1)
				}
				if want == "unknown" && !strings.Contains(err.Error(), "check the channel") {
					t.Errorf("error %q does not say a person must check", err)
				}
			})
		}
	}
	t.Run("nothing sent: connection refused stays retryable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL
		srv.Close()
		for _, format := range []string{FormatSlack, FormatDiscord} {
			p, _ := New(Config{URL: u, Format: format}, nil)
			if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "retry" {
				t.Errorf("%s: %v classified %q, want retry", format, err, posting.Classify(err))
			}
		}
	})
}

// A redirect never loses the post: 307 and 308 are followed with the same method, body and
// signature; 301, 302 and 303 (which Go would turn into a GET without the body) are refused,
// naming where the receiver points.
func TestRedirects(t *testing.T) {
	t.Parallel()
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			var rc *receiver
			rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.URL.Path == "/old" {
					http.Redirect(w, r, rc.URL+"/new", code)
					return
				}
				if !Verify("k", r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), []byte(rc.bodies["/new"][0])) {
					http.Error(w, "bad signature", 401)
					return
				}
				w.Write([]byte(`{"id":"kept"}`))
			})
			p, _ := New(Config{URL: rc.URL + "/old", Secret: "k"}, nil)
			r, err := p.Post(context.Background(), msg())
			if code == 307 || code == 308 {
				if err != nil || r.RemoteID != "kept" || rc.count("/new") != 1 {
					t.Fatalf("receipt %+v, %v, %d posts at the new address", r, err, rc.count("/new"))
				}
				var pl Payload
				if json.Unmarshal([]byte(rc.bodies["/new"][0]), &pl) != nil || pl.Text != msg().Text {
					t.Errorf("body at the new address: %s", rc.bodies["/new"][0])
				}
				return
			}
			if got := posting.Classify(err); got != "misconfigured" {
				t.Fatalf("%v classified %q, want misconfigured", err, got)
			}
			for _, w := range []string{fmt.Sprint(code), rc.URL + "/new", "set the channel's URL"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if len(rc.other) > 0 || rc.count("/new") > 0 {
				t.Errorf("the post went on to the new address: %v, %d posts", rc.other, rc.count("/new"))
			}
		})
	}
	t.Run("loop", func(t *testing.T) {
		t.Parallel()
		var rc *receiver
		rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			next := map[string]string{"/a": "/b", "/b": "/a"}[r.URL.Path]
			http.Redirect(w, r, rc.URL+next, http.StatusTemporaryRedirect)
		})
		p, _ := New(Config{URL: rc.URL + "/a"}, nil)
		_, err := p.Post(context.Background(), msg())
		if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), "loop") {
			t.Fatalf("%v: want a misconfigured channel with a redirect loop", err)
		}
	})
	t.Run("too many hops", func(t *testing.T) {
		t.Parallel()
		var rc *receiver
		rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			http.Redirect(w, r, fmt.Sprintf("%s%s/x", rc.URL, r.URL.Path), http.StatusPermanentRedirect)
		})
		p, _ := New(Config{URL: rc.URL + "/x"}, nil)
		_, err := p.Post(context.Background(), msg())
		if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), "more than") {
			t.Fatalf("%v: want a misconfigured channel with too many redirects", err)
		}
	})
}

// A certificate onair cannot trust is a channel to fix, not a network fault to retry.
func TestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	p, _ := New(Config{URL: srv.URL + "/hook"}, nil) // the system's roots: the test CA is unknown
	_, err := p.Post(context.Background(), msg())
	if posting.Classify(err) != "misconfigured" || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("%v classified %q: want misconfigured, naming %s and the certificate", err, posting.Classify(err), srv.URL)
	}
	var mc *posting.Misconfigured
	if !errors.As(err, &mc) {
		t.Fatal("not a *posting.Misconfigured")
	}
}
