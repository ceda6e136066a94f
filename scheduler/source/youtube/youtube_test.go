package youtube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/scheduler/source"
	"github.com/onairhq/onair/scheduler/source/youtube/youtubetest"
)

// start is the fake clock's origin: 18:00 UTC on a Tuesday.
var start = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	fake  *youtubetest.Server
	clock *clock
	src   *Source
	creds youtubetest.Credentials
	// rotated collects the refresh tokens OnRefreshToken was given.
	rotated []string
}

func newFixture(t *testing.T, edit func(*source.Config)) *fixture {
	t.Helper()
	f := &fixture{fake: youtubetest.New(t), clock: &clock{t: start}}
	f.fake.Now = f.clock.Now
	f.creds = f.fake.Credentials()
	var mu sync.Mutex
	cfg := source.Config{APIURL: f.fake.URL, TokenURL: f.fake.TokenURL(), ClientID: f.creds.ClientID,
		ClientSecret: f.creds.ClientSecret, RefreshToken: f.creds.RefreshToken, Now: f.clock.Now,
		HTTPClient:     &http.Client{Timeout: 2 * time.Second},
		OnRefreshToken: func(tok string) { mu.Lock(); f.rotated = append(f.rotated, tok); mu.Unlock() }}
	if edit != nil {
		edit(&cfg)
	}
	src, err := Descriptor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.src = src.(*Source)
	return f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func refs(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "youtube:" + id
	}
	return out
}

func TestUpcomingPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	r := rand.New(rand.NewPCG(15, 1))
	want := map[string]bool{}
	for i := range 73 {
		id := f.fake.AddBroadcast(youtubetest.Broadcast{Title: fmt.Sprintf("Live %d", i),
			ScheduledStart: start.Add(time.Duration(r.IntN(14*24)) * time.Hour)})
		want["youtube:"+id] = true
	}
	// Not upcoming: live, ended, revoked, deleted.
	f.fake.AddBroadcast(youtubetest.Broadcast{ScheduledStart: start.Add(-time.Hour), LiveAt: start.Add(-time.Hour)})
	f.fake.AddBroadcast(youtubetest.Broadcast{ScheduledStart: start.Add(-3 * time.Hour), LiveAt: start.Add(-3 * time.Hour), EndAt: start.Add(-2 * time.Hour)})
	f.fake.AddBroadcast(youtubetest.Broadcast{ScheduledStart: start.Add(time.Hour), RevokedAt: start.Add(-time.Minute)})
	f.fake.AddBroadcast(youtubetest.Broadcast{ScheduledStart: start.Add(time.Hour), DeletedAt: start.Add(-time.Minute)})

	got, err := f.src.Upcoming(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d upcoming, want %d", len(got), len(want))
	}
	for _, b := range got {
		if !want[b.Ref] || b.State != source.StateUpcoming || b.Title == "" || b.ScheduledStart.IsZero() {
			t.Errorf("upcoming %+v", b)
		}
	}
	reqs := f.fake.Requests()
	if len(reqs) != 1+2 { // the token, then 50 + 23
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs[1:] {
		if r.Endpoint != youtubetest.EndpointLiveBroadcasts || r.Query.Get("broadcastStatus") != "upcoming" ||
			r.Query.Get("maxResults") != "50" || (i == 1) != r.Query.Has("pageToken") {
			t.Errorf("request %d: %s %v", i, r.Endpoint, r.Query)
		}
	}
	if u := f.fake.QuotaUsed(); u != 2 {
		t.Errorf("quota used %d, want 2", u)
	}
}

