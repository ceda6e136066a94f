package scheduler

import (
	"strings"
	"testing"

	"github.com/onairhq/onair/models"
)

// TestDispatcherOptions: options decoded once per text give the same values as decoding each
// post's; a bad (hand-edited) column is never cached, so its error names the right post.
func TestDispatcherOptions(t *testing.T) {
	t.Parallel()
	d := &Dispatcher{}
	a := models.Post{ID: 1, Options: `{"lang":"fr","thread":true}`}
	b := models.Post{ID: 2, Options: a.Options}
	for _, p := range []models.Post{a, b} {
		o, err := d.options(&p)
		if err != nil || o.Lang != "fr" || !o.Thread {
			t.Fatalf("post %d options = %+v, %v", p.ID, o, err)
		}
	}
	bad1, bad2 := models.Post{ID: 7, Options: "{oops"}, models.Post{ID: 8, Options: "{oops"}
	if _, err := d.options(&bad1); err == nil || !strings.Contains(err.Error(), "post 7") {
		t.Fatalf("bad options of post 7: %v", err)
	}
	if _, err := d.options(&bad2); err == nil || !strings.Contains(err.Error(), "post 8") {
		t.Fatalf("bad options of post 8 (same text): %v, want an error naming post 8", err)
	}
	if o, err := d.options(&models.Post{}); err != nil || o != (models.PostOptions{}) {
		t.Fatalf("empty options = %+v, %v", o, err)
	}
}
