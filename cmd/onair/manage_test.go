package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

func wants(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not say %q: %s", what, w, got)
		}
	}
}

// TestCampaignRenameAndDelete: a rename refuses a name in use; a delete asks, keeps a campaign
// with broadcasts unless --force, and --force never forgets posts that went out.
func TestCampaignRenameAndDelete(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup() // campaign "Spring launch", broadcast 1, teasers from 2027-03-23
	s.ok("campaign", "add", "Autumn", "--channels", "preview")

	wants(t, "rename to a name in use", s.fails("campaign", "rename", "Autumn", "spring LAUNCH"),
		`a campaign named "spring LAUNCH" already exists`, "onair campaign list")
	wants(t, "rename", s.ok("campaign", "rename", "spring", "Spring 2027"), `Campaign "Spring launch" is now "Spring 2027"`)
	s.ok("campaign", "show", "Spring 2027")
	s.ok("campaign", "rename", "Autumn", "autumn") // its own name, other case
	wants(t, "campaign list", s.ok("campaign", "list"), "autumn", "Spring 2027")

	// Without broadcasts: it asks, then deletes.
	wants(t, "delete without an answer", s.fails("campaign", "delete", "autumn"), "not deleted; to delete without this question, add --yes")
	wants(t, "delete", s.ok("campaign", "delete", "autumn", "--yes"), `Campaign "autumn" deleted.`)
	wants(t, "show after delete", s.fails("campaign", "show", "autumn"), "autumn")

	// With broadcasts: --force, which deletes them through broadcast delete.
	s.ok("broadcast", "add", "--campaign", "Spring 2027", "--title", "Autre", "--at", "2027-04-10 18:00")
	wants(t, "delete with broadcasts", s.fails("campaign", "delete", "Spring 2027", "--yes"),
		`campaign "Spring 2027" has 2 broadcasts`, `onair campaign delete "Spring 2027" --force`)

	// A sent post keeps it all, even with --force.
	s.now = time.Date(2027, 3, 23, 17, 1, 0, 0, time.UTC)
	s.ok("run-due")
	if p := s.posts("1")["teaser 7d preview"]; p.Status != models.PostSent {
		t.Fatalf("the 7d teaser after run-due: %s %q", p.Status, p.Error)
	}
	wants(t, "delete --force with history", s.fails("campaign", "delete", "Spring 2027", "--yes", "--force"),
		"posts of broadcast 1 went out", "onair broadcast delete ID --force")
	s.ok("broadcast", "show", "2") // nothing was deleted
	s.ok("broadcast", "delete", "1", "--yes", "--force")
	wants(t, "delete --force", s.ok("campaign", "delete", "Spring 2027", "--yes", "--force"),
		`Campaign "Spring 2027" deleted, with 1 broadcast and 7 posts.`)
	s.fails("broadcast", "show", "2")
	wants(t, "list after delete", s.ok("campaign", "list"), "No campaign yet")
	// Its channel is free again.
	s.ok("campaign", "add", "Again", "--channels", "preview")
}

