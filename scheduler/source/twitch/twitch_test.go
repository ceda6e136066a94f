package twitch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/scheduler/source"
	"github.com/onairhq/onair/scheduler/source/twitch/twitchtest"
)

var start = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

func at(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	fake  *twitchtest.Server
	clock *clock
	cfg   source.Config
	src   *Source
}

func newFixture(t *testing.T, edit func(*source.Config)) *fixture {
	t.Helper()
	f := &fixture{fake: twitchtest.New(t), clock: &clock{t: start}}
	f.fake.Now = f.clock.Now
	f.cfg = source.Config{APIURL: f.fake.URL, TokenURL: f.fake.TokenURL(), Channel: twitchtest.DefaultUser.Login,
		ClientID: twitchtest.DefaultClient.ID, ClientSecret: twitchtest.DefaultClient.Secret, Now: f.clock.Now,
		HTTPClient: &http.Client{Timeout: 2 * time.Second}}
	if edit != nil {
		edit(&f.cfg)
	}
	src, err := Descriptor.New(f.cfg)
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

func (f *fixture) look(t *testing.T, src *Source, ids ...string) map[string]source.Broadcast {
	t.Helper()
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = "twitch:" + id
	}
	got, err := src.Look(ctx(t), refs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d broadcasts for %d refs", len(got), len(ids))
	}
	out := map[string]source.Broadcast{}
	for _, b := range got {
		out[strings.TrimPrefix(b.Ref, "twitch:")] = b
	}
	return out
}

func TestUpcoming(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	r := rand.New(rand.NewPCG(15, 2))
	want := 0
	for i := range 60 {
		g := twitchtest.Segment{Title: fmt.Sprintf("Show %d", i), Start: at(60 + r.IntN(20*24*60)), Recurring: i%3 == 0}
		g.End = g.Start.Add(time.Hour)
		switch i % 10 {
		case 7:
			g.CanceledAt = at(-1)
		case 8:
			g.DeletedAt = at(-1)
		default:
			want++
		}
		f.fake.AddSegment(g)
	}
	f.fake.AddSegment(twitchtest.Segment{Title: "Past", Start: at(-120), End: at(-60)})
	f.fake.AddSegment(twitchtest.Segment{Title: "Far", Start: start.Add(UpcomingHorizon + time.Hour)})
	got, err := f.src.Upcoming(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != want {
		t.Fatalf("%d upcoming, want %d", len(got), want)
	}
	for i, b := range got {
		if b.State != source.StateUpcoming || !strings.HasPrefix(b.Ref, "twitch:eyJ") || !strings.HasPrefix(b.Title, "Show") ||
			b.ScheduledEnd.Sub(b.ScheduledStart) != time.Hour || b.WatchURL != "https://www.twitch.tv/brandlogin" || b.Viewers != -1 ||
			i > 0 && b.ScheduledStart.Before(got[i-1].ScheduledStart) {
			t.Errorf("upcoming %d: %+v", i, b)
		}
	}
	if n := f.fake.Count(twitchtest.EndpointSchedule); n != 3 { // 25 + 25 + 10
		t.Errorf("%d schedule pages", n)
	}
	for _, req := range f.fake.Requests() {
		if req.Endpoint == twitchtest.EndpointToken {
			continue
		}
		if req.ClientID != twitchtest.DefaultClient.ID || req.Token == "" {
			t.Errorf("%s without credentials", req.Endpoint)
		}
		if req.Endpoint == twitchtest.EndpointSchedule && (req.Query.Get("broadcaster_id") != twitchtest.DefaultUser.ID || req.Query.Get("first") != "25") {
			t.Errorf("schedule query %v", req.Query)
		}
	}
	if n := f.fake.Count(twitchtest.EndpointToken); n != 1 {
		t.Errorf("%d tokens", n)
	}
}

func TestNoSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	got, err := f.src.Upcoming(ctx(t))
	if err != nil || len(got) != 0 {
		t.Fatal(got, err)
	}
}

