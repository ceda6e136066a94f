package scheduler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/scheduler/source"
)

// fakePlatform is a live platform in memory: the test scripts its broadcasts and its faults.
type fakePlatform struct {
	mu    sync.Mutex
	bs    map[string]*source.Broadcast
	err   error // every call fails with it while set
	calls int
	looks [][]string
}

func newFakePlatform() *fakePlatform { return &fakePlatform{bs: map[string]*source.Broadcast{}} }

func (f *fakePlatform) set(b source.Broadcast) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b.Viewers == 0 {
		b.Viewers = -1
	}
	f.bs[b.Ref] = &b
}

func (f *fakePlatform) edit(ref string, fn func(b *source.Broadcast)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.bs[ref])
}

func (f *fakePlatform) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakePlatform) Upcoming(context.Context) ([]source.Broadcast, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	var out []source.Broadcast
	for _, b := range f.bs {
		if b.State == source.StateUpcoming || b.State == source.StateTesting {
			out = append(out, *b)
		}
	}
	return out, nil
}

func (f *fakePlatform) Look(_ context.Context, refs []string) ([]source.Broadcast, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.looks = append(f.looks, refs)
	if f.err != nil {
		return nil, f.err
	}
	var out []source.Broadcast
	for _, r := range refs {
		if b, ok := f.bs[r]; ok {
			out = append(out, *b)
		} else {
			out = append(out, source.Broadcast{Ref: r, State: source.StateCancelled, Viewers: -1})
		}
	}
	return out, nil
}

func (f *fakePlatform) Check(context.Context) (source.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return source.Info{}, f.err
	}
	return source.Info{Account: "Brand", DailyUnits: 10000, UnitsPerLook: 1}, nil
}

// syncEnv is a campaign following a fake YouTube source, on a clock the test moves.
type syncEnv struct {
	*env
	platform *fakePlatform
	src      *models.Source
	camp     *models.Campaign
	sync     *Syncer
	life     *Lifecycle
}