// TestChannelRenameEditRemove: rename refuses a name in use; edit validates like add and keeps
// the settings bound (the channel still sends); remove asks, keeps a channel in use unless
// --force, and --force never forgets posts that went out.
func TestChannelRenameEditRemove(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup() // channel preview, campaign "Spring launch", broadcast 1, teasers from 2027-03-23
	s.ok("channel", "add", "webhook", "--name", "cms", "--url", "https://cms.example.com/hook")

	wants(t, "rename to a name in use", s.fails("channel", "rename", "cms", "preview"),
		`a channel named "preview" already exists`, "onair channel list")
	wants(t, "rename", s.ok("channel", "rename", "preview", "console"), `Channel "preview" is now "console"`)
	wants(t, "campaign after rename", strings.Join(strings.Fields(s.ok("campaign", "show", "Spring launch")), " "), "channels console time zone")

	// edit: validated like add.
	wants(t, "edit a console's url", s.fails("channel", "edit", "console", "--url", "https://a.example"), "--url is for webhook channels; console is a console channel")
	wants(t, "edit a webhook's file", s.fails("channel", "edit", "cms", "--file", "x.jsonl"), "--file is for console channels")
	wants(t, "edit a bad format", s.fails("channel", "edit", "cms", "--format", "teams"), "teams")
	wants(t, "edit nothing", s.fails("channel", "edit", "cms"), "nothing to change")
	wants(t, "edit a webhook", s.ok("channel", "edit", "cms", "--url", "https://cms.example.com/v2", "--timeout", "10s", "--format", "slack"),
		`Channel "cms" updated`, "https://cms.example.com/v2", `"timeout":"10s"`)
	file := t.TempDir() + "/posts.jsonl"
	s.ok("channel", "edit", "console", "--file", file)
	wants(t, "show after edit", s.ok("channel", "show", "console"), file)

	// remove: refused while in a campaign or with posts.
	wants(t, "remove in use", s.fails("channel", "remove", "console", "--yes"),
		`it is in campaign "Spring launch" and it has 7 posts`, "onair channel remove console --force")
	wants(t, "remove the only channel", s.fails("channel", "remove", "console", "--yes", "--force"),
		`the only channel of campaign "Spring launch"`)
	s.ok("channel", "add", "console", "--name", "other")
	s.ok("campaign", "edit", "Spring launch", "--channels", "console,other")
	wants(t, "remove without an answer", s.fails("channel", "remove", "other", "--force"), "not removed; to remove without this question, add --yes")
	wants(t, "remove --force", s.ok("channel", "remove", "other", "--yes", "--force"),
		`Channel "other" removed from campaign "Spring launch", with 7 posts.`)
	if n := len(s.posts("1")); n != 7 {
		t.Errorf("broadcast 1 has %d posts after removing its second channel, want 7", n)
	}

	// The edited console channel still sends (its settings are bound), to its new file.
	s.now = time.Date(2027, 3, 23, 17, 1, 0, 0, time.UTC)
	s.ok("run-due")
	if p := s.posts("1")["teaser 7d console"]; p.Status != models.PostSent {
		t.Fatalf("the 7d teaser after run-due: %s %q", p.Status, p.Error)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "Lancement") {
		t.Errorf("the edited --file: %v %q", err, b)
	}
	s.ok("campaign", "add", "Other", "--channels", "cms")
	s.ok("campaign", "edit", "Spring launch", "--channels", "console,cms")
	wants(t, "remove with a sent post", s.fails("channel", "remove", "console", "--yes", "--force"),
		"1 post went out on it", "onair post list --channel console")

	// A channel in no campaign and with no post goes without --force.
	s.ok("channel", "add", "console", "--name", "spare")
	wants(t, "remove a spare", s.ok("channel", "remove", "spare", "--yes"), `Channel "spare" removed.`)
	s.fails("channel", "show", "spare")
}

// TestCampaignArchive: a campaign with posts still to go cannot be archived; once its lives are
// over it can, it leaves the list (not --all), takes no new broadcast, and comes back.
func TestCampaignArchive(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	if msg := s.fails("campaign", "archive", "Spring launch"); !strings.Contains(msg, "still has") || !strings.Contains(msg, "to go out") {
		t.Errorf("archiving a campaign with posts to come: %s", msg)
	}
	s.ok("broadcast", "cancel", "1")
	out := s.ok("campaign", "archive", "Spring launch")
	if !strings.Contains(out, "archived") || !strings.Contains(out, "unarchive") {
		t.Errorf("archive says: %s", out)
	}
	if out := s.ok("campaign", "list"); strings.Contains(out, "Spring launch") {
		t.Errorf("an archived campaign is listed:\n%s", out)
	}
	if out := s.ok("campaign", "list", "--all"); !strings.Contains(out, "Spring launch (archived)") {
		t.Errorf("campaign list --all:\n%s", out)
	}
	if msg := s.fails("broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "2027-04-01 18:00"); !strings.Contains(msg, "unarchive") {
		t.Errorf("a broadcast on an archived campaign: %s", msg)
	}
	s.ok("campaign", "unarchive", "Spring launch")
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "2027-04-01 18:00")
}
