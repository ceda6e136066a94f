package blueskytest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)

type answer struct {
	status int
	body   map[string]any
	header http.Header
}

func call(t *testing.T, s *Server, method, bearer, contentType string, body []byte) answer {
	t.Helper()
	verb := http.MethodPost
	if body == nil {
		verb = http.MethodGet
	}
	req, _ := http.NewRequest(verb, s.URL+"/xrpc/"+method, bytes.NewReader(body))
	if body == nil {
		req.Body = nil
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	json.Unmarshal(data, &a.body)
	return a
}

func setup(t *testing.T) (*Server, *time.Time, string, string) {
	s := New(t)
	now := t0
	s.SetClock(func() time.Time { return now })
	did := s.AddAccount("brand.bsky.social", "pw")
	access, _ := s.IssueSession(did)
	return s, &now, did, access
}

func createBody(did, rkey string, record map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record})
	return b
}

func post(text string, extra map[string]any) map[string]any {
	r := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2027-03-30T16:00:00.000Z"}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func facet(start, end int, feature map[string]any) map[string]any {
	return map[string]any{"index": map[string]any{"byteStart": start, "byteEnd": end}, "features": []any{feature}}
}

func TestCreateRecordChecks(t *testing.T) {
	link := func(uri string) map[string]any {
		return map[string]any{"$type": "app.bsky.richtext.facet#link", "uri": uri}
	}
	tag := func(t string) map[string]any { return map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": t} }
	tests := []struct {
		name     string
		rkey     string
		record   map[string]any
		status   int
		error    string
		contract bool
	}{
		{"valid", "3jzfcijpj2z2a", post("é https://a.io #go", map[string]any{
			"facets": []any{facet(3, 15, link("https://a.io")), facet(16, 19, tag("go"))}, "langs": []string{"fr"}}), 200, "", false},
		{"rkey not a TID", "my-post-1", post("hi", nil), 400, "InvalidRequest", true},
		{"no $type", "3jzfcijpj2z2a", map[string]any{"text": "hi", "createdAt": "2027-03-30T16:00:00Z"}, 400, "InvalidRequest", true},
		{"bad createdAt", "3jzfcijpj2z2a", map[string]any{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "30/03/2027"}, 400, "InvalidRequest", true},
		{"facet cuts a character", "3jzfcijpj2z2a", post("é https://a.io", map[string]any{"facets": []any{facet(1, 14, link("https://a.io"))}}), 400, "InvalidRequest", true},
		{"facet past the end", "3jzfcijpj2z2a", post("https://a.io", map[string]any{"facets": []any{facet(0, 40, link("https://a.io"))}}), 400, "InvalidRequest", true},
		{"facet off by one", "3jzfcijpj2z2a", post("é https://a.io", map[string]any{"facets": []any{facet(2, 14, link("https://a.io"))}}), 400, "InvalidRequest", true},
		{"link without scheme", "3jzfcijpj2z2a", post("a.io", map[string]any{"facets": []any{facet(0, 4, link("a.io"))}}), 400, "InvalidRequest", true},
		{"tag with #", "3jzfcijpj2z2a", post("#go", map[string]any{"facets": []any{facet(0, 3, tag("#go"))}}), 400, "InvalidRequest", true},
		{"too many langs", "3jzfcijpj2z2a", post("hi", map[string]any{"langs": []string{"en", "fr", "de", "es"}}), 400, "InvalidRequest", true},
		{"thumb never uploaded", "3jzfcijpj2z2a", post("hi", map[string]any{"embed": map[string]any{"$type": "app.bsky.embed.external",
			"external": map[string]any{"uri": "https://a.io", "title": "t", "description": "d",
				"thumb": map[string]any{"$type": "blob", "ref": map[string]any{"$link": "bafkreiabc"}, "mimeType": "image/png", "size": 10}}}}), 400, "BlobNotFound", true},
		{"reply to nothing", "3jzfcijpj2z2a", post("hi", map[string]any{"reply": map[string]any{
			"root":   map[string]any{"uri": "at://did:plc:x/app.bsky.feed.post/3jzfcijpj2z2a", "cid": "bafyrei"},
			"parent": map[string]any{"uri": "at://did:plc:x/app.bsky.feed.post/3jzfcijpj2z2a", "cid": "bafyrei"}}}), 400, "InvalidRequest", true},
		{"text too long is the marketer's", "3jzfcijpj2z2a", post(strings.Repeat("a", 301), nil), 400, "InvalidRequest", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, did, access := setup(t)
			a := call(t, s, CreateRecord, access, "application/json", createBody(did, tt.rkey, tt.record))
			if a.status != tt.status || tt.error != "" && a.body["error"] != tt.error {
				t.Fatalf("%d %v, want %d %s", a.status, a.body, tt.status, tt.error)
			}
			if got := len(s.ContractErrors()) > 0; got != tt.contract {
				t.Errorf("contract errors %q, want some: %v", s.ContractErrors(), tt.contract)
			}
			if tt.status == 200 {
				uri, _ := a.body["uri"].(string)
				if uri != "at://"+did+"/app.bsky.feed.post/"+tt.rkey || !strings.HasPrefix(a.body["cid"].(string), "bafyrei") {
					t.Errorf("answer %v", a.body)
				}
				if a.header.Get("RateLimit-Remaining") != "4997" || a.header.Get("RateLimit-Policy") != "5000;w=3600" {
					t.Errorf("rate headers %v", a.header)
				}
			}
		})
	}
}

