package bluesky

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky/blueskytest"
)

func TestMetricsFromTheAppView(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	ctx := context.Background()
	var sent []posting.Sent
	for i := range 30 {
		r, err := p.Post(ctx, message(i))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, posting.Sent{Receipt: r, SentAt: e.clock.Now()})
	}
	m, err := NewMetrics(e.srv.URL, e.srv.Client(), 0)
	if err != nil {
		t.Fatal(err)
	}
	m.Now = e.clock.Now
	e.clock.Advance(time.Hour)
	first, err := m.Metrics(ctx, sent)
	if err != nil || len(first) != 30 {
		t.Fatalf("metrics = %d posts, %v", len(first), err)
	}
	if n := e.srv.Requests(blueskytest.GetPosts); n != 2 {
		t.Errorf("%d getPosts requests for 30 posts, want 2 (25 uris each at most)", n)
	}
	e.clock.Advance(6 * 24 * time.Hour)
	rkey := sent[0].RemoteID[strings.LastIndex(sent[0].RemoteID, "/")+1:]
	e.srv.DeleteRecord(handle, rkey)
	later, err := m.Metrics(ctx, sent)
	if err != nil || len(later) != 29 {
		t.Fatalf("after a deletion: %d posts, %v", len(later), err)
	}
	a, b := first[sent[1].RemoteID], later[sent[1].RemoteID]
	if b.Likes <= a.Likes || b.Impressions != -1 || b.Bookmarks != -1 {
		t.Errorf("1h %+v, 7d %+v", a, b)
	}
	if _, err := NewMetrics("", nil, 0); err != nil {
		t.Fatal(err)
	}
	if got := DefaultAppView; got != "https://public.api.bsky.app" {
		t.Errorf("default AppView %s", got)
	}
}

func TestMetricsAppViewRateLimited(t *testing.T) {
	e := setup(t)
	r, err := e.poster(t).Post(context.Background(), message(1))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := NewMetrics(e.srv.URL, e.srv.Client(), 0)
	m.Now = e.clock.Now
	e.srv.Fail(blueskytest.GetPosts, blueskytest.RateLimited)
	_, err = m.Metrics(context.Background(), []posting.Sent{{Receipt: r}})
	var rl *posting.RateLimited
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want rate limited", err)
	}
}
