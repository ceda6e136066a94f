// Package youtube reads YouTube Live through the YouTube Data API v3 (the broadcasts of the
// channel onair was authorized on) and YouTube Analytics v2 (their audience afterwards), with
// Google's generated clients and an OAuth 2.0 refresh token from Login.
//
// Quota: YouTube grants a project 10,000 units a day (reset at midnight Pacific time) and every
// list call costs 1 unit, invalid ones included. Upcoming spends 1 unit per page of 50
// broadcasts; Look 1 unit per 50 broadcasts, plus 1 per 50 live ones for their viewers; Check 1.
// Analytics (Stats) has its own quota.
package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"
	yt "google.golang.org/api/youtube/v3"
	"google.golang.org/api/youtubeanalytics/v2"

	"github.com/onairhq/onair/scheduler/source"
)

// Defaults: Google's endpoints.
const (
	DefaultAPIURL       = "https://youtube.googleapis.com/"
	DefaultAnalyticsURL = "https://youtubeanalytics.googleapis.com/"
	// WatchURL is where a broadcast (and, once recorded, its replay) is watched: the broadcast id
	// is its video id.
	WatchURL = "https://www.youtube.com/watch?v="
)

// Scopes onair asks for: read the channel's broadcasts and videos, and their analytics.
var Scopes = []string{
	"https://www.googleapis.com/auth/youtube.readonly",
	"https://www.googleapis.com/auth/yt-analytics.readonly",
}

// Quota facts, from Google's quota table ("determine quota cost" in the YouTube Data API docs).
const (
	DailyUnits = 10000 // a project's default daily quota
	// UnitsPerCall is the cost of one liveBroadcasts.list, videos.list or channels.list call,
	// each page included; invalid requests cost at least as much.
	UnitsPerCall = 1
	// BatchSize is how many ids one list call takes (and maxResults' maximum).
	BatchSize = 50
	// HTTPTimeout bounds one request when Config.HTTPClient sets no timeout.
	HTTPTimeout = 30 * time.Second
)

// Descriptor describes YouTube Live to the CLI and the scheduler.
var Descriptor = source.Descriptor{
	Platform:   "youtube",
	Title:      "YouTube Live",
	RefPrefix:  "youtube:",
	NeedsLogin: true,
	New:        func(c source.Config) (source.Source, error) { return New(c) },
}

// Source is one YouTube channel, the one the refresh token was granted for.
type Source struct {
	svc       *yt.Service
	analytics *youtubeanalytics.Service
	now       func() time.Time
}

var (
	_ source.Source      = (*Source)(nil)
	_ source.StatsReader = (*Source)(nil)
)

// New builds a source from cfg: ClientID, ClientSecret and RefreshToken are required.
func New(cfg source.Config) (*Source, error) {
	switch {
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("a YouTube source needs the OAuth client's ID and secret (Google Cloud console, APIs & Services, Credentials, an OAuth client of type Desktop app)")
	case cfg.RefreshToken == "":
		return nil, errors.New("a YouTube source needs a refresh token: log in to the channel once (browser consent), or give one obtained elsewhere")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	base := &http.Client{}
	if cfg.HTTPClient != nil {
		*base = *cfg.HTTPClient
	}
	if base.Timeout == 0 {
		base.Timeout = HTTPTimeout
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = google.Endpoint.TokenURL
	}
	ts := &tokens{
		conf: &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: Scopes,
			Endpoint: oauth2.Endpoint{AuthURL: google.Endpoint.AuthURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}},
		refresh: cfg.RefreshToken, onRotate: cfg.OnRefreshToken, base: base,
	}
	client := &http.Client{Transport: &transport{tokens: ts, base: base.Transport}, Timeout: base.Timeout,
		CheckRedirect: base.CheckRedirect}

	apiURL, analyticsURL := cfg.APIURL, cfg.AnalyticsURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	} else if analyticsURL == "" {
		analyticsURL = apiURL
	}
	if analyticsURL == "" {
		analyticsURL = DefaultAnalyticsURL
	}
	ctx := context.Background()
	svc, err := yt.NewService(ctx, option.WithHTTPClient(client), option.WithEndpoint(withSlash(apiURL)))
	if err != nil {
		return nil, fmt.Errorf("youtube client: %w", err)
	}
	an, err := youtubeanalytics.NewService(ctx, option.WithHTTPClient(client), option.WithEndpoint(withSlash(analyticsURL)))
	if err != nil {
		return nil, fmt.Errorf("youtube analytics client: %w", err)
	}
	return &Source{svc: svc, analytics: an, now: now}, nil
}

func withSlash(u string) string { return strings.TrimRight(u, "/") + "/" }

// broadcastParts are the liveBroadcast parts onair reads.
var broadcastParts = []string{"id", "snippet", "status", "contentDetails"}

