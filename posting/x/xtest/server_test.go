package xtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
)

var allScopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// bearerServer is a fake whose DefaultUser holds an OAuth 2.0 token with scopes.
func bearerServer(t *testing.T, scopes ...string) (*Server, Client, posting.Token, *clock) {
	t.Helper()
	s := New(t)
	c := &clock{t: time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)}
	s.Now = c.now
	if scopes == nil {
		scopes = allScopes
	}
	cl := s.NewClient(false, "http://127.0.0.1:8765/callback")
	return s, cl, s.IssueToken(cl, DefaultUser, scopes...), c
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, s *Server, tok posting.Token, method, path, contentType string, body []byte) answer {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok.Access != "" {
		req.Header.Set("Authorization", "Bearer "+tok.Access)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	json.Unmarshal(raw, &a.body)
	return a
}

func post(t *testing.T, s *Server, tok posting.Token, body string) answer {
	t.Helper()
	return do(t, s, tok, http.MethodPost, "/2/tweets", "application/json", []byte(body))
}

func upload(t *testing.T, s *Server, tok posting.Token, data []byte, fields map[string]string) answer {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if data != nil {
		fw, _ := mw.CreateFormFile("media", "teaser.png")
		fw.Write(data)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	return do(t, s, tok, http.MethodPost, "/2/media/upload", mw.FormDataContentType(), buf.Bytes())
}

func detail(a answer) string { d, _ := a.body["detail"].(string); return d }

func TestCreatePostRules(t *testing.T) {
	s, _, tok, _ := bearerServer(t)
	ok := post(t, s, tok, `{"text":"Rendez-vous mardi."}`)
	if ok.status != http.StatusCreated || ok.header.Get("x-rate-limit-remaining") != "99" {
		t.Fatalf("first post: %d %v %v", ok.status, ok.body, ok.header)
	}
	id := ok.body["data"].(map[string]any)["id"].(string)
	tests := []struct {
		name   string
		body   string
		status int
		detail string
	}{
		{"280 weighted characters", `{"text":"` + strings.Repeat("語", 140) + `"}`, 201, ""},
		{"281 weighted characters", `{"text":"` + strings.Repeat("語", 140) + `a"}`, 400, "too long"},
		{"duplicate text", `{"text":"Rendez-vous mardi."}`, 403, DuplicateDetail},
		{"reply", `{"text":"J-1.","reply":{"in_reply_to_tweet_id":"` + id + `"}}`, 201, ""},
		{"reply to an unknown post", `{"text":"J-0.","reply":{"in_reply_to_tweet_id":"1234567890"}}`, 400, "deleted or not visible"},
		{"unknown media", `{"text":"J-3.","media":{"media_ids":["1234567890"]}}`, 400, "media IDs are invalid"},
		{"media and quote", `{"text":"J-3.","media":{"media_ids":["1"]},"quote_tweet_id":"` + id + `"}`, 400, "mutually exclusive"},
		{"no text nor media", `{}`, 400, "text or media"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, s, tok, tt.body)
			if a.status != tt.status || !strings.Contains(detail(a), tt.detail) {
				t.Errorf("%d %v, want %d %q", a.status, a.body, tt.status, tt.detail)
			}
		})
	}
	if n := len(s.Posts()); n != 3 {
		t.Errorf("%d posts kept, want 3", n)
	}
	if p := s.Posts()[2]; p.ReplyTo != id || p.Auth != "oauth2" || p.AuthorID != DefaultUser.ID {
		t.Errorf("reply kept as %+v", p)
	}
}