// TestLookTimeline walks broadcasts through their lives on the fake clock.
func TestLookTimeline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	viewers := func(t time.Time) int { return 100 + int(t.Sub(at(0))/time.Minute) }
	onTime := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "onTime00001", Title: "On time", ScheduledStart: at(60), ScheduledEnd: at(120),
		TestAt: at(50), LiveAt: at(60), Starting: 2 * time.Minute, EndAt: at(120), RecordedAt: at(125), Viewers: viewers, MaxRes: true})
	late := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "late0000001", Title: "Late", ScheduledStart: at(60),
		LiveAt: at(72), EndAt: at(100), RecordedAt: at(100)})
	never := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "never000001", Title: "Never", ScheduledStart: at(60)})
	moved := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "moved000001", Title: "Moved", ScheduledStart: at(60),
		Changes: []youtubetest.Change{{At: at(30), Title: "Moved to tomorrow", ScheduledStart: at(60 + 24*60)}}})
	revoked := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "revoked0001", ScheduledStart: at(60), RevokedAt: at(40)})
	deleted := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "deleted0001", ScheduledStart: at(60), DeletedAt: at(40)})
	hidden := f.fake.AddBroadcast(youtubetest.Broadcast{ID: "hidden00001", ScheduledStart: at(60), LiveAt: at(60), HideViewers: true, NoThumbnail: true})
	all := refs(onTime, late, never, moved, revoked, deleted, hidden, "unknown0001")

	type want struct {
		state   source.State
		viewers int
		replay  bool
	}
	steps := []struct {
		minute int
		want   map[string]want
	}{
		{0, map[string]want{onTime: {source.StateUpcoming, -1, false}, late: {source.StateUpcoming, -1, false}, revoked: {source.StateUpcoming, -1, false},
			deleted: {source.StateUpcoming, -1, false}, "unknown0001": {source.StateCancelled, -1, false}}},
		{45, map[string]want{onTime: {source.StateUpcoming, -1, false}, revoked: {source.StateCancelled, -1, false}, deleted: {source.StateCancelled, -1, false}}},
		{51, map[string]want{onTime: {source.StateTesting, -1, false}}}, // testStarting
		{55, map[string]want{onTime: {source.StateTesting, -1, false}, late: {source.StateUpcoming, -1, false}}},
		{59, map[string]want{onTime: {source.StateTesting, -1, false}}}, // liveStarting
		{65, map[string]want{onTime: {source.StateLive, 165, false}, late: {source.StateUpcoming, -1, false}, never: {source.StateUpcoming, -1, false},
			hidden: {source.StateLive, -1, false}}},
		{80, map[string]want{onTime: {source.StateLive, 180, false}, late: {source.StateLive, -1, false}}},
		{110, map[string]want{onTime: {source.StateLive, 210, false}, late: {source.StateEnded, -1, true}}},
		{122, map[string]want{onTime: {source.StateEnded, -1, false}}},
		{130, map[string]want{onTime: {source.StateEnded, -1, true}, never: {source.StateUpcoming, -1, false}}},
	}
	for _, st := range steps {
		f.clock.Set(at(st.minute))
		got, err := f.src.Look(ctx(t), all)
		if err != nil {
			t.Fatalf("minute %d: %v", st.minute, err)
		}
		if len(got) != len(all) {
			t.Fatalf("minute %d: %d broadcasts", st.minute, len(got))
		}
		by := map[string]source.Broadcast{}
		for _, b := range got {
			by[strings.TrimPrefix(b.Ref, "youtube:")] = b
		}
		for id, w := range st.want {
			b := by[id]
			if b.State != w.state || b.Viewers != w.viewers && w.state == source.StateLive && id != late || (b.ReplayURL != "") != w.replay {
				t.Errorf("minute %d: %s is %s viewers %d replay %q; want %+v", st.minute, id, b.State, b.Viewers, b.ReplayURL, w)
			}
		}
		if b := by[onTime]; st.minute >= 65 && !b.ActualStart.Equal(at(60)) || st.minute >= 122 && !b.ActualEnd.Equal(at(120)) {
			t.Errorf("minute %d: on time started %v ended %v", st.minute, b.ActualStart, b.ActualEnd)
		}
		if b := by[late]; st.minute >= 80 && !b.ActualStart.Equal(at(72)) {
			t.Errorf("minute %d: late started %v", st.minute, b.ActualStart)
		}
		if b := by[moved]; st.minute >= 30 && (!b.ScheduledStart.Equal(at(60+24*60)) || b.Title != "Moved to tomorrow") {
			t.Errorf("minute %d: moved %+v", st.minute, b)
		}
	}
	b := func(id string) source.Broadcast {
		got, err := f.src.Look(ctx(t), refs(id))
		if err != nil || len(got) != 1 {
			t.Fatal(got, err)
		}
		return got[0]
	}
	if o := b(onTime); o.WatchURL != "https://www.youtube.com/watch?v=onTime00001" || o.ReplayURL != o.WatchURL ||
		o.ThumbnailURL != "https://i.ytimg.com/vi/onTime00001/maxresdefault_live.jpg" || o.Title != "On time" || !o.ScheduledEnd.Equal(at(120)) {
		t.Errorf("on time %+v", o)
	}
	if h := b(hidden); h.ThumbnailURL != "" {
		t.Errorf("hidden %+v", h)
	}
	if b(late).ThumbnailURL != "https://i.ytimg.com/vi/late0000001/hqdefault_live.jpg" {
		t.Errorf("late's thumbnail is not the best one")
	}
}

func TestLookBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var ids []string
	for i := range 120 {
		b := youtubetest.Broadcast{ID: fmt.Sprintf("batch%06d", i), ScheduledStart: start}
		if i%2 == 0 {
			b.LiveAt = start.Add(-time.Minute)
			b.Viewers = func(time.Time) int { return i + 1 }
		}
		ids = append(ids, f.fake.AddBroadcast(b))
	}
	got, err := f.src.Look(ctx(t), append(refs(ids...), refs(ids[0])...)) // a duplicate too
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 120 {
		t.Fatalf("%d broadcasts", len(got))
	}
	for i, b := range got {
		if live := i%2 == 0; live && (b.State != source.StateLive || b.Viewers != i+1) || !live && b.State != source.StateUpcoming {
			t.Errorf("%s: %s %d", b.Ref, b.State, b.Viewers)
		}
	}
	var lists, videos []int
	for _, r := range f.fake.Requests() {
		n := len(strings.Split(strings.Join(r.Query["id"], ","), ","))
		switch r.Endpoint {
		case youtubetest.EndpointLiveBroadcasts:
			lists = append(lists, n)
			if r.Query.Get("part") != "id,snippet,status,contentDetails" && strings.Join(r.Query["part"], ",") != "id,snippet,status,contentDetails" {
				t.Errorf("parts %v", r.Query["part"])
			}
		case youtubetest.EndpointVideos:
			videos = append(videos, n)
		}
	}
	if !slices.Equal(lists, []int{50, 50, 20}) || !slices.Equal(videos, []int{50, 10}) {
		t.Errorf("liveBroadcasts batches %v, videos batches %v", lists, videos)
	}
	if u := f.fake.QuotaUsed(); u != 5 {
		t.Errorf("quota %d, want 5", u)
	}
	if _, err := f.src.Look(ctx(t), []string{"twitch:123"}); err == nil {
		t.Error("a Twitch ref was looked up on YouTube")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	info, err := f.src.Check(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Account != youtubetest.DefaultChannel.Title || info.DailyUnits != 10000 || info.UnitsPerLook != 2 {
		t.Errorf("info %+v", info)
	}
	if n := f.fake.Count(youtubetest.EndpointChannels); n != 1 || f.fake.QuotaUsed() != 1 {
		t.Errorf("%d channels calls, %d units", n, f.fake.QuotaUsed())
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		endpoint string
		faults   []youtubetest.Fault
		kind     error
		until    time.Time
	}{
		{"500", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.Status500, youtubetest.Status500}, source.ErrUnavailable, time.Time{}},
		{"503", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.Status503, youtubetest.Status503}, source.ErrUnavailable, time.Time{}},
		{"timeout", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.Hang}, source.ErrUnavailable, time.Time{}},
		{"dropped", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.Drop, youtubetest.Drop, youtubetest.Drop}, source.ErrUnavailable, time.Time{}},
		// 18:00 UTC on 1 December is 10:00 Pacific (PST): the quota comes back at 08:00 UTC on the 2nd.
		{"quota", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.QuotaExceeded}, source.ErrQuota, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)},
		{"rate limit", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.RateLimitExceeded}, source.ErrQuota, start.Add(RateLimitPause)},
		{"unauthorized twice", youtubetest.EndpointLiveBroadcasts, []youtubetest.Fault{youtubetest.Unauthorized, youtubetest.Unauthorized}, source.ErrAuth, time.Time{}},
		{"invalid grant", youtubetest.EndpointToken, []youtubetest.Fault{youtubetest.InvalidGrant}, source.ErrAuth, time.Time{}},
		{"token endpoint down", youtubetest.EndpointToken, []youtubetest.Fault{youtubetest.Status503}, source.ErrUnavailable, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *source.Config) { c.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond} })
			f.fake.FailNext(tt.endpoint, tt.faults...)
			_, err := f.src.Upcoming(ctx(t))
			var se *source.Error
			if !errors.As(err, &se) || !errors.Is(err, tt.kind) {
				t.Fatalf("error %v (%T), want %v", err, err, tt.kind)
			}
			if !se.Until.Equal(tt.until) {
				t.Errorf("until %v, want %v", se.Until, tt.until)
			}
		})
	}
}

