package mastodon

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/onairhq/onair/posting"
)

// MetricsBatch: Mastodon reads one status per request (GET /api/v1/statuses/:id); a batch of 40
// keeps a collection pass well inside the 300 requests per 5 minutes an account may make.
func (p *Poster) MetricsBatch() int { return 40 }

// Metrics reads each status's favourites, boosts and replies. Mastodon gives no impressions,
// quotes or bookmarks counts of a status (-1). A status the server no longer has (404: deleted)
// is left out.
func (p *Poster) Metrics(ctx context.Context, posts []posting.Sent) (map[string]posting.Counts, error) {
	out := map[string]posting.Counts{}
	for _, s := range posts {
		if s.RemoteID == "" {
			continue
		}
		var st struct {
			ID              string `json:"id"`
			RepliesCount    int64  `json:"replies_count"`
			ReblogsCount    int64  `json:"reblogs_count"`
			FavouritesCount int64  `json:"favourites_count"`
		}
		code, err := p.call(ctx, posting.Message{}, apiRequest{method: http.MethodGet, path: "/api/v1/statuses/" + url.PathEscape(s.RemoteID)}, &st)
		var rj *posting.Rejected
		if code == http.StatusNotFound && errors.As(err, &rj) {
			continue // deleted
		}
		if err != nil {
			return out, err
		}
		c := posting.Unknown()
		c.Likes, c.Reposts, c.Replies = st.FavouritesCount, st.ReblogsCount, st.RepliesCount
		out[s.RemoteID] = c
	}
	return out, nil
}