func newSyncEnv(t *testing.T, dsn string, now time.Time) *syncEnv {
	t.Helper()
	e := newEnvOn(t, dsn, now)
	e.channel("preview", "console")
	camp := e.campaign(models.Campaign{Name: "Live shopping", Lang: "en", TimeZone: "UTC", Teasers: "1d", Reminders: "10m",
		ReplayAfter: "30m"}, "preview")
	src := &models.Source{Name: "brand-yt", Platform: "youtube"}
	if err := e.store.CreateSource(e.ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetCampaignSource(e.ctx, camp.ID, &src.ID, 30); err != nil {
		t.Fatal(err)
	}
	camp.SourceID = &src.ID
	platform := newFakePlatform()
	life := NewLifecycle(e.store, e.planner)
	se := &syncEnv{env: e, platform: platform, src: src, camp: camp, life: life}
	se.sync = NewSyncer(e.store, life, func(context.Context, models.Source) (source.Source, error) { return platform, nil },
		SyncConfig{}, func() time.Time { return e.now }, nil)
	return se
}

func (e *syncEnv) pass() SyncResult {
	e.t.Helper()
	res, err := e.sync.Sync(e.ctx, e.src.ID, false)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.planner.Advance(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.planner.Reconcile(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *syncEnv) byRef(ref string) *models.Broadcast {
	e.t.Helper()
	b, err := e.store.BroadcastByExternalRef(e.ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err = e.store.BroadcastByID(e.ctx, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *syncEnv) live(id int64) models.Post {
	e.t.Helper()
	return e.posts(id)["live 0"]
}

var syncStart = time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)

func upcoming(ref string, start time.Time) source.Broadcast {
	return source.Broadcast{Ref: ref, Title: "Spring collection", Description: "Live from the shop", ScheduledStart: start,
		ScheduledEnd: start.Add(45 * time.Minute), State: source.StateUpcoming, WatchURL: "https://www.youtube.com/watch?v=" + strings.TrimPrefix(ref, "youtube:"),
		ThumbnailURL: "https://i.ytimg.com/vi/x/hq.jpg"}
}

// TestSyncImportsAndFollowsALateStart: a platform broadcast is imported and planned; its live
// post is held at the planned start while the stream has not started, and due at the real start
// once it does, 12 minutes late; the end and the replay release the replay post with the
// platform's URL; viewers are sampled while live.
func TestSyncImportsAndFollowsALateStart(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newSyncEnv(t, db.DSN, syncStart.Add(-48*time.Hour))
		e.platform.set(upcoming("youtube:v1", syncStart))
		if res := e.pass(); res.Imported != 1 || res.Error != "" {
			t.Fatalf("first pass = %+v, want 1 imported", res)
		}
		b := e.byRef("youtube:v1")
		if b.Title != "Spring collection" || !b.StartsAt.Equal(syncStart) || b.DurationMinutes != 45 || *b.CampaignID != e.camp.ID ||
			b.WatchURL != "https://www.youtube.com/watch?v=v1" {
			t.Fatalf("imported broadcast = %+v", b)
		}
		posts := e.posts(b.ID)
		if len(posts) != 4 || posts["teaser 1d"].Status != models.PostPlanned || posts["replay 30m"].Status != models.PostHeld {
			t.Fatalf("posts = %v", posts)
		}
		if p := e.live(b.ID); p.Status != models.PostHeld || !strings.Contains(p.Error, "waiting for the stream to start on YouTube") {
			t.Fatalf("live post = %s %q, want held for the stream", p.Status, p.Error)
		}
		if res := e.pass(); res.Imported != 0 {
			t.Fatalf("a second pass imported again: %+v", res)
		}

		// The planned start passes: nothing on the platform yet, the live post waits.
		e.now = syncStart.Add(time.Minute)
		e.pass()
		if p := e.live(b.ID); p.Status != models.PostHeld {
			t.Fatalf("live post a minute after the planned start, no stream: %s", p.Status)
		}
		if next := e.sync.next(&pass{now: e.now, followed: e.followed()}, e.now); next.Sub(e.now) > 30*time.Second {
			t.Fatalf("next read %v after the planned start with no stream: want within 30 s", next.Sub(e.now))
		}

		// 12 minutes late, it starts.
		real := syncStart.Add(12 * time.Minute)
		e.platform.edit("youtube:v1", func(p *source.Broadcast) { p.State, p.ActualStart, p.Viewers = source.StateLive, real, 40 })
		e.now = real.Add(15 * time.Second)
		if res := e.pass(); res.Live != 1 || res.Samples != 1 {
			t.Fatalf("pass after the real start = %+v, want live and one sample", res)
		}
		b = e.byRef("youtube:v1")
		if b.Status != models.BroadcastLive || !b.StartedAt.Equal(real) {
			t.Fatalf("broadcast = %s since %v, want live since %v", b.Status, b.StartedAt, real)
		}
		if p := e.live(b.ID); p.Status != models.PostPlanned || !p.DueAt.Equal(real) {
			t.Fatalf("live post = %s due %v, want planned at the real start", p.Status, p.DueAt)
		}
		for i := range 3 {
			e.now = e.now.Add(time.Minute)
			e.platform.edit("youtube:v1", func(p *source.Broadcast) { p.Viewers = 50 + i })
			if res := e.pass(); res.Live != 0 || res.Samples != 1 {
				t.Fatalf("pass %d while live = %+v, want one sample and no second GoLive", i, res)
			}
		}
		if got, _ := e.store.AudienceSamples(e.ctx, b.ID); len(got) != 4 || got[3].Viewers != 52 || got[0].Platform != "youtube" {
			t.Fatalf("samples = %+v", got)
		}

		// It ends; the recording is ready a little later.
		end := real.Add(50 * time.Minute)
		e.platform.edit("youtube:v1", func(p *source.Broadcast) { p.State, p.ActualEnd, p.Viewers = source.StateEnded, end, -1 })
		e.now = end.Add(30 * time.Second)
		if res := e.pass(); res.Ended != 1 || res.Replays != 0 {
			t.Fatalf("pass after the end = %+v", res)
		}
		if p := e.posts(b.ID)["replay 30m"]; p.Status != models.PostHeld || !p.DueAt.Equal(end.Add(30*time.Minute)) {
			t.Fatalf("replay post after the end = %s due %v", p.Status, p.DueAt)
		}
		e.platform.edit("youtube:v1", func(p *source.Broadcast) { p.ReplayURL = "https://www.youtube.com/watch?v=v1" })
		e.now = e.now.Add(2 * time.Minute)
		if res := e.pass(); res.Replays != 1 {
			t.Fatalf("pass with the recording = %+v", res)
		}
		b = e.byRef("youtube:v1")
		if b.ReplayURL != "https://www.youtube.com/watch?v=v1" || !b.EndedAt.Equal(end) {
			t.Fatalf("broadcast after the replay = %+v", b)
		}
		if p := e.posts(b.ID)["replay 30m"]; p.Status != models.PostPlanned || !strings.Contains(p.Text, "watch?v=v1") {
			t.Fatalf("replay post = %s %q", p.Status, p.Text)
		}
		e.now = e.now.Add(time.Hour)
		e.platform.calls = 0
		e.pass()
		if len(e.followed()) != 0 {
			t.Fatalf("a broadcast with its replay is still followed")
		}
	})
}

func (e *syncEnv) followed() []models.Followed {
	e.t.Helper()
	fs, err := e.store.FollowedBroadcasts(e.ctx, e.src.ID, "youtube", e.now.Add(-24*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return fs
}

// TestSyncGrace: no start within the grace: the live post is dropped with the reason; a start
// after the grace (before the planned end) brings it back.
func TestSyncGrace(t *testing.T) {
	e := newSyncEnv(t, t.TempDir()+"/onair.db", syncStart.Add(-time.Hour))
	e.platform.set(upcoming("youtube:v2", syncStart))
	e.pass()
	b := e.byRef("youtube:v2")
	e.now = syncStart.Add(30*time.Minute + time.Second)
	e.pass()
	if p := e.live(b.ID); p.Status != models.PostCancelled || !strings.Contains(p.Error, "had not started on YouTube 30m after its planned start") {
		t.Fatalf("live post after the grace = %s %q", p.Status, p.Error)
	}
	real := syncStart.Add(38 * time.Minute)
	e.platform.edit("youtube:v2", func(p *source.Broadcast) { p.State, p.ActualStart = source.StateLive, real })
	e.now = real.Add(10 * time.Second)
	e.pass()
	if p := e.live(b.ID); p.Status != models.PostPlanned || !p.DueAt.Equal(real) {
		t.Fatalf("live post after a start past the grace = %s due %v", p.Status, p.DueAt)
	}
}

// TestSyncWhatWins: the platform's changes are applied to the fields no one edited in onair;
// a field edited in onair keeps its value. A reschedule on the platform re-plans; a deletion
// cancels.
func TestSyncWhatWins(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newSyncEnv(t, db.DSN, syncStart.Add(-48*time.Hour))
		e.platform.set(upcoming("youtube:v3", syncStart))
		e.pass()
		b := e.byRef("youtube:v3")
		title := "Our spring collection, live"
		if _, err := e.life.Edit(e.ctx, b.ID, models.BroadcastEdit{Title: &title}); err != nil {
			t.Fatal(err)
		}
		later := syncStart.Add(2 * time.Hour)
		e.platform.edit("youtube:v3", func(p *source.Broadcast) {
			p.Title, p.Description = "Spring collection (new time)", "Now at eight"
			p.ScheduledStart, p.ScheduledEnd = later, later.Add(time.Hour)
		})
		e.now = e.now.Add(31 * time.Minute) // the next listing
		if res := e.pass(); res.Updated != 1 {
			t.Fatalf("pass after the platform's changes = %+v", res)
		}
		b = e.byRef("youtube:v3")
		if b.Title != title || b.Description != "Now at eight" || !b.StartsAt.Equal(later) || b.DurationMinutes != 60 {
			t.Fatalf("broadcast = %q %q %v %d; want the title edited in onair kept, the rest from the platform", b.Title, b.Description, b.StartsAt, b.DurationMinutes)
		}
		if p := e.posts(b.ID)["teaser 1d"]; !p.DueAt.Equal(later.Add(-24 * time.Hour)) {
			t.Fatalf("teaser due %v after the reschedule", p.DueAt)
		}
		// The title edited back to the platform's follows it again.
		e.platform.edit("youtube:v3", func(p *source.Broadcast) { p.Title = title })
		e.now = e.now.Add(31 * time.Minute)
		e.pass()
		e.platform.edit("youtube:v3", func(p *source.Broadcast) { p.Title = "Spring, live" })
		e.now = e.now.Add(31 * time.Minute)
		e.pass()
		if b = e.byRef("youtube:v3"); b.Title != "Spring, live" {
			t.Fatalf("title = %q; a field holding the platform's value again follows it", b.Title)
		}

		// Deleted on the platform: cancelled, its pending posts too.
		e.platform.mu.Lock()
		delete(e.platform.bs, "youtube:v3")
		e.platform.mu.Unlock()
		e.now = e.now.Add(31 * time.Minute)
		if res := e.pass(); res.Cancelled != 1 {
			t.Fatalf("pass after the deletion = %+v", res)
		}
		b = e.byRef("youtube:v3")
		if b.Status != models.BroadcastCancelled {
			t.Fatalf("status after deletion = %s", b.Status)
		}
		for k, p := range e.posts(b.ID) {
			if models.Pending(p.Status) {
				t.Errorf("%s is %s after the deletion", k, p.Status)
			}
		}
		// A person reopens it: the platform's cancel is not applied twice.
		if _, err := e.life.Reopen(e.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(31 * time.Minute)
		e.pass()
		if b = e.byRef("youtube:v3"); b.Status == models.BroadcastCancelled {
			t.Fatal("a broadcast reopened by hand was cancelled again")
		}
	})
}

// TestSyncHandTied: a broadcast added by hand and tied to a platform broadcast keeps its values;
// the platform fills the empty ones and drives its live.
func TestSyncHandTied(t *testing.T) {
	e := newSyncEnv(t, t.TempDir()+"/onair.db", syncStart.Add(-2*time.Hour))
	b := e.broadcast(e.camp, "Our launch", syncStart)
	e.update(b.ID, map[string]any{"watch_url": ""})
	if err := e.store.LinkBroadcast(e.ctx, b.ID, "youtube:v4"); err != nil {
		t.Fatal(err)
	}
	e.platform.set(upcoming("youtube:v4", syncStart.Add(5*time.Minute)))
	if res := e.pass(); res.Imported != 0 {
		t.Fatalf("a tied platform broadcast was imported again: %+v", res)
	}
	got, _ := e.store.BroadcastByID(e.ctx, b.ID)
	if got.Title != "Our launch" || !got.StartsAt.Equal(syncStart) || got.WatchURL != "https://www.youtube.com/watch?v=v4" {
		t.Fatalf("tied broadcast = %q %v %q; want its own title and start, the platform's watch URL", got.Title, got.StartsAt, got.WatchURL)
	}
	if p := e.live(b.ID); p.Status != models.PostHeld {
		t.Fatalf("live post of a tied broadcast: %s", p.Status)
	}
}

// TestSyncFailuresFallBack: a spent quota or refused credentials: the live post goes at the
// planned time (nothing is held for a platform onair cannot read); refused credentials pause the
// source. A fault that passes holds on for FallbackAfter first.
func TestSyncFailuresFallBack(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		status string
		after  time.Duration // before the fallback
	}{
		{"quota", &source.Error{Kind: source.ErrQuota, Status: 403}, models.SourceActive, 0},
		{"auth", &source.Error{Kind: source.ErrAuth, Status: 401}, models.SourceNeedsAuth, 0},
		{"5xx", &source.Error{Kind: source.ErrUnavailable, Status: 503}, models.SourceActive, models.FallbackAfter},
		{"rate limit", &source.Error{Kind: source.ErrQuota, Status: 429, Until: syncStart.Add(-3 * time.Minute)}, models.SourceActive, models.FallbackAfter},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newSyncEnv(t, t.TempDir()+"/onair.db", syncStart.Add(-10*time.Minute))
			e.platform.set(upcoming("youtube:v5", syncStart))
			e.pass()
			b := e.byRef("youtube:v5")
			e.platform.fail(c.err)
			e.now = syncStart.Add(-4 * time.Minute)
			res := e.pass()
			if res.Error == "" {
				t.Fatalf("pass with a failing platform = %+v", res)
			}
			src, _ := e.store.SourceByID(e.ctx, e.src.ID)
			if src.Status != c.status || src.LastError == "" {
				t.Fatalf("source = %s %q, want %s with the error", src.Status, src.LastError, c.status)
			}
			if c.after > 0 {
				if p := e.live(b.ID); p.Status != models.PostHeld {
					t.Fatalf("live post right after a 5xx: %s, want still held", p.Status)
				}
				e.now = e.now.Add(c.after)
				e.pass()
			}
			p := e.live(b.ID)
			if p.Status != models.PostPlanned || !p.DueAt.Equal(syncStart) {
				t.Fatalf("live post with the platform failing (%s) = %s due %v, want planned at the planned start", c.name, p.Status, p.DueAt)
			}
			if c.status != models.SourceActive {
				return
			}
			// The platform answers again (before the start): the live post waits for it again.
			e.platform.fail(nil)
			e.now = e.now.Add(time.Hour) // past a quota's retry time
			e.now = syncStart.Add(-time.Minute)
			if err := e.store.PollSourceNow(e.ctx, e.src.ID); err != nil {
				t.Fatal(err)
			}
			e.pass()
			if p := e.live(b.ID); p.Status != models.PostHeld {
				t.Fatalf("live post once the platform answers again: %s", p.Status)
			}
		})
	}
}

