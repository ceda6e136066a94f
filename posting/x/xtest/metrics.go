package xtest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// EndpointPostsByIDs is GET /2/tweets (getPostsByIds): posts by id, with their public metrics
// when tweet.fields asks for them.
const EndpointPostsByIDs = "GET /2/tweets"

// PublicMetrics are a post's counts as X gives them in public_metrics.
type PublicMetrics struct {
	Impressions, Likes, Reposts, Replies, Quotes, Bookmarks int64
}

// Growth is the fake's default engagement: counts that grow with the post's age on the server's
// clock (most of them in the first hours, a slow tail over days), different for each post.
func Growth(id string, age time.Duration) PublicMetrics {
	var seed uint64
	for _, c := range id {
		seed = seed*31 + uint64(c)
	}
	appeal := 0.5 + float64(seed%1000)/1000
	h := max(age.Hours(), 0)
	g := appeal * ((1 - math.Exp(-h/4)) + 0.2*math.Log1p(h/24))
	n := func(scale float64) int64 { return int64(math.Round(scale * g)) }
	return PublicMetrics{Impressions: n(2400), Likes: n(60), Reposts: n(14), Replies: n(9), Quotes: n(3), Bookmarks: n(5)}
}

// DeletePost removes a post, as its author deleting it on X would.
func (s *Server) DeletePost(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts = slices.DeleteFunc(s.posts, func(p Post) bool { return p.ID == id })
}

// postsByIDs is GET /2/tweets: the posts X has among ids (the document checked 1 to 100 of
// them), each with public_metrics when tweet.fields asks for it, and a resource-not-found error
// for each it does not have. X's API answers the reposts as retweet_count; its document requires
// repost_count: the fake gives both.
func (s *Server) postsByIDs(r *http.Request) reply {
	q := r.URL.Query()
	var fields []string
	if v := q.Get("tweet.fields"); v != "" {
		fields = strings.Split(v, ",")
		for _, f := range fields {
			if !slices.Contains(tweetFields, f) {
				s.contractError("%s: tweet.fields %q is not one of X's", EndpointPostsByIDs, f)
				return invalidRequest(fmt.Sprintf("The `tweet.fields` query parameter value [%s] is not one of [%s]", f, strings.Join(tweetFields, ",")))
			}
		}
	}
	ids := strings.Split(q.Get("ids"), ",")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	var data, errs []map[string]any
	for _, id := range ids {
		i := slices.IndexFunc(s.posts, func(p Post) bool { return p.ID == id })
		if i < 0 {
			errs = append(errs, map[string]any{"value": id, "detail": fmt.Sprintf("Could not find tweet with ids: [%s].", id),
				"title": "Not Found Error", "resource_type": "tweet", "parameter": "ids", "resource_id": id,
				"type": "https://api.x.com/2/problems/resource-not-found"})
			continue
		}
		p := s.posts[i]
		d := s.postData(p, fields)
		if slices.Contains(fields, "public_metrics") {
			grow := s.Metrics
			if grow == nil {
				grow = Growth
			}
			m := grow(p.ID, now.Sub(p.At))
			d["public_metrics"] = map[string]int64{"impression_count": m.Impressions, "like_count": m.Likes,
				"retweet_count": m.Reposts, "repost_count": m.Reposts, "reply_count": m.Replies,
				"quote_count": m.Quotes, "bookmark_count": m.Bookmarks}
		}
		data = append(data, d)
	}
	out := map[string]any{}
	if len(data) > 0 {
		out["data"] = data
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	return jsonReply(http.StatusOK, out)
}