// TestLookTimeline walks segments through their lives: on time, late, never, early, open-ended,
// canceled, deleted, rescheduled, back to back.
func TestLookTimeline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	viewers := func(t time.Time) int { return 10 + int(t.Sub(start)/time.Minute) }
	onTime := f.fake.AddSegment(twitchtest.Segment{Title: "On time", Start: at(60), End: at(120)})
	f.fake.AddStream(twitchtest.Stream{ID: "s-ontime", VideoID: "v-ontime", Start: at(61), End: at(119), Viewers: viewers, Views: func(time.Time) int64 { return 321 }})
	late := f.fake.AddSegment(twitchtest.Segment{Title: "Late", Start: at(180), End: at(240)})
	f.fake.AddStream(twitchtest.Stream{ID: "s-late", VideoID: "v-late", Start: at(200), End: at(250), NoArchive: true})
	never := f.fake.AddSegment(twitchtest.Segment{Title: "Never", Start: at(300), End: at(360)})
	open := f.fake.AddSegment(twitchtest.Segment{Title: "Open", Start: at(400)})
	f.fake.AddStream(twitchtest.Stream{ID: "s-open", VideoID: "v-open", Start: at(385), End: at(470)})
	canceled := f.fake.AddSegment(twitchtest.Segment{Title: "Canceled", Start: at(500), End: at(560), CanceledAt: at(10)})
	deleted := f.fake.AddSegment(twitchtest.Segment{Title: "Deleted", Start: at(500), End: at(560), DeletedAt: at(10)})
	moved := f.fake.AddSegment(twitchtest.Segment{Title: "Moved", Start: at(600), End: at(660),
		Changes: []twitchtest.SegmentChange{{At: at(5), Title: "Moved later", Start: at(700), End: at(760)}}})
	all := []string{onTime, late, never, open, canceled, deleted, moved}

	type want map[string]source.State
	steps := []struct {
		minute int
		want   want
	}{
		{0, want{onTime: source.StateUpcoming, late: source.StateUpcoming, canceled: source.StateUpcoming, deleted: source.StateUpcoming}},
		{20, want{canceled: source.StateCancelled, deleted: source.StateCancelled}},
		{59, want{onTime: source.StateUpcoming}},
		{62, want{onTime: source.StateLive}},
		{118, want{onTime: source.StateLive}},
		{121, want{onTime: source.StateEnded}},
		{190, want{late: source.StateUpcoming}},
		{201, want{late: source.StateLive}},
		{255, want{late: source.StateEnded}},
		{301, want{never: source.StateUpcoming}},
		{386, want{open: source.StateLive, never: source.StateUpcoming}},
		{480, want{open: source.StateEnded}},
	}
	for _, st := range steps {
		f.clock.Set(at(st.minute))
		got := f.look(t, f.src, all...)
		for id, w := range st.want {
			if got[id].State != w {
				t.Errorf("minute %d: %s is %s, want %s", st.minute, got[id].Title, got[id].State, w)
			}
		}
		if b := got[onTime]; st.minute == 62 && (b.Viewers != 72 || !b.ActualStart.Equal(at(61)) || b.StreamID != "s-ontime" || b.ReplayURL != "") {
			t.Errorf("minute 62: on time %+v", b)
		}
		if b := got[moved]; st.minute >= 5 && (!b.ScheduledStart.Equal(at(700)) || b.Title != "Moved later") {
			t.Errorf("minute %d: moved %+v", st.minute, b)
		}
	}
	got := f.look(t, f.src, all...)
	if b := got[onTime]; b.ReplayURL != "https://www.twitch.tv/videos/v-ontime" || !b.ActualEnd.Equal(at(119)) {
		t.Errorf("on time %+v", b)
	}
	// The late stream has no archive: ended when seen gone, without a replay.
	if b := got[late]; b.ReplayURL != "" || !b.ActualStart.Equal(at(200)) || !b.ActualEnd.Equal(at(255)) {
		t.Errorf("late %+v", b)
	}
	if b := got[open]; b.ReplayURL != "https://www.twitch.tv/videos/v-open" || !b.ActualStart.Equal(at(385)) {
		t.Errorf("open %+v", b)
	}
	st, err := f.src.Stats(ctx(t), "twitch:"+onTime)
	if err != nil || st != (source.Stats{Views: -1, LiveViews: -1, ReplayViews: 321, WatchMinutes: -1, AverageViewSeconds: -1}) {
		t.Errorf("stats %+v %v", st, err)
	}
}