// Upcoming lists the channel's event broadcasts not yet started (created or ready, and those in
// a test stream), one call per page of 50.
func (s *Source) Upcoming(ctx context.Context) ([]source.Broadcast, error) {
	var out []source.Broadcast
	call := s.svc.LiveBroadcasts.List(broadcastParts).BroadcastStatus("upcoming").MaxResults(BatchSize)
	err := call.Pages(ctx, func(r *yt.LiveBroadcastListResponse) error {
		for _, b := range r.Items {
			out = append(out, s.broadcast(b))
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap("list the channel's upcoming broadcasts", err)
	}
	return out, nil
}

// Look returns the broadcasts named by refs: one liveBroadcasts.list per 50, then one
// videos.list per 50 live ones for their concurrent viewers. A broadcast YouTube does not
// return (deleted, or not the channel's) is cancelled.
func (s *Source) Look(ctx context.Context, refs []string) ([]source.Broadcast, error) {
	ids := make([]string, 0, len(refs))
	seen := map[string]bool{}
	for _, ref := range refs {
		id, ok := strings.CutPrefix(ref, Descriptor.RefPrefix)
		if !ok || id == "" {
			return nil, fmt.Errorf("%q is not a YouTube broadcast (want %sVIDEO_ID)", ref, Descriptor.RefPrefix)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := map[string]source.Broadcast{}
	var live []string
	for batch := range chunks(ids, BatchSize) {
		r, err := s.svc.LiveBroadcasts.List(broadcastParts).Id(batch...).Context(ctx).Do()
		if err != nil {
			return nil, s.wrap("look up broadcasts", err)
		}
		for _, it := range r.Items {
			b := s.broadcast(it)
			found[it.Id] = b
			if b.State == source.StateLive {
				live = append(live, it.Id)
			}
		}
	}
	for batch := range chunks(live, BatchSize) {
		r, err := s.svc.Videos.List([]string{"liveStreamingDetails", "statistics"}).Id(batch...).Context(ctx).Do()
		if err != nil {
			return nil, s.wrap("read the live broadcasts' viewers", err)
		}
		for _, v := range r.Items {
			b, ok := found[v.Id]
			if !ok || v.LiveStreamingDetails == nil {
				continue
			}
			// concurrentViewers is absent when the channel hides the count (and the client
			// cannot tell that from zero): then the viewers stay unknown.
			if n := v.LiveStreamingDetails.ConcurrentViewers; n > 0 {
				b.Viewers = int(n)
			}
			found[v.Id] = b
		}
	}
	out := make([]source.Broadcast, 0, len(ids))
	for _, id := range ids {
		b, ok := found[id]
		if !ok {
			b = source.Broadcast{Ref: Descriptor.RefPrefix + id, State: source.StateCancelled, WatchURL: WatchURL + id, Viewers: -1}
		}
		out = append(out, b)
	}
	return out, nil
}

// Check reads the authorized channel's title (channels.list mine=true, 1 unit).
func (s *Source) Check(ctx context.Context) (source.Info, error) {
	r, err := s.svc.Channels.List([]string{"snippet"}).Mine(true).Context(ctx).Do()
	if err != nil {
		return source.Info{}, s.wrap("read the channel", err)
	}
	if len(r.Items) == 0 || r.Items[0].Snippet == nil {
		return source.Info{}, errors.New("the Google account onair was authorized on has no YouTube channel: log in with the channel's account (or its brand account)")
	}
	return source.Info{Account: r.Items[0].Snippet.Title, DailyUnits: DailyUnits, UnitsPerLook: 2 * UnitsPerCall}, nil
}

// broadcast turns YouTube's liveBroadcast into onair's words.
func (s *Source) broadcast(b *yt.LiveBroadcast) source.Broadcast {
	out := source.Broadcast{Ref: Descriptor.RefPrefix + b.Id, WatchURL: WatchURL + b.Id, Viewers: -1}
	if sn := b.Snippet; sn != nil {
		out.Title, out.Description = sn.Title, sn.Description
		out.ScheduledStart, out.ScheduledEnd = parseTime(sn.ScheduledStartTime), parseTime(sn.ScheduledEndTime)
		out.ActualStart, out.ActualEnd = parseTime(sn.ActualStartTime), parseTime(sn.ActualEndTime)
		out.ThumbnailURL = bestThumbnail(sn.Thumbnails)
	}
	var life, rec string
	if st := b.Status; st != nil {
		life, rec = st.LifeCycleStatus, st.RecordingStatus
	}
	out.State = State(life)
	if out.State == source.StateEnded && rec == "recorded" {
		out.ReplayURL = out.WatchURL
	}
	return out
}

// State maps a lifeCycleStatus to onair's state. An unknown status (YouTube adds some now and
// then) counts as upcoming until the broadcast's actual start says otherwise.
func State(lifeCycleStatus string) source.State {
	switch lifeCycleStatus {
	case "testStarting", "testing", "liveStarting":
		return source.StateTesting
	case "live":
		return source.StateLive
	case "complete":
		return source.StateEnded
	case "revoked":
		return source.StateCancelled
	default: // created, ready
		return source.StateUpcoming
	}
}

func bestThumbnail(t *yt.ThumbnailDetails) string {
	if t == nil {
		return ""
	}
	for _, th := range []*yt.Thumbnail{t.Maxres, t.Standard, t.High, t.Medium, t.Default} {
		if th != nil && th.Url != "" {
			return th.Url
		}
	}
	return ""
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// chunks yields ids in slices of at most n.
func chunks(ids []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(ids) > 0 {
			k := min(n, len(ids))
			if !yield(ids[:k]) {
				return
			}
			ids = ids[k:]
		}
	}
}
