package x

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x/xtest"
)

// posters are the two ways onair authenticates to X, each against a fresh fake.
var posters = []struct {
	name string
	new  func(*testing.T, *xtest.Server, *clock) *Poster
	auth string // as xtest.Post.Auth says
}{
	{"OAuth 1.0a", oauth1Poster, "oauth1"},
	{"OAuth 2.0", oauth2Poster, "oauth2"},
}

func TestPost(t *testing.T) {
	for _, pp := range posters {
		t.Run(pp.name, func(t *testing.T) {
			s, c := fake(t)
			p := pp.new(t, s, c)
			text := "J-1 : la collection Printemps arrive demain à 18:00 🎬 https://x.com/i/broadcasts/1ABC"
			r, err := p.Post(context.Background(), msg(text))
			if err != nil {
				t.Fatalf("%v (refusals: %v)", err, s.Refusals())
			}
			posts := s.Posts()
			if len(posts) != 1 {
				t.Fatalf("X has %d posts, want 1", len(posts))
			}
			got := posts[0]
			if got.Text != text || got.AuthorID != xtest.DefaultUser.ID || got.Auth != pp.auth || got.ReplyTo != "" || got.MediaIDs != nil {
				t.Errorf("X has %+v", got)
			}
			if r.RemoteID != got.ID || r.RemoteURL != "https://x.com/i/web/status/"+got.ID {
				t.Errorf("receipt %+v for post %s", r, got.ID)
			}
			if n := s.Requests(xtest.EndpointTweets); n != 1 {
				t.Errorf("%d requests to create the post", n)
			}
			if p.Recovery() != posting.Resend {
				t.Error("X refuses duplicates: an interrupted post is resent")
			}
		})
	}
}

