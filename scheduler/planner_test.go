package scheduler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
)

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// env is a temp database with a clock the test moves.
type env struct {
	t       *testing.T
	ctx     context.Context
	store   *models.Store
	planner *Planner
	now     time.Time
	path    string
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	return newEnvOn(t, filepath.Join(t.TempDir(), "onair.db"), now)
}

// migrated is an empty database at the latest schema, copied for each test rather than migrated
// again (the migrations are tested in models).
var migrated = modelstest.Template{Build: func(path string) error {
	s, err := models.Open(context.Background(), path, models.Options{})
	if err != nil {
		return err
	}
	return s.Close()
}}

// fromTemplate copies the migrated template to dsn when it is a SQLite file not made yet.
func fromTemplate(t *testing.T, dsn string) {
	t.Helper()
	if models.IsPostgres(dsn) {
		return
	}
	if _, err := os.Stat(dsn); os.IsNotExist(err) {
		migrated.CopyTo(t, dsn)
	}
}

// newEnvOn opens dsn (a SQLite path or a PostgreSQL URL).
func newEnvOn(t *testing.T, dsn string, now time.Time) *env {
	t.Helper()
	fromTemplate(t, dsn)
	e := &env{t: t, ctx: context.Background(), now: now, path: dsn}
	s, err := models.Open(e.ctx, e.path, models.Options{Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e.store = s
	e.planner = NewPlanner(s, func() time.Time { return e.now }, nil)
	return e
}

func (e *env) channel(name, network string) {
	e.t.Helper()
	if err := e.store.CreateChannel(e.ctx, &models.Channel{Name: name, Network: network}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) campaign(c models.Campaign, channels ...string) *models.Campaign {
	e.t.Helper()
	if c.TimeZone == "" {
		c.TimeZone = "Europe/Paris"
	}
	if c.Lang == "" {
		c.Lang = "fr"
	}
	if err := e.store.CreateCampaign(e.ctx, &c, channels); err != nil {
		e.t.Fatal(err)
	}
	return &c
}

func (e *env) broadcast(c *models.Campaign, title string, start time.Time) *models.Broadcast {
	e.t.Helper()
	b := &models.Broadcast{CampaignID: &c.ID, Title: title, StartsAt: models.NewTime(start), DurationMinutes: 45,
		WatchURL: "https://x.com/i/broadcasts/1ABC"}
	if err := e.store.CreateBroadcast(e.ctx, b); err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) plan(id int64) PlanResult {
	e.t.Helper()
	res, err := e.planner.Plan(e.ctx, id)
	if err != nil {
		e.t.Fatalf("plan %d: %v", id, err)
	}
	return res
}

func (e *env) posts(id int64) map[string]models.Post {
	e.t.Helper()
	list, err := e.store.PostsOfBroadcast(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]models.Post{}
	for _, p := range list {
		out[string(p.Kind)+" "+p.Step] = p
	}
	return out
}

func (e *env) update(id int64, cols map[string]any) {
	e.t.Helper()
	if err := e.store.UpdateBroadcast(e.ctx, id, cols); err != nil {
		e.t.Fatal(err)
	}
}

func spring(e *env) *models.Campaign {
	e.channel("preview", "console")
	return e.campaign(models.Campaign{Name: "Spring launch", Teasers: "7d,3d,1d", Reminders: "1h,10m",
		ReplayAfter: "30m,1d", Hashtags: "#SpringLaunch"}, "preview")
}

func TestPlanCadence(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement de la collection", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		res := e.plan(b.ID)
		if res.Created != 8 || res.Error != "" {
			t.Fatalf("plan = %+v, want 8 posts and no error", res)
		}
		posts := e.posts(b.ID)
		want := []struct {
			key    string
			local  string // due time in Paris
			status models.PostStatus
		}{
			{"teaser 7d", "2027-03-23 18:00 CET", models.PostPlanned},
			{"teaser 3d", "2027-03-27 18:00 CET", models.PostPlanned},
			{"teaser 1d", "2027-03-29 18:00 CEST", models.PostPlanned}, // the day after the DST change
			{"reminder 1h", "2027-03-30 17:00 CEST", models.PostPlanned},
			{"reminder 10m", "2027-03-30 17:50 CEST", models.PostPlanned},
			{"live 0", "2027-03-30 18:00 CEST", models.PostPlanned},
			{"replay 30m", "2027-03-30 19:15 CEST", models.PostHeld}, // 45 min broadcast + 30 min
			{"replay 1d", "2027-03-31 18:45 CEST", models.PostHeld},
		}
		for _, w := range want {
			t.Run(w.key, func(t *testing.T) {
				p, ok := posts[w.key]
				if !ok {
					t.Fatalf("no %s post; have %v", w.key, keys(posts))
				}
				if got := p.DueAt.In(paris).Format("2006-01-02 15:04 MST"); got != w.local {
					t.Errorf("due %s, want %s", got, w.local)
				}
				if p.Status != w.status {
					t.Errorf("status %s, want %s (error %q)", p.Status, w.status, p.Error)
				}
				if p.Text == "" || p.Length == 0 || !strings.HasPrefix(p.IdempotencyKey, "onair-") {
					t.Errorf("post not filled in: %+v", p)
				}
			})
		}
		if !strings.Contains(posts["teaser 7d"].Text, "Lancement de la collection") {
			t.Errorf("teaser text does not name the broadcast: %q", posts["teaser 7d"].Text)
		}
		if posts["teaser 7d"].Text == posts["teaser 3d"].Text || posts["replay 30m"].Text == posts["replay 1d"].Text {
			t.Error("two steps of one kind have the same text: X refuses duplicate content")
		}
	})
}

func TestPlanSkipsPastSteps(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-50*time.Hour))
		c := spring(e)
		b := e.broadcast(c, "Lancement", start)
		e.plan(b.ID)
		posts := e.posts(b.ID)
		for _, gone := range []string{"teaser 7d", "teaser 3d"} {
			if _, ok := posts[gone]; ok {
				t.Errorf("%s was created although its time has passed", gone)
			}
		}
		if _, ok := posts["teaser 1d"]; !ok {
			t.Error("teaser 1d is still ahead and must be planned")
		}
	})
}