func TestQuotaSpent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fake.SpendQuota(9999)
	if _, err := f.src.Check(ctx(t)); err != nil {
		t.Fatal(err)
	}
	_, err := f.src.Look(ctx(t), refs("abc"))
	var se *source.Error
	if !errors.As(err, &se) || se.Kind != source.ErrQuota || !se.Until.Equal(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)) || se.Status != 403 {
		t.Fatalf("%v %+v", err, se)
	}
	// Midnight Pacific: a new day's quota.
	f.clock.Set(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	if _, err := f.src.Look(ctx(t), refs("abc")); err != nil {
		t.Fatal(err)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	t.Run("expired access token refreshed once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		if _, err := f.src.Check(ctx(t)); err != nil {
			t.Fatal(err)
		}
		f.fake.ExpireAccessTokens()
		if _, err := f.src.Check(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if n := f.fake.Count(youtubetest.EndpointToken); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		for _, r := range f.fake.Requests() {
			if r.Endpoint == youtubetest.EndpointToken && (r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != f.creds.RefreshToken) {
				t.Errorf("token request %v", r.Form)
			}
		}
	})
	t.Run("access token reused", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		for range 3 {
			if _, err := f.src.Upcoming(ctx(t)); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.fake.Count(youtubetest.EndpointToken); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
	})
	t.Run("rotated refresh token", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.fake.RotateRefreshTokens = true
		if _, err := f.src.Check(ctx(t)); err != nil {
			t.Fatal(err)
		}
		f.fake.ExpireAccessTokens()
		if _, err := f.src.Check(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if len(f.rotated) != 2 || !f.fake.RefreshUsable(f.rotated[1]) || f.fake.RefreshUsable(f.creds.RefreshToken) {
			t.Errorf("rotated %v", f.rotated)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		if _, err := f.src.Check(ctx(t)); err != nil {
			t.Fatal(err)
		}
		f.fake.Revoke()
		_, err := f.src.Check(ctx(t))
		if !errors.Is(err, source.ErrAuth) || !strings.Contains(err.Error(), "log in") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(c *source.Config) { c.ClientSecret = "nope" })
		if _, err := f.src.Check(ctx(t)); !errors.Is(err, source.ErrAuth) || !strings.Contains(err.Error(), "client ID and secret") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("no analytics scope", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		creds := f.fake.Credentials(youtubetest.ScopeReadonly)
		src, err := New(source.Config{APIURL: f.fake.URL, TokenURL: f.fake.TokenURL(), ClientID: creds.ClientID,
			ClientSecret: creds.ClientSecret, RefreshToken: creds.RefreshToken, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		id := f.fake.AddBroadcast(youtubetest.Broadcast{ScheduledStart: start.Add(-2 * time.Hour), LiveAt: start.Add(-2 * time.Hour), EndAt: start.Add(-time.Hour)})
		if _, err := src.Stats(ctx(t), "youtube:"+id); !errors.Is(err, source.ErrAuth) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestMissingSettings(t *testing.T) {
	t.Parallel()
	for _, cfg := range []source.Config{{ClientID: "a", RefreshToken: "r"}, {ClientID: "a", ClientSecret: "b"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	id := f.fake.AddBroadcast(youtubetest.Broadcast{ScheduledStart: start.Add(-26 * time.Hour), LiveAt: start.Add(-26 * time.Hour),
		EndAt: start.Add(-25 * time.Hour), RecordedAt: start.Add(-25 * time.Hour), Views: func(time.Time) int64 { return 1500 }})
	f.fake.SetAnalytics(id, youtubetest.Analytics{AvailableAt: start.Add(time.Hour),
		LiveViews: 900, LiveMinutes: 9000, LiveAverageSeconds: 600, ReplayViews: 500, ReplayMinutes: 1000, ReplayAverageSeconds: 120})
	st, err := f.src.Stats(ctx(t), "youtube:"+id)
	if err != nil {
		t.Fatal(err)
	}
	if st != (source.Stats{Views: 1500, LiveViews: -1, ReplayViews: -1, WatchMinutes: -1, AverageViewSeconds: -1}) {
		t.Errorf("before analytics: %+v", st)
	}
	f.clock.Set(start.Add(2 * time.Hour))
	if st, err = f.src.Stats(ctx(t), "youtube:"+id); err != nil {
		t.Fatal(err)
	}
	if st != (source.Stats{Views: 1500, LiveViews: 900, ReplayViews: 500, WatchMinutes: 10000, AverageViewSeconds: (900*600 + 500*120) / 1400}) {
		t.Errorf("stats %+v", st)
	}
	var q map[string]string
	for _, r := range f.fake.Requests() {
		if r.Endpoint == youtubetest.EndpointReports {
			q = map[string]string{}
			for k := range r.Query {
				q[k] = r.Query.Get(k)
			}
		}
	}
	// 25 hours before 20:00 UTC on 1 December is 19:00 UTC on 30 November, 11:00 in Pacific time.
	if q["ids"] != "channel==MINE" || q["filters"] != "video=="+id || q["dimensions"] != "liveOrOnDemand" ||
		q["metrics"] != "views,estimatedMinutesWatched,averageViewDuration" || q["startDate"] != "2026-11-30" || q["endDate"] != "2026-12-01" {
		t.Errorf("report query %v", q)
	}
}

// browse is the person's browser: it opens the URL, follows Google's redirect to onair's
// loopback callback, and returns that page.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("browser: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLogin(t *testing.T) {
	t.Parallel()
	fake := youtubetest.New(t)
	cfg := LoginConfig{ClientID: youtubetest.DefaultClient.ID, ClientSecret: youtubetest.DefaultClient.Secret,
		AuthURL: fake.AuthURL(), TokenURL: fake.TokenURL()}
	var shown string
	tok, err := Login(ctx(t), cfg, func(u string) {
		shown = u
		if status, page := browse(t, u); status != http.StatusOK || !strings.Contains(page, "can now read") {
			t.Errorf("callback page %d %q", status, page)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(shown, fake.AuthURL()+"?") || !fake.RefreshUsable(tok) {
		t.Errorf("shown %s, token %q", shown, tok)
	}
	logins := fake.Logins()
	if len(logins) != 1 {
		t.Fatalf("%d logins", len(logins))
	}
	a := logins[0]
	if a.ChallengeMethod != "S256" || a.AccessType != "offline" || a.Prompt != "consent" || len(a.State) < 32 ||
		!strings.HasPrefix(a.RedirectURI, "http://127.0.0.1:") || !slices.Equal(a.Scopes, Scopes) {
		t.Errorf("authorization %+v", a)
	}
	for _, r := range fake.Requests() {
		if r.Endpoint == youtubetest.EndpointToken && (r.Form.Get("code_verifier") == "" || r.Form.Get("grant_type") != "authorization_code") {
			t.Errorf("exchange %v", r.Form)
		}
	}
	// The token works.
	src, err := New(source.Config{APIURL: fake.URL, TokenURL: fake.TokenURL(), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RefreshToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := src.Check(ctx(t)); err != nil || info.Account != youtubetest.DefaultChannel.Title {
		t.Fatal(info, err)
	}

	t.Run("declined", func(t *testing.T) {
		t.Parallel()
		fake := youtubetest.New(t)
		fake.DenyLogin = true
		_, err := Login(ctx(t), LoginConfig{ClientID: youtubetest.DefaultClient.ID, ClientSecret: youtubetest.DefaultClient.Secret,
			AuthURL: fake.AuthURL(), TokenURL: fake.TokenURL()}, func(u string) { browse(t, u) })
		if err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := Login(c, cfg, func(string) {})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("not loopback", func(t *testing.T) {
		t.Parallel()
		c := cfg
		c.Listen = "0.0.0.0:0"
		if _, err := Login(ctx(t), c, func(string) {}); err == nil {
			t.Fatal("listening on all interfaces accepted")
		}
	})
}

func TestQuotaReset(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ at, want time.Time }{
		{time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 2, 7, 59, 0, 0, time.UTC), time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 7, 2, 7, 0, 0, 0, time.UTC)}, // PDT
	} {
		if got := QuotaReset(tt.at); !got.Equal(tt.want) {
			t.Errorf("QuotaReset(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}
