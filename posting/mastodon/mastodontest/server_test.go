package mastodontest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

var start = time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)

// call sends a request as a client would and returns the answer's code, headers and JSON body.
func call(t *testing.T, srv *mastodontest.Server, token, method, path, contentType string, body []byte, header map[string]string) (int, http.Header, any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	json.Unmarshal(raw, &v)
	return resp.StatusCode, resp.Header, v
}

func postStatus(t *testing.T, srv *mastodontest.Server, token, key string, body map[string]any) (int, any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	h := map[string]string{}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	code, _, v := call(t, srv, token, "POST", "/api/v1/statuses", "application/json", raw, h)
	return code, v
}

func field(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

func newServer(t *testing.T) (*mastodontest.Server, *mastodontest.Clock, string) {
	srv := mastodontest.New(t)
	clock := mastodontest.NewClock(start)
	srv.SetClock(clock.Now)
	return srv, clock, srv.AddAccount("brand")
}

// The server records requests that break Mastodon's API, and refuses them as Mastodon would.
func TestContractErrors(t *testing.T) {
	tests := []struct {
		name string
		send func(t *testing.T, srv *mastodontest.Server, token string) int
		code int
		says string // in the contract error
	}{
		{"status without Idempotency-Key", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _ := postStatus(t, srv, token, "", map[string]any{"status": "hi"})
			return code
		}, 200, "no Idempotency-Key"},
		{"unknown visibility", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _ := postStatus(t, srv, token, "k", map[string]any{"status": "hi", "visibility": "followers"})
			return code
		}, 422, "visibility"},
		{"language that is not a code", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _ := postStatus(t, srv, token, "k", map[string]any{"status": "hi", "language": "French"})
			return code
		}, 200, "ISO 639"},
		{"media id never uploaded", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _ := postStatus(t, srv, token, "k", map[string]any{"status": "hi", "media_ids": []string{"42"}})
			return code
		}, 422, "media 42"},
		{"media_ids not strings", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _ := postStatus(t, srv, token, "k", map[string]any{"status": "hi", "media_ids": []int{42}})
			return code
		}, 400, "not strings"},
		{"no token", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _ := postStatus(t, srv, "", "k", map[string]any{"status": "hi"})
			return code
		}, 401, "no Authorization"},
		{"a route Mastodon does not have", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _, _ := call(t, srv, token, "POST", "/api/v1/toots", "application/json", []byte(`{}`), nil)
			return code
		}, 404, "no such route"},
		{"media not as multipart", func(t *testing.T, srv *mastodontest.Server, token string) int {
			code, _, _ := call(t, srv, token, "POST", "/api/v2/media", "application/json", []byte(`{}`), nil)
			return code
		}, 422, "multipart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, token := newServer(t)
			if code := tt.send(t, srv, token); code != tt.code {
				t.Errorf("answered %d, want %d", code, tt.code)
			}
			errs := srv.ContractErrors()
			if len(errs) != 1 || !strings.Contains(errs[0], tt.says) {
				t.Errorf("contract errors %q, want one saying %q", errs, tt.says)
			}
		})
	}
}

func TestIdempotencyKeyForAnHour(t *testing.T) {
	srv, clock, token := newServer(t)
	_, first := postStatus(t, srv, token, "key-1", map[string]any{"status": "hello"})
	clock.Advance(59 * time.Minute)
	_, again := postStatus(t, srv, token, "key-1", map[string]any{"status": "something else"})
	if field(first, "id") != field(again, "id") {
		t.Errorf("a repeat within the hour created %v", field(again, "id"))
	}
	other := srv.AddAccount("other")
	_, theirs := postStatus(t, srv, other, "key-1", map[string]any{"status": "hello"})
	if field(theirs, "id") == field(first, "id") {
		t.Error("keys are per account")
	}
	clock.Advance(2 * time.Minute)
	_, later := postStatus(t, srv, token, "key-1", map[string]any{"status": "hello"})
	if field(later, "id") == field(first, "id") {
		t.Error("the key was remembered past the hour")
	}
	if n := len(srv.Statuses("brand")); n != 2 {
		t.Errorf("%d statuses, want 2", n)
	}
	if errs := srv.ContractErrors(); len(errs) > 0 {
		t.Error(errs)
	}
}

