package console

import (
	"context"
	"hash/fnv"
	"math"
	"time"

	"github.com/onairhq/onair/posting"
)

// Metrics gives made-up but deterministic figures for console posts, so that the demo and the
// tests have a report to show with no account anywhere: the same post at the same age always
// draws the same counts, and they grow with the post's age (quickly at first, then slowly, as
// real posts do). Impressions are "seen on the terminal"; there are no bookmarks.
func (p *Poster) Metrics(ctx context.Context, posts []posting.Sent) (map[string]posting.Counts, error) {
	return (&Metrics{Now: p.Now}).Metrics(ctx, posts)
}

// MetricsBatch: the console reads any number of posts at once.
func (p *Poster) MetricsBatch() int { return 100 }

// Metrics reads console figures on a clock that may run faster than the real one: with Scale
// 4320, a post 20 seconds old draws what it would a day after it went out (the demo, whose whole
// campaign takes minutes, uses it).
type Metrics struct {
	Now   func() time.Time
	Scale float64 // 0 or 1: real time
}

// Metrics gives each post's Figures at its (scaled) age.
func (m *Metrics) Metrics(ctx context.Context, posts []posting.Sent) (map[string]posting.Counts, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	scale := m.Scale
	if scale <= 0 {
		scale = 1
	}
	at := now()
	out := make(map[string]posting.Counts, len(posts))
	for _, s := range posts {
		out[s.RemoteID] = Figures(s.RemoteID, time.Duration(float64(at.Sub(s.SentAt))*scale))
	}
	return out, nil
}

// MetricsBatch: the console reads any number of posts at once.
func (m *Metrics) MetricsBatch() int { return 100 }

// Figures are the console's counts for the post with this remote id, age after it went out.
func Figures(remoteID string, age time.Duration) posting.Counts {
	h := fnv.New64a()
	h.Write([]byte(remoteID))
	seed := h.Sum64()
	// Each post has its own appeal, 0.5 to 2.0, and its figures follow 1 - e^(-age/τ) with τ = 6h
	// plus a slow tail, so the 1h, 24h and 7d checkpoints differ.
	appeal := 0.5 + float64(seed%1500)/1000
	hours := max(age.Hours(), 0)
	grow := (1 - math.Exp(-hours/6)) + 0.15*math.Log1p(hours/24)
	f := func(scale float64, salt uint64) int64 {
		jitter := 0.8 + float64((seed>>salt)%400)/1000
		return int64(math.Round(scale * appeal * jitter * grow))
	}
	return posting.Counts{
		Impressions: f(900, 3),
		Likes:       f(40, 7),
		Reposts:     f(9, 11),
		Replies:     f(6, 13),
		Quotes:      f(2, 17),
		Bookmarks:   -1,
	}
}
