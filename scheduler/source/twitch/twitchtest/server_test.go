package twitchtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestContract checks that the fake refuses what Twitch refuses, and records it.
func TestContract(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.AllowViolations = true
	resp, err := http.PostForm(s.TokenURL(), url.Values{"client_id": {DefaultClient.ID}, "client_secret": {DefaultClient.Secret}, "grant_type": {"client_credentials"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	tests := []struct {
		path, client, why string
		status            int
	}{
		{"/helix/users?login=brandlogin", DefaultClient.ID, "", 200},
		{"/helix/users?login=brandlogin", "", "without a Client-Id", 401},
		{"/helix/users?login=brandlogin", "another-app", "token of another app", 401},
		{"/helix/schedule?broadcaster_id=141981764&first=26", DefaultClient.ID, "first", 400},
		{"/helix/schedule?first=5", DefaultClient.ID, "missing required parameter broadcaster_id", 400},
		{"/helix/schedule?broadcaster_id=141981764", DefaultClient.ID, "", 404},
		{"/helix/streams?user_id=141981764&type=upcoming", DefaultClient.ID, "not one of", 400},
		{"/helix/videos?type=archive", DefaultClient.ID, "exactly one of", 400},
		{"/helix/videos?user_id=1&since=2", DefaultClient.ID, "unknown parameter since", 400},
		{"/helix/channels?broadcaster_id=1", DefaultClient.ID, "not an endpoint", 404},
	}
	for _, tt := range tests {
		before := len(s.Violations())
		req, _ := http.NewRequest("GET", s.URL+tt.path, nil)
		if tt.client != "" {
			req.Header.Set("Client-Id", tt.client)
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		v := s.Violations()[before:]
		if resp.StatusCode != tt.status || tt.why == "" && len(v) != 0 || tt.why != "" && (len(v) != 1 || !strings.Contains(v[0], tt.why)) {
			t.Errorf("%s: %d, violations %q; want %d %q", tt.path, resp.StatusCode, v, tt.status, tt.why)
		}
		if tt.status == 200 && (resp.Header.Get("Ratelimit-Limit") != "800" || resp.Header.Get("Ratelimit-Remaining") == "" || resp.Header.Get("Ratelimit-Reset") == "") {
			t.Errorf("rate-limit headers %v", resp.Header)
		}
	}
}