func TestRateLimit(t *testing.T) {
	srv, clock, token := newServer(t)
	clock.Advance(90 * time.Second)
	srv.SetRateLimit(2, 5*time.Minute)
	for i, want := range []int{200, 200, 429} {
		code, h, v := call(t, srv, token, "GET", "/api/v1/accounts/verify_credentials", "", nil, nil)
		if code != want {
			t.Fatalf("request %d answered %d, want %d (%v)", i, code, want, v)
		}
		reset, err := time.Parse(time.RFC3339Nano, h.Get("X-RateLimit-Reset"))
		if err != nil || !reset.Equal(start.Add(5*time.Minute)) || h.Get("X-RateLimit-Limit") != "2" {
			t.Errorf("headers %v", h)
		}
		if want == 429 && (h.Get("X-RateLimit-Remaining") != "0" || field(v, "error") != "Too many requests") {
			t.Errorf("429 %v %v", h, v)
		}
	}
	clock.Advance(5 * time.Minute)
	if code, _, _ := call(t, srv, token, "GET", "/api/v1/accounts/verify_credentials", "", nil, nil); code != 200 {
		t.Errorf("a new window answered %d", code)
	}
}

func upload(t *testing.T, srv *mastodontest.Server, token string, data []byte, declared, description string) (int, any) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="a.png"`)
	h.Set("Content-Type", declared)
	part, _ := w.CreatePart(h)
	part.Write(data)
	w.WriteField("description", description)
	w.Close()
	code, _, v := call(t, srv, token, "POST", "/api/v2/media", w.FormDataContentType(), buf.Bytes(), nil)
	return code, v
}

// pngHeader is enough of a PNG for http.DetectContentType.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

func TestMediaProcessing(t *testing.T) {
	srv, clock, token := newServer(t)
	srv.SetMediaProcessing(2 * time.Second)
	code, m := upload(t, srv, token, pngHeader, "image/png", "A terrace")
	id, _ := field(m, "id").(string)
	if code != 202 || field(m, "url") != nil || field(m, "description") != "A terrace" {
		t.Fatalf("upload answered %d %v", code, m)
	}
	if code, _, v := call(t, srv, token, "GET", "/api/v1/media/"+id, "", nil, nil); code != 206 || field(v, "url") != nil {
		t.Errorf("while processing: %d %v", code, v)
	}
	if code, _ := postStatus(t, srv, token, "k1", map[string]any{"status": "too soon", "media_ids": []string{id}}); code != 422 {
		t.Errorf("attached while processing: %d", code)
	}
	clock.Advance(2 * time.Second)
	if code, _, v := call(t, srv, token, "GET", "/api/v1/media/"+id, "", nil, nil); code != 200 || field(v, "url") == nil {
		t.Errorf("once processed: %d %v", code, v)
	}
	if code, v := postStatus(t, srv, token, "k2", map[string]any{"status": "now", "media_ids": []string{id}}); code != 200 {
		t.Errorf("attach: %d %v", code, v)
	}
	if code, _, _ := call(t, srv, token, "GET", "/api/v1/media/"+id, "", nil, nil); code != 404 {
		t.Errorf("an attached media is no longer listed: %d", code)
	}
	if code, _ := postStatus(t, srv, token, "k3", map[string]any{"status": "twice", "media_ids": []string{id}}); code != 422 {
		t.Errorf("attached twice: %d", code)
	}
	if errs := srv.ContractErrors(); len(errs) != 2 {
		t.Errorf("contract errors %q, want the early and the double attachment", errs)
	}
	if code, _ := upload(t, srv, token, pngHeader, "image/jpeg", ""); code != 422 {
		t.Errorf("a PNG declared as JPEG: %d", code)
	}
	if code, _ := upload(t, srv, token, []byte("not a picture"), "text/plain", ""); code != 422 {
		t.Errorf("text as an image: %d", code)
	}
}

func TestAccountStatuses(t *testing.T) {
	srv, clock, token := newServer(t)
	for i, vis := range []string{"public", "private", "unlisted", "direct", "public"} {
		clock.Advance(time.Minute)
		postStatus(t, srv, token, "k"+vis+string(rune('a'+i)), map[string]any{"status": "post " + vis, "visibility": vis})
	}
	id := srv.AccountID("brand")
	ids := func(v any) (out []string) {
		list, _ := v.([]any)
		for _, s := range list {
			out = append(out, field(s, "id").(string))
		}
		return out
	}
	all := srv.Statuses("brand")
	_, _, own := call(t, srv, token, "GET", "/api/v1/accounts/"+id+"/statuses?limit=40", "", nil, nil)
	if got := ids(own); len(got) != 5 || got[0] != all[4].ID || got[4] != all[0].ID {
		t.Errorf("own statuses %v: want all five, newest first", got)
	}
	_, _, anon := call(t, srv, "", "GET", "/api/v1/accounts/"+id+"/statuses", "", nil, nil)
	if got := ids(anon); len(got) != 3 {
		t.Errorf("without a token %v: want the public and unlisted ones", got)
	}
	_, h, page := call(t, srv, token, "GET", "/api/v1/accounts/"+id+"/statuses?limit=2&max_id="+all[3].ID, "", nil, nil)
	if got := ids(page); len(got) != 2 || got[0] != all[2].ID || got[1] != all[1].ID || !strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Errorf("page before %s: %v, Link %q", all[3].ID, got, h.Get("Link"))
	}
	readOnlyOther := srv.AddToken("other", "write:statuses")
	if code, _, _ := call(t, srv, readOnlyOther, "GET", "/api/v1/accounts/"+id+"/statuses", "", nil, nil); code != 403 {
		t.Errorf("a token without read:statuses: %d", code)
	}
}

func TestContent(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Hello", "<p>Hello</p>"},
		{"  a & <b>\n\n\nc\nd  ", "<p>a &amp; &lt;b&gt;</p><p>c<br />d</p>"},
		{"https://example.com/live.", `<p><a href="https://example.com/live" target="_blank" rel="nofollow noopener noreferrer"><span class="invisible">https://</span><span class="">example.com/live</span><span class="invisible"></span></a>.</p>`},
		{"#Spring", `<p><a href="BASE/tags/Spring" class="mention hashtag" rel="tag">#<span>Spring</span></a></p>`},
		{"@brand @nobody", `<p><span class="h-card"><a href="BASE/@brand" class="u-url mention">@<span>brand</span></a></span> @nobody</p>`},
	}
	for _, tt := range tests {
		srv, _, token := newServer(t)
		postStatus(t, srv, token, "k", map[string]any{"status": tt.text})
		want := strings.ReplaceAll(tt.want, "BASE", srv.URL)
		if got := srv.Statuses("brand")[0].Content; got != want {
			t.Errorf("%q rendered\n%s\nwant\n%s", tt.text, got, want)
		}
	}
}

