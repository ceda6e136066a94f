package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// Collector reads what sent posts drew on their networks at their campaign's checkpoints (1 h,
// 24 h and 7 d after each went out, unless the campaign says otherwise) and stores it in
// post_metrics. It runs apart from sending: it never changes a post or a channel, a network that
// refuses or limits its reads only delays them (on that channel), and its errors are its own.
//
// A checkpoint is read once: from its due time until its grace (half its offset, at least a
// minute) has passed. One not read by then (the daemon was down, the network kept refusing) is
// recorded as missed rather than read late under a label that would lie about it.
type Collector struct {
	store   *models.Store
	readers MetricsReaderFor
	now     func() time.Time
	log     *slog.Logger

	sources SourceFor // builds live sources (WithSources); nil: no platform figures

	mu      sync.Mutex
	held    map[int64]time.Time // channel -> no reads before then (a rate limit, a refusal)
	srcHeld map[int64]time.Time // source -> no reads before then
}

// NewCollector returns a collector. log may be nil.
func NewCollector(store *models.Store, readers MetricsReaderFor, now func() time.Time, log *slog.Logger) *Collector {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{store: store, readers: readers, now: now, log: log, held: map[int64]time.Time{}, srcHeld: map[int64]time.Time{}}
}

// CollectStats sums up one collection pass.
type CollectStats struct {
	Read     int     `json:"read"`     // checkpoints recorded with figures
	Gone     int     `json:"gone"`     // checkpoints of posts the network no longer has
	Missed   int     `json:"missed"`   // checkpoints whose window passed unread
	Waiting  int     `json:"waiting"`  // due checkpoints left for a later pass (a held channel, a batch full)
	Requests int     `json:"requests"` // Metrics calls made
	CostUSD  float64 `json:"cost_usd"` // what the reads cost (X)
}

// Grace is how long after its due time a checkpoint may still be read: half its offset, at least
// a minute (the 1h checkpoint until 1h30, the 24h one until 36h, the 7d one until 10d12h).
func Grace(after time.Duration) time.Duration { return max(after/2, time.Minute) }

// collectRetry is how long a channel whose reads failed (not a rate limit) waits; authRetry, one
// whose credentials were refused (a person may be renewing them; the sends say so meanwhile).
const (
	collectRetry = 5 * time.Minute
	authRetry    = 15 * time.Minute
)

// due is a post with the checkpoints a read now records.
type due struct {
	post   models.SentPost
	labels []models.Checkpoint
}

