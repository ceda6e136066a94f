package posting

import (
	"context"
	"time"
)

// Counts are what a post drew on its network at one moment. A figure the network does not give
// is -1 (Mastodon has no impressions, Bluesky no bookmarks).
type Counts struct {
	Impressions int64 `json:"impressions"`
	Likes       int64 `json:"likes"`
	Reposts     int64 `json:"reposts"`
	Replies     int64 `json:"replies"`
	Quotes      int64 `json:"quotes"`
	Bookmarks   int64 `json:"bookmarks"`
}

// Unknown is Counts with every figure unknown, for readers to fill what their network gives.
func Unknown() Counts { return Counts{-1, -1, -1, -1, -1, -1} }

// Sent is a post that went out, as a metrics reader needs it: what the network said when it
// took it, and when.
type Sent struct {
	Receipt
	SentAt time.Time
}

// MetricsReader is implemented by posters (or readers built beside them) whose network tells
// what a post drew. Metrics reads the counts of posts (at most MetricsBatch of them) in as few
// requests as the network allows: the answer is keyed by RemoteID, and a post the network no
// longer has (deleted) is absent from it. It returns posting's errors: *RateLimited delays the
// reads on this channel, *Auth stops them until the credentials are renewed.
type MetricsReader interface {
	Metrics(ctx context.Context, posts []Sent) (map[string]Counts, error)
	// MetricsBatch is how many posts one Metrics call takes.
	MetricsBatch() int
}

// MetricsCoster is implemented by readers whose network charges for reads: what reading one
// post's counts costs, in US dollars (X pay-per-use: 0.005).
type MetricsCoster interface {
	ReadCostUSD() float64
}

// ReadCost returns what r charges per post read (0: free).
func ReadCost(r MetricsReader) float64 {
	if c, ok := r.(MetricsCoster); ok {
		return c.ReadCostUSD()
	}
	return 0
}