func TestContractErrors(t *testing.T) {
	tests := []struct {
		name string
		send func(*testing.T, *Server, posting.Token) answer
		want string // in the contract error
	}{
		{"unknown field", func(t *testing.T, s *Server, tok posting.Token) answer {
			return post(t, s, tok, `{"text":"hi","lang":"fr"}`)
		}, `property "lang" is unsupported`},
		{"media id not digits", func(t *testing.T, s *Server, tok posting.Token) answer {
			return post(t, s, tok, `{"text":"hi","media":{"media_ids":["abc"]}}`)
		}, "regular expression"},
		{"five media", func(t *testing.T, s *Server, tok posting.Token) answer {
			return post(t, s, tok, `{"text":"hi","media":{"media_ids":["1","2","3","4","5"]}}`)
		}, "maximum number of items is 4"},
		{"not JSON", func(t *testing.T, s *Server, tok posting.Token) answer {
			return do(t, s, tok, http.MethodPost, "/2/tweets", "text/plain", []byte("hi"))
		}, "text/plain"},
		{"upload without media_category", func(t *testing.T, s *Server, tok posting.Token) answer {
			return upload(t, s, tok, []byte("\x89PNG\r\n\x1a\nxxxx"), nil)
		}, "media_category"},
		{"upload with a category X does not have", func(t *testing.T, s *Server, tok posting.Token) answer {
			return upload(t, s, tok, []byte("\x89PNG\r\n\x1a\nxxxx"), map[string]string{"media_category": "tweet_picture"})
		}, "media_category"},
		{"upload with a token without media.write", func(t *testing.T, s *Server, _ posting.Token) answer {
			tok := s.IssueToken(s.NewClient(false), DefaultUser, "tweet.read", "tweet.write", "users.read")
			return upload(t, s, tok, []byte("\x89PNG\r\n\x1a\nxxxx"), map[string]string{"media_category": "tweet_image"})
		}, "media.write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, tok, _ := bearerServer(t)
			s.AllowContractErrors = true
			a := tt.send(t, s, tok)
			errs := s.Errors()
			if a.status < 400 || len(errs) != 1 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("answer %d %v, contract errors %q, want one about %q", a.status, a.body, errs, tt.want)
			}
			if len(s.Posts())+len(s.Uploads()) != 0 {
				t.Error("kept")
			}
		})
	}
	t.Run("unknown endpoint", func(t *testing.T) {
		s, _, tok, _ := bearerServer(t)
		s.AllowContractErrors = true
		if a := do(t, s, tok, http.MethodPost, "/1.1/statuses/update.json", "", nil); a.status != http.StatusNotFound || len(s.Errors()) != 1 {
			t.Errorf("%d, %v", a.status, s.Errors())
		}
	})
}

func TestBearerTokens(t *testing.T) {
	s, cl, tok, c := bearerServer(t)
	if a := do(t, s, tok, http.MethodGet, "/2/users/me", "", nil); a.status != 200 || a.body["data"].(map[string]any)["username"] != DefaultUser.Username {
		t.Fatalf("me: %d %v", a.status, a.body)
	}
	c.t = c.t.Add(2 * time.Hour)
	if a := do(t, s, tok, http.MethodGet, "/2/users/me", "", nil); a.status != http.StatusUnauthorized {
		t.Errorf("expired token: %d", a.status)
	}
	fresh := s.IssueToken(cl, DefaultUser, allScopes...)
	s.Revoke(fresh)
	if a := do(t, s, fresh, http.MethodGet, "/2/users/me", "", nil); a.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", a.status)
	}
	if a := do(t, s, posting.Token{Access: "made-up"}, http.MethodGet, "/2/users/me", "", nil); a.status != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", a.status)
	}
	if len(s.Refusals()) != 3 {
		t.Errorf("refusals %v", s.Refusals())
	}
}

func TestDailyCap(t *testing.T) {
	s, cl, tok, c := bearerServer(t)
	s.PostsPer24h = 2
	for i, text := range []string{"one", "two", "three"} {
		a := post(t, s, tok, `{"text":"`+text+`"}`)
		want := http.StatusCreated
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if a.status != want {
			t.Fatalf("post %d: %d, want %d", i+1, a.status, want)
		}
		if i == 2 && (a.header.Get("x-user-limit-24hour-remaining") != "0" || a.header.Get("x-user-limit-24hour-reset") != unix(c.t.Add(24*time.Hour))) {
			t.Errorf("headers %v", a.header)
		}
	}
	c.t = c.t.Add(24 * time.Hour)
	tok = s.IssueToken(cl, DefaultUser, allScopes...) // the first expired meanwhile
	if a := post(t, s, tok, `{"text":"four"}`); a.status != http.StatusCreated {
		t.Errorf("a day later: %d", a.status)
	}
}

