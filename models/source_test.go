package models

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/onairhq/onair/models/modelstest"
)

// cmsConn opens the database as a CMS does: a plain connection, without onair's mark.
func cmsConn(t *testing.T, db modelstest.DB) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+db.DSN+"?_busy_timeout=10000&_txlock=immediate"
	if db.Engine == EnginePostgres {
		driver, dsn = "pgx", db.DSN
	}
	c, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSources(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		sl, _ := NewSealer(NewKey())
		s.UseSealer(sl)
		c, b := seed(t, s)
		if c.LiveGraceMinutes != 30 {
			t.Fatalf("a new campaign's live grace = %d, want the default 30", c.LiveGraceMinutes)
		}
		src := &Source{Name: "brand-yt", Platform: "youtube", Settings: SourceSettings{APIURL: "http://127.0.0.1:1", ClientID: "id"}.Encode()}
		src.Secrets = sl.SealSource(1, []byte(`{"client_secret":"S"}`))
		if err := s.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		if !sl.SourceBound(*src) {
			t.Fatal("a new source's settings are not bound to the key")
		}
		if err := s.CreateSource(ctx, &Source{Name: "Brand-YT", Platform: "youtube"}); err == nil {
			t.Fatal("a second source of the same name (but its case) was stored")
		}
		got, err := s.SourceByName(ctx, "BRAND-yt")
		if err != nil || got.ID != src.ID || got.Status != SourceActive {
			t.Fatalf("SourceByName = %+v, %v", got, err)
		}
		if plain, err := sl.OpenSource(src.ID, got.Secrets); err != nil || string(plain) != `{"client_secret":"S"}` {
			t.Fatalf("OpenSource = %q, %v", plain, err)
		}
		if _, err := sl.OpenSource(src.ID+1, got.Secrets); err == nil {
			t.Fatal("a source's sealed secrets opened for another source")
		}
		if _, err := sl.Open(src.ID, got.Secrets); err == nil {
			t.Fatal("a source's sealed secrets opened as a channel's")
		}

		if err := s.SetCampaignSource(ctx, c.ID, &src.ID, 45); err != nil {
			t.Fatal(err)
		}
		c2, _ := s.CampaignByID(ctx, c.ID)
		if c2.SourceID == nil || *c2.SourceID != src.ID || c2.LiveGraceMinutes != 45 {
			t.Fatalf("campaign after SetCampaignSource = %+v", c2)
		}
		if err := s.DeleteSource(ctx, src.ID); !errors.Is(err, ErrInUse) {
			t.Fatalf("deleting a source a campaign follows: %v, want ErrInUse", err)
		}

		if err := s.LinkBroadcast(ctx, b.ID, "youtube:abc"); err != nil {
			t.Fatal(err)
		}
		other := &Broadcast{CampaignID: &c.ID, Title: "Other", StartsAt: NewTime(time.Now().Add(time.Hour))}
		if err := s.CreateBroadcast(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkBroadcast(ctx, other.ID, "youtube:abc"); !errors.Is(err, ErrRefTaken) {
			t.Fatalf("tying a second broadcast to the same ref: %v, want ErrRefTaken", err)
		}
		fs, err := s.FollowedBroadcasts(ctx, src.ID, "youtube", time.Time{})
		if err != nil || len(fs) != 1 || fs[0].Broadcast.ID != b.ID || fs[0].Campaign.ID != c.ID {
			t.Fatalf("FollowedBroadcasts = %+v, %v", fs, err)
		}
		start := NewTime(time.Date(2027, 3, 30, 16, 12, 0, 0, time.UTC))
		if err := s.SaveObservation(ctx, b.ID, Observation{State: PlatformLive, StartedAt: start, Viewers: 12}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveObservation(ctx, b.ID, Observation{State: PlatformLive, Viewers: 14}); err != nil {
			t.Fatal(err)
		}
		l, _ := s.BroadcastLink(ctx, b.ID)
		if l.State != PlatformLive || !l.StartedAt.Equal(start.Time) || l.Viewers != 14 {
			t.Fatalf("link = %+v; want live since %v (a later answer without the start keeps it)", l, start)
		}

		// The CMS boundary: a CMS reads sources and links, and writes neither.
		cms := cmsConn(t, db)
		for _, q := range []string{
			`UPDATE sources SET settings = '{"api_url":"https://evil.example"}'`,
			`INSERT INTO sources (name, platform) VALUES ('x', 'youtube')`,
			`DELETE FROM sources`,
			`UPDATE broadcast_sources SET source_ref = 'youtube:other'`,
			`INSERT INTO broadcast_sources (broadcast_id, source_ref) VALUES (` + itoa(other.ID) + `, 'youtube:zzz')`,
			`DELETE FROM broadcast_sources`,
			`UPDATE campaigns SET source_id = NULL`,
		} {
			if _, err := cms.Exec(q); err == nil {
				t.Errorf("a CMS could run %s", q)
			}
		}
		var n int
		if err := cms.QueryRow(`SELECT count(*) FROM broadcast_sources WHERE source_ref = 'youtube:abc' AND state = 'live'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("a CMS reads the link: %d, %v", n, err)
		}

		// RecordSync: failures are counted from their first, units by UTC day.
		if err := s.RecordSync(ctx, src.ID, SyncOutcome{Units: 2, NextPoll: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordSync(ctx, src.ID, SyncOutcome{Err: "503", Kind: SourceErrUnavailable, Units: 1}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.SourceByID(ctx, src.ID)
		if got.UnitsUsed != 3 || got.FailingSince.IsZero() || got.LastSyncAt.IsZero() || !got.Following(s.now()) {
			t.Fatalf("after a good sync and a failure: %+v; want 3 units, failing since now, still followed", got)
		}
		if got.Following(s.now().Add(FallbackAfter)) {
			t.Fatal("a source failing for FallbackAfter is still followed")
		}

		// A broadcast deleted takes its link with it.
		if _, err := s.DeleteBroadcast(ctx, b.ID, nil); err != nil {
			t.Fatal(err)
		}
		if l, err := s.BroadcastLink(ctx, b.ID); err != nil || l != nil {
			t.Fatalf("the link of a deleted broadcast: %+v, %v", l, err)
		}
		if err := s.SetCampaignSource(ctx, c.ID, nil, 30); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSource(ctx, src.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
