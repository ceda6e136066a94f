package mastodon

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

// start is when every test's clock starts: a broadcast day.
var start = time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)

// fake starts a fake Mastodon server on a hand-moved clock, with one account, and checks at the
// end of the test that nothing onair sent broke Mastodon's API.
func fake(t *testing.T) (*mastodontest.Server, *mastodontest.Clock, string) {
	t.Helper()
	srv := mastodontest.New(t)
	clock := mastodontest.NewClock(start)
	srv.SetClock(clock.Now)
	token := srv.AddAccount("brand")
	t.Cleanup(func() {
		if errs := srv.ContractErrors(); len(errs) > 0 {
			t.Errorf("requests that broke Mastodon's API:\n%s", strings.Join(errs, "\n"))
		}
	})
	return srv, clock, token
}

// poster returns a poster on srv's clock that waits between media polls by moving the clock.
func poster(t *testing.T, srv *mastodontest.Server, clock *mastodontest.Clock, token string) *Poster {
	t.Helper()
	p, err := New(Config{Server: srv.URL, Token: token}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	p.Now = clock.Now
	p.wait = func(_ context.Context, d time.Duration) error { clock.Advance(d); return nil }
	return p
}

func msg() posting.Message {
	return posting.Message{PostID: 7, IdempotencyKey: "onair-7-3f1c", BroadcastID: 1, Broadcast: "Spring launch",
		Kind: "live", Step: "0", Text: "We're live! Spring launch https://example.com/live?utm_source=mastodon #SpringLaunch",
		DueAt: start, Channel: "brand", Attempt: 1}
}

// picture writes a small PNG and returns its path.
func picture(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	path := filepath.Join(t.TempDir(), "teaser.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPost(t *testing.T) {
	pic := picture(t)
	tests := []struct {
		name       string
		edit       func(m *posting.Message)
		processing time.Duration // media processing time on the server
		visibility string        // stored
		language   string
		media      int
		alt        string
	}{
		{"text with visibility and language", func(m *posting.Message) { m.Visibility, m.Lang = "unlisted", "fr" }, 0, "unlisted", "fr", 0, ""},
		{"server defaults", func(m *posting.Message) {}, 0, "public", "en", 0, ""},
		{"followers only", func(m *posting.Message) { m.Visibility = "private" }, 0, "private", "en", 0, ""},
		{"teaser with its picture and alt text", func(m *posting.Message) {
			m.Kind, m.Image = "teaser", &posting.Image{Path: pic, Alt: "Our spring collection on a sunny terrace"}
		}, 0, "public", "en", 1, "Our spring collection on a sunny terrace"},
		{"teaser picture still processing (202, then 206, then 200)", func(m *posting.Message) {
			m.Kind, m.Image = "teaser", &posting.Image{Path: pic, Alt: "A terrace"}
		}, 3 * time.Second, "public", "en", 1, "A terrace"},
		{"teaser picture without alt text", func(m *posting.Message) {
			m.Kind, m.Image = "teaser", &posting.Image{Path: pic}
		}, 0, "public", "en", 1, ""},
		// Which posts carry the picture is the planner's to decide (postOptions): the adapter
		// posts the one a message has.
		{"a picture goes with the message that has it", func(m *posting.Message) {
			m.Kind, m.Image = "reminder", &posting.Image{Path: pic, Alt: "A terrace"}
		}, 0, "public", "en", 1, "A terrace"},
		{"no picture, none attached", func(m *posting.Message) { m.Kind = "teaser" }, 0, "public", "en", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock, token := fake(t)
			srv.SetMediaProcessing(tt.processing)
			p := poster(t, srv, clock, token)
			m := msg()
			tt.edit(&m)
			r, err := p.Post(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.Statuses("brand")
			if len(got) != 1 {
				t.Fatalf("%d statuses, want 1", len(got))
			}
			st := got[0]
			if r.RemoteID != st.ID || r.RemoteURL != st.URL || r.RemoteURL == "" {
				t.Errorf("receipt %+v, status %s at %s", r, st.ID, st.URL)
			}
			if st.Text != m.Text || st.IdempotencyKey != m.IdempotencyKey || st.Visibility != tt.visibility || st.Language != tt.language {
				t.Errorf("stored %+v", st)
			}
			if len(st.Media) != tt.media {
				t.Fatalf("%d media attached, want %d", len(st.Media), tt.media)
			}
			if tt.media > 0 && (st.Media[0].Description != tt.alt || st.Media[0].Type != "image/png") {
				t.Errorf("media %+v, want alt %q", st.Media[0], tt.alt)
			}
			if polls := srv.Requests(mastodontest.RouteMediaShow); (tt.processing > 0) != (polls > 0) {
				t.Errorf("%d polls of the processing picture", polls)
			}
			if srv.Requests(mastodontest.RouteAccountStatuses) != 0 {
				t.Error("a first try looked for the post: only a resend needs to")
			}
		})
	}
}

func TestThreadReply(t *testing.T) {
	srv, clock, token := fake(t)
	p := poster(t, srv, clock, token)
	first := msg()
	first.Kind, first.Text = "teaser", "Save the date: Spring launch, Tuesday 18:00"
	root, err := p.Post(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	reply := msg()
	reply.IdempotencyKey, reply.Kind, reply.Text = "onair-8-aa", "reminder", "Tomorrow 18:00!"
	reply.Thread = &posting.Thread{Root: root, Parent: root}
	r, err := p.Post(context.Background(), reply)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Statuses("brand")
	if len(got) != 2 || got[1].ID != r.RemoteID || got[1].InReplyToID != root.RemoteID {
		t.Errorf("statuses %+v; want the reminder in reply to %s", got, root.RemoteID)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *mastodontest.Server, m *posting.Message)
		kind  string        // posting.Classify
		until time.Duration // for rate-limited: from the clock's start
		words []string      // in the error
	}{
		{"401 token refused", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.Unauthorized)
		}, "auth", 0, []string{"The access token is invalid", "fix:login-resume"}},
		{"403 scope or suspended account", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.Forbidden)
		}, "auth", 0, []string{"This action is outside the authorized scopes", "write:statuses", "fix:login-resume"}},
		{"422 refused content", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.Unprocessable)
		}, "rejected", 0, []string{"Validation failed", "fix:resend"}},
		{"422 text longer than the server takes", func(srv *mastodontest.Server, m *posting.Message) {
			m.Text = strings.Repeat("Spring! ", 70)
		}, "rejected", 0, []string{"Text character limit of 500 exceeded"}},
		{"404 the post it answers is gone", func(srv *mastodontest.Server, m *posting.Message) {
			m.Thread = &posting.Thread{Root: posting.Receipt{RemoteID: "1"}, Parent: posting.Receipt{RemoteID: "1"}}
		}, "rejected", 0, []string{"does not appear to exist", "deleted"}},
		{"429 until X-RateLimit-Reset", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.TooManyRequests)
		}, "rate-limited", 5 * time.Minute, []string{"Too many requests"}},
		{"429 from the account's real quota", func(srv *mastodontest.Server, m *posting.Message) {
			srv.SetRateLimit(0, time.Hour)
		}, "rate-limited", time.Hour, []string{"Too many requests"}},
		{"429 GoToSocial", func(srv *mastodontest.Server, m *posting.Message) {
			srv.SetGoToSocialMode(true)
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.TooManyRequests)
		}, "rate-limited", 5*time.Minute + posting.ResetMargin, []string{"rate limit reached"}},
		{"500 retried", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.ServerError)
		}, "retry", 0, []string{"500"}},
		{"503 with Retry-After", func(srv *mastodontest.Server, m *posting.Message) {
			srv.SetRetryAfter(30 * time.Second)
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.Unavailable)
		}, "retry", 0, []string{"503", "try again in 30s"}},
		{"connection dropped", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.Drop)
		}, "retry", 0, []string{"broke before it answered"}},
		{"picture upload refused", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteMedia, mastodontest.Unprocessable)
		}, "rejected", 0, []string{"upload image teaser.png", "Validation failed"}},
		{"picture larger than the server takes", func(srv *mastodontest.Server, m *posting.Message) {
			srv.SetInstance(mastodontest.Instance{ImageSizeLimit: 10})
		}, "rejected", 0, []string{"File file size must be less than"}},
		{"picture upload rate limited", func(srv *mastodontest.Server, m *posting.Message) {
			srv.FailNext(mastodontest.RouteMedia, mastodontest.TooManyRequests)
		}, "rate-limited", 5 * time.Minute, nil},
	}
	pic := picture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock, token := fake(t)
			p := poster(t, srv, clock, token)
			m := msg()
			if strings.Contains(tt.name, "picture") {
				m.Kind, m.Image = "teaser", &posting.Image{Path: pic, Alt: "A terrace"}
			}
			tt.setup(srv, &m)
			_, err := p.Post(context.Background(), m)
			if got := posting.Classify(err); got != tt.kind || err == nil {
				t.Fatalf("%v classified %q, want %q", err, got, tt.kind)
			}
			for _, w := range tt.words {
				if fix, ok := strings.CutPrefix(w, "fix:"); ok { // the fix the CLI words as a command
					if got := posting.FixOf(err); got != posting.Fix(fix) {
						t.Errorf("error %q calls for fix %q, want %q", err, got, fix)
					}
				} else if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), token) {
				t.Error("the error shows the token")
			}
			var rl *posting.RateLimited
			if errors.As(err, &rl) && !rl.Until.Equal(start.Add(tt.until)) {
				t.Errorf("rate limited until %v, want %v", rl.Until, start.Add(tt.until))
			}
			if n := len(srv.Statuses("brand")); n != 0 {
				t.Errorf("%d statuses created", n)
			}
		})
	}
}