func TestMediaUpload(t *testing.T) {
	s, _, tok, c := bearerServer(t)
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100))
	a := upload(t, s, tok, png, map[string]string{"media_category": "tweet_image"})
	if a.status != http.StatusOK {
		t.Fatalf("upload: %d %v", a.status, a.body)
	}
	id := a.body["data"].(map[string]any)["id"].(string)
	if p := post(t, s, tok, `{"text":"J-3.","media":{"media_ids":["`+id+`"]}}`); p.status != http.StatusCreated {
		t.Errorf("post with the picture: %d %v", p.status, p.body)
	}

	gif := upload(t, s, tok, []byte("GIF89a"+strings.Repeat("x", 100)), map[string]string{"media_category": "tweet_gif"})
	gid := gif.body["data"].(map[string]any)["id"].(string)
	if info := gif.body["data"].(map[string]any)["processing_info"].(map[string]any); info["state"] != "pending" {
		t.Errorf("GIF processing %v", info)
	}
	if p := post(t, s, tok, `{"text":"J-2.","media":{"media_ids":["`+gid+`"]}}`); p.status != http.StatusBadRequest {
		t.Errorf("post with a GIF still processing: %d", p.status)
	}
	c.t = c.t.Add(gifProcessing)
	st := do(t, s, tok, http.MethodGet, "/2/media/upload?command=STATUS&media_id="+gid, "", nil)
	if info := st.body["data"].(map[string]any)["processing_info"].(map[string]any); info["state"] != "succeeded" {
		t.Errorf("GIF status %v", st.body)
	}

	for name, tt := range map[string]struct {
		data     []byte
		category string
		detail   string
	}{
		"text file":        {[]byte("hello world"), "tweet_image", "media type unrecognized"},
		"too big":          {append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5_000_000)...), "tweet_image", "File size exceeds"},
		"video category":   {png, "tweet_video", "does not take"},
		"empty media part": {[]byte{}, "tweet_image", "missing or empty"},
	} {
		t.Run(name, func(t *testing.T) {
			if a := upload(t, s, tok, tt.data, map[string]string{"media_category": tt.category}); a.status != 400 || !strings.Contains(detail(a), tt.detail) {
				t.Errorf("%d %v", a.status, a.body)
			}
		})
	}

	t.Run("another account's media", func(t *testing.T) {
		other := User{ID: "42", Username: "rival", Name: "Rival"}
		theirs := s.IssueToken(s.NewClient(false), other, allScopes...)
		if p := post(t, s, theirs, `{"text":"mine now","media":{"media_ids":["`+id+`"]}}`); p.status != http.StatusBadRequest {
			t.Errorf("%d", p.status)
		}
	})
}

