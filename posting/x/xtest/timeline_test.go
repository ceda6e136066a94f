package xtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quote is s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestUserPosts(t *testing.T) {
	s, _, tok, c := bearerServer(t)
	texts := []string{
		"J-3 : la collection arrive. https://x.com/i/broadcasts/1ABC",
		"Q&A <live> ce soir, voir brand.fr et www.brand.com/live.",
		"Dernier rappel",
	}
	var ids []string
	for i, text := range texts {
		body := `{"text":` + quote(text) + `}`
		if i > 0 {
			body = `{"text":` + quote(text) + `,"reply":{"in_reply_to_tweet_id":"` + ids[i-1] + `"}}`
		}
		a := post(t, s, tok, body)
		if a.status != http.StatusCreated {
			t.Fatalf("post %d: %d %v", i, a.status, a.body)
		}
		ids = append(ids, a.body["data"].(map[string]any)["id"].(string))
		c.t = c.t.Add(time.Minute)
	}
	get := func(q url.Values) answer {
		t.Helper()
		return do(t, s, tok, http.MethodGet, "/2/users/"+DefaultUser.ID+"/tweets?"+q.Encode(), "", nil)
	}
	data := func(a answer) []map[string]any {
		t.Helper()
		if a.status != http.StatusOK {
			t.Fatalf("%d %v", a.status, a.body)
		}
		var out []map[string]any
		list, _ := a.body["data"].([]any)
		for _, d := range list {
			out = append(out, d.(map[string]any))
		}
		return out
	}

	t.Run("newest first, as X writes them, default fields only", func(t *testing.T) {
		got := data(get(nil))
		if len(got) != 3 || got[0]["id"] != ids[2] || got[2]["id"] != ids[0] {
			t.Fatalf("%v", got)
		}
		first := got[2]["text"].(string)
		if !strings.HasPrefix(first, "J-3 : la collection arrive. https://t.co/") || strings.Contains(first, "x.com") {
			t.Errorf("link not rewritten: %q", first)
		}
		// X links www.brand.com/live, not brand.fr, and escapes &, < and >.
		want := regexp.MustCompile(`^Q&amp;A &lt;live&gt; ce soir, voir brand\.fr et https://t\.co/[0-9A-Za-z]{10}\.$`)
		if second := got[1]["text"].(string); !want.MatchString(second) {
			t.Errorf("second post as X gives it: %q", second)
		}
		for _, d := range got {
			if d["created_at"] != nil || d["referenced_tweets"] != nil || d["edit_history_tweet_ids"] == nil {
				t.Errorf("fields not asked for, or default ones missing: %v", d)
			}
		}
	})
	t.Run("tweet.fields", func(t *testing.T) {
		got := data(get(url.Values{"tweet.fields": {"created_at,referenced_tweets,conversation_id"}}))
		refs, _ := got[0]["referenced_tweets"].([]any)
		if len(refs) != 1 || refs[0].(map[string]any)["type"] != "replied_to" || refs[0].(map[string]any)["id"] != ids[1] {
			t.Errorf("referenced_tweets %v", got[0]["referenced_tweets"])
		}
		if got[2]["referenced_tweets"] != nil || got[0]["conversation_id"] != ids[0] {
			t.Errorf("%v", got)
		}
		if got[0]["created_at"] != "2027-03-30T16:02:00.000Z" {
			t.Errorf("created_at %v", got[0]["created_at"])
		}
	})
	t.Run("start_time and exclude", func(t *testing.T) {
		if got := data(get(url.Values{"start_time": {"2027-03-30T16:01:00Z"}})); len(got) != 2 {
			t.Errorf("since 16:01: %v", got)
		}
		if got := data(get(url.Values{"exclude": {"replies"}})); len(got) != 1 || got[0]["id"] != ids[0] {
			t.Errorf("without replies: %v", got)
		}
	})
	t.Run("pages", func(t *testing.T) {
		for i := range 5 {
			post(t, s, tok, `{"text":"more `+string(rune('a'+i))+`"}`)
		}
		first := get(url.Values{"max_results": {"5"}})
		meta := first.body["meta"].(map[string]any)
		if len(data(first)) != 5 || meta["next_token"] == nil || meta["result_count"] != 5.0 {
			t.Fatalf("first page %v", first.body)
		}
		second := get(url.Values{"max_results": {"5"}, "pagination_token": {meta["next_token"].(string)}})
		if got := data(second); len(got) != 3 || got[0]["id"] != ids[2] || second.body["meta"].(map[string]any)["next_token"] != nil {
			t.Errorf("second page %v", second.body)
		}
	})
	t.Run("a picture's link at the end", func(t *testing.T) {
		a := upload(t, s, tok, []byte("\x89PNG\r\n\x1a\nxxxx"), map[string]string{"media_category": "tweet_image"})
		media := a.body["data"].(map[string]any)["id"].(string)
		post(t, s, tok, `{"text":"J-2 : teaser","media":{"media_ids":["`+media+`"]}}`)
		got := data(get(url.Values{"max_results": {"5"}, "tweet.fields": {"attachments"}}))
		if !regexp.MustCompile(`^J-2 : teaser https://t\.co/[0-9A-Za-z]{10}$`).MatchString(got[0]["text"].(string)) {
			t.Errorf("text %q", got[0]["text"])
		}
		if keys := got[0]["attachments"].(map[string]any)["media_keys"].([]any); len(keys) != 1 || keys[0] != "3_"+media {
			t.Errorf("attachments %v", got[0]["attachments"])
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		a := do(t, s, tok, http.MethodGet, "/2/users/42/tweets", "", nil)
		errs, _ := a.body["errors"].([]any)
		if a.status != http.StatusOK || len(errs) != 1 || a.body["data"] != nil {
			t.Errorf("%d %v", a.status, a.body)
		}
	})
	if n := s.Requests(EndpointUserPosts); n != 8 {
		t.Errorf("%d requests counted under %s", n, EndpointUserPosts)
	}
}

func TestUserPostsRefuses(t *testing.T) {
	tests := []struct {
		name  string
		query string
		token []string // scopes; nil: all
		want  string   // in the contract error
	}{
		{"max_results under 5", "max_results=2", nil, "max_results"},
		{"start_time with milliseconds", "start_time=2027-03-30T16:00:00.000Z", nil, "no fraction of a second"},
		{"tweet.fields X does not have", "tweet.fields=created_at,replied_to", nil, `tweet.fields "replied_to"`},
		{"token without users.read", "", []string{"tweet.read", "tweet.write", "offline.access"}, "users.read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, tok, _ := bearerServer(t, tt.token...)
			s.AllowContractErrors = true
			a := do(t, s, tok, http.MethodGet, "/2/users/"+DefaultUser.ID+"/tweets?"+tt.query, "", nil)
			errs := s.Errors()
			if a.status < 400 || len(errs) != 1 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("answer %d %v, contract errors %q, want one about %q", a.status, a.body, errs, tt.want)
			}
		})
	}
}