func TestThread(t *testing.T) {
	for _, pp := range posters {
		t.Run(pp.name, func(t *testing.T) {
			s, c := fake(t)
			p := pp.new(t, s, c)
			ctx := context.Background()
			first, err := p.Post(ctx, msg("J-3 : lancement mardi."))
			if err != nil {
				t.Fatal(err)
			}
			m := msg("J-1 : lancement demain.")
			m.Thread = &posting.Thread{Root: first, Parent: first}
			second, err := p.Post(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			m = msg("On est en direct !")
			m.Thread = &posting.Thread{Root: first, Parent: second}
			if _, err := p.Post(ctx, m); err != nil {
				t.Fatal(err)
			}
			posts := s.Posts()
			if posts[1].ReplyTo != first.RemoteID || posts[2].ReplyTo != second.RemoteID {
				t.Errorf("replies to %q and %q, want %q and %q", posts[1].ReplyTo, posts[2].ReplyTo, first.RemoteID, second.RemoteID)
			}

			t.Run("parent unknown to X", func(t *testing.T) {
				m := msg("Replay disponible.")
				m.Thread = &posting.Thread{Root: first, Parent: posting.Receipt{RemoteID: "1234567890123456789"}}
				_, err := p.Post(ctx, m)
				wantKind(t, err, "rejected", "deleted or not visible")
			})
		})
	}
}

func TestImages(t *testing.T) {
	for _, pp := range posters {
		t.Run(pp.name, func(t *testing.T) {
			ctx := context.Background()
			t.Run("teaser gets its picture", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				if _, err := p.Post(ctx, teaser("J-3 : la collection arrive.", picture(t, "png", 200_000))); err != nil {
					t.Fatal(err)
				}
				up := s.Uploads()
				if len(up) != 1 || up[0].Type != "image/png" || up[0].Category != "tweet_image" || up[0].Size != 200_000 {
					t.Fatalf("uploads %+v", up)
				}
				if got := s.Posts()[0].MediaIDs; !slices.Equal(got, []string{up[0].ID}) {
					t.Errorf("media %v, want %v", got, up[0].ID)
				}
				if up[0].Alt != "The spring collection" {
					t.Errorf("alt text %q", up[0].Alt)
				}
			})
			t.Run("a picture without a description goes as it is", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				m := teaser("J-3 : la collection arrive.", picture(t, "png", 1000))
				m.Image.Alt = " "
				if _, err := p.Post(ctx, m); err != nil {
					t.Fatal(err)
				}
				if n := s.Requests(xtest.EndpointMediaMetadata); n != 0 || len(s.Posts()) != 1 {
					t.Errorf("%d metadata requests, %d posts", n, len(s.Posts()))
				}
			})
			t.Run("a description longer than X takes is cut", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				m := teaser("J-3 : la collection arrive.", picture(t, "png", 1000))
				m.Image.Alt = strings.Repeat("é", 1200)
				if _, err := p.Post(ctx, m); err != nil {
					t.Fatal(err)
				}
				alt := []rune(s.Uploads()[0].Alt)
				if len(alt) != 1000 || alt[998] != 'é' || alt[999] != '…' {
					t.Errorf("alt text of %d characters, ending %q", len(alt), string(alt[len(alt)-2:]))
				}
			})
			t.Run("no post while X cannot take the description", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				s.FailNext(xtest.EndpointMediaMetadata, xtest.Status503)
				_, err := p.Post(ctx, teaser("J-3 : la collection arrive.", picture(t, "png", 1000)))
				wantKind(t, err, "retry", "the picture's description", "503")
				if len(s.Posts()) != 0 {
					t.Error("X has the post")
				}
			})
			// Which posts carry the picture is the planner's to decide (postOptions): the
			// adapter posts the one a message has, and none when it has none.
			t.Run("a message without a picture goes without one", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				m := teaser("On est en direct !", picture(t, "png", 1000))
				m.Kind, m.Image = "live", nil
				if _, err := p.Post(ctx, m); err != nil {
					t.Fatal(err)
				}
				if n := s.Requests(xtest.EndpointMediaUpload); n != 0 || s.Posts()[0].MediaIDs != nil {
					t.Errorf("%d uploads, media %v", n, s.Posts()[0].MediaIDs)
				}
			})
			t.Run("GIF waits for X's processing", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				var waited []time.Duration
				p.sleep = func(_ context.Context, d time.Duration) error {
					waited = append(waited, d)
					c.Advance(d)
					return nil
				}
				if _, err := p.Post(ctx, teaser("J-3 : ça bouge.", picture(t, "gif", 3_000_000))); err != nil {
					t.Fatal(err)
				}
				up := s.Uploads()
				if len(up) != 1 || up[0].Category != "tweet_gif" || len(waited) == 0 || s.Requests(xtest.EndpointMediaStatus) == 0 {
					t.Errorf("uploads %+v, waited %v, %d status requests", up, waited, s.Requests(xtest.EndpointMediaStatus))
				}
				if len(s.Posts()) != 1 {
					t.Error("no post")
				}
			})
			for _, bad := range []struct{ name, path, want string }{
				{"too big", picture(t, "png", 5_000_001), "5.0 MB at most"},
				{"not a picture", picture(t, "txt", 100), "not a picture"},
				{"gone", "/nonexistent/teaser.png", "cannot be read"},
			} {
				t.Run(bad.name, func(t *testing.T) {
					s, c := fake(t)
					p := pp.new(t, s, c)
					_, err := p.Post(ctx, teaser("J-3.", bad.path))
					wantKind(t, err, "rejected", bad.want)
					if n := s.Requests(xtest.EndpointMediaUpload) + s.Requests(xtest.EndpointTweets); n != 0 {
						t.Errorf("%d requests to X for a picture onair knew X refuses", n)
					}
				})
			}
		})
	}
}