// Answers the fake does not give: a proxy in front of the server, an API change.
func TestOtherAnswers(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   string
		says   string
	}{
		{400, `{"error":"Error occurred while parsing request parameters"}`, "rejected", "parsing request parameters"},
		{413, "<html><body><h1>413 Request Entity Too Large</h1></body></html>", "rejected", "413 Request Entity Too Large"},
		{410, "", "rejected", "Gone"},
		{502, "<html>Bad Gateway</html>", "retry", "Bad Gateway"},
		{408, "", "retry", "408"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			p, _ := New(Config{Server: srv.URL, Token: "a-long-secret-token"}, srv.Client())
			_, err := p.Post(context.Background(), msg())
			if posting.Classify(err) != tt.kind || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%v classified %q, want %q saying %q", err, posting.Classify(err), tt.kind, tt.says)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	t.Run("revoked", func(t *testing.T) {
		srv, clock, token := fake(t)
		p := poster(t, srv, clock, token)
		srv.RevokeToken(token)
		if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "auth" {
			t.Errorf("%v", err)
		}
		if _, err := p.Me(context.Background()); posting.Classify(err) != "auth" || posting.FixOf(err) != posting.FixLoginResume {
			t.Errorf("%v", err)
		}
	})
	t.Run("without write:statuses", func(t *testing.T) {
		srv, clock, _ := fake(t)
		p := poster(t, srv, clock, srv.AddToken("brand", "read"))
		if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "auth" || !strings.Contains(err.Error(), "outside the authorized scopes") {
			t.Errorf("%v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, clock, token := fake(t)
		p, err := New(Config{Server: srv.URL, Token: token, Timeout: 50 * time.Millisecond}, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		p.Now = clock.Now
		srv.FailNext(mastodontest.RouteStatuses, mastodontest.Hang)
		if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "retry" || !strings.Contains(err.Error(), "no answer") {
			t.Errorf("%v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := mastodontest.New(t)
		url := srv.URL
		srv.Close()
		p, _ := New(Config{Server: url, Token: "t"}, nil)
		if _, err := p.Post(context.Background(), msg()); posting.Classify(err) != "retry" || !strings.Contains(err.Error(), "cannot reach") {
			t.Errorf("%v", err)
		}
	})
}

func TestRateLimitEnd(t *testing.T) {
	now := start
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Time
	}{
		{"Mastodon's ISO 8601 reset", map[string]string{"X-RateLimit-Reset": "2027-03-30T16:05:00.000000Z"}, now.Add(5 * time.Minute)},
		{"GoToSocial's reset with an offset", map[string]string{"X-Ratelimit-Reset": "2027-03-30T18:02:00+02:00"}, now.Add(2*time.Minute + posting.ResetMargin)},
		{"Retry-After seconds first", map[string]string{"Retry-After": "90", "X-RateLimit-Reset": "2027-03-30T16:05:00Z"}, now.Add(90 * time.Second)},
		{"Retry-After date", map[string]string{"Retry-After": "Tue, 30 Mar 2027 16:10:00 GMT"}, now.Add(10*time.Minute + posting.ResetMargin)},
		{"Unix reset", map[string]string{"X-RateLimit-Reset": "1806422700"}, time.Unix(1806422700, 0).Add(posting.ResetMargin)},
		{"reset already past: a minute", map[string]string{"X-RateLimit-Reset": "2027-03-30T15:59:00Z"}, now.Add(time.Minute)},
		{"nothing said: five minutes", nil, now.Add(5 * time.Minute)},
		{"unreadable: five minutes", map[string]string{"X-RateLimit-Reset": "soon"}, now.Add(5 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := make(http.Header)
			for k, v := range tt.headers {
				h[http.CanonicalHeaderKey(k)] = []string{v}
			}
			if got := rateLimitEnd(h, now); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMe(t *testing.T) {
	srv, clock, token := fake(t)
	p := poster(t, srv, clock, token)
	a, err := p.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != srv.AccountID("brand") || a.Username != "brand" || a.Acct != "brand" || a.URL != srv.URL+"/@brand" {
		t.Errorf("account %+v", a)
	}
	if h := a.Handle(srv.URL); h != "@brand@"+strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("handle %s", h)
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string // server after New, or "" for an error
	}{
		{Config{Server: "https://mastodon.example", Token: "t"}, "https://mastodon.example"},
		{Config{Server: " mastodon.example/ ", Token: "t"}, "https://mastodon.example"},
		{Config{Server: "http://127.0.0.1:8080", Token: "t"}, "http://127.0.0.1:8080"},
		{Config{Server: "https://mastodon.example", Token: " "}, ""},
		{Config{Server: "", Token: "t"}, ""},
		{Config{Server: "ftp://mastodon.example", Token: "t"}, ""},
		{Config{Server: "https://mastodon.example/@brand", Token: "t"}, ""},
	} {
		p, err := New(tt.cfg, nil)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%+v accepted", tt.cfg)
		case tt.want != "" && err != nil:
			t.Errorf("%+v: %v", tt.cfg, err)
		case tt.want != "" && (p.cfg.Server != tt.want || p.cfg.Timeout != DefaultTimeout):
			t.Errorf("%+v: server %q, timeout %v", tt.cfg, p.cfg.Server, p.cfg.Timeout)
		}
	}
	p, _ := New(Config{Server: "mastodon.example", Token: "t"}, nil)
	if posting.RecoveryOf(p) != posting.Resend {
		t.Error("an interrupted Mastodon send is resent: the key and the lookup keep it single")
	}
}

// A token that may not publish is refused when the channel is added, when the server tells its
// scopes (Mastodon 4.3+); a server that cannot tell (older Mastodon, GoToSocial) is believed.
func TestMeChecksScopes(t *testing.T) {
	tests := []struct {
		name, scopes string
		setup        func(*mastodontest.Server)
		ok           bool
	}{
		{"onair's scopes", mastodontest.DefaultScopes, nil, true},
		{"broad write", "read write", nil, true},
		{"read only", "read", nil, false},
		{"no write:statuses", "read:accounts read:statuses write:media", nil, false},
		{"GoToSocial cannot tell", "read", func(s *mastodontest.Server) { s.SetGoToSocialMode(true) }, true},
		{"old Mastodon cannot tell", "read", func(s *mastodontest.Server) { s.SetInstance(mastodontest.Instance{V1Only: true}) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock, _ := fake(t)
			if tt.setup != nil {
				tt.setup(srv)
			}
			p := poster(t, srv, clock, srv.AddToken("brand", tt.scopes))
			_, err := p.Me(context.Background())
			if tt.ok != (err == nil) {
				t.Fatalf("%v, want ok %v", err, tt.ok)
			}
			if !tt.ok && (posting.Classify(err) != "auth" || !strings.Contains(err.Error(), "write:statuses")) {
				t.Errorf("%v: want an auth error naming write:statuses", err)
			}
		})
	}
}

// GoToSocial counts every request of an IP address in a window that opens with the first, and
// writes its end truncated to the second: the hold lasts past the true end, so the retry at
// the hold's end goes through instead of costing another wait.
func TestGoToSocialRateLimitWindow(t *testing.T) {
	srv, clock, token := fake(t)
	srv.SetGoToSocialMode(true)
	srv.SetRateLimit(3, 5*time.Minute)
	clock.Advance(700 * time.Millisecond) // the window opens at .7 s
	p := poster(t, srv, clock, token)
	if _, err := InstanceLimits(context.Background(), srv.Client(), srv.URL); err != nil { // another route counts too
		t.Fatal(err)
	}
	for i := range 2 {
		m := msg()
		m.IdempotencyKey, m.Text = fmt.Sprintf("onair-g%d", i), fmt.Sprintf("Post %d", i)
		if _, err := p.Post(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.Post(context.Background(), msg())
	var rl *posting.RateLimited
	if !errors.As(err, &rl) {
		t.Fatalf("%v: want rate limited", err)
	}
	if end := start.Add(700*time.Millisecond + 5*time.Minute); rl.Until.Before(end) {
		t.Fatalf("held until %v, before the window's end %v", rl.Until, end)
	}
	clock.Advance(rl.Until.Sub(clock.Now()))
	if _, err := p.Post(context.Background(), msg()); err != nil {
		t.Errorf("at the hold's end: %v", err)
	}
}