func TestMediaMetadata(t *testing.T) {
	s, _, tok, _ := bearerServer(t)
	a := upload(t, s, tok, []byte("\x89PNG\r\n\x1a\nxxxx"), map[string]string{"media_category": "tweet_image"})
	id := a.body["data"].(map[string]any)["id"].(string)
	alt := `{"id":"` + id + `","metadata":{"alt_text":{"text":"The spring collection"}}}`
	m := do(t, s, tok, http.MethodPost, "/2/media/metadata", "application/json", []byte(alt))
	if m.status != http.StatusOK || m.body["data"].(map[string]any)["id"] != id {
		t.Fatalf("%d %v", m.status, m.body)
	}
	if up := s.Uploads(); len(up) != 1 || up[0].Alt != "The spring collection" {
		t.Errorf("uploads %+v", up)
	}

	t.Run("unknown media", func(t *testing.T) {
		a := do(t, s, tok, http.MethodPost, "/2/media/metadata", "application/json", []byte(`{"id":"1234","metadata":{"alt_text":{"text":"x"}}}`))
		if a.status != http.StatusBadRequest {
			t.Errorf("%d %v", a.status, a.body)
		}
	})
	for _, tt := range []struct {
		name, body string
		scopes     []string
		want       string
	}{
		{"alt text over 1,000 characters", `{"id":"` + id + `","metadata":{"alt_text":{"text":"` + strings.Repeat("é", 1001) + `"}}}`, nil, "1000"},
		{"alt text without its text", `{"id":"` + id + `","metadata":{"alt_text":{}}}`, nil, "text"},
		{"token without media.write", alt, []string{"tweet.read", "tweet.write", "users.read"}, "media.write"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s2, _, tok2, _ := bearerServer(t, tt.scopes...)
			s2.AllowContractErrors = true
			a := do(t, s2, tok2, http.MethodPost, "/2/media/metadata", "application/json", []byte(tt.body))
			if errs := s2.Errors(); a.status < 400 || len(errs) != 1 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("answer %d %v, contract errors %q, want one about %q", a.status, a.body, errs, tt.want)
			}
		})
	}
}