func TestDuplicate(t *testing.T) {
	for _, pp := range posters {
		t.Run(pp.name, func(t *testing.T) {
			ctx := context.Background()
			t.Run("first attempt: a genuine duplicate", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				if _, err := p.Post(ctx, msg("Rendez-vous mardi.")); err != nil {
					t.Fatal(err)
				}
				_, err := p.Post(ctx, msg("Rendez-vous mardi."))
				wantKind(t, err, "rejected", xtest.DuplicateDetail, "already posted", "differ")
			})
			t.Run("later attempt: the earlier try got through", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				m := msg("Rendez-vous mardi.")
				if _, err := p.Post(ctx, m); err != nil {
					t.Fatal(err)
				}
				m.Attempt = 2
				_, err := p.Post(ctx, m)
				wantKind(t, err, "already")
			})
			t.Run("X created the post but the answer was lost", func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				s.FailNext(xtest.EndpointTweets, xtest.AcceptThenDrop)
				m := msg("On est en direct !")
				_, err := p.Post(ctx, m)
				wantKind(t, err, "retry")
				m.Attempt = 2 // the dispatcher's resend
				_, err = p.Post(ctx, m)
				wantKind(t, err, "already")
				if n := len(s.Posts()); n != 1 {
					t.Errorf("X has %d posts, want 1", n)
				}
			})
		})
	}
}

func TestErrorMapping(t *testing.T) {
	start := newClock().Now()
	tests := []struct {
		name     string
		auth     string // "oauth1", "oauth2", or "" for both
		endpoint string // where the fault goes; EndpointMediaUpload posts a teaser with a picture
		faults   []xtest.Fault
		text     string
		kind     string
		words    []string
		until    time.Time
	}{
		{name: "401 with OAuth 1.0a keys", auth: "oauth1", faults: []xtest.Fault{xtest.Unauthorized}, kind: "auth",
			words: []string{"401 Unauthorized", "Keys and tokens"}},
		{name: "401 with an OAuth 2.0 token", auth: "oauth2", faults: []xtest.Fault{xtest.Unauthorized}, kind: "auth",
			words: []string{"401 Unauthorized", "fix:login"}},
		{name: "403 app without write permission", faults: []xtest.Fault{xtest.OAuth1Permissions}, kind: "auth",
			words: []string{"appropriate oauth1 app permissions", "Read and write", "fix:login-resume"}},
		{name: "403 app outside a project", faults: []xtest.Fault{xtest.ClientForbidden}, kind: "auth",
			words: []string{"attached to a Project", "attach the app to a project", "fix:resume"}},
		{name: "402 credits spent", faults: []xtest.Fault{xtest.CreditsDepleted}, kind: "auth",
			words: []string{"credits depleted", "buy credits"}},
		{name: "429 per 15 minutes", faults: []xtest.Fault{xtest.RateLimit}, kind: "rate-limited",
			words: []string{"Too Many Requests", "100 requests per 15 minutes"}, until: start.Add(15*time.Minute + posting.ResetMargin)},
		{name: "429 daily cap", faults: []xtest.Fault{xtest.DailyLimit}, kind: "rate-limited",
			words: []string{"17 posts per 24 hours", "2027-03-31 16:00 UTC"}, until: start.Add(24*time.Hour + posting.ResetMargin)},
		{name: "500", faults: []xtest.Fault{xtest.Status500}, kind: "retry", words: []string{"500", "Something went wrong"}},
		{name: "503", faults: []xtest.Fault{xtest.Status503}, kind: "retry", words: []string{"503", "Service Unavailable"}},
		{name: "connection dropped", faults: []xtest.Fault{xtest.Drop}, kind: "retry", words: []string{"X did not answer"}},
		{name: "timeout", faults: []xtest.Fault{xtest.Hang}, kind: "retry", words: []string{"X did not answer"}},
		{name: "400 text too long", text: strings.Repeat("a", 281), kind: "rejected", words: []string{"400 Bad Request", "too long"}},
		{name: "upload: 401", auth: "oauth1", endpoint: xtest.EndpointMediaUpload, faults: []xtest.Fault{xtest.Unauthorized},
			kind: "auth", words: []string{"the picture upload", "401"}},
		{name: "upload: 503", endpoint: xtest.EndpointMediaUpload, faults: []xtest.Fault{xtest.Status503}, kind: "retry",
			words: []string{"the picture upload", "503"}},
		{name: "upload: 429", endpoint: xtest.EndpointMediaUpload, faults: []xtest.Fault{xtest.RateLimit}, kind: "rate-limited",
			until: start.Add(15*time.Minute + posting.ResetMargin)},
		{name: "upload: 403 permissions", endpoint: xtest.EndpointMediaUpload, faults: []xtest.Fault{xtest.OAuth1Permissions},
			kind: "auth", words: []string{"Read and write"}},
	}
	for _, tt := range tests {
		for _, pp := range posters {
			if tt.auth != "" && tt.auth != pp.auth {
				continue
			}
			t.Run(tt.name+"/"+pp.name, func(t *testing.T) {
				s, c := fake(t)
				p := pp.new(t, s, c)
				p.cfg.Timeout = 100 * time.Millisecond // for the hang; X answers the rest at once
				endpoint, m := xtest.EndpointTweets, msg("Rendez-vous mardi à 18:00.")
				if tt.text != "" {
					m.Text = tt.text
				}
				if tt.endpoint != "" {
					endpoint, m = tt.endpoint, teaser(m.Text, picture(t, "jpeg", 10_000))
				}
				s.FailNext(endpoint, tt.faults...)
				_, err := p.Post(context.Background(), m)
				wantKind(t, err, tt.kind, tt.words...)
				noSecrets(t, err, p)
				var rl *posting.RateLimited
				if errors.As(err, &rl) && !rl.Until.Equal(tt.until) {
					t.Errorf("rate limited until %v, want %v", rl.Until, tt.until)
				}
				if len(s.Posts()) != 0 {
					t.Error("X has the post")
				}
				if tt.kind == "auth" && pp.auth == "oauth2" && s.Requests(endpoint) != 1 {
					t.Errorf("%d requests: a refused token that did not change is not tried again", s.Requests(endpoint))
				}
			})
		}
	}
}