func TestPlanDST(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		// Europe/Paris moves to summer time on 2027-03-28 at 02:00. A broadcast at 18:00 on the 29th:
		// its 1-day and 2-day teasers keep 18:00 on the wall clock, its 24h reminder is exact.
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
		e.channel("preview", "console")
		c := e.campaign(models.Campaign{Name: "DST", Teasers: "1d,2d", Reminders: "24h,48h"}, "preview")
		b := e.broadcast(c, "Après le changement d'heure", time.Date(2027, 3, 29, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		posts := e.posts(b.ID)
		if got := posts["teaser 1d"].DueAt.In(paris).Format("2006-01-02 15:04 MST"); got != "2027-03-28 18:00 CEST" {
			t.Errorf("teaser 1d due %s, want 2027-03-28 18:00 CEST", got)
		}
		if got := posts["teaser 2d"].DueAt.In(paris).Format("2006-01-02 15:04 MST"); got != "2027-03-27 18:00 CET" {
			t.Errorf("teaser 2d due %s, want 2027-03-27 18:00 CET (wall clock kept across the change)", got)
		}
		if got := posts["reminder 48h"].DueAt.In(paris).Format("2006-01-02 15:04 MST"); got != "2027-03-27 17:00 CET" {
			t.Errorf("reminder 48h due %s, want 2027-03-27 17:00 CET (exact duration)", got)
		}
	})
}

func TestPlanIsIdempotent(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		before := e.posts(b.ID)
		e.now = e.now.Add(time.Hour)
		res := e.plan(b.ID)
		if res.Changed() {
			t.Errorf("second plan changed posts: %+v", res)
		}
		after := e.posts(b.ID)
		for k, p := range before {
			if after[k] != p {
				t.Errorf("%s changed on a second plan:\n%+v\n%+v", k, p, after[k])
			}
		}
	})
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		before := e.posts(b.ID)
		// The 7-day teaser already went out, and a person rewrote the 1-day teaser.
		sent := before["teaser 7d"]
		if _, err := e.store.UpdatePost(e.ctx, sent.ID, nil, map[string]any{"status": models.PostSent}); err != nil {
			t.Fatal(err)
		}
		edited := before["teaser 1d"]
		if _, err := e.store.UpdatePost(e.ctx, edited.ID, nil, map[string]any{"text": "Demain, on vous montre tout.", "edited": true}); err != nil {
			t.Fatal(err)
		}
		e.update(b.ID, map[string]any{"starts_at": models.NewTime(time.Date(2027, 3, 31, 19, 0, 0, 0, paris))})
		res := e.plan(b.ID)
		if res.Created != 0 || res.Error != "" {
			t.Errorf("re-plan = %+v, want updates only", res)
		}
		after := e.posts(b.ID)
		if got := after["teaser 7d"]; got.DueAt != sent.DueAt || got.Status != models.PostSent || got.Text != sent.Text {
			t.Errorf("a sent post was touched by the re-plan: %+v", got)
		}
		if got := after["teaser 1d"]; got.Text != "Demain, on vous montre tout." || got.DueAt.In(paris).Format("01-02 15:04") != "03-30 19:00" {
			t.Errorf("edited post: text %q due %v; want its text kept and its time moved", got.Text, got.DueAt.In(paris))
		}
		if got := after["teaser 3d"]; got.ID != before["teaser 3d"].ID || got.IdempotencyKey != before["teaser 3d"].IdempotencyKey ||
			got.DueAt.In(paris).Format("01-02 15:04") != "03-28 19:00" {
			t.Errorf("pending post not moved in place: %+v", got)
		}
		if got := after["live 0"]; !got.DueAt.Equal(time.Date(2027, 3, 31, 19, 0, 0, 0, paris)) {
			t.Errorf("live post due %v", got.DueAt.In(paris))
		}
	})
}

