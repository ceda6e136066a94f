package models

import (
	"context"

	"database/sql"
	"flag"
	"github.com/onairhq/onair/models/modelstest"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata fixtures")

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	return openDB(t, filepath.Join(t.TempDir(), "onair.db"))
}

func openDB(t *testing.T, dsn string) (*Store, string) {
	t.Helper()
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

func seed(t *testing.T, s *Store) (*Campaign, *Broadcast) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateChannel(ctx, &Channel{Name: "preview", Network: "console"}); err != nil {
		t.Fatal(err)
	}
	c := &Campaign{Name: "Spring launch", TimeZone: "Europe/Paris", Lang: "fr", Teasers: "7d,1d"}
	if err := s.CreateCampaign(ctx, c, []string{"preview"}); err != nil {
		t.Fatal(err)
	}
	b := &Broadcast{CampaignID: &c.ID, Title: "Lancement", DurationMinutes: 45,
		StartsAt: NewTime(time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC))}
	if err := s.CreateBroadcast(ctx, b); err != nil {
		t.Fatal(err)
	}
	return c, b
}

func TestOpenSetsPragmas(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := s.DB().Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestRevisionTrigger(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		_, b := seed(t, s)
		if b.Revision != 1 || b.PlannedRevision != 0 {
			t.Fatalf("new broadcast revision %d planned %d, want 1 and 0", b.Revision, b.PlannedRevision)
		}
		rev := func() int64 {
			t.Helper()
			got, err := s.BroadcastByID(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Revision
		}
		steps := []struct {
			name string
			sql  string
			want int64
		}{
			{"planner ack does not bump", `UPDATE broadcasts SET planned_revision = 1, error = 'x', planned_at = '2027-01-01T00:00:00.000Z'`, 1},
			{"title change bumps", `UPDATE broadcasts SET title = 'Autre'`, 2},
			{"same value does not bump", `UPDATE broadcasts SET title = 'Autre'`, 2},
			{"start change bumps", `UPDATE broadcasts SET starts_at = '2027-03-31 16:00:00'`, 3},
			{"status change bumps", `UPDATE broadcasts SET status = 'cancelled'`, 4},
			{"replay url bumps", `UPDATE broadcasts SET replay_url = 'https://x.com/r'`, 5},
			{"a writer bumping itself is not bumped twice", `UPDATE broadcasts SET revision = revision + 1, title = 'B'`, 6},
		}
		for _, st := range steps {
			if err := s.DB().Exec(st.sql+" WHERE id = ?", b.ID).Error; err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := rev(); got != st.want {
				t.Errorf("%s: revision %d, want %d", st.name, got, st.want)
			}
		}
	})
}

func TestAckPlanOnlyForThePlannedRevision(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		_, b := seed(t, s)
		if err := s.UpdateBroadcast(ctx, b.ID, map[string]any{"title": "changed meanwhile"}); err != nil {
			t.Fatal(err)
		}
		ok, err := s.AckPlan(ctx, b.ID, b.Revision, "")
		if err != nil || ok {
			t.Fatalf("AckPlan of a stale revision = %v, %v; want false", ok, err)
		}
		ids, _ := s.BroadcastIDsToPlan(ctx, 10)
		if len(ids) != 1 {
			t.Fatalf("to plan = %v, want the changed broadcast", ids)
		}
		got, _ := s.BroadcastByID(ctx, b.ID)
		if ok, _ := s.AckPlan(ctx, b.ID, got.Revision, ""); !ok {
			t.Fatal("AckPlan of the current revision failed")
		}
		if ids, _ := s.BroadcastIDsToPlan(ctx, 10); len(ids) != 0 {
			t.Errorf("to plan after ack = %v, want none", ids)
		}
	})
}

func TestFriendlyErrors(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		seed(t, s)
		err := s.CreateChannel(ctx, &Channel{Name: "preview", Network: "console"})
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate channel: %v", err)
		}
		err = s.CreateCampaign(ctx, &Campaign{Name: "Other"}, []string{"nope"})
		if err == nil || !strings.Contains(err.Error(), `channel "nope" does not exist`) {
			t.Errorf("unknown channel: %v", err)
		}
		if _, err := s.CampaignByName(ctx, "spring LAUNCH"); err != nil {
			t.Errorf("campaign names compare case-insensitively: %v", err)
		}
		if _, err := s.BroadcastByID(ctx, 99); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("missing broadcast: %v", err)
		}
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, path := openDB(t, db.DSN)
		if err := s.DB().Exec(`INSERT INTO schema_version VALUES (999, 'future', '2030-01-01T00:00:00.000Z')`).Error; err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := Open(context.Background(), path, Options{})
		if err == nil || !strings.Contains(err.Error(), "newer onair") {
			t.Errorf("opening a newer database: %v", err)
		}
	})
}

// fixtureV1 is a database as onair schema 1 left it, with data in every table. Regenerate with
// `go test ./models -run TestMigrateFixture -update` (only ever from the schema-1 migrations).
const fixtureV1 = "testdata/schema1.db"