// TestSyncRestartSafe: what a pass stored and did not act on (killed in between) is acted on by
// the next, even with the platform down then, and nothing is done twice.
func TestSyncRestartSafe(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newSyncEnv(t, db.DSN, syncStart.Add(-10*time.Minute))
		e.platform.set(upcoming("youtube:v6", syncStart))
		e.pass()
		b := e.byRef("youtube:v6")
		real := syncStart.Add(3 * time.Minute)
		// A pass learnt the start, stored it, and was killed before GoLive.
		if err := e.store.SaveObservation(e.ctx, b.ID, models.Observation{State: models.PlatformLive, StartedAt: models.NewTime(real), Viewers: -1}); err != nil {
			t.Fatal(err)
		}
		e.platform.fail(&source.Error{Kind: source.ErrUnavailable, Status: 502})
		e.now = real.Add(20 * time.Second)
		// A new process: a new syncer.
		e.sync = NewSyncer(e.store, e.life, e.sync.build, SyncConfig{}, func() time.Time { return e.now }, nil)
		if res := e.pass(); res.Live != 1 {
			t.Fatalf("pass after the restart = %+v, want the GoLive made", res)
		}
		got, _ := e.store.BroadcastByID(e.ctx, b.ID)
		if !got.StartedAt.Equal(real) {
			t.Fatalf("started_at = %v, want %v", got.StartedAt, real)
		}
		e.platform.fail(nil)
		e.platform.edit("youtube:v6", func(p *source.Broadcast) { p.State, p.ActualStart = source.StateLive, real })
		e.now = e.now.Add(time.Minute)
		if res := e.pass(); res.Live != 0 {
			t.Fatalf("a second pass went live again: %+v", res)
		}
	})
}