func TestTokenEndpoint(t *testing.T) {
	s, _, _, c := bearerServer(t)
	s.RefreshTTL = 24 * time.Hour
	public := s.NewClient(false, "http://127.0.0.1:8765/callback")
	confidential := s.NewClient(true, "http://127.0.0.1:8765/callback")
	form := func(cl Client, basic bool, v url.Values) (int, map[string]any) {
		t.Helper()
		if !basic {
			v.Set("client_id", cl.ID)
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/2/oauth2/token", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(url.QueryEscape(cl.ID), url.QueryEscape(cl.Secret))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	refresh := func(cl Client, basic bool, rt string) (int, map[string]any) {
		return form(cl, basic, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}

	t.Run("rotation", func(t *testing.T) {
		tok := s.IssueToken(public, DefaultUser, allScopes...)
		status, out := refresh(public, false, tok.Refresh)
		if status != 200 || out["refresh_token"] == tok.Refresh || out["expires_in"] != 7200.0 {
			t.Fatalf("%d %v", status, out)
		}
		if status, out := refresh(public, false, tok.Refresh); status != 400 || out["error"] != "invalid_request" {
			t.Errorf("spent refresh token: %d %v", status, out)
		}
		if status, _ := refresh(public, false, out["refresh_token"].(string)); status != 200 {
			t.Errorf("new refresh token: %d", status)
		}
	})
	t.Run("expired refresh token", func(t *testing.T) {
		tok := s.IssueToken(public, DefaultUser, allScopes...)
		c.t = c.t.Add(25 * time.Hour)
		if status, out := refresh(public, false, tok.Refresh); status != 400 || out["error"] != "invalid_grant" {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("client authentication", func(t *testing.T) {
		tok := s.IssueToken(confidential, DefaultUser, allScopes...)
		if status, out := refresh(confidential, false, tok.Refresh); status != 401 || out["error"] != "unauthorized_client" {
			t.Errorf("confidential client without Basic: %d %v", status, out)
		}
		if status, out := refresh(confidential, true, tok.Refresh); status != 200 {
			t.Errorf("confidential client with Basic: %d %v", status, out)
		}
		if status, _ := refresh(public, false, s.IssueToken(confidential, DefaultUser, allScopes...).Refresh); status != 400 {
			t.Errorf("another client's refresh token: %d", status)
		}
	})
	t.Run("authorization code with PKCE", func(t *testing.T) {
		const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		code := func() string {
			q := url.Values{"response_type": {"code"}, "client_id": {public.ID}, "redirect_uri": {"http://127.0.0.1:8765/callback"},
				"scope": {strings.Join(allScopes, " ")}, "state": {"st"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
			resp, err := noRedirect.Get(s.URL + "/i/oauth2/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			back, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || back.Query().Get("state") != "st" {
				t.Fatalf("authorize: %d %s", resp.StatusCode, back)
			}
			return back.Query().Get("code")
		}
		exchange := func(code, verifier string) (int, map[string]any) {
			return form(public, false, url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {"http://127.0.0.1:8765/callback"}, "code_verifier": {verifier}})
		}
		if status, out := exchange(code(), "the-wrong-verifier-the-wrong-verifier-1234567"); status != 400 {
			t.Errorf("wrong verifier: %d %v", status, out)
		}
		good := code()
		if status, out := exchange(good, verifier); status != 200 || out["refresh_token"] == nil || out["scope"] != strings.Join(allScopes, " ") {
			t.Errorf("exchange: %d %v", status, out)
		}
		if status, _ := exchange(good, verifier); status != 400 {
			t.Errorf("code used twice: %d", status)
		}
		late := code()
		c.t = c.t.Add(31 * time.Second)
		if status, _ := exchange(late, verifier); status != 400 {
			t.Errorf("code after 30 seconds: %d", status)
		}
	})
}

func TestAuthorizeRefuses(t *testing.T) {
	for name, change := range map[string]func(url.Values){
		"unregistered callback": func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:9999/callback") },
		"unknown scope":         func(q url.Values) { q.Set("scope", "tweet.write post.everything") },
		"plain PKCE":            func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"no state":              func(q url.Values) { q.Del("state") },
		"unknown client":        func(q url.Values) { q.Set("client_id", "nope") },
	} {
		t.Run(name, func(t *testing.T) {
			s := New(t)
			s.AllowContractErrors = true
			cl := s.NewClient(false, "http://127.0.0.1:8765/callback")
			q := url.Values{"response_type": {"code"}, "client_id": {cl.ID}, "redirect_uri": {"http://127.0.0.1:8765/callback"},
				"scope": {"tweet.write"}, "state": {"st"}, "code_challenge": {s256("v")}, "code_challenge_method": {"S256"}}
			change(q)
			resp, err := http.Get(s.URL + "/i/oauth2/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || len(s.Errors()) != 1 {
				t.Errorf("%d, %v", resp.StatusCode, s.Errors())
			}
		})
	}
}

func TestFaults(t *testing.T) {
	s, _, tok, c := bearerServer(t)
	s.FailNext(EndpointTweets, RateLimit, Status500, CreditsDepleted)
	a := post(t, s, tok, `{"text":"one"}`)
	if a.status != 429 || a.header.Get("x-rate-limit-remaining") != "0" || a.header.Get("x-rate-limit-reset") != unix(c.t.Add(15*time.Minute)) {
		t.Errorf("%d %v", a.status, a.header)
	}
	if a := post(t, s, tok, `{"text":"one"}`); a.status != 500 || a.body["type"] != ProblemInternalError {
		t.Errorf("%d %v", a.status, a.body)
	}
	if a := post(t, s, tok, `{"text":"one"}`); a.status != 402 {
		t.Errorf("%d %v", a.status, a.body)
	}
	if a := post(t, s, tok, `{"text":"one"}`); a.status != 201 {
		t.Errorf("faults used up, then: %d", a.status)
	}
	s.FailNext(EndpointTweets, AcceptThenDrop)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/2/tweets", strings.NewReader(`{"text":"two"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.Access)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("AcceptThenDrop answered")
	}
	if n := len(s.Posts()); n != 2 || s.Requests(EndpointTweets) != 5 {
		t.Errorf("%d posts after %d requests", n, s.Requests(EndpointTweets))
	}
}
