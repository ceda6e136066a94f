package scheduler

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/onairhq/onair/models"
)

// cmsConn opens the database the way a CMS would: a plain database/sql connection, nothing of
// onair's code, the DSN docs/cms-integration.md recommends.
func cmsConn(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_txlock=immediate&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCMSWritesInEveryFormat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	c := spring(e)
	cms := cmsConn(t, e.path)
	start := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC) // 18:00 in Paris

	good := []struct {
		name, ref string
		insert    string
		args      []any
	}{
		{"RFC 3339 text with offset", "rfc3339",
			`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at, watch_url) VALUES (?, ?, 'Lancement', '2027-03-30T18:00:00+02:00', 'https://x.com/i/broadcasts/1')`,
			[]any{"rfc3339", c.ID}},
		{"RFC 3339 text in UTC", "rfc3339z",
			`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES (?, ?, 'Lancement', '2027-03-30T16:00:00Z')`,
			[]any{"rfc3339z", c.ID}},
		{"UTC text", "utc",
			`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES (?, ?, 'Lancement', '2027-03-30 16:00:00')`,
			[]any{"utc", c.ID}},
		{"Unix seconds", "unix",
			`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES (?, ?, 'Lancement', ?)`,
			[]any{"unix", c.ID, start.Unix()}},
		{"campaign by name", "by-name",
			`INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES (?, 'spring launch', 'Lancement', '2027-03-30 16:00:00')`,
			[]any{"by-name"}},
	}
	bad := []struct {
		name, ref, insert, wantErr string
	}{
		{"no title", "no-title", `INSERT INTO broadcasts (external_ref, campaign_id, starts_at) VALUES (?, 1, '2027-03-30 16:00:00')`, "no title"},
		{"garbage time", "garbage", `INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES (?, 1, 'T', 'mardi prochain')`, `"mardi prochain" not understood`},
		{"julian day", "julian", `INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES (?, 1, 'T', 2461495.1666)`, "not understood"},
		{"no start time", "no-start", `INSERT INTO broadcasts (external_ref, campaign_id, title) VALUES (?, 1, 'T')`, "no start time"},
		{"unknown campaign", "unknown", `INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES (?, 'Sprng lanch', 'T', '2027-03-30 16:00:00')`, `campaign "Sprng lanch": not found; known campaigns: Spring launch`},
		{"no campaign", "orphan", `INSERT INTO broadcasts (external_ref, title, starts_at) VALUES (?, 'T', '2027-03-30 16:00:00')`, "no campaign"},
		{"bad status", "status", `INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at, status) VALUES (?, 1, 'T', '2027-03-30 16:00:00', 'postponed')`, `status "postponed" not known`},
		{"bad URL", "url", `INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at, watch_url) VALUES (?, 1, 'T', '2027-03-30 16:00:00', 'x.com/live')`, "not a full web address"},
	}
	for _, g := range good {
		if _, err := cms.Exec(g.insert, g.args...); err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
	}
	for _, b := range bad {
		if _, err := cms.Exec(b.insert, b.ref); err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
	}
	// A campaign id that does not exist is refused by the database itself (foreign key).
	if _, err := cms.Exec(`INSERT INTO broadcasts (campaign_id, title, starts_at) VALUES (999, 'T', '2027-03-30 16:00:00')`); err == nil ||
		!strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("unknown campaign_id accepted: %v", err)
	}

	res, err := e.planner.Reconcile(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Planned != len(good)+len(bad) || res.Errors != len(bad) {
		t.Errorf("reconcile = %d planned, %d errors; want %d and %d", res.Planned, res.Errors, len(good)+len(bad), len(bad))
	}
	for _, g := range good {
		t.Run(g.name, func(t *testing.T) {
			var id int64
			var errText string
			if err := cms.QueryRow(`SELECT id, error FROM broadcasts WHERE external_ref = ?`, g.ref).Scan(&id, &errText); err != nil {
				t.Fatal(err)
			}
			if errText != "" {
				t.Fatalf("error %q", errText)
			}
			var live string
			if err := cms.QueryRow(`SELECT due_at FROM posts WHERE broadcast_id = ? AND kind = 'live'`, id).Scan(&live); err != nil {
				t.Fatalf("live post: %v", err)
			}
			if live != "2027-03-30T16:00:00.000Z" {
				t.Errorf("live post due %s, want 2027-03-30T16:00:00.000Z", live)
			}
			var n int
			cms.QueryRow(`SELECT count(*) FROM posts WHERE broadcast_id = ?`, id).Scan(&n)
			if n != 8 {
				t.Errorf("%d posts, want 8", n)
			}
		})
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			var id int64
			var errText string
			if err := cms.QueryRow(`SELECT id, error FROM broadcasts WHERE external_ref = ?`, b.ref).Scan(&id, &errText); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errText, b.wantErr) {
				t.Errorf("error %q, want it to say %q", errText, b.wantErr)
			}
			var n int
			cms.QueryRow(`SELECT count(*) FROM posts WHERE broadcast_id = ?`, id).Scan(&n)
			if n != 0 {
				t.Errorf("a bad row got %d posts", n)
			}
		})
	}

	// Reconciling again finds nothing to do.
	if res, _ := e.planner.Reconcile(e.ctx); res.Planned != 0 {
		t.Errorf("second reconcile planned %d rows", res.Planned)
	}

	t.Run("upsert by external_ref re-plans", func(t *testing.T) {
		_, err := cms.Exec(`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES ('utc', ?, 'Lancement', '2027-03-31 17:00:00')
			ON CONFLICT (external_ref) DO UPDATE SET title = excluded.title, starts_at = excluded.starts_at`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res, _ := e.planner.Reconcile(e.ctx); res.Planned != 1 {
			t.Fatalf("reconcile after upsert planned %d rows, want 1", res.Planned)
		}
		var live string
		cms.QueryRow(`SELECT p.due_at FROM posts p JOIN broadcasts b ON b.id = p.broadcast_id WHERE b.external_ref = 'utc' AND p.kind = 'live'`).Scan(&live)
		if live != "2027-03-31T17:00:00.000Z" {
			t.Errorf("live post after upsert due %s", live)
		}
	})

	t.Run("fixing a bad row plans it", func(t *testing.T) {
		if _, err := cms.Exec(`UPDATE broadcasts SET starts_at = '2027-04-02 16:00:00' WHERE external_ref = 'garbage'`); err != nil {
			t.Fatal(err)
		}
		e.planner.Reconcile(e.ctx)
		var errText string
		var n int
		cms.QueryRow(`SELECT error FROM broadcasts WHERE external_ref = 'garbage'`).Scan(&errText)
		cms.QueryRow(`SELECT count(*) FROM posts p JOIN broadcasts b ON b.id = p.broadcast_id WHERE b.external_ref = 'garbage'`).Scan(&n)
		if errText != "" || n != 8 {
			t.Errorf("fixed row: error %q, %d posts; want none and 8", errText, n)
		}
	})

	t.Run("breaking a planned row holds its posts", func(t *testing.T) {
		if _, err := cms.Exec(`UPDATE broadcasts SET starts_at = 'bientôt' WHERE external_ref = 'rfc3339'`); err != nil {
			t.Fatal(err)
		}
		e.planner.Reconcile(e.ctx)
		var planned int
		cms.QueryRow(`SELECT count(*) FROM posts p JOIN broadcasts b ON b.id = p.broadcast_id
			WHERE b.external_ref = 'rfc3339' AND p.status IN ('planned', 'held')`).Scan(&planned)
		if planned != 0 {
			t.Errorf("%d posts still planned from a row that cannot be read", planned)
		}
	})

	t.Run("listing survives bad rows", func(t *testing.T) {
		list, err := e.store.ListBroadcasts(e.ctx, models.BroadcastFilter{})
		if err != nil || len(list) != len(good)+len(bad) {
			t.Errorf("list = %d rows, %v", len(list), err)
		}
	})
}
