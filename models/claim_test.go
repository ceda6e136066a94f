package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/onairhq/onair/models/modelstest"
)

// claimFixture opens db with one channel, one broadcast and posts due posts (one per step).
func claimFixture(tb testing.TB, db modelstest.DB, posts int, now time.Time) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, db.DSN, Options{Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.CreateChannel(ctx, &Channel{Name: "hook", Network: "webhook"}); err != nil {
		tb.Fatal(err)
	}
	c := &Campaign{Name: "Bench", TimeZone: "UTC", Lang: "en"}
	if err := s.CreateCampaign(ctx, c, []string{"hook"}); err != nil {
		tb.Fatal(err)
	}
	b := &Broadcast{CampaignID: &c.ID, Title: "Launch", StartsAt: NewTime(now.Add(time.Hour))}
	if err := s.CreateBroadcast(ctx, b); err != nil {
		tb.Fatal(err)
	}
	var ps []*Post
	for i := range posts {
		ps = append(ps, &Post{BroadcastID: b.ID, ChannelID: c.Channels[0].ID, Kind: KindReminder, Step: fmt.Sprint(i),
			DueAt: NewTime(now.Add(-time.Duration(posts-i) * time.Second)), Text: "Starts soon", Status: PostPlanned,
			IdempotencyKey: NewIdempotencyKey(), Options: `{"lang":"en"}`, ExpiresAt: NewTime(now.Add(time.Hour)),
			RemoteKey: fmt.Sprintf("key-%d", i)})
	}
	if err := s.CreatePosts(ctx, ps); err != nil {
		tb.Fatal(err)
	}
	return s
}

// A claimed post carries what sending it reads, as stored, in due order.
func TestClaimReturnsWhatASendReads(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		now := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
		s := claimFixture(t, db, 3, now)
		ctx := context.Background()
		claimed, err := s.ClaimDue(ctx, "test", now, now.Add(time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		var stored []Post
		if err := s.DB().Order("due_at, id").Find(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 3 || len(stored) != 3 {
			t.Fatalf("claimed %d of %d posts", len(claimed), len(stored))
		}
		for i, c := range claimed {
			w := stored[i]
			got := fmt.Sprint(c.ID, c.BroadcastID, c.ChannelID, c.Kind, c.Step, c.DueAt.Time, c.Text, c.Status, c.Error,
				c.IdempotencyKey, c.Attempts, c.Options, c.ExpiresAt.Time, c.LeaseOwner, c.LeaseExpiresAt.Time, c.FirstTriedAt.Time, c.RemoteKey)
			want := fmt.Sprint(w.ID, w.BroadcastID, w.ChannelID, w.Kind, w.Step, w.DueAt.Time, w.Text, w.Status, w.Error,
				w.IdempotencyKey, w.Attempts, w.Options, w.ExpiresAt.Time, w.LeaseOwner, w.LeaseExpiresAt.Time, w.FirstTriedAt.Time, w.RemoteKey)
			if got != want {
				t.Errorf("claimed post %d:\n got %s\nwant %s", i, got, want)
			}
			if c.Status != PostSending || c.Attempts != 1 || c.LeaseOwner != "test" {
				t.Errorf("claimed post %d: %s, %d tries, lease %q", i, c.Status, c.Attempts, c.LeaseOwner)
			}
		}
	})
}

// BenchmarkClaimDue claims 500 due posts and gives them back, on each engine: CPU and
// allocations per claim (go test ./models -bench ClaimDue -benchmem).
func BenchmarkClaimDue(b *testing.B) {
	for _, db := range modelstest.Databases(b) {
		b.Run(db.Engine, func(b *testing.B) {
			now := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
			s := claimFixture(b, db, 500, now)
			ctx := context.Background()
			for b.Loop() {
				claimed, err := s.ClaimDue(ctx, "bench", now, now.Add(time.Minute), 500)
				if err != nil || len(claimed) != 500 {
					b.Fatalf("claimed %d: %v", len(claimed), err)
				}
				b.StopTimer()
				if _, err := s.ReleaseOwned(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkRecordMany writes the outcomes of 256 sends (sent, with an attempt row each) in one
// batch, on each engine (go test ./models -bench RecordMany -benchmem).
func BenchmarkRecordMany(b *testing.B) {
	for _, db := range modelstest.Databases(b) {
		b.Run(db.Engine, func(b *testing.B) {
			now := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
			s := claimFixture(b, db, 256, now)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				if err := s.DB().Exec(`UPDATE posts SET status = 'planned', sent_at = NULL, attempts = 0`).Error; err != nil {
					b.Fatal(err)
				}
				claimed, err := s.ClaimDue(ctx, "bench", now, now.Add(time.Minute), 256)
				if err != nil || len(claimed) != 256 {
					b.Fatalf("claimed %d: %v", len(claimed), err)
				}
				outcomes := make([]PostOutcome, len(claimed))
				for i, p := range claimed {
					outcomes[i] = PostOutcome{PostID: p.ID, Outcome: Outcome{Status: PostSent, Result: ResultSent,
						RemoteID: p.IdempotencyKey, Started: now, Duration: time.Millisecond}}
				}
				b.StartTimer()
				if n, err := s.RecordMany(ctx, "bench", outcomes); err != nil || n != 256 {
					b.Fatalf("recorded %d: %v", n, err)
				}
			}
		})
	}
}
