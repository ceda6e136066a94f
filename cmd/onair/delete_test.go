package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

// TestBroadcastDelete: delete asks first, removes a broadcast with its posts and attempts in one
// go, and keeps a broadcast whose posts went out unless --force.
func TestBroadcastDelete(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup() // broadcast 1, 2027-03-30 18:00 Paris, teasers from 2027-03-23
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Autre", "--at", "2027-04-10 18:00")

	// Without --yes it asks; no answer is a no.
	if msg := s.fails("broadcast", "delete", "2"); !strings.Contains(msg, "not deleted; to delete without this question, add --yes") {
		t.Errorf("delete without an answer: %s", msg)
	}
	out := s.ok("broadcast", "delete", "2", "--yes")
	if !strings.Contains(out, `Broadcast 2 "Autre" deleted, with 7 posts.`) {
		t.Errorf("delete says: %s", out)
	}
	if msg := s.fails("broadcast", "show", "2"); !strings.Contains(msg, "does not exist") {
		t.Errorf("broadcast 2 after delete: %s", msg)
	}

	// A broadcast whose teaser went out keeps it, unless --force.
	s.now = time.Date(2027, 3, 23, 17, 1, 0, 0, time.UTC)
	s.ok("run-due")
	if p := s.posts("1")["teaser 7d preview"]; p.Status != models.PostSent {
		t.Fatalf("the 7d teaser after run-due: %s %q", p.Status, p.Error)
	}
	msg := s.fails("broadcast", "delete", "1", "--yes")
	for _, want := range []string{"1 of the posts of broadcast 1 went out (or may have)", "onair broadcast cancel 1", "onair broadcast delete 1 --force"} {
		if !strings.Contains(msg, want) {
			t.Errorf("delete with a sent post does not say %q: %s", want, msg)
		}
	}
	out = s.ok("broadcast", "delete", "1", "--yes", "--force")
	if !strings.Contains(out, "(1 of them had gone out: they stay on their networks)") {
		t.Errorf("delete --force says: %s", out)
	}
	db, err := sql.Open(models.SQLiteDriver(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"broadcasts", "posts", "attempts"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s left after deleting every broadcast: %d (%v)", table, n, err)
		}
	}
}

// TestBroadcastDeleteConfirmed answers the question through the real binary's stdin.
func TestBroadcastDeleteConfirmed(t *testing.T) {
	t.Parallel()
	s := newBinSession(t)
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview", "--file", "posts.jsonl")
	s.ok("campaign", "add", "Launch", "--channels", "preview", "--teasers", "1d", "--reminders", "10m", "--replay-after", "")
	s.ok("broadcast", "add", "--campaign", "Launch", "--title", "Spring", "--at", "+3d", "--ref", "cms-1")
	answer := func(in string) (string, string, error) {
		cmd := exec.Command(binary, "broadcast", "delete", "cms-1")
		cmd.Dir, cmd.Env, cmd.Stdin = s.dir, s.env, strings.NewReader(in)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
	if _, errOut, err := answer("n\n"); err == nil || !strings.Contains(errOut, `Delete broadcast 1 "Spring" and its 3 posts? This cannot be undone`) {
		t.Errorf("answer n: %v\n%s", err, errOut)
	}
	s.ok("broadcast", "show", "1")
	if out, errOut, err := answer("y\n"); err != nil || !strings.Contains(out, "deleted, with 3 posts") {
		t.Errorf("answer y: %v\n%s%s", err, out, errOut)
	}
	s.fails("broadcast", "show", "1")
}

// TestPostReset: a hand-edited post goes back to its template, and follows re-plans again.
func TestPostReset(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	p := s.posts("1")["teaser 1d preview"]
	template := p.Text
	id := fmt.Sprint(p.ID)
	s.ok("post", "edit", id, "--text", "Demain 18:00, la collection. Soyez là !")
	out := s.ok("post", "reset", id)
	if !strings.Contains(out, "reset to its template: planned") || !strings.Contains(out, template) {
		t.Errorf("post reset says: %s", out)
	}
	var shown postView
	s.json(&shown, "post", "show", id)
	if shown.Edited || shown.Text != template {
		t.Errorf("after reset: edited %v, text %q (template %q)", shown.Edited, shown.Text, template)
	}
	s.ok("broadcast", "edit", "1", "--title", "Nouvelle collection")
	if p := s.posts("1")["teaser 1d preview"]; !strings.Contains(p.Text, "Nouvelle collection") {
		t.Errorf("a reset post does not follow a new title: %q", p.Text)
	}
	if out := s.ok("post", "reset", id); !strings.Contains(out, "was not edited by hand") {
		t.Errorf("reset twice: %s", out)
	}
	s.ok("post", "skip", id)
	if msg := s.fails("post", "reset", id); !strings.Contains(msg, "only planned, held or invalid posts can be reset") {
		t.Errorf("reset a skipped post: %s", msg)
	}
}