// TestSyncPolling: the schedule reads slowly far from a broadcast, every NearEvery around its
// start, every minute while live; the budget fits YouTube's daily quota.
func TestSyncPolling(t *testing.T) {
	e := newSyncEnv(t, t.TempDir()+"/onair.db", syncStart.Add(-48*time.Hour))
	e.platform.set(upcoming("youtube:v7", syncStart))
	for _, c := range []struct {
		at   time.Duration // from the planned start
		live bool
		max  time.Duration
		min  time.Duration
	}{
		{-48 * time.Hour, false, 30 * time.Minute, 30 * time.Minute},
		{-50 * time.Minute, false, 5 * time.Minute, 5 * time.Minute},
		{-4 * time.Minute, false, 20 * time.Second, 20 * time.Second},
		{10 * time.Minute, false, 20 * time.Second, 20 * time.Second},
		{12 * time.Minute, true, time.Minute, time.Minute},
	} {
		e.now = syncStart.Add(c.at)
		if c.live {
			e.platform.edit("youtube:v7", func(p *source.Broadcast) { p.State, p.ActualStart = source.StateLive, e.now })
		}
		res := e.pass()
		if d := res.NextPoll.Sub(e.now); d > c.max || d < c.min {
			t.Errorf("at %v from the start (live %v): next read in %v, want %v..%v", c.at, c.live, d, c.min, c.max)
		}
	}
	b := e.sync.Budget(source.Info{DailyUnits: 10000, UnitsPerLook: 1})
	if b.IdlePerDay != 48 || b.PerDay < 20 || b.LateBroadcast <= b.PerBroadcast {
		t.Fatalf("budget = %+v (%s)", b, b)
	}
	t.Log(b)
}

