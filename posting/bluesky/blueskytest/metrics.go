package blueskytest

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// GetPosts is the AppView's app.bsky.feed.getPosts: the fake serves it too, so that a test
// points the channel's AppView at the same server as its PDS.
const GetPosts = "app.bsky.feed.getPosts"

// maxGetPosts is how many uris getPosts takes.
const maxGetPosts = 25

// Counts are a post's likes, reposts, replies and quotes as the AppView counts them.
type Counts struct{ Likes, Reposts, Replies, Quotes int64 }

// Growth is the fake's default engagement of a post at an age (by the server's clock, from the
// record's createdAt): counts that grow fast at first, then slowly, different for each post.
func Growth(uri string, age time.Duration) Counts {
	var seed uint64
	for _, c := range uri {
		seed = seed*31 + uint64(c)
	}
	appeal := 0.5 + float64(seed%1000)/1000
	h := max(age.Hours(), 0)
	g := appeal * ((1 - math.Exp(-h/5)) + 0.2*math.Log1p(h/24))
	n := func(scale float64) int64 { return int64(math.Round(scale * g)) }
	return Counts{Likes: n(50), Reposts: n(12), Replies: n(8), Quotes: n(2)}
}

// getPosts is app.bsky.feed.getPosts?uris=...: the posts views of those that exist, in the
// order asked, without the others (a deleted post is simply absent), as the AppView answers.
// It takes no authentication (the public AppView); more than 25 uris is refused.
func (s *Server) getPosts(r *http.Request, body []byte) (any, *xerr) {
	uris := r.URL.Query()["uris"]
	if len(uris) == 0 {
		return nil, s.contract(GetPosts, badRequest("Error: Params must have the property \"uris\""), "no uris")
	}
	if len(uris) > maxGetPosts {
		return nil, s.contract(GetPosts, badRequest("Error: uris must not have more than 25 elements"), "%d uris", len(uris))
	}
	grow := s.Metrics
	if grow == nil {
		grow = Growth
	}
	now := s.now()
	posts := []map[string]any{}
	for _, uri := range uris {
		rest, ok := strings.CutPrefix(uri, "at://")
		parts := strings.Split(rest, "/")
		if !ok || len(parts) != 3 {
			return nil, s.contract(GetPosts, badRequest("Error: uris/0 must be a valid at-uri"), "uri %q", uri)
		}
		a := s.account(parts[0])
		if a == nil || parts[1] != postCollection {
			continue
		}
		rec, ok := a.records[parts[2]]
		if !ok {
			continue
		}
		created, _ := time.Parse(time.RFC3339Nano, rec.post.CreatedAt)
		n := grow(uri, now.Sub(created))
		posts = append(posts, map[string]any{
			"uri": rec.post.URI, "cid": rec.post.CID,
			"author":    map[string]any{"did": a.did, "handle": a.handle},
			"record":    rec.value,
			"indexedAt": rec.post.CreatedAt,
			"likeCount": n.Likes, "repostCount": n.Reposts, "replyCount": n.Replies, "quoteCount": n.Quotes,
		})
	}
	return map[string]any{"posts": posts}, nil
}
