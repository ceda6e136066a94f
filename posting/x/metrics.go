package x

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/onairhq/onair/posting"
)

// ReadCostUSD is what X's pay-per-use pricing charges for reading one post (2026): reading the
// engagement of 100 posts at three checkpoints costs $1.50. Reads are off by default on X
// channels for that reason (`onair channel metrics NAME on` turns them on).
const ReadCostUSD = 0.005

// metricsBatch is how many ids GET /2/tweets takes at once.
const metricsBatch = 100

// MetricsBatch: GET /2/tweets takes up to 100 ids.
func (p *Poster) MetricsBatch() int { return metricsBatch }

// ReadCostUSD is what one post read costs on pay-per-use.
func (p *Poster) ReadCostUSD() float64 { return ReadCostUSD }

// publicMetrics is X's PostPublicMetrics.
type publicMetrics struct {
	Impressions int64 `json:"impression_count"`
	Likes       int64 `json:"like_count"`
	Reposts     int64 `json:"retweet_count"`
	Replies     int64 `json:"reply_count"`
	Quotes      int64 `json:"quote_count"`
	Bookmarks   int64 `json:"bookmark_count"`
	// X's OpenAPI document names the reposts repost_count; its API answers retweet_count.
	RepostCount *int64 `json:"repost_count"`
}

// Metrics reads the public metrics of up to 100 posts in one GET /2/tweets. A post X no longer
// has (deleted, or its account protected) comes back in X's "errors" and is left out.
func (p *Poster) Metrics(ctx context.Context, posts []posting.Sent) (map[string]posting.Counts, error) {
	out := map[string]posting.Counts{}
	for start := 0; start < len(posts); start += metricsBatch {
		var ids []string
		for _, s := range posts[start:min(start+metricsBatch, len(posts))] {
			if s.RemoteID != "" {
				ids = append(ids, s.RemoteID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		q := url.Values{"ids": {strings.Join(ids, ",")}, "tweet.fields": {"public_metrics"}}
		ans, err := p.call(ctx, "", http.MethodGet, "/2/tweets?"+q.Encode(), "", nil)
		if err != nil {
			return nil, err
		}
		if ans.status != http.StatusOK {
			return nil, p.refusal(ans, posting.Message{}, "the metrics read (GET /2/tweets)")
		}
		var got struct {
			Data []struct {
				ID            string         `json:"id"`
				PublicMetrics *publicMetrics `json:"public_metrics"`
			} `json:"data"`
		}
		if err := json.Unmarshal(ans.body, &got); err != nil {
			return nil, &posting.Retryable{Err: fmt.Errorf("X's answer to the metrics read is not understood: %.200s", ans.body)}
		}
		for _, d := range got.Data {
			m := d.PublicMetrics
			if m == nil {
				continue
			}
			reposts := m.Reposts
			if m.RepostCount != nil {
				reposts = *m.RepostCount
			}
			out[d.ID] = posting.Counts{Impressions: m.Impressions, Likes: m.Likes, Reposts: reposts,
				Replies: m.Replies, Quotes: m.Quotes, Bookmarks: m.Bookmarks}
		}
	}
	return out, nil
}
