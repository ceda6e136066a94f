package youtubetest

import (
	"net/http"
	"strings"
	"testing"
)

// TestContract checks that the fake refuses what YouTube refuses, and records it.
func TestContract(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.AllowViolations = true
	creds := s.Credentials()
	resp, err := http.PostForm(s.TokenURL(), map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {creds.RefreshToken},
		"client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	var tok string
	s.mu.Lock()
	for k := range s.accesses {
		tok = k
	}
	s.mu.Unlock()
	tests := []struct {
		path, why string
		status    int
	}{
		{"/youtube/v3/liveBroadcasts?part=id&mine=true", "", 200},
		{"/youtube/v3/liveBroadcasts?part=id&mine=true&broadcastStatus=upcoming", "exactly one of", 400},
		{"/youtube/v3/liveBroadcasts?part=id", "exactly one of", 400},
		{"/youtube/v3/liveBroadcasts?part=id&broadcastStatus=soon", "not one of", 400},
		{"/youtube/v3/liveBroadcasts?part=id&mine=true&maxResults=51", "above the maximum 50", 400},
		{"/youtube/v3/liveBroadcasts?part=id&mine=yes", "not true or false", 400},
		{"/youtube/v3/liveBroadcasts?part=id,player&mine=true", `part "player"`, 400},
		{"/youtube/v3/liveBroadcasts?mine=true", "required parameter part", 400},
		{"/youtube/v3/liveBroadcasts?part=id&mine=true&since=1", "unknown parameter since", 400},
		{"/youtube/v3/videos?part=statistics&id=a&maxResults=5", "maxResults is not supported", 400},
		{"/youtube/v3/search?part=id", "a method onair has no business", 403},
		{"/youtube/v3/nothing", "no such method", 404},
		{"/v2/reports?ids=channel==MINE&metrics=views", "startDate missing", 400},
	}
	for _, tt := range tests {
		before := len(s.Violations())
		req, _ := http.NewRequest("GET", s.URL+tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		v := s.Violations()[before:]
		if resp.StatusCode != tt.status || tt.why == "" && len(v) != 0 || tt.why != "" && (len(v) != 1 || !strings.Contains(v[0], tt.why)) {
			t.Errorf("%s: %d, violations %q; want %d %q", tt.path, resp.StatusCode, v, tt.status, tt.why)
		}
	}
	if u := s.QuotaUsed(); u != 12 { // every Data API request, the invalid ones included
		t.Errorf("quota %d", u)
	}
}
