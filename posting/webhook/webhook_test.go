package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
)

func msg() posting.Message {
	return posting.Message{PostID: 7, IdempotencyKey: "onair-abc", BroadcastID: 1, Broadcast: "Launch", Kind: "live",
		Step: "0", Text: "We're live! https://x.com/i/broadcasts/1ABC", Channel: "hook"}
}

func TestSignedRequest(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, must(io.ReadAll(r.Body))
		w.Write([]byte(`{"id": 42, "url": "https://cms.example/posts/42"}`))
	}))
	defer srv.Close()
	p, err := New(Config{URL: srv.URL, Secret: "k"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return time.Unix(1806422400, 0) }
	r, err := p.Post(context.Background(), msg())
	if err != nil {
		t.Fatal(err)
	}
	if r.RemoteID != "42" || r.RemoteURL != "https://cms.example/posts/42" {
		t.Errorf("receipt %+v", r)
	}
	if got.Header.Get(HeaderIdempotencyKey) != "onair-abc" || got.Header.Get(HeaderTimestamp) != "1806422400" {
		t.Errorf("headers %v", got.Header)
	}
	sent := time.Unix(1806422400, 0)
	ts, sig := got.Header.Get(HeaderTimestamp), got.Header.Get(HeaderSignature)
	for _, c := range []struct {
		name      string
		secret    string
		now       time.Time
		tolerance time.Duration
		want      bool
	}{
		{"at once", "k", sent, DefaultTolerance, true},
		{"4 minutes later", "k", sent.Add(4 * time.Minute), DefaultTolerance, true},
		{"clock 4 minutes behind", "k", sent.Add(-4 * time.Minute), DefaultTolerance, true},
		{"6 minutes later: a replay", "k", sent.Add(6 * time.Minute), DefaultTolerance, false},
		{"a year later", "k", sent.AddDate(1, 0, 0), DefaultTolerance, false},
		{"clock 6 minutes behind", "k", sent.Add(-6 * time.Minute), DefaultTolerance, false},
		{"a year later, no tolerance asked", "k", sent.AddDate(1, 0, 0), 0, true},
		{"wrong secret", "other", sent, DefaultTolerance, false},
	} {
		if got := VerifyAt(c.secret, ts, sig, body, c.now, c.tolerance); got != c.want {
			t.Errorf("VerifyAt %s = %v, want %v", c.name, got, c.want)
		}
	}
	if Verify("k", ts, sig, body) {
		t.Error("Verify accepts a signature made in 2027 now: no tolerance")
	}
	if !Verify("k", strconv.FormatInt(time.Now().Unix(), 10), Sign("k", time.Now().Unix(), body), body) {
		t.Error("Verify refuses a fresh signature")
	}
	// The documented recipe, computed independently: HMAC-SHA256(secret, "<ts>." + body), hex.
	if want := Sign("k", 1806422400, body); got.Header.Get(HeaderSignature) != want || !strings.HasPrefix(want, "sha256=") {
		t.Errorf("signature %q, want %q", got.Header.Get(HeaderSignature), want)
	}
	var payload Payload
	if err := json.Unmarshal(body, &payload); err != nil || payload.ID != "onair-abc" || payload.Text != msg().Text || payload.Kind != "live" {
		t.Errorf("payload %s", body)
	}
}

func TestPayloadShapes(t *testing.T) {
	for format, want := range map[string]string{
		FormatSlack:   `{"text":"We're live! https://x.com/i/broadcasts/1ABC"}`,
		FormatDiscord: `{"allowed_mentions":{"parse":[]},"content":"We're live! https://x.com/i/broadcasts/1ABC"}`,
	} {
		t.Run(format, func(t *testing.T) {
			var body []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body = must(io.ReadAll(r.Body))
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			p, _ := New(Config{URL: srv.URL, Format: format}, nil)
			if _, err := p.Post(context.Background(), msg()); err != nil {
				t.Fatal(err)
			}
			if string(body) != want {
				t.Errorf("body %s, want %s", body, want)
			}
			if p.Recovery() != posting.AskPerson {
				t.Error("Slack and Discord do not deduplicate: an interrupted send must go to a person")
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	now := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		kind    string
		until   time.Time
	}{
		{"500 retries", 500, nil, "retry", time.Time{}},
		{"503 retries", 503, nil, "retry", time.Time{}},
		{"408 retries", 408, nil, "retry", time.Time{}},
		{"401 needs auth", 401, nil, "auth", time.Time{}},
		{"403 needs auth", 403, nil, "auth", time.Time{}},
		{"422 rejected", 422, nil, "rejected", time.Time{}},
		{"400 rejected", 400, nil, "rejected", time.Time{}},
		{"409 already there", 409, nil, "already", time.Time{}},
		{"429 Retry-After seconds", 429, map[string]string{"Retry-After": "120"}, "rate-limited", now.Add(2 * time.Minute)},
		{"429 Retry-After date", 429, map[string]string{"Retry-After": "Tue, 30 Mar 2027 16:05:00 GMT"}, "rate-limited", now.Add(5*time.Minute + posting.ResetMargin)},
		{"429 X-RateLimit-Reset unix", 429, map[string]string{"X-RateLimit-Reset": "1806422700"}, "rate-limited", now.Add(5*time.Minute + posting.ResetMargin)},
		{"429 ten years: held an hour at most", 429, map[string]string{"Retry-After": "315360000"}, "rate-limited", now.Add(posting.MaxHold)},
		{"429 reset next year: held an hour at most", 429, map[string]string{"X-RateLimit-Reset": "1838000000"}, "rate-limited", now.Add(posting.MaxHold)},
		{"429 RateLimit-Reset delta", 429, map[string]string{"RateLimit-Reset": "30"}, "rate-limited", now.Add(30 * time.Second)},
		{"429 no header: a minute", 429, nil, "rate-limited", now.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(`{"error":"details here"}`))
			}))
			defer srv.Close()
			p, _ := New(Config{URL: srv.URL}, nil)
			p.Now = func() time.Time { return now }
			_, err := p.Post(context.Background(), msg())
			if got := posting.Classify(err); got != tt.kind {
				t.Fatalf("%v classified %q, want %q", err, got, tt.kind)
			}
			if tt.kind != "already" && !strings.Contains(err.Error(), "details here") {
				t.Errorf("error %q does not carry the receiver's words", err)
			}
			var rl *posting.RateLimited
			if errors.As(err, &rl) && !rl.Until.Equal(tt.until) {
				t.Errorf("until %v, want %v", rl.Until, tt.until)
			}
		})
	}
	t.Run("unreachable retries", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		p, _ := New(Config{URL: url}, nil)
		if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "retry" {
			t.Errorf("%v", err)
		}
	})
	t.Run("timeout retries", func(t *testing.T) {
		// The handler hangs past the poster's timeout; the test lets it go once the poster
		// gave up, rather than srv.Close waiting out the second.
		done := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-done:
			case <-time.After(time.Second):
			}
		}))
		defer srv.Close()
		defer close(done)
		p, _ := New(Config{URL: srv.URL, Timeout: 50 * time.Millisecond}, nil)
		if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "retry" {
			t.Errorf("%v", err)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{{URL: "cms.example.com/hook"}, {URL: "ftp://x"}, {URL: "https://x", Format: "teams"}} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
