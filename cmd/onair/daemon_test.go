package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
)

const hookSecret = "crash-test-secret"

// daemonProc is a daemon run as a real process.
type daemonProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
}

// syncBuffer is a bytes.Buffer the process writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startDaemon(t *testing.T, db string, extra ...string) *daemonProc {
	t.Helper()
	needBinary(t)
	args := append(append([]string{"--db", db}, keyFileArgs(db)...), "daemon", "--log-json", "--retry-base", "100ms")
	cmd := exec.Command(binary, append(args, extra...)...)
	cmd.Env = append(os.Environ(), "HOOK_SECRET="+hookSecret)
	errOut := &syncBuffer{}
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &daemonProc{cmd: cmd, stderr: errOut}
}

func (d *daemonProc) kill9() { d.cmd.Process.Signal(syscall.SIGKILL); d.cmd.Wait() }

// stop sends SIGTERM once the daemon is up (signals are handled from then on) and waits.
func (d *daemonProc) stop(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(d.stderr.String(), "daemon started") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("daemon after SIGTERM: %v\n%s", err, d.stderr.String())
	}
	if !strings.Contains(d.stderr.String(), "daemon stopped") {
		t.Errorf("no graceful stop in the log:\n%s", d.stderr.String())
	}
}

// hookDB makes a database with n webhook channels to recv in one campaign (live posts only).
func hookDB(t *testing.T, recvURL string, channels int) (string, *models.Store) {
	t.Helper()
	s := newSession(t, time.Now())
	s.ok("init")
	names := make([]string, channels)
	for i := range names {
		names[i] = fmt.Sprintf("hook%d", i)
		s.ok("channel", "add", "webhook", "--name", names[i], "--url", recvURL, "--secret-env", "HOOK_SECRET", "--timeout", "2s")
	}
	s.ok("campaign", "add", "Crash", "--tz", "UTC", "--channels", strings.Join(names, ","), "--teasers", "", "--reminders", "", "--replay-after", "")
	store, err := models.Open(context.Background(), s.db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return s.db, store
}

func postStatuses(t *testing.T, store *models.Store) map[models.PostStatus]int {
	t.Helper()
	var rows []struct {
		Status models.PostStatus
		N      int
	}
	if err := store.DB().Raw("SELECT status, count(*) AS n FROM posts GROUP BY status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[models.PostStatus]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// TestCrashKill9 runs the daemon over hundreds of due posts and kills it with SIGKILL at random
// moments, several times, restarting it each time: at the end every post was delivered exactly
// once (a resend after a crash carries the same idempotency key, which the receiver
// deduplicates), and none is left sending.
func TestCrashKill9(t *testing.T) {
	endToEnd(t)
	recv := webhooktest.New(t, hookSecret, nil)
	recv.Delay = 3 * time.Millisecond // a send takes a little time: kills land mid-send
	db, store := hookDB(t, recv.URL, 3)
	camp, err := store.CampaignByName(context.Background(), "Crash")
	if err != nil {
		t.Fatal(err)
	}
	const broadcasts = 150 // x 3 channels = 450 posts
	start := time.Now().Add(time.Second)
	for i := 0; i < broadcasts; i++ {
		b := &models.Broadcast{CampaignID: &camp.ID, Title: fmt.Sprintf("Live %d", i), DurationMinutes: 60,
			StartsAt: models.NewTime(start.Add(time.Duration(i) * 30 * time.Millisecond))}
		if err := store.CreateBroadcast(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	want := broadcasts * 3
	kills := 0
	for round := 0; round < 8; round++ {
		d := startDaemon(t, db)
		time.Sleep(time.Duration(150+rand.IntN(600)) * time.Millisecond)
		d.kill9()
		kills++
		if strings.Contains(d.stderr.String(), "database is locked") {
			t.Errorf("daemon saw \"database is locked\":\n%s", d.stderr.String())
		}
	}
	t.Logf("after %d kills: %d of %d posts delivered; statuses %v", kills, len(recv.Deliveries()), want, postStatuses(t, store))
	d := startDaemon(t, db)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		st := postStatuses(t, store)
		if st[models.PostSent] == want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	d.stop(t)

	st := postStatuses(t, store)
	if st[models.PostSent] != want || len(st) != 1 {
		t.Fatalf("post statuses at the end: %v, want %d sent and nothing else", st, want)
	}
	if got := len(recv.Deliveries()); got != want {
		t.Errorf("%d posts delivered, want %d", got, want)
	}
	if errs := recv.ContractErrors(); len(errs) > 0 {
		t.Errorf("contract errors: %v", errs[:min(5, len(errs))])
	}
	var keys []string
	store.DB().Raw("SELECT idempotency_key FROM posts").Scan(&keys)
	requests := recv.Requests()
	resent := 0
	for _, k := range keys {
		if requests[k] == 0 {
			t.Errorf("post %s never reached the receiver", k)
		}
		resent += requests[k] - 1
	}
	if len(requests) != want {
		t.Errorf("the receiver saw %d distinct keys, want %d (a post sent under two keys?)", len(requests), want)
	}
	t.Logf("%d resends with the same key after kills (deduplicated by the receiver)", resent)
}

// TestSecondDaemonRefused: only one daemon sends from a SQLite file; --standby waits and takes
// over when the first stops.
func TestSecondDaemonRefused(t *testing.T) {
	endToEnd(t)
	recv := webhooktest.New(t, hookSecret, nil)
	db, _ := hookDB(t, recv.URL, 1)
	first := startDaemon(t, db)
	time.Sleep(500 * time.Millisecond)
	out, err := exec.Command(binary, "--db", db, "daemon").CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(string(out), "already sending from this database") ||
		!strings.Contains(string(out), "--standby") {
		t.Errorf("second daemon: %v\n%s", err, out)
	}
	standby := startDaemon(t, db, "--standby")
	time.Sleep(500 * time.Millisecond)
	first.cmd.Process.Signal(syscall.SIGTERM)
	first.cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(standby.stderr.String(), "daemon started") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(standby.stderr.String(), "standing by") || !strings.Contains(standby.stderr.String(), "daemon started") {
		t.Errorf("standby did not take over:\n%s", standby.stderr.String())
	}
	standby.stop(t)
}

// TestCMSWritesWhileDaemonRuns: a CMS process writes broadcasts through its own connection while
// the daemon runs: nobody sees "database is locked", and every broadcast is planned and sent.
func TestCMSWritesWhileDaemonRuns(t *testing.T) {
	endToEnd(t)
	recv := webhooktest.New(t, hookSecret, nil)
	db, store := hookDB(t, recv.URL, 2)
	d := startDaemon(t, db)
	defer d.stop(t)
	cms, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=10000&_txlock=immediate&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer cms.Close()
	const n = 100
	for i := 0; i < n; i++ {
		start := time.Now().Add(time.Second + time.Duration(i)*10*time.Millisecond).UTC().Format("2006-01-02 15:04:05.000")
		if _, err := cms.Exec(`INSERT INTO broadcasts (external_ref, campaign, title, starts_at) VALUES (?, 'Crash', ?, ?)
			ON CONFLICT (external_ref) DO UPDATE SET title = excluded.title`, fmt.Sprintf("cms-%d", i), fmt.Sprintf("CMS %d", i), start); err != nil {
			t.Fatalf("CMS write %d: %v", i, err)
		}
		// A CMS reads status back as it goes.
		var sent int
		if err := cms.QueryRow(`SELECT count(*) FROM posts WHERE status = 'sent'`).Scan(&sent); err != nil {
			t.Fatalf("CMS read: %v", err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for postStatuses(t, store)[models.PostSent] < 2*n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if st := postStatuses(t, store); st[models.PostSent] != 2*n {
		t.Errorf("statuses: %v, want %d sent", st, 2*n)
	}
	if strings.Contains(d.stderr.String(), "locked") {
		t.Errorf("daemon log mentions a lock:\n%s", d.stderr.String())
	}
	var errs int
	store.DB().Raw(`SELECT count(*) FROM broadcasts WHERE error <> ''`).Scan(&errs)
	if errs != 0 {
		t.Errorf("%d broadcasts with an error", errs)
	}
}

// TestHealthAndMetrics: --listen serves /healthz and Prometheus metrics about what was sent.
func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	recv := webhooktest.New(t, hookSecret, nil)
	db, store := hookDB(t, recv.URL, 1)
	camp, _ := store.CampaignByName(context.Background(), "Crash")
	b := &models.Broadcast{CampaignID: &camp.ID, Title: "Metrics", StartsAt: models.NewTime(time.Now().Add(300 * time.Millisecond))}
	if err := store.CreateBroadcast(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, db, "--listen", "127.0.0.1:0")
	defer d.stop(t)
	addr := ""
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" && time.Now().Before(deadline) {
		for _, line := range strings.Split(d.stderr.String(), "\n") {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving health and metrics" {
				addr = rec.Addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("no listen address in the log:\n%s", d.stderr.String())
	}
	for len(recv.Deliveries()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %s", path, resp.Status)
		}
		return string(body)
	}
	if got := get("/healthz"); got != "ok\n" {
		t.Errorf("/healthz = %q", got)
	}
	feed := get("/calendar.ics")
	if cal, err := ical.NewDecoder(strings.NewReader(feed)).Decode(); err != nil || len(cal.Events()) != 1 {
		t.Errorf("/calendar.ics does not parse, or has not 1 event (%v):\n%s", err, feed)
	} else if title, _ := cal.Events()[0].Props.Text(ical.PropSummary); title != "Metrics" {
		t.Errorf("/calendar.ics event: %q", title)
	}
	if resp, err := http.Get("http://" + addr + "/calendar.ics?campaign=Nope"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/calendar.ics?campaign=Nope: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// The receiver has the post before the daemon has its answer and counts it: wait for the count.
	sent := `onair_posts_total{channel_id="1",kind="live",outcome="sent"} 1`
	metrics := get("/metrics")
	for !strings.Contains(metrics, sent) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		metrics = get("/metrics")
	}
	for _, want := range []string{sent,
		"onair_send_lateness_seconds_count 1", "onair_claim_batch_size_count", "onair_queue_planned", "process_resident_memory_bytes"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(d.stderr.String(), hookSecret) {
		t.Error("the log prints the webhook secret")
	}
}

// demoRun is one run of `onair demo --fast` through the binary, which TestDemoFast and
// TestDemoReport both read: its directory (the demo's database in it) and its output.
var demoRun struct {
	once           sync.Once
	dir, out, fail string
}

// demoFastRun runs the demo once for the tests that read it, and returns its directory and output.
func demoFastRun(t *testing.T) (dir, out string) {
	t.Helper()
	demoRun.once.Do(func() {
		dir, err := os.MkdirTemp("", "onair-demo")
		if err != nil {
			demoRun.fail = err.Error()
			return
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		cmd := exec.Command(binary, "demo", "--fast")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ONAIR_DB=")
		out, err := cmd.CombinedOutput()
		demoRun.dir, demoRun.out = dir, string(out)
		if err != nil {
			demoRun.fail = fmt.Sprintf("demo --fast: %v\n%s", err, out)
		}
	})
	if demoRun.fail != "" {
		t.Fatal(demoRun.fail)
	}
	return demoRun.dir, demoRun.out
}

func TestDemoFast(t *testing.T) {
	endToEnd(t)
	dir, text := demoFastRun(t)
	sending := text[strings.Index(text, "Sending,"):]
	order := []string{"· teaser 12s ·", "· reminder 8s ·", "· reminder 4s ·", "· live 0 ·", "broadcast has ended", "· replay 3s ·", "Done: 5 posts went out"}
	pos := 0
	for _, w := range order {
		i := strings.Index(sending[pos:], w)
		if i < 0 {
			t.Fatalf("demo output lacks %q after position %d:\n%s", w, pos, sending)
		}
		pos += i
	}
	if _, err := os.Stat(filepath.Join(dir, "onair-demo.db")); err != nil {
		t.Errorf("demo database: %v", err)
	}
}

// TestRunDueExitCodes: one pass sends what is due; the exit code says whether all of it went out.
func TestRunDueExitCodes(t *testing.T) {
	failing := false
	recv := webhooktest.New(t, hookSecret, func(int, string) webhooktest.Fault {
		if failing {
			return webhooktest.Status500
		}
		return webhooktest.OK
	})
	t.Setenv("HOOK_SECRET", hookSecret)
	db, store := hookDB(t, recv.URL, 1)
	camp, _ := store.CampaignByName(context.Background(), "Crash")
	s := &session{t: t, db: db, now: time.Now()}
	add := func(title string) {
		b := &models.Broadcast{CampaignID: &camp.ID, Title: title, StartsAt: models.NewTime(s.now.Add(time.Second))}
		if err := store.CreateBroadcast(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		s.ok("reconcile")
		s.now = s.now.Add(2 * time.Second)
	}
	add("First")
	out := s.ok("run-due", "--json")
	var res struct {
		Planned  int
		Dispatch struct{ Sent, Retry int }
		DueLeft  int `json:"due_left"`
	}
	// Planned: the clock made the broadcast live at its start (one re-plan), nothing else changed.
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Planned != 1 || res.Dispatch.Sent != 1 || res.DueLeft != 0 {
		t.Errorf("run-due: %s (%v)", out, err)
	}
	failing = true
	add("Second")
	_, errOut, code := s.run("run-due")
	if code != 2 || !strings.Contains(errOut, "retry later 1") || !strings.Contains(errOut, "not everything due went out") {
		t.Errorf("run-due with a failing receiver: exit %d\n%s", code, errOut)
	}
	if len(recv.Deliveries()) != 1 {
		t.Errorf("deliveries: %d", len(recv.Deliveries()))
	}
}
