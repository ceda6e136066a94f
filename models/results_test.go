package models

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models/modelstest"
)

func TestParseCheckpoints(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want, err string
	}{
		{"", "1h,24h,7d", ""},
		{"7d,1h,24h", "1h,24h,7d", ""},
		{"30s, 2m", "30s,2m", ""},
		{"0", "", "after a post went out"},
		{"1h,1h", "", "twice"},
		{"soon", "", "not understood"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeCheckpoints(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("NormalizeCheckpoints(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeCheckpoints(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	cps, _ := ParseCheckpoints("")
	if cps[2].After != 168*time.Hour {
		t.Errorf("7d = %v, want 168h exactly", cps[2].After)
	}
}

func sentPost(t *testing.T, s *Store, b *Broadcast, at time.Time) *Post {
	t.Helper()
	p := &Post{BroadcastID: b.ID, ChannelID: 1, Kind: KindTeaser, Step: "7d", DueAt: NewTime(at), Text: "t",
		Status: PostSent, SentAt: NewTime(at), RemoteID: "r1", IdempotencyKey: NewIdempotencyKey()}
	if err := s.DB().Create(p).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPostMetricsOnce(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		c, b := seed(t, s)
		if err := s.SetCampaignMetricsAfter(ctx, c.ID, "30m,2h"); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2027, 3, 23, 16, 0, 0, 0, time.UTC)
		p := sentPost(t, s, b, at)
		sent, err := s.SentPostsSince(ctx, at.Add(-time.Hour))
		if err != nil || len(sent) != 1 || sent[0].ID != p.ID || sent[0].MetricsAfter != "30m,2h" {
			t.Fatalf("SentPostsSince = %+v, %v", sent, err)
		}
		if sent, _ := s.SentPostsSince(ctx, at.Add(time.Minute)); len(sent) != 0 {
			t.Errorf("a post sent before since was returned: %+v", sent)
		}
		likes := int64(12)
		m := PostMetric{PostID: p.ID, Checkpoint: "30m", DueAt: NewTime(at.Add(30 * time.Minute)),
			CollectedAt: NewTime(at.Add(31 * time.Minute)), Likes: &likes, CostUSD: 0.005}
		if n, err := s.RecordPostMetrics(ctx, []PostMetric{m}); err != nil || n != 1 {
			t.Fatalf("record: %d, %v", n, err)
		}
		other := int64(99)
		m.Likes = &other
		if n, err := s.RecordPostMetrics(ctx, []PostMetric{m}); err != nil || n != 0 {
			t.Fatalf("record again: %d, %v; want 0 new", n, err)
		}
		got, err := s.PostMetricsOf(ctx, []int64{b.ID})
		if err != nil || len(got[p.ID]) != 1 || *got[p.ID][0].Likes != 12 || got[p.ID][0].Impressions != nil || got[p.ID][0].CostUSD != 0.005 {
			t.Fatalf("PostMetricsOf = %+v, %v", got, err)
		}
		done, err := s.CollectedCheckpoints(ctx, []int64{p.ID})
		if err != nil || !done[p.ID]["30m"] || done[p.ID]["2h"] {
			t.Fatalf("CollectedCheckpoints = %v, %v", done, err)
		}

		if st, err := s.BroadcastStatsOf(ctx, b.ID); st != nil || err != nil {
			t.Fatalf("stats before any: %+v, %v", st, err)
		}
		v := int64(1200)
		if err := s.SetBroadcastStats(ctx, BroadcastStats{BroadcastID: b.ID, Viewers: &v}); err != nil {
			t.Fatal(err)
		}
		w := int64(20400)
		if err := s.SetBroadcastStats(ctx, BroadcastStats{BroadcastID: b.ID, Viewers: &v, WatchMinutes: &w}); err != nil {
			t.Fatal(err)
		}
		st, err := s.BroadcastStatsOf(ctx, b.ID)
		if err != nil || st == nil || *st.Viewers != 1200 || *st.WatchMinutes != 20400 || st.PeakViewers != nil {
			t.Fatalf("stats = %+v, %v", st, err)
		}
		views := int64(5000)
		if err := s.SetPlatformStats(ctx, PlatformStats{BroadcastID: b.ID, Platform: "youtube", CollectedAt: NewTime(at), Views: &views}); err != nil {
			t.Fatal(err)
		}
		if ps, err := s.PlatformStatsOf(ctx, b.ID); err != nil || ps == nil || *ps.Views != 5000 || ps.Platform != "youtube" {
			t.Fatalf("platform stats = %+v, %v", ps, err)
		}
	})
}

// TestResultsCMSBoundary: a CMS writes broadcast_stats, never post_metrics nor platform_stats.
func TestResultsCMSBoundary(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		_, b := seed(t, s)
		p := sentPost(t, s, b, time.Date(2027, 3, 23, 16, 0, 0, 0, time.UTC))
		var cms *sql.DB
		var err error
		ph := func(i int) string { return "?" }
		if db.Engine == EngineSQLite {
			cms, err = sql.Open("sqlite3", "file:"+db.DSN+"?_busy_timeout=10000&_txlock=immediate")
		} else {
			cms, err = sql.Open("pgx", db.DSN)
			ph = func(i int) string { return "$" + string(rune('0'+i)) }
		}
		if err != nil {
			t.Fatal(err)
		}
		defer cms.Close()
		if _, err := cms.Exec(`INSERT INTO broadcast_stats (broadcast_id, viewers, replay_views) VALUES (`+ph(1)+`, 1500, 800)`, b.ID); err != nil {
			t.Fatalf("a CMS could not write broadcast_stats: %v", err)
		}
		if st, _ := s.BroadcastStatsOf(ctx, b.ID); st == nil || *st.Viewers != 1500 || *st.ReplayViews != 800 {
			t.Fatalf("onair reads %+v", st)
		}
		if _, err := cms.Exec(`UPDATE broadcast_stats SET viewers = -3 WHERE broadcast_id = `+ph(1), b.ID); err == nil {
			t.Error("a negative figure was accepted")
		}
		if db.Engine == EngineSQLite {
			if _, err := cms.Exec(`UPDATE broadcast_stats SET viewers = 'many' WHERE broadcast_id = ?`, b.ID); err == nil {
				t.Error("a figure that is not a number was accepted")
			}
		}
		for _, q := range []string{
			`INSERT INTO post_metrics (post_id, checkpoint, due_at, collected_at, likes) VALUES (` + ph(1) + `, '1h', '2027-03-23T17:00:00Z', '2027-03-23T17:00:00Z', 5)`,
			`INSERT INTO platform_stats (broadcast_id, collected_at, views) VALUES (` + ph(1) + `, '2027-03-23T17:00:00Z', 5)`,
		} {
			id := p.ID
			if strings.Contains(q, "platform_stats") {
				id = b.ID
			}
			if _, err := cms.Exec(q, id); err == nil || !strings.Contains(err.Error(), "onair only") {
				t.Errorf("%s: %v, want refused (onair only)", q, err)
			}
		}
	})
}
