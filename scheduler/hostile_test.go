package scheduler

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/console"
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
)

// The hostile-CMS suite: a second, plain database/sql connection (on SQLite with foreign keys
// off, SQLite's default) writes what docs/cms-integration.md does not let a CMS write, and bad
// rows of every kind, while a fake "attacker" server records every request it gets.

// attacker records every request sent to it, and answers like a network that takes anything
// (and, for Bluesky, says the session expired, to draw the app password out).
type attacker struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func newAttacker(t *testing.T) *attacker {
	a := &attacker{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var h strings.Builder
		r.Header.Write(&h)
		a.mu.Lock()
		a.seen = append(a.seen, r.Method+" "+r.URL.String()+"\n"+h.String()+"\n"+string(body))
		a.mu.Unlock()
		if strings.Contains(r.URL.Path, "xrpc") {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"ExpiredToken","message":"Token has expired"}`)
			return
		}
		io.WriteString(w, `{"id":"1","data":{"id":"1"},"uri":"at://x","cid":"c"}`)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *attacker) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// cmsDB is the CMS's connection: plain database/sql, nothing of onair's, foreign keys off on
// SQLite. Queries are written with ? and numbered for PostgreSQL.
type cmsDB struct {
	t      *testing.T
	db     *sql.DB
	engine string
}

func openCMS(t *testing.T, db modelstest.DB) *cmsDB {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+db.DSN+"?_busy_timeout=10000&_txlock=immediate&_foreign_keys=off"
	if db.Engine == models.EnginePostgres {
		driver, dsn = "pgx", db.DSN
	}
	c, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &cmsDB{t: t, db: c, engine: db.Engine}
}

func (c *cmsDB) query(q string) string {
	if c.engine != models.EnginePostgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c *cmsDB) exec(q string, args ...any) error {
	_, err := c.db.Exec(c.query(q), args...)
	return err
}

// mustExec is a write the contract allows.
func (c *cmsDB) mustExec(q string, args ...any) {
	c.t.Helper()
	if err := c.exec(q, args...); err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
}

// refused is a write the contract forbids: the database must refuse it.
func (c *cmsDB) refused(q string, args ...any) {
	c.t.Helper()
	if err := c.exec(q, args...); err == nil || !strings.Contains(err.Error(), "onair") && !strings.Contains(err.Error(), "FOREIGN KEY") &&
		!strings.Contains(err.Error(), "foreign key") {
		c.t.Errorf("the database took a write a CMS may not make (%v): %s", err, q)
	}
}

// dropGuards removes the guard triggers, as a CMS with the database owner's rights could: what
// protects the credentials then is the key, not the schema.
func (c *cmsDB) dropGuards() {
	c.t.Helper()
	if c.engine == models.EnginePostgres {
		for _, tr := range []string{"onair_only_channels ON channels", "onair_posts_guard ON posts"} {
			c.mustExec("DROP TRIGGER " + tr)
		}
		return
	}
	for _, tr := range []string{"onair_only_channels_update", "onair_only_channels_insert", "onair_only_posts_update"} {
		c.mustExec("DROP TRIGGER " + tr)
	}
}

func TestHostileCMSCannotLeakCredentials(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		now := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
		e := newEnvOn(t, db.DSN, now)
		key := models.NewKey()
		sealer, err := models.NewSealer(key)
		if err != nil {
			t.Fatal(err)
		}
		e.store.UseSealer(sealer)
		vault := &Vault{Sealer: sealer}
		legit := newAttacker(t) // the real network: it may see the credentials
		atk := newAttacker(t)
		dir := t.TempDir()

		secrets := []string{"MASTO-TOKEN-SECRET", "X-CONSUMER-KEY", "X-CONSUMER-SECRET", "X-ACCESS-TOKEN", "X-ACCESS-SECRET",
			"BSKY-APP-PASSWORD", "BSKY-ACCESS-JWT", "BSKY-REFRESH-JWT", "AWS-SECRET-VALUE", base64.StdEncoding.EncodeToString(key)}
		environ := map[string]string{"AWS_SECRET_ACCESS_KEY": "AWS-SECRET-VALUE", "ONAIR_SECRET_KEY": secrets[len(secrets)-1],
			"HOOK_SECRET": testSecret}
		add := func(name, network string, s any, sec Secrets) {
			raw, _ := json.Marshal(s)
			ch := &models.Channel{Name: name, Network: network, Settings: string(raw)}
			if err := e.store.CreateChannel(e.ctx, ch); err != nil {
				t.Fatal(err)
			}
			if sec != (Secrets{}) {
				if err := vault.SaveSecrets(e.ctx, e.store, ch.ID, sec); err != nil {
					t.Fatal(err)
				}
			}
		}
		add("masto", "mastodon", ChannelSettings{Server: legit.srv.URL}, Secrets{AccessToken: secrets[0]})
		add("x", "x", ChannelSettings{APIURL: legit.srv.URL, Auth: AuthOAuth1}, Secrets{ConsumerKey: secrets[1],
			ConsumerSecret: secrets[2], AccessToken: secrets[3], AccessSecret: secrets[4]})
		add("bsky", "bluesky", ChannelSettings{PDS: legit.srv.URL, Handle: "brand.bsky.social", DID: "did:plc:brand"},
			Secrets{AppPassword: secrets[5], Token: &posting.Token{Access: secrets[6], Refresh: secrets[7]}})
		add("preview", "console", console.Settings{File: filepath.Join(dir, "posts.jsonl")}, Secrets{})
		add("hook", "webhook", webhook.Settings{URL: legit.srv.URL, SecretEnv: "HOOK_SECRET"}, Secrets{})
		c := e.campaign(models.Campaign{Name: "Hostile"}, "masto", "x", "bsky", "preview", "hook")
		e.broadcast(c, "Live now", now)

		cms := openCMS(t, db)
		// With the schema's guards, the writes are refused outright.
		cms.refused(`UPDATE channels SET settings = ? WHERE name = 'masto'`, `{"server":"`+atk.srv.URL+`"}`)
		cms.refused(`UPDATE channels SET status = 'active', status_reason = '' WHERE name = 'x'`)
		cms.refused(`INSERT INTO channels (name, network, settings) VALUES ('evil', 'mastodon', ?)`, `{"server":"`+atk.srv.URL+`"}`)
		cms.refused(`DELETE FROM channels WHERE name = 'preview'`)

		// A CMS that drops the guards and writes every destination and variable it likes.
		cms.dropGuards()
		evilFile := filepath.Join(dir, "evil", "authorized_keys")
		for name, s := range map[string]string{
			"masto":   `{"server":"` + atk.srv.URL + `","secrets_env":{"access_token":"ONAIR_SECRET_KEY"}}`,
			"x":       `{"api_url":"` + atk.srv.URL + `","auth":"oauth1","secrets_env":{"consumer_key":"AWS_SECRET_ACCESS_KEY"}}`,
			"bsky":    `{"pds":"` + atk.srv.URL + `","handle":"brand.bsky.social","did":"did:plc:brand"}`,
			"preview": `{"file":"` + evilFile + `"}`,
			"hook":    `{"url":"` + atk.srv.URL + `","secret_env":"HOOK_SECRET"}`,
		} {
			cms.mustExec(`UPDATE channels SET settings = ? WHERE name = ?`, s, name)
		}
		// A seal copied from another channel does not fit either.
		cms.mustExec(`INSERT INTO channels (name, network, settings, secrets, settings_seal)
			SELECT 'copy', network, ?, secrets, settings_seal FROM channels WHERE name = 'hook'`, `{"url":"`+atk.srv.URL+`"}`)

		if _, err := e.newPlanner().Reconcile(e.ctx); err != nil {
			t.Fatal(err)
		}
		posters := &Posters{Store: e.store, Vault: vault, Now: func() time.Time { return e.now }, Out: io.Discard,
			Getenv: func(k string) string { return environ[k] }}
		d := NewDispatcher(e.store, posters.For, DispatchConfig{Owner: "hostile"}, func() time.Time { return e.now }, nil, nil)
		e.dispatch(d)

		for _, r := range atk.requests() {
			t.Errorf("the attacker got a request:\n%s", r)
		}
		for _, r := range legit.requests() {
			for _, s := range secrets[8:] {
				if strings.Contains(r, s) {
					t.Errorf("an environment value or the key reached the network: %s", r)
				}
			}
		}
		if _, err := os.Stat(evilFile); !os.IsNotExist(err) {
			t.Errorf("the console wrote where the CMS said: %v", err)
		}
		chans, err := e.store.Channels(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chans {
			if ch.Name == "copy" {
				continue // in no campaign: nothing tried it
			}
			if ch.Status != models.ChannelPaused || !strings.Contains(ch.StatusReason, "changed outside onair") {
				t.Errorf("channel %s: %s (%s), want paused: its settings were changed outside onair", ch.Name, ch.Status, ch.StatusReason)
			}
			for _, s := range secrets {
				if strings.Contains(ch.StatusReason, s) || strings.Contains(ch.Settings, s) {
					t.Errorf("channel %s shows a secret to the CMS: %s", ch.Name, ch.StatusReason)
				}
			}
		}
	})
}

// newPlanner is a planner over e's store.
func (e *env) newPlanner() *Planner {
	return NewPlanner(e.store, func() time.Time { return e.now }, nil)
}

func TestHostileCMSBadRows(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		now := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
		e := newEnvOn(t, db.DSN, now)
		recv := webhooktest.New(t, testSecret, nil)
		e.webhook("hook", recv.URL, "")
		c := e.campaign(models.Campaign{Name: "Rows"}, "hook")
		cms := openCMS(t, db)
		type row struct{ ref, cols, vals, want string }
		rows := []row{
			{"dur-zero", "duration_minutes", "0", "duration_minutes 0 is out of bounds"},
			{"dur-negative", "duration_minutes", "-5", "duration_minutes -5 is out of bounds"},
			{"dur-huge", "duration_minutes", "2000000000", "is out of bounds"},
			{"year-10000", "starts_at", "'10000-01-01 00:00:00+00'", "starts_at"},
			{"epoch-zero", "starts_at", "to_timestamp(0)", "out of range"},
			{"epoch-negative", "starts_at", "to_timestamp(-100)", "out of range"},
			{"year-one", "starts_at", "'0001-01-01 00:00:00+00'", "out of range"},
			{"control", "title", "'Live' || chr(1)", "control character"},
			{"status", "status", "'postponed'", `status "postponed" not known`},
		}
		if db.Engine == models.EngineSQLite {
			rows = append(rows,
				row{"dur-text", "duration_minutes", "'abc'", `duration_minutes "abc" is not a whole number`},
				row{"dur-float", "duration_minutes", "45.7", "duration_minutes 45.7 is not a whole number"},
				row{"dur-blob", "duration_minutes", "X'00ff'", "blob) is not a whole number"},
				row{"seconds-year-10000", "starts_at", "253402300800", "out of range"},
				row{"ms-year-10000", "starts_at", "253402300800000", "out of range"},
				row{"started-blob", "status, started_at", "'live', X'01020304'", "started_at"},
				row{"nul", "title", "'Live' || char(0) || 'x'", "control character"},
				row{"not-utf8", "title", "CAST(X'4cff' AS TEXT)", "not valid UTF-8"},
			)
			for i := range rows {
				rows[i].vals = strings.ReplaceAll(rows[i].vals, "chr(1)", "char(1)")
				rows[i].vals = strings.ReplaceAll(rows[i].vals, "+00'", "'")
				if v, ok := strings.CutPrefix(rows[i].vals, "to_timestamp("); ok {
					rows[i].vals = strings.TrimSuffix(v, ")") // Unix seconds
				}
			}
		}
		for _, r := range rows {
			cols := "external_ref, campaign_id, title, starts_at"
			vals := "?, ?, 'T', '2027-03-30 16:00:00+00'"
			if db.Engine == models.EngineSQLite {
				vals = "?, ?, 'T', '2027-03-30 16:00:00'"
			}
			// The row's own columns replace the defaults above.
			colList, valList := strings.Split(cols, ", "), strings.SplitN(vals, ", ", 4)
			own := strings.Split(r.cols, ", ")
			ownVals := splitVals(r.vals, len(own))
			for i, oc := range own {
				found := false
				for j, c := range colList {
					if c == oc {
						valList[j], found = ownVals[i], true
					}
				}
				if !found {
					colList, valList = append(colList, oc), append(valList, ownVals[i])
				}
			}
			cms.mustExec("INSERT INTO broadcasts ("+strings.Join(colList, ", ")+") VALUES ("+strings.Join(valList, ", ")+")", r.ref, c.ID)
		}
		// What a CMS may not write at all.
		cms.refused(`INSERT INTO broadcasts (campaign_id, title, starts_at) VALUES (999, 'T', '2027-03-30 16:00:00+00')`)
		cms.refused(`UPDATE broadcasts SET planned_revision = revision WHERE external_ref = 'dur-zero'`)
		// A good row written after every bad one.
		good := "'2027-03-30 16:00:00+00'"
		if db.Engine == models.EngineSQLite {
			good = "'2027-03-30 16:00:00'"
		}
		cms.mustExec(`INSERT INTO broadcasts (external_ref, campaign_id, title, starts_at) VALUES ('good', ?, 'Good', `+good+`)`, c.ID)

		res, err := e.newPlanner().Reconcile(e.ctx)
		if err != nil {
			t.Fatalf("reconcile failed for every row: %v", err)
		}
		if res.Errors != len(rows) {
			t.Errorf("%d rows with an error, want %d", res.Errors, len(rows))
		}
		list, err := e.store.ListBroadcasts(e.ctx, models.BroadcastFilter{})
		if err != nil {
			t.Fatalf("broadcast list fails: %v", err)
		}
		byRef := map[string]models.Broadcast{}
		for _, b := range list {
			byRef[*b.ExternalRef] = b
		}
		for _, r := range rows {
			b := byRef[r.ref]
			if !strings.Contains(b.Error, r.want) || b.PlannedRevision != b.Revision {
				t.Errorf("row %s: error %q (planned %d of %d), want it to say %q", r.ref, b.Error, b.PlannedRevision, b.Revision, r.want)
			}
			if posts := e.posts(b.ID); len(posts) != 0 {
				t.Errorf("row %s got %d posts", r.ref, len(posts))
			}
		}
		if g := byRef["good"]; g.Error != "" {
			t.Errorf("the good row: %q", g.Error)
		}
		stats := e.dispatch(e.dispatcher(DispatchConfig{}))
		if stats.Sent != 1 || len(recv.Deliveries()) != 1 {
			t.Errorf("sent %d, delivered %d: want the good row's live post", stats.Sent, len(recv.Deliveries()))
		}
	})
}

// splitVals splits "a, b" into n SQL values (none of ours holds ", ").
func splitVals(s string, n int) []string {
	if n == 1 {
		return []string{s}
	}
	return strings.SplitN(s, ", ", n)
}

func TestHostileCMSPostsAndDeletes(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		now := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
		e := newEnvOn(t, db.DSN, now)
		recv := webhooktest.New(t, testSecret, nil)
		e.webhook("hook", recv.URL, "")
		e.webhook("other", recv.URL, "")
		c := e.campaign(models.Campaign{Name: "Posts", Reminders: "10m"}, "hook")
		b := e.broadcast(c, "Live", now)
		later := e.broadcast(c, "Later", now.Add(time.Hour))
		if _, err := e.newPlanner().Reconcile(e.ctx); err != nil {
			t.Fatal(err)
		}
		d := e.dispatcher(DispatchConfig{})
		e.dispatch(d)
		if n := len(recv.Deliveries()); n != 1 {
			t.Fatalf("delivered %d, want the live post", n)
		}
		cms := openCMS(t, db)
		for _, q := range []string{
			`UPDATE posts SET status = 'planned' WHERE status = 'sent'`,
			`UPDATE posts SET status = 'planned', sent_at = NULL WHERE status = 'sent'`,
			`UPDATE posts SET channel_id = (SELECT id FROM channels WHERE name = 'other') WHERE status = 'planned'`,
			`UPDATE posts SET due_at = due_at WHERE 1 = 0`, // a no-op is fine, checked below
			`DELETE FROM posts`,
			`DELETE FROM broadcasts WHERE title = 'Live'`,
			`DELETE FROM channels WHERE name = 'hook'`,
			`DELETE FROM campaigns`,
			`INSERT INTO posts (broadcast_id, channel_id, kind, step, due_at, text, idempotency_key)
				SELECT broadcast_id, channel_id, 'teaser', 'x', due_at, 'extra', 'k-evil' FROM posts LIMIT 1`,
		} {
			if strings.Contains(q, "1 = 0") {
				cms.mustExec(q)
				continue
			}
			cms.refused(q)
		}
		// What a CMS may do: edit the text of a post not yet sent, skip one.
		cms.mustExec(`UPDATE posts SET text = 'Edited by the CMS', edited = ? WHERE broadcast_id = ? AND kind = 'live'`, true, later.ID)
		cms.mustExec(`UPDATE posts SET status = 'skipped' WHERE broadcast_id = ? AND kind = 'reminder'`, later.ID)

		// Even with the guard dropped, a post already sent is never claimed again.
		cms.dropGuards()
		cms.mustExec(`UPDATE posts SET status = 'planned' WHERE status = 'sent'`)
		e.dispatch(d)
		e.now = now.Add(time.Hour)
		e.dispatch(d)
		got := recv.Deliveries()
		if len(got) != 2 {
			t.Fatalf("delivered %d, want the first live post once and the second once", len(got))
		}
		if got[1].Payload.Message.Text != "Edited by the CMS" {
			t.Errorf("the CMS's text did not go out: %q", got[1].Payload.Message.Text)
		}
		_ = b
	})
}

func TestHealthFollowsReconcile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC))
	c := spring(e)
	m := NewMetrics()
	d := NewDaemon(e.store, e.newPlanner(), e.dispatcher(DispatchConfig{}), m, DaemonConfig{}, func() time.Time { return e.now }, nil)
	cms := openCMS(t, modelstest.DB{Engine: models.EngineSQLite, DSN: e.path})
	e.broadcast(c, "One", e.now.Add(time.Hour))
	d.reconcile(e.ctx)
	if ok, why := m.Health.Check(); !ok {
		t.Fatalf("unhealthy after a good reconcile: %s", why)
	}
	cms.mustExec(`ALTER TABLE campaigns RENAME TO campaigns_gone`) // planning now fails for every row
	cms.mustExec(`UPDATE broadcasts SET title = 'Two'`)
	d.reconcile(e.ctx)
	if ok, why := m.Health.Check(); ok || !strings.Contains(why, "reconcile failed") {
		t.Errorf("healthy (%v, %q) while planning fails", ok, why)
	}
	cms.mustExec(`ALTER TABLE campaigns_gone RENAME TO campaigns`)
	d.reconcile(e.ctx)
	if ok, why := m.Health.Check(); !ok {
		t.Errorf("still unhealthy once planning works again: %s", why)
	}
}