func TestCollisionAndGetRecord(t *testing.T) {
	s, _, did, access := setup(t)
	body := createBody(did, "3jzfcijpj2z2a", post("hi", nil))
	first := call(t, s, CreateRecord, access, "application/json", body)
	again := call(t, s, CreateRecord, access, "application/json", body)
	if first.status != 200 || again.status != 500 || again.body["error"] != "InternalServerError" {
		t.Fatalf("first %v, again %d %v", first.body, again.status, again.body)
	}
	got := call(t, s, GetRecord+"?repo="+did+"&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2a", "", "", nil)
	if got.status != 200 || got.body["cid"] != first.body["cid"] || got.body["uri"] != first.body["uri"] {
		t.Errorf("getRecord %d %v", got.status, got.body)
	}
	missing := call(t, s, GetRecord+"?repo=brand.bsky.social&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2b", "", "", nil)
	if missing.status != 400 || missing.body["error"] != "RecordNotFound" {
		t.Errorf("missing %d %v", missing.status, missing.body)
	}
	if len(s.Posts(did)) != 1 || len(s.ContractErrors()) != 0 {
		t.Errorf("posts %v, contract %v", s.Posts(did), s.ContractErrors())
	}
}

func TestSessions(t *testing.T) {
	s, now, did, _ := setup(t)
	login, _ := json.Marshal(map[string]string{"identifier": "brand.bsky.social", "password": "pw"})
	a := call(t, s, CreateSession, "", "application/json", login)
	if a.status != 200 || a.body["did"] != did {
		t.Fatalf("%d %v", a.status, a.body)
	}
	access, refresh := a.body["accessJwt"].(string), a.body["refreshJwt"].(string)
	parts := strings.Split(access, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	json.Unmarshal(payload, &c)
	if len(parts) != 3 || c["sub"] != did || c["scope"] != "com.atproto.appPass" || int64(c["exp"].(float64)) != t0.Add(2*time.Hour).Unix() {
		t.Errorf("access JWT claims %v", c)
	}
	if a := call(t, s, GetSession, refresh, "", nil); a.status != 400 || a.body["error"] != "InvalidToken" {
		t.Errorf("refresh JWT as access: %d %v", a.status, a.body)
	}

	r := call(t, s, RefreshSession, refresh, "", []byte{})
	if r.status != 200 || r.body["refreshJwt"] == refresh {
		t.Fatalf("refresh %d %v", r.status, r.body)
	}
	if a := call(t, s, RefreshSession, refresh, "", []byte{}); a.status != 400 || a.body["error"] != "ExpiredToken" {
		t.Errorf("rotated refresh JWT reused: %d %v", a.status, a.body)
	}
	*now = now.Add(2 * time.Hour)
	if a := call(t, s, GetSession, access, "", nil); a.status != 400 || a.body["error"] != "ExpiredToken" {
		t.Errorf("expired access JWT: %d %v", a.status, a.body)
	}
	if a := call(t, s, GetSession, "", "", nil); a.status != 401 || a.body["error"] != "AuthMissing" {
		t.Errorf("no JWT: %d %v", a.status, a.body)
	}
	bad, _ := json.Marshal(map[string]string{"identifier": did, "password": "nope"})
	if a := call(t, s, CreateSession, "", "application/json", bad); a.status != 401 || a.body["error"] != "AuthenticationRequired" {
		t.Errorf("bad password: %d %v", a.status, a.body)
	}
	// The 2 hours above started a new window: the refused login is its first.
	for range 29 {
		call(t, s, CreateSession, "", "application/json", login)
	}
	a = call(t, s, CreateSession, "", "application/json", login)
	if a.status != 429 || a.header.Get("RateLimit-Limit") != "30" || a.header.Get("RateLimit-Policy") != "30;w=300" {
		t.Errorf("31st login: %d %v %v", a.status, a.body, a.header)
	}
	if s.Requests(CreateSession) != 32 {
		t.Errorf("%d createSession requests", s.Requests(CreateSession))
	}
}

func TestBlobs(t *testing.T) {
	s, now, did, access := setup(t)
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100))
	up := call(t, s, UploadBlob, access, "image/png", png)
	blob, _ := up.body["blob"].(map[string]any)
	if up.status != 200 || blob["$type"] != "blob" || blob["mimeType"] != "image/png" || blob["size"] != float64(len(png)) {
		t.Fatalf("%d %v", up.status, up.body)
	}
	card := func(uri string) map[string]any {
		return map[string]any{"embed": map[string]any{"$type": "app.bsky.embed.external",
			"external": map[string]any{"uri": uri, "title": "t", "description": "", "thumb": blob}}}
	}
	// Not referenced in time: collected.
	*now = now.Add(6 * time.Minute)
	if a := call(t, s, CreateRecord, access, "application/json", createBody(did, "3jzfcijpj2z2a", post("hi", card("https://a.io")))); a.status != 400 || a.body["error"] != "BlobNotFound" {
		t.Errorf("late reference: %d %v", a.status, a.body)
	}
	call(t, s, UploadBlob, access, "image/png", png)
	if a := call(t, s, CreateRecord, access, "application/json", createBody(did, "3jzfcijpj2z2b", post("hi", card("https://a.io")))); a.status != 200 {
		t.Errorf("prompt reference: %d %v", a.status, a.body)
	}
	// Referenced: kept however long.
	*now = now.Add(24 * time.Hour)
	access, _ = s.IssueSession(did)
	if a := call(t, s, CreateRecord, access, "application/json", createBody(did, "3jzfcijpj2z2c", post("hi", card("https://a.io")))); a.status != 200 {
		t.Errorf("referenced blob reused: %d %v", a.status, a.body)
	}
	if a := call(t, s, UploadBlob, access, "image/png", append(png, make([]byte, 1_000_000)...)); a.status != 400 || a.body["error"] != "BlobTooLarge" {
		t.Errorf("big upload: %d %v", a.status, a.body)
	}
	if len(s.ContractErrors()) != 0 {
		t.Errorf("contract errors %v", s.ContractErrors())
	}
}

func TestFaults(t *testing.T) {
	s, _, did, access := setup(t)
	s.Fail(CreateRecord, RateLimited, AcceptThenDrop)
	a := call(t, s, CreateRecord, access, "application/json", createBody(did, "3jzfcijpj2z2a", post("hi", nil)))
	if a.status != 429 || a.header.Get("Retry-After") != "30" || a.header.Get("RateLimit-Reset") != "1806422430" {
		t.Errorf("429: %d %v", a.status, a.header)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/xrpc/"+CreateRecord, bytes.NewReader(createBody(did, "3jzfcijpj2z2a", post("hi", nil))))
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json")
	if _, err := s.Client().Do(req); err == nil {
		t.Error("accept then drop answered")
	}
	if len(s.Posts(did)) != 1 {
		t.Errorf("accept then drop kept %d posts", len(s.Posts(did)))
	}
}
