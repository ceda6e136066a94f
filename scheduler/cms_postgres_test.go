package scheduler

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models/modelstest"
)

// TestCMSWritesPostgres is the CMS contract on PostgreSQL: rows written through a plain
// database/sql connection (pgx), in the forms docs/cms-integration.md gives, plus bad rows.
func TestCMSWritesPostgres(t *testing.T) {
	t.Parallel()
	dsn := modelstest.Postgres(t)
	if dsn == "" {
		t.Skip(modelstest.EnvPostgres + " is not set")
	}
	e := newEnvOn(t, dsn, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	c := spring(e)
	cms, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer cms.Close()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES ('offset', $1, 'Lancement', '2027-03-30T18:00:00+02:00')`, []any{c.ID}},
		{`INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES ('by-name', 'SPRING LAUNCH', 'Lancement', to_timestamp(1806422400))`, nil},
		{`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES ('native', $1, 'Lancement', $2)`, []any{c.ID, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)}},
		{`INSERT INTO broadcasts (external_ref, campaign_id, starts_at) VALUES ('no-title', $1, '2027-03-30 16:00:00+00')`, []any{c.ID}},
		{`INSERT INTO broadcasts (external_ref, campaign_id, title) VALUES ('no-start', $1, 'T')`, []any{c.ID}},
		{`INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES ('unknown', 'Autumn', 'T', '2027-03-30 16:00:00+00')`, nil},
	} {
		if _, err := cms.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	// PostgreSQL refuses a time it cannot read at write time: the CMS learns at once.
	if _, err := cms.Exec(`INSERT INTO broadcasts (campaign_id, title, starts_at) VALUES ($1, 'T', 'mardi prochain')`, c.ID); err == nil {
		t.Error("an unreadable time was accepted")
	}
	res, err := e.planner.Reconcile(e.ctx)
	if err != nil || res.Planned != 6 || res.Errors != 3 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	for ref, want := range map[string]string{"offset": "", "by-name": "", "native": "", "no-title": "no title",
		"no-start": "no start time", "unknown": `campaign "Autumn": not found`} {
		var id int64
		var errText string
		var live sql.NullTime
		if err := cms.QueryRow(`SELECT b.id, b.error, (SELECT due_at FROM posts p WHERE p.broadcast_id = b.id AND kind = 'live')
			FROM broadcasts b WHERE external_ref = $1`, ref).Scan(&id, &errText, &live); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if want == "" && (errText != "" || !live.Valid || !live.Time.Equal(time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC))) {
			t.Errorf("%s: error %q, live post %v", ref, errText, live)
		}
		if want != "" && (!strings.Contains(errText, want) || live.Valid) {
			t.Errorf("%s: error %q (want %q), live post %v", ref, errText, want, live)
		}
	}
	// An upsert by external_ref re-plans, as on SQLite.
	if _, err := cms.Exec(`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES ('native', $1, 'Lancement', '2027-03-31 17:00:00+00')
		ON CONFLICT (external_ref) DO UPDATE SET starts_at = excluded.starts_at`, c.ID); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.planner.Reconcile(e.ctx); res.Planned != 1 {
		t.Errorf("reconcile after upsert: %+v", res)
	}
}