func TestRescheduleIntoThePastCancels(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		// Moved eight days earlier: the 7-day and 3-day teasers' new times are in the past.
		e.update(b.ID, map[string]any{"starts_at": models.NewTime(time.Date(2027, 3, 22, 18, 0, 0, 0, paris))})
		e.plan(b.ID)
		posts := e.posts(b.ID)
		if p := posts["teaser 7d"]; p.Status != models.PostCancelled {
			t.Errorf("teaser 7d moved into the past: status %s, want cancelled", p.Status)
		}
		if p := posts["teaser 3d"]; p.Status != models.PostCancelled || !strings.Contains(p.Error, "rescheduled") {
			t.Errorf("teaser 3d moved into the past: status %s error %q, want cancelled", p.Status, p.Error)
		}
		if p := posts["teaser 1d"]; p.Status != models.PostPlanned {
			t.Errorf("teaser 1d still ahead: status %s", p.Status)
		}
	})
}

func TestCancelAndRestore(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		sent := e.posts(b.ID)["teaser 7d"]
		e.store.UpdatePost(e.ctx, sent.ID, nil, map[string]any{"status": models.PostSent})

		e.update(b.ID, map[string]any{"status": models.BroadcastCancelled})
		res := e.plan(b.ID)
		if res.Cancelled != 7 {
			t.Errorf("cancel: %+v, want 7 pending posts cancelled", res)
		}
		for k, p := range e.posts(b.ID) {
			want := models.PostCancelled
			if k == "teaser 7d" {
				want = models.PostSent
			}
			if p.Status != want {
				t.Errorf("%s: %s, want %s", k, p.Status, want)
			}
		}
		e.update(b.ID, map[string]any{"status": models.BroadcastScheduled})
		e.plan(b.ID)
		posts := e.posts(b.ID)
		if posts["teaser 3d"].Status != models.PostPlanned || posts["replay 30m"].Status != models.PostHeld {
			t.Errorf("restored broadcast: teaser 3d %s, replay %s", posts["teaser 3d"].Status, posts["replay 30m"].Status)
		}
	})
}

func TestCadenceChangeCancelsDroppedSteps(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		if err := e.store.DB().Exec(`UPDATE campaigns SET teasers = '7d,2d' WHERE id = ?`, c.ID).Error; err != nil {
			t.Fatal(err)
		}
		res := e.plan(b.ID)
		if res.Created != 1 || res.Cancelled != 2 {
			t.Errorf("cadence change: %+v, want 1 created (2d) and 2 cancelled (3d, 1d)", res)
		}
		if p := e.posts(b.ID)["teaser 3d"]; p.Status != models.PostCancelled || !strings.Contains(p.Error, "no longer in the plan") {
			t.Errorf("teaser 3d: %s %q", p.Status, p.Error)
		}
	})
}

func TestReplayURLReleasesHeldPosts(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		e.update(b.ID, map[string]any{"replay_url": "https://x.com/i/broadcasts/1ABC/replay"})
		e.plan(b.ID)
		p := e.posts(b.ID)["replay 30m"]
		if p.Status != models.PostPlanned || !strings.Contains(p.Text, "https://x.com/i/broadcasts/1ABC/replay") {
			t.Errorf("replay after URL: %s %q", p.Status, p.Text)
		}
	})
}

