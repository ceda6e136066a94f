package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

// binSession runs the real binary in a folder of its own, on the real clock, as a marketer would.
type binSession struct {
	t   *testing.T
	dir string
	env []string
}

func newBinSession(t *testing.T) *binSession {
	t.Helper()
	needBinary(t)
	dir := t.TempDir()
	return &binSession{t: t, dir: dir, env: append(os.Environ(), "ONAIR_DB=", "ONAIR_SECRET_KEY=", "TZ=UTC")}
}

func (s *binSession) run(args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		s.t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func (s *binSession) ok(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code != 0 {
		s.t.Fatalf("onair %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (s *binSession) fails(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code == 0 {
		s.t.Fatalf("onair %s succeeded, want an error\n%s", strings.Join(args, " "), out)
	}
	return errOut
}

// posts reads the posts of broadcast 1 by kind and step (the console channel is the only one).
func (s *binSession) posts() map[string]models.Post {
	s.t.Helper()
	var list []postView
	if err := json.Unmarshal([]byte(s.ok("post", "list", "--broadcast", "1", "--json")), &list); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]models.Post{}
	for _, p := range list {
		out[string(p.Kind)+" "+p.Step] = p.Post
	}
	return out
}

// TestLifecycleThroughTheBinary goes live, ends, replays, reopens and reschedules a broadcast the
// way a marketer does, and sends with run-due in between.
func TestLifecycleThroughTheBinary(t *testing.T) {
	t.Parallel()
	s := newBinSession(t)
	if msg := s.fails("channel", "add", "console", "--name", "preview"); !strings.Contains(msg, "onair init") {
		t.Errorf("channel add before init: %s", msg)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "onair.db")); err == nil {
		t.Errorf("channel add before init made a database")
	}
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview", "--file", "posts.jsonl")
	if msg := s.fails("campaign", "add", "Bad", "--channels", "preview", "--reminders", "0m"); !strings.Contains(msg, "--reminders: an offset of 0") {
		t.Errorf("--reminders 0m: %s", msg)
	}
	os.Mkdir(filepath.Join(s.dir, "tmpl"), 0o755)
	s.ok("campaign", "add", "Launch", "--channels", "preview", "--teasers", "1d", "--reminders", "1h,10m",
		"--replay-after", "0m", "--templates", "tmpl")
	var camp campaignView
	if err := json.Unmarshal([]byte(s.ok("campaign", "show", "Launch", "--json")), &camp); err != nil {
		t.Fatal(err)
	}
	if camp.ReplayAfter != "0" || camp.TemplatesDir != filepath.Join(s.dir, "tmpl") {
		t.Errorf("campaign stored replay %q, templates %q (want \"0\" and an absolute path)", camp.ReplayAfter, camp.TemplatesDir)
	}
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring", "--at", "+2h", "--watch-url", "https://example.com/w")
	if p := s.posts()["replay 0"]; p.Status != models.PostHeld {
		t.Errorf("replay at 0m after add: %+v", p)
	}

	// Going live two hours early is a wrong id more often than not.
	if msg := s.fails("broadcast", "live", "1"); !strings.Contains(msg, "--force") {
		t.Errorf("live two hours early: %s", msg)
	}
	out := s.ok("broadcast", "live", "1", "--force")
	if !strings.Contains(out, "is live") {
		t.Errorf("live says: %s", out)
	}
	posts := s.posts()
	if p := posts["live 0"]; p.Status != models.PostPlanned {
		t.Fatalf("the live post after going live: %s %q", p.Status, p.Error)
	}
	for _, k := range []string{"reminder 1h", "reminder 10m"} {
		if p := posts[k]; p.Status != models.PostCancelled || !strings.Contains(p.Error, "went live") {
			t.Errorf("%s after going live: %s %q", k, p.Status, p.Error)
		}
	}
	// run-due --json prints only JSON on stdout; the console post goes to stderr.
	out, errOut, code := s.run("run-due", "--json")
	var res struct{ Dispatch struct{ Sent int } }
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Dispatch.Sent != 1 || !strings.Contains(errOut, "live") {
		t.Fatalf("run-due --json: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if p := s.posts()["live 0"]; p.Status != models.PostSent {
		t.Errorf("live post after run-due: %s", p.Status)
	}
	var bv broadcastView
	json.Unmarshal([]byte(s.ok("broadcast", "show", "1", "--json")), &bv)
	if bv.Status != models.BroadcastLive || bv.StartedAt.IsZero() {
		t.Errorf("broadcast after live: %+v", bv)
	}

	// Ending with the replay: the 0m replay goes at once.
	s.ok("broadcast", "end", "1", "--replay", "https://example.com/r")
	if msg := s.fails("broadcast", "end", "1"); !strings.Contains(msg, "already ended") || !strings.Contains(msg, "reopen 1") {
		t.Errorf("ending twice: %s", msg)
	}
	s.ok("run-due")
	if p := s.posts()["replay 0"]; p.Status != models.PostSent {
		t.Errorf("replay 0m after end and run-due: %s %q", p.Status, p.Error)
	}
	lines, _ := os.ReadFile(filepath.Join(s.dir, "posts.jsonl"))
	if n := strings.Count(string(lines), "\n"); n != 2 {
		t.Errorf("the console file has %d posts, want 2 (live, replay):\n%s", n, lines)
	}

	// Undo the end: it is live again; cancel and undo that too.
	out = s.ok("broadcast", "reopen", "1")
	if !strings.Contains(out, "live again") {
		t.Errorf("reopen after end: %s", out)
	}
	s.ok("broadcast", "cancel", "1")
	if msg := s.fails("broadcast", "reschedule", "1", "--at", "+3h"); !strings.Contains(msg, "reopen 1") {
		t.Errorf("reschedule a cancelled broadcast: %s", msg)
	}
	s.ok("broadcast", "reopen", "1")
	// A new time puts it back to scheduled, and the reminders still ahead come back.
	s.ok("broadcast", "reschedule", "1", "--at", "+3h")
	bv = broadcastView{}
	json.Unmarshal([]byte(s.ok("broadcast", "show", "1", "--json")), &bv)
	if bv.Status != models.BroadcastScheduled || !bv.StartedAt.IsZero() {
		t.Errorf("broadcast after reschedule: status %s started %v", bv.Status, bv.StartedAt)
	}
	posts = s.posts()
	for _, k := range []string{"reminder 1h", "reminder 10m"} {
		if p := posts[k]; p.Status != models.PostPlanned {
			t.Errorf("%s after reschedule: %s %q", k, p.Status, p.Error)
		}
	}
	if p := posts["live 0"]; p.Status != models.PostSent {
		t.Errorf("the live post sent before stays sent: %s", p.Status)
	}
}

// TestDemoLeavesOtherDatabasesAlone: ONAIR_DB names the operator's real database; the demo uses
// its own file and never touches that one, nor one given with --db that holds real data.
func TestDemoLeavesOtherDatabasesAlone(t *testing.T) {
	t.Parallel()
	s := newBinSession(t)
	s.env = append(s.env, "ONAIR_DB=real.db")
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "brand")
	s.ok("campaign", "add", "Real", "--channels", "brand")
	sum := func() [32]byte {
		b, err := os.ReadFile(filepath.Join(s.dir, "real.db"))
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	_, errOut, code := s.run("demo", "--plan-only")
	if code != 0 || !strings.Contains(errOut, "ONAIR_DB") {
		t.Fatalf("demo with ONAIR_DB set: exit %d\n%s", code, errOut)
	}
	if sum() != before {
		t.Errorf("the demo changed real.db")
	}
	if _, err := os.Stat(filepath.Join(s.dir, "onair-demo.db")); err != nil {
		t.Errorf("the demo made no onair-demo.db: %v", err)
	}
	if msg := s.fails("--db", "real.db", "demo", "--plan-only"); !strings.Contains(msg, "holds your data") {
		t.Errorf("demo --db real.db: %s", msg)
	}
	if sum() != before {
		t.Errorf("demo --db real.db changed it")
	}
	s.ok("--db", "onair-demo.db", "demo", "--plan-only") // its own file, again: fine
	if out := s.ok("campaign", "list"); !strings.Contains(out, "Real") {
		t.Errorf("real.db lost its campaign:\n%s", out)
	}
}

// TestCMSRowAsDocumented: a row written as docs/cms-integration.md's Python example writes it
// (Unix seconds, the campaign by name) is listed in start order and in the campaign's zone, and
// plan show names its campaign.
func TestCMSRowAsDocumented(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "From the CLI", "--at", "2027-03-31 18:00")
	db, err := sql.Open("sqlite3", s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC) // 18:00 in Paris, a day before the other
	if _, err := db.Exec(`INSERT INTO broadcasts (campaign, title, starts_at, duration_minutes, watch_url, status)
		VALUES ('Spring launch', 'From the CMS', ?, 45, 'https://x.com/i/broadcasts/1ABC', 'scheduled')`, start.Unix()); err != nil {
		t.Fatal(err)
	}
	out := s.ok("broadcast", "list")
	cms, cli := strings.Index(out, "From the CMS"), strings.Index(out, "From the CLI")
	if cms < 0 || cli < 0 || cms > cli {
		t.Errorf("broadcast list is not in start order:\n%s", out)
	}
	if !strings.Contains(out, "2027-03-30 18:00 CEST") {
		t.Errorf("the CMS row is not shown in the campaign's zone:\n%s", out)
	}
	if out := s.ok("plan", "show", "3"); !strings.Contains(out, "campaign Spring launch") {
		t.Errorf("plan show of the CMS row:\n%s", out)
	}
}

// TestPostStateShowsRetries: a planned post that failed and waits for its next try reads as
// retrying, with its tries and the time of the next, not as untouched.
func TestPostStateShowsRetries(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	next := time.Date(2027, 3, 30, 16, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		p    models.Post
		want string
	}{
		{"untouched", models.Post{Status: models.PostPlanned}, "planned"},
		{"waiting for a retry", models.Post{Status: models.PostPlanned, Attempts: 2, Error: "temporary failure: 502",
			NextAttemptAt: models.NewTime(next)}, "retrying (2 tries, next try 18:05:00)"},
		{"sent after tries", models.Post{Status: models.PostSent, Attempts: 2}, "sent"},
	} {
		if got := postState(c.p, paris); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestReadOnlyDatabaseSaysWhatToFix: SQLite's "attempt to write a readonly database" gets the
// cause and the fix.
func TestReadOnlyDatabaseSaysWhatToFix(t *testing.T) {
	t.Parallel()
	err := errors.New("open database /srv/onair.db: attempt to write a readonly database")
	if got := explain(err); !strings.Contains(got, "permissions") || !strings.HasPrefix(got, err.Error()) {
		t.Errorf("explain: %s", got)
	}
}