func TestOAuthChecks(t *testing.T) {
	srv, _, _ := newServer(t)
	form := url.Values{"client_name": {"onair"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {"read write:statuses"}}
	_, _, app := call(t, srv, "", "POST", "/api/v1/apps", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	id, secret := field(app, "client_id").(string), field(app, "client_secret").(string)
	page := srv.URL + "/oauth/authorize?" + url.Values{"client_id": {id}, "redirect_uri": {"https://elsewhere.example/cb"},
		"response_type": {"code"}, "scope": {"read"}}.Encode()
	if _, err := srv.Approve(page, "brand"); err == nil {
		t.Error("a redirect URI the app did not register was accepted")
	}
	page = srv.URL + "/oauth/authorize?" + url.Values{"client_id": {id}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"},
		"response_type": {"code"}, "scope": {"read"}}.Encode()
	code, err := srv.Approve(page, "brand")
	if err != nil {
		t.Fatal(err)
	}
	tokenForm := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {id}, "client_secret": {secret},
		"redirect_uri": {"https://elsewhere.example/cb"}}
	if status, _, v := call(t, srv, "", "POST", "/oauth/token", "application/x-www-form-urlencoded", []byte(tokenForm.Encode()), nil); status != 400 || field(v, "error") != "invalid_grant" {
		t.Errorf("redirect URI mismatch: %d %v", status, v)
	}
	tokenForm.Set("redirect_uri", "urn:ietf:wg:oauth:2.0:oob")
	status, _, v := call(t, srv, "", "POST", "/oauth/token", "application/x-www-form-urlencoded", []byte(tokenForm.Encode()), nil)
	if status != 200 || field(v, "scope") != "read" || field(v, "token_type") != "Bearer" {
		t.Fatalf("token: %d %v", status, v)
	}
	tok := field(v, "access_token").(string)
	if code, _, _ := call(t, srv, tok, "GET", "/api/v1/accounts/verify_credentials", "", nil, nil); code != 200 {
		t.Errorf("the new token: %d", code)
	}
	if code, _ := postStatus(t, srv, tok, "k", map[string]any{"status": "hi"}); code != 403 {
		t.Errorf("a read token posted: %d", code)
	}
	if errs := srv.ContractErrors(); len(errs) != 2 {
		t.Errorf("contract errors %q, want the two redirect URI mismatches", errs)
	}
}
