package scheduler

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x"
)

// Figure is one audience figure and where it comes from: "given" (by a person or a CMS, in
// broadcast_stats), "samples" (computed from the live's audience samples) or the live platform
// that reported it ("youtube", "twitch").
type Figure struct {
	Value  int64  `json:"value"`
	Source string `json:"source"`
}

// Audience is what a broadcast drew. A figure nobody gave nor measured is nil.
type Audience struct {
	Viewers            *Figure `json:"viewers"` // people who watched the live
	PeakViewers        *Figure `json:"peak_viewers"`
	AverageViewers     *Figure `json:"average_viewers"`
	WatchMinutes       *Figure `json:"watch_minutes"`
	AverageViewSeconds *Figure `json:"average_view_seconds"`
	ReplayViews        *Figure `json:"replay_views"`
	Views              *Figure `json:"views"` // live and replay, as the platform counts them
	Samples            int     `json:"samples"`
	Note               string  `json:"note,omitempty"`
}

// Empty reports whether nothing at all is known of the audience.
func (a Audience) Empty() bool {
	return a.Viewers == nil && a.PeakViewers == nil && a.AverageViewers == nil && a.WatchMinutes == nil &&
		a.AverageViewSeconds == nil && a.ReplayViews == nil && a.Views == nil
}

// Sample is one reading of concurrent viewers.
type Sample struct {
	At      time.Time `json:"at"`
	Viewers int       `json:"viewers"`
}

// Reading is what a post drew at one checkpoint.
type Reading struct {
	Checkpoint  string    `json:"checkpoint"`
	CollectedAt time.Time `json:"collected_at"`
	Status      string    `json:"status"` // ok, gone, missed
	Impressions *int64    `json:"impressions"`
	Likes       *int64    `json:"likes"`
	Reposts     *int64    `json:"reposts"`
	Replies     *int64    `json:"replies"`
	Quotes      *int64    `json:"quotes"`
	Bookmarks   *int64    `json:"bookmarks"`
	Engagement  int64     `json:"engagement"` // likes + reposts + replies + quotes
}

// PostResult is one sent post and what it drew at each checkpoint read.
type PostResult struct {
	PostID   int64     `json:"post_id"`
	Kind     string    `json:"kind"`
	Step     string    `json:"step"`
	Label    string    `json:"label"` // "teaser 7d", "live", "replay 30m"
	Channel  string    `json:"channel"`
	Network  string    `json:"network"`
	SentAt   time.Time `json:"sent_at"`
	URL      string    `json:"url,omitempty"`
	Readings []Reading `json:"readings"`
	// Latest is the last reading with figures (nil: none yet).
	Latest  *Reading `json:"latest"`
	CostUSD float64  `json:"cost_usd"` // X: creating it and reading it
}

// Cell sums the posts of one step on one network at their latest reading.
type Cell struct {
	Label       string `json:"label"`
	Kind        string `json:"kind"`
	Step        string `json:"step"`
	Network     string `json:"network"`
	Posts       int    `json:"posts"`
	Read        int    `json:"read"`        // posts with figures
	Impressions *int64 `json:"impressions"` // nil: the network gives none
	Likes       int64  `json:"likes"`
	Reposts     int64  `json:"reposts"`
	Replies     int64  `json:"replies"`
	Quotes      int64  `json:"quotes"`
	Engagement  int64  `json:"engagement"`
}

func (c *Cell) add(r *Reading) {
	c.Posts++
	if r == nil || r.Status != models.MetricOK {
		return
	}
	c.Read++
	if r.Impressions != nil {
		c.Impressions = ptr(deref(c.Impressions) + *r.Impressions)
	}
	c.Likes += deref(r.Likes)
	c.Reposts += deref(r.Reposts)
	c.Replies += deref(r.Replies)
	c.Quotes += deref(r.Quotes)
	c.Engagement += r.Engagement
}

// Spend is what the X API cost: creating posts and reading their engagement.
type Spend struct {
	Posts    int     `json:"posts"`
	PostsUSD float64 `json:"posts_usd"`
	Reads    int     `json:"reads"`
	ReadsUSD float64 `json:"reads_usd"`
	TotalUSD float64 `json:"total_usd"`
}

func (s *Spend) add(o Spend) {
	s.Posts += o.Posts
	s.PostsUSD += o.PostsUSD
	s.Reads += o.Reads
	s.ReadsUSD += o.ReadsUSD
	s.TotalUSD += o.TotalUSD
}

