package x

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x/xtest"
)

func TestMetricsGrowAndBatch(t *testing.T) {
	for _, auth := range []string{"oauth1", "oauth2"} {
		t.Run(auth, func(t *testing.T) {
			s, c := fake(t)
			s.PostsPer15Min = 1000
			p := oauth1Poster(t, s, c)
			if auth == "oauth2" {
				p = oauth2Poster(t, s, c)
			}
			ctx := context.Background()
			var sent []posting.Sent
			for i := range 130 {
				r, err := p.Post(ctx, posting.Message{Text: fmt.Sprintf("post %d", i), Channel: "brand-x"})
				if err != nil {
					t.Fatal(err)
				}
				sent = append(sent, posting.Sent{Receipt: r, SentAt: c.Now()})
			}
			c.Advance(time.Hour)
			first, err := p.Metrics(ctx, sent)
			if err != nil {
				t.Fatal(err)
			}
			if len(first) != 130 || s.Requests(xtest.EndpointPostsByIDs) != 2 {
				t.Fatalf("%d posts read in %d requests; want 130 in 2 (100 ids each at most)", len(first), s.Requests(xtest.EndpointPostsByIDs))
			}
			c.Advance(23 * time.Hour)
			s.DeletePost(sent[0].RemoteID)
			later, err := p.Metrics(ctx, sent)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := later[sent[0].RemoteID]; ok || len(later) != 129 {
				t.Errorf("a deleted post was read: %d posts", len(later))
			}
			a, b := first[sent[1].RemoteID], later[sent[1].RemoteID]
			if a.Impressions <= 0 || b.Impressions <= a.Impressions || b.Likes < a.Likes {
				t.Errorf("1h %+v, 24h %+v: the counts should grow", a, b)
			}
			want := xtest.Growth(sent[1].RemoteID, 24*time.Hour)
			if b != (posting.Counts{Impressions: want.Impressions, Likes: want.Likes, Reposts: want.Reposts,
				Replies: want.Replies, Quotes: want.Quotes, Bookmarks: want.Bookmarks}) {
				t.Errorf("24h counts %+v, the fake served %+v", b, want)
			}
		})
	}
}

func TestMetricsRateLimited(t *testing.T) {
	s, c := fake(t)
	p := oauth1Poster(t, s, c)
	ctx := context.Background()
	r, err := p.Post(ctx, posting.Message{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	s.FailNext(xtest.EndpointPostsByIDs, xtest.RateLimit)
	_, err = p.Metrics(ctx, []posting.Sent{{Receipt: r, SentAt: c.Now()}})
	var rl *posting.RateLimited
	if !errors.As(err, &rl) || !rl.Until.After(c.Now().Add(14*time.Minute)) {
		t.Fatalf("err = %v, want rate limited for 15 minutes", err)
	}
	if posting.ReadCost(p) != 0.005 {
		t.Errorf("read cost %v", posting.ReadCost(p))
	}
}