// TestRestart: a new Source (a restarted daemon) finds the ties again from the archives, and
// from Resume when the channel keeps no archive.
func TestRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	withArchive := f.fake.AddSegment(twitchtest.Segment{Title: "Archived", Start: at(60), End: at(120)})
	f.fake.AddStream(twitchtest.Stream{ID: "s1", VideoID: "v1", Start: at(58), End: at(118)})
	noArchive := f.fake.AddSegment(twitchtest.Segment{Title: "Not archived", Start: at(180), End: at(240)})
	f.fake.AddStream(twitchtest.Stream{ID: "s2", Start: at(181), End: at(239), NoArchive: true})
	// Next stream, started before the old one was seen gone.
	next := f.fake.AddSegment(twitchtest.Segment{Title: "Next", Start: at(245), End: at(300)})
	f.fake.AddStream(twitchtest.Stream{ID: "s3", Start: at(244), End: at(300), NoArchive: true})

	f.clock.Set(at(200))
	before := f.look(t, f.src, withArchive, noArchive)
	if before[withArchive].State != source.StateEnded || before[noArchive].State != source.StateLive {
		t.Fatalf("before the restart %+v", before)
	}
	f.clock.Set(at(250))
	restarted, _ := New(f.cfg)
	amnesic := f.look(t, restarted, withArchive, noArchive, next)
	if b := amnesic[withArchive]; b.State != source.StateEnded || b.ReplayURL != "https://www.twitch.tv/videos/v1" {
		t.Errorf("archived after restart %+v", b)
	}
	if amnesic[next].State != source.StateLive {
		t.Errorf("next %+v", amnesic[next])
	}
	resumed, _ := New(f.cfg)
	resumed.Resume([]source.Broadcast{before[noArchive]})
	got := f.look(t, resumed, noArchive, next)
	if b := got[noArchive]; b.State != source.StateEnded || !b.ActualStart.Equal(at(181)) || !b.ActualEnd.Equal(at(244)) {
		t.Errorf("resumed %+v", b)
	}
	if got[next].State != source.StateLive || got[next].StreamID != "s3" {
		t.Errorf("next %+v", got[next])
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *source.Config) { c.Channel = "@BrandLogin" })
	info, err := f.src.Check(ctx(t))
	if err != nil || info != (source.Info{Account: "BrandLogin", RequestsPerMinute: 800}) {
		t.Fatal(info, err)
	}
	f2 := newFixture(t, func(c *source.Config) { c.Channel = "nobody" })
	if _, err := f2.src.Check(ctx(t)); err == nil || !strings.Contains(err.Error(), `no channel "nobody"`) {
		t.Errorf("error %v", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		endpoint string
		faults   []twitchtest.Fault
		setup    func(*twitchtest.Server)
		kind     error
	}{
		{"500", twitchtest.EndpointUsers, []twitchtest.Fault{twitchtest.Status500}, nil, source.ErrUnavailable},
		{"503", twitchtest.EndpointUsers, []twitchtest.Fault{twitchtest.Status503}, nil, source.ErrUnavailable},
		{"timeout", twitchtest.EndpointUsers, []twitchtest.Fault{twitchtest.Hang}, nil, source.ErrUnavailable},
		{"dropped", twitchtest.EndpointUsers, []twitchtest.Fault{twitchtest.Drop, twitchtest.Drop, twitchtest.Drop}, nil, source.ErrUnavailable},
		{"rate limited", twitchtest.EndpointUsers, []twitchtest.Fault{twitchtest.RateLimited}, nil, source.ErrQuota},
		{"401 twice", twitchtest.EndpointUsers, []twitchtest.Fault{twitchtest.Unauthorized, twitchtest.Unauthorized}, nil, source.ErrAuth},
		{"new secret", "", nil, func(s *twitchtest.Server) { s.SetSecret(twitchtest.DefaultClient.ID, "rotated") }, source.ErrAuth},
		{"token endpoint down", twitchtest.EndpointToken, []twitchtest.Fault{twitchtest.Status503}, nil, source.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *source.Config) { c.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond} })
			f.fake.FailNext(tt.endpoint, tt.faults...)
			if tt.setup != nil {
				tt.setup(f.fake)
			}
			_, err := f.src.Upcoming(ctx(t))
			var se *source.Error
			if !errors.As(err, &se) || !errors.Is(err, tt.kind) {
				t.Fatalf("error %v, want %v", err, tt.kind)
			}
			if tt.kind == source.ErrQuota && (se.Until.Before(start) || se.Until.After(start.Add(2*time.Minute))) {
				t.Errorf("until %v", se.Until)
			}
		})
	}
}

