package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
	"github.com/onairhq/onair/scheduler"
)

// pgHookDB is hookDB on a fresh PostgreSQL schema; it skips the test when ONAIR_TEST_POSTGRES is unset.
func pgHookDB(t *testing.T, recvURL string, channels int) (string, *models.Store) {
	t.Helper()
	dsn := modelstest.Postgres(t)
	if dsn == "" {
		t.Skip(modelstest.EnvPostgres + " is not set: the PostgreSQL daemon tests need a server")
	}
	useKeyFile(t, dsn)
	s := &session{t: t, db: dsn, now: time.Now()}
	s.ok("init")
	names := make([]string, channels)
	for i := range names {
		names[i] = fmt.Sprintf("hook%d", i)
		s.ok("channel", "add", "webhook", "--name", names[i], "--url", recvURL, "--secret-env", "HOOK_SECRET", "--timeout", "2s")
	}
	s.ok("campaign", "add", "Crash", "--tz", "UTC", "--channels", strings.Join(names, ","), "--teasers", "", "--reminders", "", "--replay-after", "")
	store, err := models.Open(context.Background(), dsn, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return dsn, store
}

// TestChaosPostgres: three daemon processes share one PostgreSQL database and thousands of due
// posts; one or two are killed with SIGKILL at random moments and restarted. At the end every post
// was delivered exactly once and none is left sending.
func TestChaosPostgres(t *testing.T) {
	endToEnd(t)
	recv := webhooktest.New(t, hookSecret, nil)
	recv.Delay = time.Millisecond
	dsn, store := pgHookDB(t, recv.URL, 3)
	ctx := context.Background()
	camp, err := store.CampaignByName(ctx, "Crash")
	if err != nil {
		t.Fatal(err)
	}
	const broadcasts = 700 // x 3 channels = 2,100 posts
	start := time.Now().Add(3 * time.Second)
	for i := 0; i < broadcasts; i++ {
		b := &models.Broadcast{CampaignID: &camp.ID, Title: fmt.Sprintf("Live %d", i), DurationMinutes: 60,
			StartsAt: models.NewTime(start.Add(time.Duration(i) * 6 * time.Millisecond))}
		if err := store.CreateBroadcast(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := scheduler.NewPlanner(store, nil, nil).Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	want := broadcasts * 3
	args := []string{"--lease", "2s"}
	daemons := []*daemonProc{startDaemon(t, dsn, args...), startDaemon(t, dsn, args...), startDaemon(t, dsn, args...)}
	kills := 0
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		victims := 1 + rand.IntN(2)
		for v := 0; v < victims; v++ {
			i := rand.IntN(len(daemons))
			daemons[i].kill9()
			kills++
			daemons[i] = startDaemon(t, dsn, args...)
		}
	}
	t.Logf("%d kills; %d of %d delivered so far; statuses %v", kills, len(recv.Deliveries()), want, postStatuses(t, store))
	done := time.Now().Add(60 * time.Second)
	for postStatuses(t, store)[models.PostSent] < want && time.Now().Before(done) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, d := range daemons {
		d.stop(t)
		if strings.Contains(d.stderr.String(), `"level":"ERROR"`) {
			t.Errorf("a daemon logged an error:\n%s", d.stderr.String())
		}
	}
	st := postStatuses(t, store)
	if st[models.PostSent] != want || len(st) != 1 {
		t.Fatalf("statuses at the end: %v, want %d sent and nothing else", st, want)
	}
	if got := len(recv.Deliveries()); got != want {
		t.Errorf("%d posts delivered, want %d", got, want)
	}
	if len(recv.Requests()) != want {
		t.Errorf("the receiver saw %d distinct keys, want %d", len(recv.Requests()), want)
	}
	if errs := recv.ContractErrors(); len(errs) > 0 {
		t.Errorf("contract errors: %v", errs[:min(5, len(errs))])
	}
	resent := 0
	for _, n := range recv.Requests() {
		resent += n - 1
	}
	t.Logf("%d resends with the same key (claims of killed daemons, after their lease)", resent)
}

// TestLeaderFailoverPostgres: kill the daemon that reconciles; another takes over within seconds,
// and a broadcast a CMS writes after the kill is planned.
func TestLeaderFailoverPostgres(t *testing.T) {
	endToEnd(t)
	recv := webhooktest.New(t, hookSecret, nil)
	dsn, store := pgHookDB(t, recv.URL, 1)
	leader := startDaemon(t, dsn)
	waitLog(t, leader, "elected")
	follower := startDaemon(t, dsn)
	waitLog(t, follower, "daemon started")
	if strings.Contains(follower.stderr.String(), "elected") {
		t.Fatal("two leaders")
	}
	leader.kill9()
	killed := time.Now()

	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `INSERT INTO broadcasts (external_ref, campaign, title, starts_at)
		VALUES ('after-kill', 'Crash', 'After the kill', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	var planned bool
	for !planned && time.Since(killed) < 10*time.Second {
		conn.QueryRow(context.Background(), `SELECT revision = planned_revision FROM broadcasts WHERE external_ref = 'after-kill'`).Scan(&planned)
		time.Sleep(50 * time.Millisecond)
	}
	if !planned {
		t.Fatalf("not planned 10 s after the leader died:\n%s", follower.stderr.String())
	}
	t.Logf("planned by the new leader %v after the old one was killed", time.Since(killed).Round(time.Millisecond))
	if !strings.Contains(follower.stderr.String(), "elected") {
		t.Errorf("the follower never became the leader:\n%s", follower.stderr.String())
	}
	var n int64
	store.DB().Raw(`SELECT count(*) FROM posts p JOIN broadcasts b ON b.id = p.broadcast_id WHERE b.external_ref = 'after-kill'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d posts planned, want the live post", n)
	}
	follower.stop(t)
}

// keyFiles holds the secret key file of each PostgreSQL test database, by DSN, for the CLI and
// the daemons alike: without one they would make ./onair.key in the package's directory.
var keyFiles sync.Map

// useKeyFile gives the PostgreSQL database dsn a key file of its own until the test ends.
func useKeyFile(t *testing.T, dsn string) {
	t.Helper()
	keyFiles.Store(dsn, filepath.Join(t.TempDir(), "onair.key"))
	t.Cleanup(func() { keyFiles.Delete(dsn) })
}

// keyFileArgs is the --key-file flag for db, if useKeyFile gave it one.
func keyFileArgs(db string) []string {
	if path, ok := keyFiles.Load(db); ok {
		return []string{"--key-file", path.(string)}
	}
	return nil
}

func waitLog(t *testing.T, d *daemonProc, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(d.stderr.String(), what) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(d.stderr.String(), what) {
		t.Fatalf("daemon never logged %q:\n%s", what, d.stderr.String())
	}
}
