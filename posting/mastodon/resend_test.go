package mastodon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

// A send whose answer never came (the server created the status, then the connection dropped)
// is tried again as Attempt 2: the poster finds the status instead of posting it twice, whether
// the server remembers Idempotency-Key (Mastodon) or not (GoToSocial), and even after Mastodon
// has forgotten the key.
func TestResendAfterAcceptThenDrop(t *testing.T) {
	pic := picture(t)
	texts := []struct {
		name string
		edit func(m *posting.Message, parent posting.Receipt)
	}{
		{"plain", func(m *posting.Message, _ posting.Receipt) {}},
		{"multi-line with markup characters", func(m *posting.Message, _ posting.Receipt) {
			m.Text = "  Tonight 18:00 <live> & \"Q&A\" — l'équipe répond 🎤\n\nhttps://example.com/a/very/long/path/that/mastodon/cuts/off?with=query&and=more\nSee you @brand and @guest@other.example!  "
		}},
		{"reply in the thread", func(m *posting.Message, parent posting.Receipt) {
			m.Thread = &posting.Thread{Root: parent, Parent: parent}
		}},
		{"teaser with its picture", func(m *posting.Message, _ posting.Receipt) {
			m.Kind, m.Image = "teaser", &posting.Image{Path: pic, Alt: "A terrace"}
		}},
	}
	for _, mode := range []string{"Mastodon", "GoToSocial"} {
		for _, tt := range texts {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				srv, clock, token := fake(t)
				srv.SetGoToSocialMode(mode == "GoToSocial")
				p := poster(t, srv, clock, token)
				parentMsg := msg()
				parentMsg.IdempotencyKey, parentMsg.Text = "onair-6-aa", "Save the date!"
				parent, err := p.Post(context.Background(), parentMsg)
				if err != nil {
					t.Fatal(err)
				}
				m := msg()
				tt.edit(&m, parent)

				srv.FailNext(mastodontest.RouteStatuses, mastodontest.AcceptThenDrop)
				if _, err := p.Post(context.Background(), m); posting.Classify(err) != "retry" {
					t.Fatalf("first try: %v, want a retryable error", err)
				}
				if n := len(srv.Statuses("brand")); n != 2 {
					t.Fatalf("%d statuses after the dropped answer, want 2 (the parent and the post)", n)
				}
				clock.Advance(2 * time.Hour) // the dispatcher's backoff, a restart: Mastodon forgot the key
				m.Attempt = 2
				r, err := p.Post(context.Background(), m)
				var already *posting.Already
				if !errors.As(err, &already) {
					t.Fatalf("second try: %v, want *posting.Already", err)
				}
				got := srv.Statuses("brand")
				if len(got) != 2 {
					t.Fatalf("%d statuses, want 2: the resend posted again", len(got))
				}
				if r.RemoteID != got[1].ID || already.Receipt.RemoteID != got[1].ID || already.Receipt.RemoteURL != got[1].URL {
					t.Errorf("receipt %+v / %+v, want status %s", r, already.Receipt, got[1].ID)
				}
				if n := srv.Requests(mastodontest.RouteStatuses); n != 2 {
					t.Errorf("%d status creations sent, want 2 (the parent, the dropped one)", n)
				}
				if tt.name == "teaser with its picture" && len(got[1].Media) != 1 {
					t.Errorf("the teaser has %d pictures", len(got[1].Media))
				}
			})
		}
	}
}

// When the earlier try never reached the server, the resend posts, with the same key.
func TestResendWhenNothingArrived(t *testing.T) {
	for _, mode := range []string{"Mastodon", "GoToSocial"} {
		t.Run(mode, func(t *testing.T) {
			srv, clock, token := fake(t)
			srv.SetGoToSocialMode(mode == "GoToSocial")
			p := poster(t, srv, clock, token)
			m := msg()
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.Drop)
			if _, err := p.Post(context.Background(), m); posting.Classify(err) != "retry" {
				t.Fatalf("first try: %v", err)
			}
			clock.Advance(time.Minute)
			m.Attempt = 2
			r, err := p.Post(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.Statuses("brand")
			if len(got) != 1 || got[0].ID != r.RemoteID || got[0].IdempotencyKey != m.IdempotencyKey {
				t.Errorf("statuses %+v, receipt %+v", got, r)
			}
		})
	}
}

