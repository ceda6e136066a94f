package mastodon

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

func TestMetricsGrow(t *testing.T) {
	srv, clock, token := fake(t)
	p := poster(t, srv, clock, token)
	ctx := context.Background()
	var sent []posting.Sent
	for i := range 3 {
		m := msg()
		m.IdempotencyKey, m.Text = fmt.Sprintf("onair-%d", i), fmt.Sprintf("post %d", i)
		r, err := p.Post(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, posting.Sent{Receipt: r, SentAt: clock.Now()})
	}
	clock.Advance(time.Hour)
	first, err := p.Metrics(ctx, sent)
	if err != nil || len(first) != 3 {
		t.Fatalf("metrics = %v, %v", first, err)
	}
	clock.Advance(23 * time.Hour)
	srv.DeleteStatus(sent[2].RemoteID)
	later, err := p.Metrics(ctx, sent)
	if err != nil || len(later) != 2 {
		t.Fatalf("metrics after a deletion = %v, %v; want the 2 left", later, err)
	}
	a, b := first[sent[0].RemoteID], later[sent[0].RemoteID]
	want := mastodontest.Growth(sent[0].RemoteID, 24*time.Hour)
	if b.Likes != int64(want.Favourites) || b.Reposts != int64(want.Reblogs) || b.Replies != int64(want.Replies) ||
		b.Impressions != -1 || b.Quotes != -1 || b.Likes <= a.Likes {
		t.Errorf("1h %+v, 24h %+v; the fake served %+v at 24h", a, b, want)
	}
	if n := srv.Requests(mastodontest.RouteStatus); n != 6 {
		t.Errorf("%d status reads, want 6 (one per status and pass)", n)
	}
}

func TestMetricsRateLimited(t *testing.T) {
	srv, clock, token := fake(t)
	p := poster(t, srv, clock, token)
	r, err := p.Post(context.Background(), msg())
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(mastodontest.RouteStatus, mastodontest.TooManyRequests)
	_, err = p.Metrics(context.Background(), []posting.Sent{{Receipt: r}})
	var rl *posting.RateLimited
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want rate limited", err)
	}
}
