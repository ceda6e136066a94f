package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/scheduler/source"
)

// statsPlatform is a fake live platform that also reports a past broadcast's figures.
type statsPlatform struct {
	*fakePlatform
	statsReader
}

// TestCollectPlatformFromTheSource: an ended broadcast of a campaign that follows a source has
// its platform figures read at 2h, 24h, 72h, 7d and 14d after its end, and no more; a quota
// makes the reads wait.
func TestCollectPlatformFromTheSource(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
		e := newSyncEnv(t, db.DSN, start.Add(-time.Hour))
		b := e.broadcast(e.camp, "Launch", start)
		if err := e.store.LinkBroadcast(e.ctx, b.ID, "youtube:VID1"); err != nil {
			t.Fatal(err)
		}
		end := start.Add(45 * time.Minute)
		if err := e.store.DB().Model(&models.Broadcast{}).Where("id = ?", b.ID).
			Updates(map[string]any{"status": models.BroadcastEnded, "started_at": models.NewTime(start), "ended_at": models.NewTime(end)}).Error; err != nil {
			t.Fatal(err)
		}
		p := &statsPlatform{fakePlatform: e.platform, statsReader: statsReader{stats: source.Stats{Views: 100, LiveViews: 80, ReplayViews: 20, WatchMinutes: 900, AverageViewSeconds: 240}}}
		clock := &syncClock{t: end.Add(time.Hour)}
		c := NewCollector(e.store, func(models.Channel) (posting.MetricsReader, error) { return nil, nil }, clock.Now, nil).
			WithSources(func(context.Context, models.Source) (source.Source, error) { return p, nil })
		collect := func(at time.Time) int {
			t.Helper()
			clock.mu.Lock()
			clock.t = at
			clock.mu.Unlock()
			n, err := c.CollectPlatform(context.Background())
			if err != nil {
				t.Fatalf("at %v: %v", at, err)
			}
			return n
		}
		if n := collect(end.Add(time.Hour)); n != 0 {
			t.Fatalf("an hour after the end: %d read, want none yet", n)
		}
		if n := collect(end.Add(2 * time.Hour)); n != 1 || len(p.refs) != 1 || p.refs[0] != "youtube:VID1" {
			t.Fatalf("2h after the end: %d read, refs %v", n, p.refs)
		}
		if n := collect(end.Add(3 * time.Hour)); n != 0 {
			t.Errorf("read again before the next reading time: %d", n)
		}
		p.stats.ReplayViews = 500
		if n := collect(end.Add(25 * time.Hour)); n != 1 {
			t.Errorf("24h after: %d read", n)
		}
		if st, _ := e.store.PlatformStatsOf(e.ctx, b.ID); st == nil || *st.ReplayViews != 500 || st.Platform != "youtube" {
			t.Errorf("platform stats %+v", st)
		}
		p.statsReader.err = &source.Error{Kind: source.ErrQuota, Until: end.Add(80 * time.Hour)}
		if _, err := c.CollectPlatform(context.Background()); err != nil {
			t.Fatal(err) // nothing due at 25h
		}
		clock.mu.Lock()
		clock.t = end.Add(73 * time.Hour)
		clock.mu.Unlock()
		if _, err := c.CollectPlatform(context.Background()); err == nil {
			t.Error("a spent quota was not reported")
		}
		p.statsReader.err = nil
		if n := collect(end.Add(75 * time.Hour)); n != 0 {
			t.Errorf("read during the quota's wait: %d", n)
		}
		if n := collect(end.Add(81 * time.Hour)); n != 1 {
			t.Errorf("after the quota: %d read", n)
		}
		calls := len(p.refs)
		for _, d := range []time.Duration{7 * 24 * time.Hour, 14 * 24 * time.Hour, 15 * 24 * time.Hour} {
			collect(end.Add(d))
		}
		if got := len(p.refs) - calls; got != 2 {
			t.Errorf("%d reads after 72h, want 2 (7d and 14d)", got)
		}
	})
}