// Within the hour Mastodon remembers a key, a repeated key returns the first status; GoToSocial
// creates a second one, which is why a resend looks before posting.
func TestIdempotencyKey(t *testing.T) {
	for mode, want := range map[string]int{"Mastodon": 1, "GoToSocial": 2} {
		t.Run(mode, func(t *testing.T) {
			srv, clock, token := fake(t)
			srv.SetGoToSocialMode(mode == "GoToSocial")
			p := poster(t, srv, clock, token)
			a, err := p.Post(context.Background(), msg())
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(59 * time.Minute)
			b, err := p.Post(context.Background(), msg()) // Attempt 1 again: no lookup
			if err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Statuses("brand")); n != want || (want == 1) != (a.RemoteID == b.RemoteID) {
				t.Errorf("%d statuses (%s, %s), want %d", n, a.RemoteID, b.RemoteID, want)
			}
		})
	}
}

func TestResendLooksOnlyWhereThePostCanBe(t *testing.T) {
	t.Run("the same text a week earlier is another post", func(t *testing.T) {
		srv, clock, token := fake(t)
		p := poster(t, srv, clock, token)
		last := msg()
		last.IdempotencyKey, last.DueAt = "onair-1-old", start
		if _, err := p.Post(context.Background(), last); err != nil {
			t.Fatal(err)
		}
		clock.Advance(7 * 24 * time.Hour)
		m := msg()
		m.DueAt, m.Attempt = clock.Now(), 2
		if _, err := p.Post(context.Background(), m); err != nil {
			t.Fatalf("%v: want a new status", err)
		}
		if n := len(srv.Statuses("brand")); n != 2 {
			t.Errorf("%d statuses, want 2", n)
		}
	})
	t.Run("the same text in another thread is another post", func(t *testing.T) {
		srv, clock, token := fake(t)
		p := poster(t, srv, clock, token)
		var parents []posting.Receipt
		for i := range 2 {
			pm := msg()
			pm.IdempotencyKey, pm.Text = fmt.Sprintf("onair-p%d", i), fmt.Sprintf("Broadcast %d", i)
			r, err := p.Post(context.Background(), pm)
			if err != nil {
				t.Fatal(err)
			}
			parents = append(parents, r)
		}
		other := msg()
		other.IdempotencyKey, other.Text = "onair-9-other", "Starting in 10 minutes!"
		other.Thread = &posting.Thread{Root: parents[0], Parent: parents[0]}
		if _, err := p.Post(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		m := msg()
		m.Text, m.Attempt = "Starting in 10 minutes!", 2
		m.Thread = &posting.Thread{Root: parents[1], Parent: parents[1]}
		r, err := p.Post(context.Background(), m)
		if err != nil {
			t.Fatalf("%v: want a new status", err)
		}
		got := srv.Statuses("brand")
		if len(got) != 4 || got[3].ID != r.RemoteID || got[3].InReplyToID != parents[1].RemoteID {
			t.Errorf("statuses %+v", got)
		}
	})
	t.Run("a busy account is read page by page", func(t *testing.T) {
		srv, clock, token := fake(t)
		p := poster(t, srv, clock, token)
		m := msg()
		srv.FailNext(mastodontest.RouteStatuses, mastodontest.AcceptThenDrop)
		p.Post(context.Background(), m)
		for i := range 45 {
			clock.Advance(time.Second)
			other := msg()
			other.IdempotencyKey, other.Text = fmt.Sprintf("onair-x%d", i), fmt.Sprintf("Another post %d", i)
			if _, err := p.Post(context.Background(), other); err != nil {
				t.Fatal(err)
			}
		}
		m.Attempt = 3
		_, err := p.Post(context.Background(), m)
		var already *posting.Already
		if !errors.As(err, &already) || already.Receipt.RemoteID != srv.Statuses("brand")[0].ID {
			t.Fatalf("%v: want the first status found on the second page", err)
		}
		if n := srv.Requests(mastodontest.RouteAccountStatuses); n != 2 {
			t.Errorf("%d pages read, want 2", n)
		}
	})
}

func TestResendLookupFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *mastodontest.Server) string // returns the token to use
		kind  string
		words []string
	}{
		{"token without read:statuses", func(srv *mastodontest.Server) string {
			return srv.AddToken("brand", "write:statuses write:media read:accounts")
		}, "auth", []string{"outside the authorized scopes", "read:statuses", "fix:login-resume"}},
		{"server error while looking: not posted blind", func(srv *mastodontest.Server) string {
			srv.FailNext(mastodontest.RouteAccountStatuses, mastodontest.ServerError)
			return srv.AddAccount("brand")
		}, "retry", []string{"500"}},
		{"rate limited while looking", func(srv *mastodontest.Server) string {
			srv.FailNext(mastodontest.RouteVerifyCredentials, mastodontest.TooManyRequests)
			return srv.AddAccount("brand")
		}, "rate-limited", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock, _ := fake(t)
			p := poster(t, srv, clock, tt.setup(srv))
			m := msg()
			m.Attempt = 2
			_, err := p.Post(context.Background(), m)
			if posting.Classify(err) != tt.kind {
				t.Fatalf("%v classified %q, want %q", err, posting.Classify(err), tt.kind)
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
			if srv.Requests(mastodontest.RouteStatuses) != 0 {
				t.Error("posted without knowing whether the post was there")
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs and line breaks", "<p>Save the date<br />Tuesday 18:00</p><p>See you!</p>", "Save the date\nTuesday 18:00\n\nSee you!"},
		{"entities", "<p>Q&amp;A &lt;live&gt; &quot;tonight&quot; l&#39;équipe</p>", "Q&A <live> \"tonight\" l'équipe"},
		{"a long link comes back whole", `<p>Watch <a href="https://www.example.com/live/2027/spring-launch-replay" target="_blank" rel="nofollow noopener noreferrer"><span class="invisible">https://www.</span><span class="ellipsis">example.com/live/2027/spring-l</span><span class="invisible">aunch-replay</span></a></p>`,
			"Watch https://www.example.com/live/2027/spring-launch-replay"},
		{"hashtag and mention", `<p><a href="https://m.example/tags/Spring" class="mention hashtag" rel="tag">#<span>Spring</span></a> with <span class="h-card"><a href="https://other.example/@guest" class="u-url mention">@<span>guest</span></a></span></p>`,
			"#Spring with @guest"},
		{"GoToSocial's <br>", "<p>one<br>two</p>", "one\ntwo"},
		{"not HTML", "plain & simple", "plain & simple"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainText(tt.html); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComparable(t *testing.T) {
	tests := []struct {
		sent, shown string
		same        bool
	}{
		{"Hello @guest@other.example!", "Hello @guest!", true},
		{"Write to hello@example.com", "Write to hello@example.com", true},
		{"  Two\n\nparagraphs \n", "Two paragraphs", true},
		{"Tonight 18:00", "Tonight 19:00", false},
		{"@a@x.example @b@y.example", "@a @b", true},
	}
	for _, tt := range tests {
		if got := comparable(tt.sent) == comparable(tt.shown); got != tt.same {
			t.Errorf("%q vs %q: same %v, want %v (%q, %q)", tt.sent, tt.shown, got, tt.same, comparable(tt.sent), comparable(tt.shown))
		}
	}
}

func TestStatusTextPrefersTheSource(t *testing.T) {
	withText := status{Text: "exact source", Content: "<p>rendered</p>"}
	if got := statusText(withText); got != "exact source" {
		t.Errorf("got %q", got)
	}
	pleroma := status{Content: "<p>rendered</p>"}
	pleroma.Pleroma = &struct {
		Content map[string]string `json:"content"`
	}{Content: map[string]string{"text/plain": "plain source"}}
	if got := statusText(pleroma); got != "plain source" {
		t.Errorf("got %q", got)
	}
	if got := statusText(status{Content: "<p>rendered</p>"}); got != "rendered" {
		t.Errorf("got %q", got)
	}
}

// The lookup recognises a post in the HTML Mastodon made of it, whatever the text holds.
func TestLookupReadsMastodonsRendering(t *testing.T) {
	texts := []struct{ name, text string }{
		{"emoji and accents", "🎬 Ce soir 18:00 : l'équipe dévoile la collection 🌸"},
		{"CJK", "今夜18時から配信します！"},
		{"a long link with query", "Replay: https://www.example.com/replays/2027/spring-launch?utm_source=mastodon&utm_medium=social"},
		{"link in parentheses", "(see https://en.wikipedia.org/wiki/Primer_(film)) and (https://example.com/live)"},
		{"link then a period", "Watch https://example.com/live."},
		{"hashtags and a fragment", "#SpringLaunch #直播 https://example.com/page#section"},
		{"mentions and an e-mail", "With @brand, @guest@other.example and questions to hello@example.com"},
		{"markup characters", `<script>alert("x")</script> & 'quotes' > "double"`},
		{"line and paragraph breaks, CRLF, spaces", "  First line\r\nsecond line\n\n\n\nlast paragraph   "},
	}
	for _, tt := range texts {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock, token := fake(t)
			p := poster(t, srv, clock, token)
			m := msg()
			m.Text = tt.text
			r, err := p.Post(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			st, found, err := p.findSent(context.Background(), m)
			if err != nil || !found || st.ID != r.RemoteID {
				t.Errorf("not found (%v); the server shows %q, read back as %q", err, srv.Statuses("brand")[0].Content, plainText(srv.Statuses("brand")[0].Content))
			}
		})
	}
}

func TestCreated(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2027-03-30T16:00:00.000Z", start},     // Mastodon
		{"2027-03-30T18:00:00+02:00", start},    // an offset
		{"2027-03-30T18:00:00.000+0200", start}, // an offset without a colon
		{"2027-03-30T16:00:00", start},          // no zone: UTC
		{"yesterday", time.Time{}},              // unreadable: no time window
	}
	for _, tt := range tests {
		if got := (status{CreatedAt: tt.in}).created(); !got.Equal(tt.want) {
			t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
		}
	}
}

// After a burst (230 statuses since the post, almost six pages), the lookup pages back with
// max_id until it passes the post's first try, and finds it: GoToSocial would otherwise take
// the repeated Idempotency-Key for a new status.
func TestResendAfterABurst(t *testing.T) {
	for _, mode := range []string{"Mastodon", "GoToSocial"} {
		t.Run(mode, func(t *testing.T) {
			srv, clock, token := fake(t)
			srv.SetGoToSocialMode(mode == "GoToSocial")
			srv.SetRateLimit(1000, 5*time.Minute)
			p := poster(t, srv, clock, token)
			m := msg()
			clock.Advance(20 * time.Minute) // sent late: its first try is after its due time
			m.FirstTriedAt = clock.Now()
			srv.FailNext(mastodontest.RouteStatuses, mastodontest.AcceptThenDrop)
			if _, err := p.Post(context.Background(), m); posting.Classify(err) != "retry" {
				t.Fatalf("first try: %v", err)
			}
			for i := range 230 {
				clock.Advance(time.Second)
				other := msg()
				other.IdempotencyKey, other.Text = fmt.Sprintf("onair-b%d", i), fmt.Sprintf("Burst %d", i)
				if _, err := p.Post(context.Background(), other); err != nil {
					t.Fatal(err)
				}
			}
			m.Attempt = 2
			_, err := p.Post(context.Background(), m)
			var already *posting.Already
			if !errors.As(err, &already) || already.Receipt.RemoteID != srv.Statuses("brand")[0].ID {
				t.Fatalf("%v: want the first status, found behind the burst", err)
			}
			if n := len(srv.Statuses("brand")); n != 231 {
				t.Errorf("%d statuses, want 231: the post went out twice", n)
			}
			if n := srv.Requests(mastodontest.RouteAccountStatuses); n != 6 {
				t.Errorf("%d pages read, want 6", n)
			}
		})
	}
	t.Run("the safety cap leaves the post to a person", func(t *testing.T) {
		srv, clock, token := fake(t)
		srv.SetGoToSocialMode(true)
		p := poster(t, srv, clock, token)
		p.lookupPages = 2
		m := msg()
		m.Attempt = 2
		for i := range 100 {
			clock.Advance(time.Second)
			other := msg()
			other.IdempotencyKey, other.Text = fmt.Sprintf("onair-b%d", i), fmt.Sprintf("Burst %d", i)
			if _, err := p.Post(context.Background(), other); err != nil {
				t.Fatal(err)
			}
		}
		_, err := p.Post(context.Background(), m)
		if posting.Classify(err) != "unknown" || !strings.Contains(err.Error(), "80 latest statuses") {
			t.Fatalf("%v classified %q, want unknown", err, posting.Classify(err))
		}
		if n := len(srv.Statuses("brand")); n != 100 {
			t.Errorf("%d statuses: posted without knowing", n)
		}
	})
}