func TestTokenRenewed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if _, err := f.src.Check(ctx(t)); err != nil {
		t.Fatal(err)
	}
	f.fake.Revoke() // Twitch ended the token early: one 401, a new token, the call again
	if _, err := f.src.Upcoming(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.Count(twitchtest.EndpointToken); n != 2 {
		t.Errorf("%d tokens, want 2", n)
	}
	// Expiry on the clock: a new token before the old one runs out.
	f.clock.Set(start.Add(f.fake.TokenTTL))
	if _, err := f.src.Upcoming(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.Count(twitchtest.EndpointToken); n != 3 {
		t.Errorf("%d tokens, want 3", n)
	}
	for _, r := range f.fake.Requests() {
		if r.Endpoint == twitchtest.EndpointToken && (r.Query.Get("grant_type") != "client_credentials" || r.Query.Get("client_secret") != twitchtest.DefaultClient.Secret) {
			t.Errorf("token request %v", r.Query)
		}
	}
}

func TestRateBucket(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fake.RateLimit = 3
	f.fake.AddSegment(twitchtest.Segment{Start: at(60)})
	var err error
	for range 4 {
		if _, err = f.src.Upcoming(ctx(t)); err != nil {
			break
		}
	}
	var se *source.Error
	if !errors.As(err, &se) || se.Kind != source.ErrQuota || se.Status != 429 || se.Until.Before(start) || se.Until.After(start.Add(time.Minute+time.Second)) {
		t.Fatalf("error %v %+v", err, se)
	}
	f.clock.Set(start.Add(time.Minute))
	if _, err := f.src.Upcoming(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestMissingSettings(t *testing.T) {
	t.Parallel()
	for _, cfg := range []source.Config{{ClientID: "a", ClientSecret: "b"}, {Channel: "c", ClientID: "a"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	s, _ := New(source.Config{Channel: "c", ClientID: "a", ClientSecret: "b"})
	if _, err := s.Look(context.Background(), []string{"youtube:abc"}); err == nil {
		t.Error("a YouTube ref was looked up on Twitch")
	}
}

// TestDeletedWhileLive: a segment removed from the schedule once its stream is live stays tied
// to it, and ends with it.
func TestDeletedWhileLive(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	seg := f.fake.AddSegment(twitchtest.Segment{Title: "Gone", Start: at(60), End: at(120), DeletedAt: at(70)})
	f.fake.AddStream(twitchtest.Stream{ID: "s1", VideoID: "v1", Start: at(62), End: at(110)})
	f.clock.Set(at(65))
	if b := f.look(t, f.src, seg)[seg]; b.State != source.StateLive {
		t.Fatalf("at 65: %+v", b)
	}
	f.clock.Set(at(80))
	if b := f.look(t, f.src, seg)[seg]; b.State != source.StateLive || b.Title != "Gone" || !b.ScheduledStart.Equal(at(60)) {
		t.Fatalf("at 80: %+v", b)
	}
	f.clock.Set(at(115))
	if b := f.look(t, f.src, seg)[seg]; b.State != source.StateEnded || b.ReplayURL != "https://www.twitch.tv/videos/v1" || !b.ActualEnd.Equal(at(110)) {
		t.Fatalf("at 115: %+v", b)
	}
	// Never live and gone: cancelled.
	other := f.fake.AddSegment(twitchtest.Segment{Title: "Dropped", Start: at(200), DeletedAt: at(100)})
	if b := f.look(t, f.src, other)[other]; b.State != source.StateCancelled {
		t.Fatalf("dropped %+v", b)
	}
}
