package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startDaemon runs `onair daemon` of the binary in s's folder until the test ends, and waits for
// its heartbeat.
func (s *binSession) startDaemon() *exec.Cmd {
	s.t.Helper()
	cmd := exec.Command(binary, "daemon")
	cmd.Dir, cmd.Env = s.dir, s.env
	log, err := os.Create(filepath.Join(s.dir, "daemon.log"))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		log.Close()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(s.dir, "onair.db.daemon")); err == nil {
			return cmd
		}
	}
	raw, _ := os.ReadFile(filepath.Join(s.dir, "daemon.log"))
	s.t.Fatalf("the daemon wrote no heartbeat:\n%s", raw)
	return nil
}

func (s *binSession) status(args ...string) (statusView, int) {
	s.t.Helper()
	out, errOut, code := s.run(append([]string{"status", "--json"}, args...)...)
	var v statusView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		s.t.Fatalf("status --json: %v\n%s%s", err, out, errOut)
	}
	return v, code
}

// TestStatusThroughTheBinary reads `onair status` with no daemon, a running one, one stopped,
// and with a post the network refused.
func TestStatusThroughTheBinary(t *testing.T) {
	t.Parallel()
	s := newBinSession(t)
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview")
	s.ok("campaign", "add", "Launch", "--channels", "preview", "--tz", "UTC", "--teasers", "1d", "--reminders", "1h", "--replay-after", "")
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring", "--at", "+2d", "--watch-url", "https://example.com/live")

	// No daemon: exit 1, and it says so; with --cron that is expected.
	v, code := s.status()
	if code != 1 || v.OK || v.Daemon.Running || !v.Daemon.Checked || len(v.Next) != 3 || v.Next[0].Kind != "teaser" {
		t.Errorf("no daemon: exit %d, %+v", code, v)
	}
	out, _, _ := s.run("status")
	for _, want := range []string{"Daemon: not running", "Next posts", "teaser 1d", "! no daemon is running"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not say %q:\n%s", want, out)
		}
	}
	if v, code := s.status("--cron"); code != 0 || !v.OK {
		t.Errorf("--cron without a daemon: exit %d, %+v", code, v)
	}

	// A daemon runs: its pid, its start, its version; exit 0; it logged the next post.
	d := s.startDaemon()
	v, code = s.status()
	if code != 0 || !v.OK || !v.Daemon.Running || v.Daemon.PID != d.Process.Pid || v.Daemon.Heartbeat == nil ||
		v.Daemon.StartedAt.IsZero() || v.Daemon.Version == "" || v.Daemon.NextID != v.Next[0].ID {
		t.Errorf("daemon running: exit %d, %+v", code, v.Daemon)
	}
	if out := s.ok("status"); !strings.Contains(out, "Daemon: running, pid ") || !strings.Contains(out, "All is well.") {
		t.Errorf("status with a daemon:\n%s", out)
	}
	if msg := s.fails("daemon"); !strings.Contains(msg, "already sending") {
		t.Errorf("a second daemon: %s", msg)
	}

	// Stopped: the heartbeat goes with it.
	d.Process.Signal(syscall.SIGTERM)
	d.Wait()
	raw, _ := os.ReadFile(filepath.Join(s.dir, "daemon.log"))
	if !strings.Contains(string(raw), "next post: teaser 1d of broadcast 1 in 1d 0h") {
		t.Errorf("the daemon did not log its next post:\n%s", raw)
	}
	if v, code := s.status(); code != 1 || v.Daemon.Running || v.Daemon.Note != "no onair holds the dispatch lock" {
		t.Errorf("daemon stopped: exit %d, %+v", code, v.Daemon)
	}

	// A post the network refused: failed in the last 24 hours.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such hook", http.StatusBadRequest)
	}))
	defer refuse.Close()
	s.ok("channel", "add", "webhook", "--name", "hook", "--url", refuse.URL)
	s.ok("campaign", "add", "Hooked", "--channels", "hook", "--tz", "UTC", "--teasers", "", "--reminders", "", "--replay-after", "")
	s.ok("broadcast", "add", "--campaign", "Hooked", "--title", "Now", "--at", "+1h")
	s.ok("broadcast", "live", "2", "--force")
	s.run("run-due")
	v, code = s.status("--cron")
	if code != 1 || len(v.Failed) != 1 || v.Failed[0].Channel != "hook" || !strings.Contains(strings.Join(v.Problems, ";"), "1 post failed") {
		t.Errorf("a failed post: exit %d, %+v", code, v)
	}
}