// Prices are X's pay-per-use prices for creating a post (with and without a link).
type Prices struct {
	Post, PostURL float64
}

// Report is what one broadcast achieved: its audience, what each post drew, what X cost, and what
// the next broadcast could change.
type Report struct {
	BroadcastID int64        `json:"broadcast_id"`
	Title       string       `json:"title"`
	Campaign    string       `json:"campaign"`
	TimeZone    string       `json:"time_zone"`
	Status      string       `json:"status"`
	Start       time.Time    `json:"start"` // when it went live, or was to
	End         time.Time    `json:"end"`
	Checkpoints []string     `json:"checkpoints"`
	Audience    Audience     `json:"audience"`
	Viewers     []Sample     `json:"viewer_samples"`
	Posts       []PostResult `json:"posts"`
	ByStep      []Cell       `json:"by_step_and_network"`
	Spend       Spend        `json:"x_spend"`
	Suggestions []string     `json:"suggestions"`
}

// Label names a cadence step as people say it: "teaser 7d", "reminder 10m", "live", "replay 30m".
func Label(kind, step string) string {
	if kind == string(models.KindLive) {
		return "live"
	}
	return kind + " " + step
}

// BuildReport gathers a broadcast's results from the database.
func BuildReport(ctx context.Context, store *models.Store, broadcastID int64, prices Prices) (*Report, error) {
	b, err := store.BroadcastByID(ctx, broadcastID)
	if err != nil {
		return nil, err
	}
	r := &Report{BroadcastID: b.ID, Title: b.Title, Status: string(b.Status), Start: b.Start(), End: b.EndsAt(), TimeZone: "UTC"}
	after := ""
	if b.CampaignID != nil {
		c, err := store.CampaignByID(ctx, *b.CampaignID)
		if err != nil {
			return nil, err
		}
		r.Campaign, r.TimeZone = c.Name, c.TimeZone
		if after, err = store.CampaignMetricsAfter(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	if cps, err := models.ParseCheckpoints(after); err == nil {
		for _, c := range cps {
			r.Checkpoints = append(r.Checkpoints, c.Label)
		}
	}
	if err := r.audience(ctx, store, b); err != nil {
		return nil, err
	}
	posts, err := store.PostsOfBroadcast(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ChannelID
	}
	chans, err := store.ChannelsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	metrics, err := store.PostMetricsOf(ctx, []int64{b.ID})
	if err != nil {
		return nil, err
	}
	cells := map[string]*Cell{}
	var order []string
	for _, p := range posts {
		if p.Status != models.PostSent {
			continue
		}
		ch := chans[p.ChannelID]
		pr := PostResult{PostID: p.ID, Kind: string(p.Kind), Step: p.Step, Label: Label(string(p.Kind), p.Step), Channel: ch.Name,
			Network: ch.Network, SentAt: p.SentAt.Time, URL: p.RemoteURL, Readings: []Reading{}}
		for _, m := range metrics[p.ID] {
			rd := Reading{Checkpoint: m.Checkpoint, CollectedAt: m.CollectedAt.Time, Status: m.Status, Impressions: m.Impressions,
				Likes: m.Likes, Reposts: m.Reposts, Replies: m.Replies, Quotes: m.Quotes, Bookmarks: m.Bookmarks, Engagement: m.Engagement()}
			pr.Readings = append(pr.Readings, rd)
			if m.Status == models.MetricOK {
				latest := rd
				pr.Latest = &latest
			}
			if m.CostUSD > 0 {
				r.Spend.Reads++
				r.Spend.ReadsUSD += m.CostUSD
				pr.CostUSD += m.CostUSD
			}
		}
		if ch.Network == x.Name { // X charges for each post
			price := prices.Post
			if posting.XHasURL(p.Text) {
				price = prices.PostURL
			}
			r.Spend.Posts++
			r.Spend.PostsUSD += price
			pr.CostUSD += price
		}
		r.Posts = append(r.Posts, pr)
		key := pr.Label + "\x00" + pr.Network
		c, ok := cells[key]
		if !ok {
			c = &Cell{Label: pr.Label, Kind: string(p.Kind), Step: p.Step, Network: pr.Network}
			cells[key] = c
			order = append(order, key)
		}
		c.add(pr.Latest)
	}
	r.Spend.TotalUSD = r.Spend.PostsUSD + r.Spend.ReadsUSD
	sort.SliceStable(r.Posts, func(i, j int) bool { return r.Posts[i].SentAt.Before(r.Posts[j].SentAt) })
	for _, k := range order {
		r.ByStep = append(r.ByStep, *cells[k])
	}
	sortCells(r.ByStep)
	r.Suggestions = suggest(r)
	return r, nil
}

// sortCells orders cells as the cadence goes (teasers earliest first, reminders, live, replays),
// then by network.
func sortCells(cells []Cell) {
	kind := map[models.Kind]int{models.KindTeaser: 0, models.KindReminder: 1, models.KindLive: 2, models.KindReplay: 3}
	sort.SliceStable(cells, func(i, j int) bool {
		a, b := cells[i], cells[j]
		if a.Kind != b.Kind {
			return kind[models.Kind(a.Kind)] < kind[models.Kind(b.Kind)]
		}
		if a.Step != b.Step {
			da, db := stepDuration(a.Step), stepDuration(b.Step)
			if a.Kind == string(models.KindReplay) {
				return da < db
			}
			return da > db
		}
		return a.Network < b.Network
	})
}

func stepDuration(step string) time.Duration {
	o, err := models.ParseOffset(step)
	if err != nil {
		return 0
	}
	return time.Duration(o.Days)*24*time.Hour + o.Duration
}

// audience fills the broadcast's figures: given ones first, then the platform's, then what the
// samples say.
func (r *Report) audience(ctx context.Context, store *models.Store, b *models.Broadcast) error {
	samples, err := store.AudienceSamples(ctx, b.ID)
	if err != nil {
		return err
	}
	given, err := store.BroadcastStatsOf(ctx, b.ID)
	if err != nil {
		return err
	}
	platform, err := store.PlatformStatsOf(ctx, b.ID)
	if err != nil {
		return err
	}
	a := &r.Audience
	a.Samples = len(samples)
	r.Viewers = []Sample{}
	for _, s := range samples {
		r.Viewers = append(r.Viewers, Sample{At: s.SampledAt.Time, Viewers: s.Viewers})
	}
	if peak, avg, ok := PeakAndAverage(samples); ok {
		src := "samples"
		if p := samples[0].Platform; p != "" {
			src = p + " samples"
		}
		a.PeakViewers, a.AverageViewers = &Figure{int64(peak), src}, &Figure{int64(avg), src}
	}
	// set replaces a figure by v, from src, when v is known: the platform's over the samples',
	// what a person or a CMS gave over both.
	set := func(dst **Figure, v *int64, src string) {
		if v != nil {
			*dst = &Figure{*v, src}
		}
	}
	if platform != nil {
		src := platform.Platform
		if src == "" {
			src = "platform"
		}
		set(&a.Views, platform.Views, src)
		set(&a.Viewers, platform.LiveViews, src)
		set(&a.ReplayViews, platform.ReplayViews, src)
		set(&a.WatchMinutes, platform.WatchMinutes, src)
		set(&a.AverageViewSeconds, platform.AverageViewSeconds, src)
	}
	if given != nil {
		set(&a.Viewers, given.Viewers, "given")
		set(&a.PeakViewers, given.PeakViewers, "given")
		set(&a.AverageViewers, given.AverageViewers, "given")
		set(&a.WatchMinutes, given.WatchMinutes, "given")
		set(&a.AverageViewSeconds, given.AverageViewSeconds, "given")
		set(&a.ReplayViews, given.ReplayViews, "given")
		a.Note = given.Note
	}
	return nil
}

// PeakAndAverage computes the peak and the time-weighted average of concurrent viewers from a
// live's samples (oldest first): each sample counts until the next one, the last for the median
// gap, so that a missed minute does not skew the average.
func PeakAndAverage(samples []models.AudienceSample) (peak, average int, ok bool) {
	if len(samples) == 0 {
		return 0, 0, false
	}
	if len(samples) == 1 {
		return samples[0].Viewers, samples[0].Viewers, true
	}
	var gaps []time.Duration
	for i := 1; i < len(samples); i++ {
		gaps = append(gaps, samples[i].SampledAt.Sub(samples[i-1].SampledAt.Time))
	}
	sorted := append([]time.Duration(nil), gaps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	gaps = append(gaps, sorted[(len(sorted)-1)/2])
	var sum, total float64
	for i, s := range samples {
		peak = max(peak, s.Viewers)
		w := max(gaps[i].Seconds(), 0)
		sum += float64(s.Viewers) * w
		total += w
	}
	if total == 0 {
		return peak, samples[len(samples)-1].Viewers, true
	}
	return peak, int(sum/total + 0.5), true
}

// CampaignReport puts a campaign's broadcasts side by side, and sums up its steps and networks
// across them.
type CampaignReport struct {
	Campaign    string            `json:"campaign"`
	TimeZone    string            `json:"time_zone"`
	From        time.Time         `json:"from,omitzero"`
	To          time.Time         `json:"to,omitzero"`
	Broadcasts  []BroadcastResult `json:"broadcasts"`
	ByStep      []Cell            `json:"by_step"`    // Network empty: all networks
	ByNetwork   []Cell            `json:"by_network"` // Label empty: all steps
	Spend       Spend             `json:"x_spend"`
	Suggestions []string          `json:"suggestions"`
	Reports     []*Report         `json:"-"`
}

// BroadcastResult is one broadcast's line of a campaign report.
type BroadcastResult struct {
	BroadcastID int64     `json:"broadcast_id"`
	Title       string    `json:"title"`
	Start       time.Time `json:"start"`
	Audience    Audience  `json:"audience"`
	PostsSent   int       `json:"posts_sent"`
	Engagement  int64     `json:"engagement"`
	Impressions *int64    `json:"impressions"`
	SpendUSD    float64   `json:"x_spend_usd"`
}

// BuildCampaignReport gathers the results of a campaign's broadcasts starting in [from, to)
// (zero: unbounded), oldest first.
func BuildCampaignReport(ctx context.Context, store *models.Store, campaignID int64, from, to time.Time, prices Prices) (*CampaignReport, error) {
	c, err := store.CampaignByID(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	list, err := store.ListBroadcasts(ctx, models.BroadcastFilter{CampaignID: c.ID, From: from, To: to})
	if err != nil {
		return nil, err
	}
	cr := &CampaignReport{Campaign: c.Name, TimeZone: c.TimeZone, From: from, To: to, Broadcasts: []BroadcastResult{}}
	steps, nets := map[string]*Cell{}, map[string]*Cell{}
	var stepOrder, netOrder []string
	sort.SliceStable(list, func(i, j int) bool { return list[i].Start().Before(list[j].Start()) })
	for _, b := range list {
		if b.Status == models.BroadcastCancelled {
			continue
		}
		r, err := BuildReport(ctx, store, b.ID, prices)
		if err != nil {
			return nil, err
		}
		cr.Reports = append(cr.Reports, r)
		br := BroadcastResult{BroadcastID: b.ID, Title: b.Title, Start: r.Start, Audience: r.Audience,
			PostsSent: len(r.Posts), SpendUSD: r.Spend.TotalUSD}
		for _, p := range r.Posts {
			if p.Latest == nil {
				continue
			}
			br.Engagement += p.Latest.Engagement
			if p.Latest.Impressions != nil {
				br.Impressions = ptr(deref(br.Impressions) + *p.Latest.Impressions)
			}
		}
		for _, p := range r.Posts {
			for _, g := range []struct {
				m     map[string]*Cell
				order *[]string
				key   string
				cell  Cell
			}{
				{steps, &stepOrder, p.Label, Cell{Label: p.Label, Kind: p.Kind, Step: p.Step}},
				{nets, &netOrder, p.Network, Cell{Network: p.Network}},
			} {
				c, ok := g.m[g.key]
				if !ok {
					cell := g.cell
					c = &cell
					g.m[g.key] = c
					*g.order = append(*g.order, g.key)
				}
				c.add(p.Latest)
			}
		}
		cr.Spend.add(r.Spend)
		cr.Broadcasts = append(cr.Broadcasts, br)
	}
	for _, k := range stepOrder {
		cr.ByStep = append(cr.ByStep, *steps[k])
	}
	sortCells(cr.ByStep)
	sort.Strings(netOrder)
	for _, k := range netOrder {
		cr.ByNetwork = append(cr.ByNetwork, *nets[k])
	}
	cr.Suggestions = suggestCampaign(cr)
	return cr, nil
}

func ptr(v int64) *int64 { return &v }

func deref(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// NetworkTitle is a network's name as people write it in a sentence: "X", "the console".
func NetworkTitle(network string) string { return posting.Title(network) }

func ratio(a, b int64) string { return fmt.Sprintf("%.1fx", float64(a)/float64(b)) }

func stepName(label string) string {
	if label == "live" {
		return `"we are live" post`
	}
	kind, step, _ := strings.Cut(label, " ")
	return step + " " + kind
}