func TestSyncSourcePausedIsNotRead(t *testing.T) {
	e := newSyncEnv(t, t.TempDir()+"/onair.db", syncStart.Add(-time.Hour))
	if err := e.store.SetSourceStatus(e.ctx, e.src.ID, models.SourcePaused, "paused by hand"); err != nil {
		t.Fatal(err)
	}
	res := e.pass()
	if e.platform.calls != 0 || !strings.Contains(res.Error, "paused") {
		t.Fatalf("a paused source was read: %d calls, %+v", e.platform.calls, res)
	}
	_ = fmt.Sprint()
}

// TestSyncThumbnail: with a picture directory, the platform's thumbnail is downloaded and becomes
// the imported broadcast's teaser picture; a picture set in onair is kept over a new thumbnail.
func TestSyncThumbnail(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(png) }))
	t.Cleanup(srv.Close)
	e := newSyncEnv(t, t.TempDir()+"/onair.db", syncStart.Add(-48*time.Hour))
	dir := t.TempDir()
	e.sync = NewSyncer(e.store, e.life, e.sync.build, SyncConfig{PictureDir: dir}, func() time.Time { return e.now }, nil)
	up := upcoming("youtube:v8", syncStart)
	up.ThumbnailURL = srv.URL + "/vi/v8/maxresdefault.jpg"
	e.platform.set(up)
	e.pass()
	b := e.byRef("youtube:v8")
	if b.Image != filepath.Join(dir, "youtube-v8.png") {
		t.Fatalf("imported broadcast's picture = %q", b.Image)
	}
	if p := e.posts(b.ID)["teaser 1d"]; !strings.Contains(p.Options, "youtube-v8.png") || p.Status != models.PostPlanned {
		t.Fatalf("teaser = %s %q", p.Status, p.Options)
	}
	own := filepath.Join(dir, "own.png")
	os.WriteFile(own, png, 0o644)
	if _, err := e.life.Edit(e.ctx, b.ID, models.BroadcastEdit{Image: &own}); err != nil {
		t.Fatal(err)
	}
	e.platform.edit("youtube:v8", func(p *source.Broadcast) { p.ThumbnailURL = srv.URL + "/new.jpg" })
	e.now = e.now.Add(31 * time.Minute)
	e.pass()
	if b = e.byRef("youtube:v8"); b.Image != own {
		t.Fatalf("picture after a new thumbnail = %q, want the one set in onair", b.Image)
	}
}