// Collect reads the due checkpoints once: per channel, at most one batch of its network's size
// (GET /2/tweets takes 100 ids, getPosts 25 uris, Mastodon one status per request: 40), so that
// a pass stays within the networks' limits; what is left waits for the next pass. Channels are
// read concurrently.
func (c *Collector) Collect(ctx context.Context) (CollectStats, error) {
	var st CollectStats
	now := c.now()
	sent, err := c.store.SentPostsSince(ctx, now.Add(-c.window(ctx)))
	if err != nil {
		return st, err
	}
	ids := make([]int64, len(sent))
	for i, p := range sent {
		ids[i] = p.ID
	}
	done, err := c.store.CollectedCheckpoints(ctx, ids)
	if err != nil {
		return st, err
	}
	parsed := map[string][]models.Checkpoint{}
	byChannel := map[int64][]due{}
	var missed []models.PostMetric
	for _, p := range sent {
		cps, ok := parsed[p.MetricsAfter]
		if !ok {
			if cps, err = models.ParseCheckpoints(p.MetricsAfter); err != nil {
				c.log.Warn("campaign checkpoints not understood: the default ones are used",
					slog.String("metrics_after", p.MetricsAfter), slog.String("error", err.Error()))
				cps, _ = models.ParseCheckpoints("")
			}
			parsed[p.MetricsAfter] = cps
		}
		d := due{post: p}
		for _, cp := range cps {
			at := p.SentAt.Add(cp.After)
			switch {
			case done[p.ID][cp.Label] || at.After(now):
			case now.After(at.Add(Grace(cp.After))):
				missed = append(missed, models.PostMetric{PostID: p.ID, Checkpoint: cp.Label, DueAt: models.NewTime(at),
					CollectedAt: models.NewTime(now), Status: models.MetricMissed,
					Error: fmt.Sprintf("not read between %s and %s (onair was not running, or the network refused)", at.UTC().Format(time.RFC3339), at.Add(Grace(cp.After)).UTC().Format(time.RFC3339))})
			default:
				d.labels = append(d.labels, cp)
			}
		}
		if len(d.labels) > 0 {
			byChannel[p.ChannelID] = append(byChannel[p.ChannelID], d)
		}
	}
	var errs []error
	if len(missed) > 0 {
		if _, err := c.store.RecordPostMetrics(ctx, missed); err != nil {
			errs = append(errs, err)
		} else {
			st.Missed += len(missed)
		}
	}
	if len(byChannel) == 0 {
		return st, errors.Join(errs...)
	}
	chIDs := make([]int64, 0, len(byChannel))
	for id := range byChannel {
		chIDs = append(chIDs, id)
	}
	sort.Slice(chIDs, func(i, j int) bool { return chIDs[i] < chIDs[j] })
	chans, err := c.store.ChannelsByID(ctx, chIDs)
	if err != nil {
		return st, errors.Join(append(errs, err)...)
	}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, 8)
	)
	for _, id := range chIDs {
		ch, ok := chans[id]
		if !ok {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cs, err := c.collectChannel(ctx, ch, byChannel[id], now)
			mu.Lock()
			defer mu.Unlock()
			st.Read += cs.Read
			st.Gone += cs.Gone
			st.Waiting += cs.Waiting
			st.Requests += cs.Requests
			st.CostUSD += cs.CostUSD
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	return st, errors.Join(errs...)
}

// window is how far back sent posts may still have a checkpoint to read or to mark missed: twice
// the longest checkpoint of any campaign and its grace (a daemon down for longer than that leaves
// the checkpoints it could not read unrecorded, rather than marked missed).
func (c *Collector) window(ctx context.Context) time.Duration {
	longest := 7 * 24 * time.Hour
	values, err := c.store.MetricsAfterValues(ctx)
	if err != nil {
		c.log.Warn("read the campaigns' checkpoints", slog.String("error", err.Error()))
	}
	for _, v := range values {
		if cps, err := models.ParseCheckpoints(v); err == nil && len(cps) > 0 {
			longest = max(longest, cps[len(cps)-1].After)
		}
	}
	return 2 * (longest + Grace(longest))
}

// collectChannel reads one batch of a channel's due checkpoints.
func (c *Collector) collectChannel(ctx context.Context, ch models.Channel, list []due, now time.Time) (CollectStats, error) {
	var st CollectStats
	c.mu.Lock()
	until := c.held[ch.ID]
	c.mu.Unlock()
	if now.Before(until) || ch.Status == models.ChannelNeedsAuth {
		st.Waiting = len(list)
		return st, nil
	}
	reader, err := c.readers(ch)
	if err != nil {
		c.hold(ch, now.Add(collectRetry))
		st.Waiting = len(list)
		return st, fmt.Errorf("read engagement on channel %s: %w", ch.Name, err)
	}
	if reader == nil {
		return st, nil // the network tells nothing, or reading is off on this channel
	}
	batch := max(reader.MetricsBatch(), 1)
	if len(list) > batch {
		st.Waiting = len(list) - batch
		list = list[:batch]
	}
	posts := make([]posting.Sent, len(list))
	for i, d := range list {
		posts[i] = posting.Sent{Receipt: posting.Receipt{RemoteID: d.post.RemoteID, RemoteURL: d.post.RemoteURL, Ref: d.post.RemoteRef},
			SentAt: d.post.SentAt.Time}
	}
	st.Requests++
	counts, err := reader.Metrics(ctx, posts)
	if err != nil {
		st.Waiting += len(list)
		var rl *posting.RateLimited
		switch {
		case errors.As(err, &rl):
			c.hold(ch, rl.Until)
			c.log.Info("engagement reads rate limited: they wait", slog.String("channel", ch.Name), slog.Time("until", rl.Until))
			return st, nil
		case posting.Classify(err) == "auth":
			c.hold(ch, now.Add(authRetry))
		default:
			c.hold(ch, now.Add(collectRetry))
		}
		return st, fmt.Errorf("read engagement on channel %s: %w", ch.Name, err)
	}
	at := models.NewTime(c.now())
	cost := posting.ReadCost(reader)
	var rows []models.PostMetric
	for _, d := range list {
		n, ok := counts[d.post.RemoteID]
		for i, cp := range d.labels {
			m := models.PostMetric{PostID: d.post.ID, Checkpoint: cp.Label, DueAt: models.NewTime(d.post.SentAt.Add(cp.After)),
				CollectedAt: at, Status: models.MetricOK}
			if i == 0 && ok {
				m.CostUSD = cost // one post read, however many checkpoints it records
			}
			if ok {
				m.Impressions, m.Likes, m.Reposts = known(n.Impressions), known(n.Likes), known(n.Reposts)
				m.Replies, m.Quotes, m.Bookmarks = known(n.Replies), known(n.Quotes), known(n.Bookmarks)
				st.Read++
			} else {
				m.Status, m.Error = models.MetricGone, "the network no longer has this post (deleted?)"
				st.Gone++
			}
			rows = append(rows, m)
		}
	}
	if _, err := c.store.RecordPostMetrics(ctx, rows); err != nil {
		return st, err
	}
	st.CostUSD += cost * float64(len(counts))
	return st, nil
}

func (c *Collector) hold(ch models.Channel, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held[ch.ID] = until
}

// known turns a network's -1 (not given) into NULL.
func known(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}
