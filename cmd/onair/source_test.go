package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler/source/youtube/youtubetest"
)

// ytSession is a CLI session with a YouTube source on a fake YouTube that shares its clock.
type ytSession struct {
	*session
	yt    *youtubetest.Server
	creds youtubetest.Credentials
}

func newYTSession(t *testing.T, db string, now time.Time) *ytSession {
	t.Helper()
	s := &session{t: t, db: db, now: now}
	yt := youtubetest.New(t)
	yt.Now = func() time.Time { return s.now }
	return &ytSession{session: s, yt: yt, creds: yt.Credentials()}
}

func (s *ytSession) addSource(extra ...string) string {
	s.t.Helper()
	return s.ok(append([]string{"source", "add", "youtube", "--name", "brand-yt", "--client-id", s.creds.ClientID,
		"--client-secret", s.creds.ClientSecret, "--refresh-token", s.creds.RefreshToken,
		"--api-url", s.yt.URL, "--token-url", s.yt.TokenURL()}, extra...)...)
}

// TestSourceCLI: a marketer adds a YouTube source, checks it, makes a campaign follow it (its
// broadcasts are imported and planned), ties a broadcast added by hand, reads what wins in
// `broadcast show`, and cannot remove the source while a campaign follows it.
func TestSourceCLI(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC)
	s := newYTSession(t, t.TempDir()+"/onair.db", now)
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	v1 := s.yt.AddBroadcast(youtubetest.Broadcast{Title: "Spring collection, live", Description: "From the shop",
		ScheduledStart: start, ScheduledEnd: start.Add(45 * time.Minute)})
	s.yt.AddBroadcast(youtubetest.Broadcast{ID: "handTied01A", Title: "The making of", ScheduledStart: start.Add(48 * time.Hour)})
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview")

	out := s.addSource()
	for _, want := range []string{`Source "brand-yt" added (YouTube Live`, "Brand Live", "daily quota 10000 units", "Next: onair campaign edit"} {
		if !strings.Contains(out, want) {
			t.Errorf("source add says:\n%s\nwant %q", out, want)
		}
	}
	if got := s.fails("source", "add", "youtube", "--name", "other", "--client-id", "x"); !strings.Contains(got, "--client-secret") {
		t.Errorf("source add without a secret: %s", got)
	}
	bad := s.creds
	bad.RefreshToken = "1//0gnot-a-token"
	if got := s.fails("source", "add", "youtube", "--name", "bad", "--client-id", bad.ClientID, "--client-secret", bad.ClientSecret,
		"--refresh-token", bad.RefreshToken, "--api-url", s.yt.URL, "--token-url", s.yt.TokenURL()); !strings.Contains(got, "YouTube Live refused") ||
		!strings.Contains(got, "onair source login") {
		t.Errorf("source add with a bad token: %s", got)
	}

	out = s.ok("source", "test", "brand-yt")
	if !strings.Contains(out, "the credentials work") || !strings.Contains(out, "used today") {
		t.Errorf("source test:\n%s", out)
	}
	out = s.ok("campaign", "add", "Live shopping", "--tz", "UTC", "--lang", "en", "--channels", "preview",
		"--teasers", "1d", "--reminders", "10m", "--replay-after", "30m", "--source", "brand-yt", "--live-grace", "20m")
	if !strings.Contains(out, "2 broadcasts imported") || !strings.Contains(out, "source\tbrand-yt") && !strings.Contains(out, "brand-yt (YouTube)") {
		t.Errorf("campaign add --source:\n%s", out)
	}
	store := netdStore(t, s.db)
	b, err := store.BroadcastByExternalRef(context.Background(), "youtube:"+v1)
	if err != nil {
		t.Fatal(err)
	}
	if b.Title != "Spring collection, live" || !b.StartsAt.Equal(start) || b.DurationMinutes != 45 || b.WatchURL != "https://www.youtube.com/watch?v="+v1 {
		t.Errorf("imported broadcast = %+v", b)
	}
	plan := s.ok("plan", "show", "youtube:"+v1)
	t.Logf("campaign add:\n%s\nplan show:\n%s", out, plan)
	if !strings.Contains(plan, "HELD") && !strings.Contains(plan, "held") {
		t.Errorf("the live post is not held for the stream:\n%s", plan)
	}

	// Edited in onair: the title is kept; `broadcast show` says what wins.
	s.ok("broadcast", "edit", "youtube:"+v1, "--title", "Spring, live from Paris")
	show := s.ok("broadcast", "show", "youtube:"+v1)
	t.Logf("broadcast show:\n%s", show)
	for _, want := range []string{"Platform\tyoutube:" + v1, "followed through brand-yt", "Edited in onair", `title (the platform says "Spring collection, live")`, "From the platform"} {
		if !strings.Contains(strings.ReplaceAll(show, "  ", "\t"), want) && !strings.Contains(show, strings.TrimPrefix(want, "Platform\t")) {
			t.Errorf("broadcast show:\n%s\nwant %q", show, want)
		}
	}
	var js struct {
		Platform struct {
			SourceRef string               `json:"source_ref"`
			Following bool                 `json:"following"`
			Fields    map[string]fieldView `json:"fields"`
		} `json:"platform"`
	}
	if err := json.Unmarshal([]byte(s.ok("broadcast", "show", "youtube:"+v1, "--json")), &js); err != nil {
		t.Fatal(err)
	}
	if !js.Platform.Following || js.Platform.Fields["title"].Wins != "onair" || js.Platform.Fields["starts_at"].Wins != "platform" {
		t.Errorf("broadcast show --json platform = %+v", js.Platform)
	}

	// A broadcast added by hand, tied to a platform broadcast already imported: refused, naming it.
	s.ok("broadcast", "add", "--campaign", "Live shopping", "--title", "By hand", "--at", "2027-04-02 18:00")
	if got := s.fails("broadcast", "edit", "3", "--source-ref", "youtube:"+v1); !strings.Contains(got, "already tied to broadcast") {
		t.Errorf("tying a second broadcast to the same video: %s", got)
	}
	s.ok("broadcast", "edit", "3", "--source-ref", "youtube:newVideo99X")
	if l, _ := store.BroadcastLink(context.Background(), 3); l == nil || l.SourceRef != "youtube:newVideo99X" {
		t.Errorf("link of broadcast 3 = %+v", l)
	}
	if got := s.fails("broadcast", "edit", "3", "--source-ref", "vimeo:1"); !strings.Contains(got, "not understood") {
		t.Errorf("--source-ref vimeo:1: %s", got)
	}

	out = s.ok("source", "list")
	if !strings.Contains(out, "brand-yt") || !strings.Contains(out, "Live shopping") || !strings.Contains(out, "Brand Live") {
		t.Errorf("source list:\n%s", out)
	}
	if got := s.fails("source", "remove", "brand-yt"); !strings.Contains(got, `onair campaign edit "Live shopping" --source none`) {
		t.Errorf("source remove while followed: %s", got)
	}

	// Revoked on Google's side: the next read pauses the source; list says why and what fixes it.
	s.yt.Revoke()
	s.now = s.now.Add(time.Hour)
	s.ok("source", "sync", "brand-yt")
	var list []sourceView
	if err := json.Unmarshal([]byte(s.ok("source", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != models.SourceNeedsAuth || list[0].Following || !strings.Contains(list[0].Fix, "onair source login brand-yt") {
		t.Errorf("source list --json after a revoke = %+v", list)
	}
	out = s.ok("source", "list")
	t.Logf("source list:\n%s", out)
	if !strings.Contains(out, "is not followed") || !strings.Contains(out, "planned times") {
		t.Errorf("source list after a revoke:\n%s", out)
	}
	if plan := s.ok("plan", "show", "youtube:"+v1); strings.Contains(plan, "waiting for the stream") {
		t.Errorf("with the source needing a login, the live post still waits for it:\n%s", plan)
	}
	// New credentials: followed again.
	fresh := s.yt.Credentials()
	s.ok("source", "login", "brand-yt", "--refresh-token", fresh.RefreshToken)
	if plan := s.ok("plan", "show", "youtube:"+v1); !strings.Contains(plan, "waiting for the stream") {
		t.Errorf("after source login, the live post does not wait for the stream again:\n%s", plan)
	}

	s.ok("campaign", "edit", "Live shopping", "--source", "none")
	s.ok("source", "remove", "brand-yt")
}

// TestSourceCMSCannotRedirectCredentials: a writer that rewrites a source's settings (the guard
// triggers dropped) to point its token endpoint elsewhere gets nothing: the source is paused
// before any credential leaves, and `source login` refuses those settings until a person has
// read them.
func TestSourceCMSCannotRedirectCredentials(t *testing.T) {
	t.Parallel()
	s := newYTSession(t, t.TempDir()+"/onair.db", time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC))
	var hits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(evil.Close)
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview")
	s.addSource()
	store := netdStore(t, s.db)
	settings := `{"api_url":"` + evil.URL + `","token_url":"` + evil.URL + `/token","client_id":"` + s.creds.ClientID + `"}`
	if err := store.DB().Exec(`UPDATE sources SET settings = ?`, settings).Error; err != nil { // onair's mark: as if the triggers were gone
		t.Fatal(err)
	}
	s.ok("source", "sync", "brand-yt")
	if got := s.fails("source", "login", "brand-yt"); !strings.Contains(got, "--accept-settings") {
		t.Errorf("source login at changed settings: %s", got)
	}
	src, _ := store.SourceByName(context.Background(), "brand-yt")
	if src.Status != models.SourcePaused {
		t.Errorf("source after its settings were changed: %s %q", src.Status, src.StatusReason)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests", n)
	}
}