func TestResetTime(t *testing.T) {
	now := time.Unix(1806422400, 0)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Time
	}{
		{"15-minute window", map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1806423300"}, now.Add(15*time.Minute + posting.ResetMargin)},
		{"user's daily cap spent", map[string]string{"x-rate-limit-reset": "1806423300", "x-user-limit-24hour-remaining": "0",
			"x-user-limit-24hour-reset": "1806508800"}, now.Add(24*time.Hour + posting.ResetMargin)},
		{"user's daily cap not spent", map[string]string{"x-rate-limit-reset": "1806423300", "x-user-limit-24hour-remaining": "3",
			"x-user-limit-24hour-reset": "1806508800"}, now.Add(15*time.Minute + posting.ResetMargin)},
		{"app's daily cap spent", map[string]string{"x-rate-limit-reset": "1806423300", "x-app-limit-24hour-remaining": "0",
			"x-app-limit-24hour-reset": "1806440400"}, now.Add(5*time.Hour + posting.ResetMargin)},
		{"both daily caps spent: the later", map[string]string{"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "1806426000",
			"x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": "1806440400"}, now.Add(5*time.Hour + posting.ResetMargin)},
		{"no header: a minute", nil, now.Add(time.Minute)},
		{"reset in the past: a minute", map[string]string{"x-rate-limit-reset": "1806400000"}, now.Add(time.Minute)},
		{"a daily reset is believed up to 25 hours", map[string]string{"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "1806508800"}, now.Add(24*time.Hour + posting.ResetMargin)},
		{"an absurd reset holds 25 hours at most", map[string]string{"x-rate-limit-reset": "2121782400"}, now.Add(posting.MaxDailyHold)},
		{"an absurd daily reset too", map[string]string{"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "1900000000"}, now.Add(posting.MaxDailyHold)},
		{"garbage: a minute", map[string]string{"x-rate-limit-reset": "soon"}, now.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := resetTime(h, now); !got.Equal(tt.want) {
				t.Errorf("resetTime = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMe(t *testing.T) {
	for _, pp := range posters {
		t.Run(pp.name, func(t *testing.T) {
			s, c := fake(t)
			p := pp.new(t, s, c)
			u, err := p.Me(context.Background())
			want := User{ID: xtest.DefaultUser.ID, Username: xtest.DefaultUser.Username, Name: xtest.DefaultUser.Name}
			if err != nil || u != want {
				t.Errorf("Me = %+v, %v; want %+v", u, err, want)
			}
			s.FailNext(xtest.EndpointMe, xtest.Unauthorized)
			_, err = p.Me(context.Background())
			wantKind(t, err, "auth", "the account lookup")
		})
	}
}

func TestNew(t *testing.T) {
	o1 := &OAuth1{ConsumerKey: "ck", ConsumerSecret: "cs", Token: "t", TokenSecret: "ts"}
	o2 := &OAuth2{ClientID: "id", Tokens: posting.NewMemoryTokens(posting.Token{Access: "a"})}
	tests := []struct {
		name string
		cfg  Config
		want string // in the error; "" for none
	}{
		{"OAuth 1.0a", Config{OAuth1: o1}, ""},
		{"OAuth 2.0", Config{OAuth2: o2}, ""},
		{"neither", Config{}, "OAuth 1.0a keys or an OAuth 2.0 login"},
		{"both", Config{OAuth1: o1, OAuth2: o2}, "not both"},
		{"OAuth 1.0a without secrets", Config{OAuth1: &OAuth1{ConsumerKey: "ck", Token: "t"}}, "API key secret (consumer secret), access token secret"},
		{"OAuth 2.0 without a client id", Config{OAuth2: &OAuth2{Tokens: o2.Tokens}}, "Client ID"},
		{"OAuth 2.0 without tokens", Config{OAuth2: &OAuth2{ClientID: "id"}}, "needs the channel's token"},
		{"API URL without a scheme", Config{APIURL: "api.x.com", OAuth1: o1}, "not a full http(s) address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.want == "" && (p.api != DefaultAPIURL || p.cfg.Timeout != 30*time.Second):
				t.Errorf("defaults: %s, %v", p.api, p.cfg.Timeout)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one saying %q", err, tt.want)
			case tt.cfg.OAuth2 != nil && tt.cfg.OAuth2.Tokens == nil && posting.FixOf(err) != posting.FixLogin:
				t.Errorf("error %v calls for fix %q, want a login", err, posting.FixOf(err))
			}
		})
	}
}

// noSecrets fails t if err's message holds one of p's credentials.
func noSecrets(t *testing.T, err error, p *Poster) {
	t.Helper()
	var secrets []string
	if o := p.cfg.OAuth1; o != nil {
		secrets = append(secrets, o.ConsumerSecret, o.Token, o.TokenSecret)
	}
	if o := p.cfg.OAuth2; o != nil {
		tok, _ := o.Tokens.Load(context.Background())
		secrets = append(secrets, o.ClientSecret, tok.Access, tok.Refresh, p.tok.Access, p.tok.Refresh)
	}
	for _, s := range secrets {
		if s != "" && err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("the error %q shows a credential", err)
		}
	}
}

// wantKind checks err's kind (posting.Classify, "" for no error) and that its message holds
// words.
func wantKind(t *testing.T, err error, kind string, words ...string) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Fatalf("error %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", kind)
	}
	if got := posting.Classify(err); got != kind {
		t.Fatalf("%v is %q, want %q", err, got, kind)
	}
	for _, w := range words {
		if fix, ok := strings.CutPrefix(w, "fix:"); ok { // the fix the CLI words as a command
			if got := posting.FixOf(err); got != posting.Fix(fix) {
				t.Errorf("%q calls for fix %q, want %q", err, got, fix)
			}
		} else if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}
