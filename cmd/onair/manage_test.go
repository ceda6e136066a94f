package main

import (
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