func TestTooLongIsCaughtAtPlanTime(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		e.channel("preview", "console")
		e.channel("brand-x", "x")
		c := e.campaign(models.Campaign{Name: "Long", Teasers: "1d"}, "preview", "brand-x")
		title := strings.Repeat("Une collection incroyable ", 12) // ~312 characters
		b := e.broadcast(c, strings.TrimSpace(title), time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		res := e.plan(b.ID)
		if res.Invalid != 2 {
			t.Errorf("plan = %+v, want the teaser and the live post on X invalid", res)
		}
		for _, want := range []string{"teaser 1d on brand-x", "too long for x", "over"} {
			if !strings.Contains(res.Error, want) {
				t.Errorf("plan error %q does not say %q", res.Error, want)
			}
		}
		got, _ := e.store.BroadcastByID(e.ctx, b.ID)
		if got.Error != res.Error {
			t.Errorf("broadcast error %q, want the plan's", got.Error)
		}
		list, _ := e.store.ListPosts(e.ctx, models.PostFilter{BroadcastID: b.ID})
		for _, p := range list {
			want := models.PostPlanned
			if p.ChannelID == 2 {
				want = models.PostInvalid
			}
			if p.Status != want {
				t.Errorf("%s on channel %d: %s (%s), want %s", p.Kind, p.ChannelID, p.Status, p.Error, want)
			}
			if p.ChannelID == 2 && p.Length <= p.MaxLength {
				t.Errorf("invalid post length %d/%d", p.Length, p.MaxLength)
			}
		}
		// Planning again keeps the error (nothing to write, but still reported).
		if res := e.plan(b.ID); res.Error == "" || res.Changed() {
			t.Errorf("second plan = %+v", res)
		}
	})
}

func TestTemplateOverrideAndBrokenTemplate(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		e.channel("preview", "console")
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "teaser.tmpl"), []byte("Bientôt : {{.Title}} {{.Relative}}"), 0o644); err != nil {
			t.Fatal(err)
		}
		c := e.campaign(models.Campaign{Name: "Custom", Teasers: "3d", TemplatesDir: dir}, "preview")
		b := e.broadcast(c, "Défilé", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
		e.plan(b.ID)
		if got := e.posts(b.ID)["teaser 3d"].Text; got != "Bientôt : Défilé dans 3 jours" {
			t.Errorf("override text %q", got)
		}
		if err := os.WriteFile(filepath.Join(dir, "teaser.tmpl"), []byte("{{.Title"), 0o644); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(time.Minute) // past the template cache
		e.update(b.ID, map[string]any{"title": "Défilé 2"})
		res := e.plan(b.ID)
		if !strings.Contains(res.Error, "teaser.tmpl") {
			t.Errorf("broken template: plan error %q does not name the file", res.Error)
		}
		if p := e.posts(b.ID)["teaser 3d"]; p.Status != models.PostInvalid {
			t.Errorf("post planned from a broken template is %s, want invalid", p.Status)
		}
	})
}

func keys(m map[string]models.Post) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestConcurrentPlanners: two planners (a daemon and a CLI) plan the same new broadcast at once:
// one post per step, no error.
func TestConcurrentPlanners(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		e := newEnvOn(t, db.DSN, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
		c := spring(e)
		for i := 0; i < 10; i++ {
			b := e.broadcast(c, fmt.Sprintf("Race %d", i), time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
			other := NewPlanner(e.store, func() time.Time { return e.now }, nil)
			errs := make(chan error, 2)
			for _, pl := range []*Planner{e.planner, other} {
				go func(pl *Planner) {
					_, err := pl.Plan(e.ctx, b.ID)
					errs <- err
				}(pl)
			}
			for j := 0; j < 2; j++ {
				if err := <-errs; err != nil {
					t.Fatalf("concurrent plan: %v", err)
				}
			}
			if n := len(e.posts(b.ID)); n != 8 {
				t.Fatalf("%d posts after two concurrent plans, want 8", n)
			}
		}
	})
}

// TestPictureOnTeasersOnly: the planner alone decides which posts carry the picture (adapters
// post the one a message has): teasers, and every Bluesky post (its link card's picture); the
// broadcast's picture before the campaign's, its title as the alternative text by default.
func TestPictureOnTeasersOnly(t *testing.T) {
	t.Parallel()
	x := &models.Channel{Name: "brand-x", Network: "x"}
	bsky := &models.Channel{Name: "brand-bsky", Network: "bluesky"}
	camp := &models.Campaign{Image: "campaign.png", ImageAlt: "Campaign"}
	b := &models.Broadcast{Title: "Launch", Image: "launch.png"}
	for _, tt := range []struct {
		name  string
		b     *models.Broadcast
		ch    *models.Channel
		kind  models.Kind
		image string
		alt   string
	}{
		{"teaser on X", b, x, models.KindTeaser, "launch.png", "Launch"},
		{"reminder on X", b, x, models.KindReminder, "", ""},
		{"live on X", b, x, models.KindLive, "", ""},
		{"replay on Bluesky", b, bsky, models.KindReplay, "launch.png", "Launch"},
		{"teaser, the campaign's picture", &models.Broadcast{Title: "Launch"}, x, models.KindTeaser, "campaign.png", "Campaign"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := postOptions(tt.b, camp, step{channel: tt.ch, kind: tt.kind})
			if o.Image != tt.image || o.ImageAlt != tt.alt {
				t.Errorf("picture %q (alt %q), want %q (alt %q)", o.Image, o.ImageAlt, tt.image, tt.alt)
			}
		})
	}
}