func TestMigrateFixture(t *testing.T) {
	t.Parallel()
	if *update {
		writeFixtureV1(t)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, fixtureV1, path)

	old, err := OpenUnmigrated(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(context.Background()); v != 1 {
		t.Fatalf("fixture at schema %d, want 1", v)
	}
	counts := tableCounts(t, old)
	old.Close()

	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if v, _ := s.SchemaVersion(ctx); v != LatestVersion() {
		t.Errorf("after upgrade schema %d, want %d", v, LatestVersion())
	}
	after := tableCounts(t, s)
	for table, n := range counts {
		if after[table] != n {
			t.Errorf("%s: %d rows before the upgrade, %d after", table, n, after[table])
		}
	}
	b, err := s.BroadcastByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b.Title != "Lancement de la collection" || deref(b.ExternalRef) != "cms-42" || b.StartsAt.Time.Unix() != 1806422400 {
		t.Errorf("broadcast after upgrade: %+v", b)
	}
	posts, err := s.PostsOfBroadcast(ctx, 1)
	if err != nil || len(posts) != 2 {
		t.Fatalf("posts after upgrade: %v %v", posts, err)
	}
	if posts[1].Status != PostSent || posts[1].RemoteID != "1850000000000000000" || !posts[1].Edited {
		t.Errorf("sent post after upgrade: %+v", posts[1])
	}
	var lease string
	if err := s.DB().Raw(`SELECT lease_owner FROM posts WHERE id = ?`, posts[0].ID).Scan(&lease).Error; err != nil {
		t.Errorf("schema 2 column missing: %v", err)
	}
	// The trigger still works on the upgraded database.
	if err := s.UpdateBroadcast(ctx, 1, map[string]any{"title": "Nouveau titre"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.BroadcastByID(ctx, 1); got.Revision != b.Revision+1 {
		t.Errorf("revision after update %d, want %d", got.Revision, b.Revision+1)
	}
	// Migrating again is a no-op.
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("second migrate: %v", err)
	}
}

func tableCounts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"campaigns", "channels", "campaign_channels", "broadcasts", "posts", "attempts"} {
		var n int
		if err := s.DB().Raw("SELECT count(*) FROM " + table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("fixture table %s is empty: the upgrade test would prove nothing", table)
		}
		out[table] = n
	}
	return out
}

func writeFixtureV1(t *testing.T) {
	t.Helper()
	os.Remove(fixtureV1)
	s, err := OpenUnmigrated(fixtureV1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MigrateTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO channels (id, name, network, created_at, updated_at) VALUES (1, 'preview', 'console', '2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00.000Z')`,
		`INSERT INTO campaigns (id, name, time_zone, lang, teasers, reminders, replay_after, hashtags) VALUES (1, 'Spring launch', 'Europe/Paris', 'fr', '7d,3d,1d', '1h,10m', '30m', '#SpringLaunch')`,
		`INSERT INTO campaign_channels VALUES (1, 1)`,
		`INSERT INTO broadcasts (id, external_ref, campaign_id, title, starts_at, duration_minutes, watch_url) VALUES (1, 'cms-42', 1, 'Lancement de la collection', '2027-03-30T18:00:00+02:00', 45, 'https://x.com/i/broadcasts/1ABC')`,
		`UPDATE broadcasts SET planned_revision = revision WHERE id = 1`,
		`INSERT INTO posts (id, broadcast_id, channel_id, kind, step, due_at, text, status, idempotency_key) VALUES (1, 1, 1, 'teaser', '7d', '2027-03-23T17:00:00.000Z', 'Teaser', 'planned', 'onair-fixture-1')`,
		`INSERT INTO posts (id, broadcast_id, channel_id, kind, step, due_at, text, status, idempotency_key, edited, remote_id, sent_at) VALUES (2, 1, 1, 'live', '0', '2027-03-30T16:00:00.000Z', 'En direct', 'sent', 'onair-fixture-2', 1, '1850000000000000000', '2027-03-30T16:00:00.120Z')`,
		`INSERT INTO attempts (post_id, started_at, duration_ms, result) VALUES (2, '2027-03-30T16:00:00.020Z', 100, 'sent')`,
	} {
		if err := s.DB().Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatalf("fixture missing (run with -update): %v", err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
}

// TestConcurrentWriterNeverLocked has a second process-like writer (a plain database/sql
// connection, as a CMS would use) write broadcasts while the store writes too: neither side may
// see "database is locked".
func TestConcurrentWriterNeverLocked(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := context.Background()
	c, _ := seed(t, s)
	cms, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer cms.Close()
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 200; i++ {
			tx, err := cms.Begin()
			if err != nil {
				done <- err
				return
			}
			if _, err := tx.Exec(`INSERT INTO broadcasts (campaign_id, title, starts_at) VALUES (?, ?, '2027-04-01 16:00:00')`, c.ID, "cms"); err != nil {
				tx.Rollback()
				done <- err
				return
			}
			if err := tx.Commit(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 200; i++ {
		ids, err := s.BroadcastIDsToPlan(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			b, err := s.BroadcastByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AckPlan(ctx, id, b.Revision, ""); err != nil {
				t.Fatalf("store write while the CMS writes: %v", err)
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("CMS write while the store writes: %v", err)
	}
}

// TestMigrateStepByStep builds a schema-1 database with data on each engine, then upgrades it.
func TestMigrateStepByStep(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		ctx := context.Background()
		old, err := OpenUnmigrated(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		if err := old.MigrateTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO channels (name, network) VALUES ('preview', 'console')`,
			`INSERT INTO campaigns (name, teasers) VALUES ('Spring', '7d')`,
			`INSERT INTO broadcasts (campaign_id, title, starts_at) VALUES (1, 'Kept', '2027-03-30T16:00:00Z')`,
			`INSERT INTO posts (broadcast_id, channel_id, kind, step, due_at, status, idempotency_key) VALUES (1, 1, 'teaser', '7d', '2027-03-23T16:00:00Z', 'sent', 'k1')`,
		} {
			if err := old.DB().Exec(q).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		old.Close()
		s, _ := openDB(t, db.DSN)
		if v, _ := s.SchemaVersion(ctx); v != LatestVersion() {
			t.Errorf("schema %d after upgrade, want %d", v, LatestVersion())
		}
		b, err := s.BroadcastByID(ctx, 1)
		if err != nil || b.Title != "Kept" || b.StartsAt.Time.Unix() != 1806422400 {
			t.Errorf("broadcast after upgrade: %+v %v", b, err)
		}
		posts, _ := s.PostsOfBroadcast(ctx, 1)
		if len(posts) != 1 || posts[0].Status != PostSent || posts[0].LeaseOwner != "" {
			t.Errorf("posts after upgrade: %+v", posts)
		}
		// The schema-2 trigger bumps on the new columns.
		if err := s.UpdateBroadcast(ctx, 1, map[string]any{"started_at": NewTime(time.Date(2027, 3, 30, 16, 1, 0, 0, time.UTC))}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.BroadcastByID(ctx, 1); got.Revision != b.Revision+1 {
			t.Errorf("revision %d after setting started_at, want %d", got.Revision, b.Revision+1)
		}
	})
}

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	t.Parallel()
	sq, err := Migrations(EngineSQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := Migrations(EnginePostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(sq) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL ones: every schema version must exist on both", len(sq), len(pg))
	}
	for i := range sq {
		if sq[i].Name != pg[i].Name {
			t.Errorf("migration %d is %q on SQLite and %q on PostgreSQL", i+1, sq[i].Name, pg[i].Name)
		}
	}
}

