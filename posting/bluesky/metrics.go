package bluesky

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/onairhq/onair/posting"
)

// DefaultAppView is Bluesky's public AppView, which counts likes, reposts, replies and quotes:
// a PDS holds the records, not what others did with them.
const DefaultAppView = "https://public.api.bsky.app"

// getPostsBatch is how many uris app.bsky.feed.getPosts takes.
const getPostsBatch = 25

// Metrics reads posts' counts from an AppView (app.bsky.feed.getPosts), without credentials:
// the public AppView serves anyone. It needs no session, so it is built apart from the Poster.
type Metrics struct {
	Now  func() time.Time
	xrpc *xrpcClient
}

// NewMetrics returns a reader of the AppView at appView ("" for DefaultAppView). client may be nil.
func NewMetrics(appView string, client *http.Client, timeout time.Duration) (*Metrics, error) {
	if appView == "" {
		appView = DefaultAppView
	}
	c, err := newXRPC(appView, client, timeout)
	if err != nil {
		return nil, err
	}
	return &Metrics{Now: time.Now, xrpc: c}, nil
}

// MetricsBatch: getPosts takes 25 uris.
func (m *Metrics) MetricsBatch() int { return getPostsBatch }

// Metrics reads the counts of posts, 25 uris a request. Bluesky gives no impressions nor
// bookmarks (-1). A post the AppView does not return (deleted) is left out.
func (m *Metrics) Metrics(ctx context.Context, posts []posting.Sent) (map[string]posting.Counts, error) {
	out := map[string]posting.Counts{}
	for start := 0; start < len(posts); start += getPostsBatch {
		q := url.Values{}
		for _, s := range posts[start:min(start+getPostsBatch, len(posts))] {
			if s.RemoteID != "" {
				q.Add("uris", s.RemoteID)
			}
		}
		if len(q) == 0 {
			continue
		}
		var got struct {
			Posts []struct {
				URI         string `json:"uri"`
				LikeCount   int64  `json:"likeCount"`
				RepostCount int64  `json:"repostCount"`
				ReplyCount  int64  `json:"replyCount"`
				QuoteCount  int64  `json:"quoteCount"`
			} `json:"posts"`
		}
		if err := m.xrpc.call(ctx, request{nsid: "app.bsky.feed.getPosts", query: q}, &got); err != nil {
			return out, classify(err, m.Now(), "read the posts' counts on the Bluesky AppView")
		}
		for _, p := range got.Posts {
			c := posting.Unknown()
			c.Likes, c.Reposts, c.Replies, c.Quotes = p.LikeCount, p.RepostCount, p.ReplyCount, p.QuoteCount
			out[p.URI] = c
		}
	}
	return out, nil
}