// TestIDsNeverReused: on a database upgraded from schema 4 with rows in it, a deleted channel's
// (or broadcast's) id never comes back for the next one, so no old post can point at a new
// channel; the data is all there and foreign keys are enforced again.
func TestIDsNeverReused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onair.db")
	old, err := OpenUnmigrated(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.MigrateTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{ // as schema 4 had them (today's structs know later columns)
		`INSERT INTO channels (name, network) VALUES ('preview', 'console')`,
		`INSERT INTO campaigns (name, time_zone, teasers) VALUES ('Spring launch', 'Europe/Paris', '7d,1d')`,
		`INSERT INTO campaign_channels (campaign_id, channel_id) VALUES (1, 1)`,
		`INSERT INTO broadcasts (campaign_id, title, starts_at) VALUES (1, 'Lancement', '2027-03-30T16:00:00Z')`,
		`INSERT INTO posts (broadcast_id, channel_id, kind, step, due_at, status, idempotency_key) VALUES (1, 1, 'teaser', '7d', '2027-03-23T16:00:00Z', 'sent', 'k1')`,
	} {
		if err := old.DB().Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	s, _ := openDB(t, path)
	for _, table := range []string{"campaigns", "channels", "broadcasts", "posts", "attempts"} {
		var sql string
		if err := s.DB().Raw(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&sql).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sql, "AUTOINCREMENT") {
			t.Errorf("%s after the upgrade: %s", table, sql)
		}
	}
	if names, _ := s.CampaignNames(ctx); len(names) != 1 || names[0] != "Spring launch" {
		t.Errorf("campaigns after the upgrade: %v", names)
	}
	var fk int
	if err := s.DB().Raw(`PRAGMA foreign_keys`).Scan(&fk).Error; err != nil || fk != 1 {
		t.Errorf("foreign keys after the upgrade: %d %v", fk, err)
	}
	spare := &Channel{Name: "spare", Network: "console"}
	if err := s.CreateChannel(ctx, spare); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`DELETE FROM channels WHERE id = ?`, spare.ID).Error; err != nil {
		t.Fatal(err)
	}
	next := &Channel{Name: "next", Network: "console"}
	if err := s.CreateChannel(ctx, next); err != nil {
		t.Fatal(err)
	}
	if next.ID <= spare.ID {
		t.Errorf("the next channel got id %d; the deleted one had %d", next.ID, spare.ID)
	}
	if err := s.DB().Exec(`INSERT INTO posts (broadcast_id, channel_id, kind, step, due_at, idempotency_key) VALUES (1, 999, 'teaser', 'x', '2027-01-01T00:00:00Z', 'fk')`).Error; err == nil {
		t.Errorf("a post on a channel that does not exist was taken")
	}
}
