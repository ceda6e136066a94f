// Package twitch reads a Twitch channel through the Helix API with an app access token (client
// credentials): its stream schedule (segments are onair's broadcasts), its live stream, and
// the archive videos that are the replays.
//
// Twitch does not tie a stream to a schedule segment. onair does, by time: a stream belongs to
// a segment when it started within the segment's window, from LeadWindow before the segment's
// start to its end (or, for a segment without an end, to OpenWindow after its start); streams
// are taken in the order they started, each by the free segment whose start is nearest. A segment is live while
// its stream is; it ended when that stream is gone (or another stream started). Its replay is
// the archive video whose stream_id is that stream's id. Archive videos carry stream_id and
// created_at (the stream's start), so the tie is found again after a restart; a channel that
// does not store past broadcasts has none, and then Resume carries what the sync knew.
//
// Rate: an app token has a bucket of 800 points a minute (Ratelimit-* headers); one Look costs
// at most 3 requests (schedule, streams, videos), Upcoming one per 25 segments.
package twitch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/scheduler/source"
)

// Defaults: Twitch's endpoints.
const (
	DefaultAPIURL   = "https://api.twitch.tv"
	DefaultTokenURL = "https://id.twitch.tv/oauth2/token"
)

// The window a stream's start must fall in to be a segment's (see the package comment).
const (
	LeadWindow = 30 * time.Minute
	OpenWindow = 2 * time.Hour
)

// UpcomingHorizon is how far ahead Upcoming reads the schedule: a recurring segment repeats
// every week, for ever.
const UpcomingHorizon = 28 * 24 * time.Hour

// LookBack is how far back Look asks the schedule for the segments it follows: a segment is
// followed from its import until its replay is found, a few days at most.
const LookBack = 7 * 24 * time.Hour

// HTTPTimeout bounds one request when Config.HTTPClient sets no timeout.
const HTTPTimeout = 30 * time.Second

// Descriptor describes Twitch to the CLI and the scheduler.
var Descriptor = source.Descriptor{
	Platform:     "twitch",
	Title:        "Twitch",
	RefPrefix:    "twitch:",
	NeedsChannel: true,
	New:          func(c source.Config) (source.Source, error) { return New(c) },
}

// Source is one Twitch channel.
type Source struct {
	cfg              source.Config
	apiURL, tokenURL string
	client           *http.Client
	now              func() time.Time

	mu          sync.Mutex
	token       string
	tokenExpiry time.Time
	rateLimit   int
	user        *user
	// seen is what Look (or Resume) tied to each segment: its stream, and what the segment
	// was, for when the schedule no longer has it.
	seen map[string]seen
}

type seen struct {
	streamID string
	start    time.Time
	last     source.Broadcast
}

var (
	_ source.Source      = (*Source)(nil)
	_ source.StatsReader = (*Source)(nil)
	_ source.Resumer     = (*Source)(nil)
)

// New builds a source from cfg: Channel (the login), ClientID and ClientSecret are required.
func New(cfg source.Config) (*Source, error) {
	switch {
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("a Twitch source needs the app's client ID and secret (Twitch developer console, Applications)")
	case cfg.Channel == "":
		return nil, errors.New("a Twitch source needs the channel's login (the name in twitch.tv/LOGIN)")
	}
	s := &Source{cfg: cfg, apiURL: strings.TrimRight(cfg.APIURL, "/"), tokenURL: cfg.TokenURL, now: cfg.Now, seen: map[string]seen{}}
	s.cfg.Channel = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cfg.Channel), "@"))
	if s.apiURL == "" {
		s.apiURL = DefaultAPIURL
	}
	if s.tokenURL == "" {
		s.tokenURL = DefaultTokenURL
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.client = &http.Client{}
	if cfg.HTTPClient != nil {
		*s.client = *cfg.HTTPClient
	}
	if s.client.Timeout == 0 {
		s.client.Timeout = HTTPTimeout
	}
	return s, nil
}

type user struct {
	ID          string `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Offline     string `json:"offline_image_url"`
}

// channel resolves the login to the user id, once.
func (s *Source) channel(ctx context.Context) (*user, error) {
	s.mu.Lock()
	u := s.user
	s.mu.Unlock()
	if u != nil {
		return u, nil
	}
	var r struct{ Data []user }
	if _, err := s.get(ctx, "look up the channel", "/helix/users", url.Values{"login": {s.cfg.Channel}}, &r); err != nil {
		return nil, err
	}
	if len(r.Data) == 0 {
		return nil, &source.Error{Err: fmt.Errorf("Twitch has no channel %q: check the login (the name in twitch.tv/LOGIN)", s.cfg.Channel)}
	}
	u = &r.Data[0]
	s.mu.Lock()
	s.user = u
	s.mu.Unlock()
	return u, nil
}

// Check gets an app token and resolves the channel.
func (s *Source) Check(ctx context.Context) (source.Info, error) {
	u, err := s.channel(ctx)
	if err != nil {
		return source.Info{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return source.Info{Account: u.DisplayName, RequestsPerMinute: s.rateLimit}, nil
}

type segment struct {
	ID            string     `json:"id"`
	Start         time.Time  `json:"start_time"`
	End           *time.Time `json:"end_time"`
	Title         string     `json:"title"`
	CanceledUntil *string    `json:"canceled_until"`
	Recurring     bool       `json:"is_recurring"`
}

type scheduleResponse struct {
	Data struct {
		Segments []segment `json:"segments"`
	} `json:"data"`
	Pagination struct {
		Cursor string `json:"cursor"`
	} `json:"pagination"`
}

func (s *Source) watchURL(u *user) string { return "https://www.twitch.tv/" + u.Login }

func (s *Source) fromSegment(u *user, g segment) source.Broadcast {
	b := source.Broadcast{Ref: Descriptor.RefPrefix + g.ID, Title: g.Title, ScheduledStart: g.Start.UTC(), State: source.StateUpcoming,
		WatchURL: s.watchURL(u), ThumbnailURL: u.Offline, Viewers: -1}
	if g.End != nil {
		b.ScheduledEnd = g.End.UTC()
	}
	if g.CanceledUntil != nil {
		b.State = source.StateCancelled
	}
	return b
}

// Upcoming lists the schedule's segments from now to UpcomingHorizon, canceled ones left out.
// A channel without a schedule (Twitch answers 404) has none.
func (s *Source) Upcoming(ctx context.Context) ([]source.Broadcast, error) {
	u, err := s.channel(ctx)
	if err != nil {
		return nil, err
	}
	horizon := s.now().Add(UpcomingHorizon)
	var out []source.Broadcast
	q := url.Values{"broadcaster_id": {u.ID}, "first": {"25"}}
	for {
		var r scheduleResponse
		notFound, err := s.get(ctx, "read the channel's schedule", "/helix/schedule", q, &r)
		if err != nil {
			return nil, err
		}
		if notFound {
			return out, nil
		}
		for _, g := range r.Data.Segments {
			if g.Start.After(horizon) {
				return out, nil
			}
			if g.CanceledUntil == nil {
				out = append(out, s.fromSegment(u, g))
			}
		}
		if r.Pagination.Cursor == "" || len(r.Data.Segments) == 0 {
			return out, nil
		}
		q.Set("after", r.Pagination.Cursor)
	}
}

// Resume takes what the sync knew of the segments it follows (after a restart), so that a
// stream that was live and is gone is seen as ended even without an archive video.
func (s *Source) Resume(known []source.Broadcast) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range known {
		id, ok := strings.CutPrefix(b.Ref, Descriptor.RefPrefix)
		if !ok || b.ActualStart.IsZero() || b.State != source.StateLive && b.State != source.StateEnded {
			continue
		}
		if _, have := s.seen[id]; !have {
			s.seen[id] = seen{streamID: b.StreamID, start: b.ActualStart, last: b}
		}
	}
}

type stream struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Viewers   int       `json:"viewer_count"`
	StartedAt time.Time `json:"started_at"`
}

type video struct {
	ID        string    `json:"id"`
	StreamID  string    `json:"stream_id"`
	URL       string    `json:"url"`
	ViewCount int64     `json:"view_count"`
	CreatedAt time.Time `json:"created_at"`
	Duration  string    `json:"duration"`
}

// candidate is one stream, live or archived, that may be a segment's.
type candidate struct {
	streamID string
	start    time.Time
	end      time.Time // zero while live
	live     bool
	viewers  int
	video    *video
}

// Look returns the segments named by refs, tied to the streams that were them.
func (s *Source) Look(ctx context.Context, refs []string) ([]source.Broadcast, error) {
	res, err := s.look(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make([]source.Broadcast, len(res))
	for i, r := range res {
		out[i] = r.b
	}
	return out, nil
}

type looked struct {
	b     source.Broadcast
	video *video
}

func (s *Source) look(ctx context.Context, refs []string) ([]looked, error) {
	var ids []string
	for _, ref := range refs {
		id, ok := strings.CutPrefix(ref, Descriptor.RefPrefix)
		if !ok || id == "" {
			return nil, fmt.Errorf("%q is not a Twitch schedule segment (want %sSEGMENT_ID)", ref, Descriptor.RefPrefix)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	u, err := s.channel(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()

	// The segments, by id, 100 per call.
	segs := map[string]segment{}
	for i := 0; i < len(ids); i += 100 {
		// Without start_time the schedule has only what starts after now: a segment whose start
		// passed (its stream is late, or live) would look deleted.
		q := url.Values{"broadcaster_id": {u.ID}, "id": ids[i:min(i+100, len(ids))],
			"start_time": {now.Add(-LookBack).UTC().Format(time.RFC3339)}}
		var r scheduleResponse
		notFound, err := s.get(ctx, "read the schedule's segments", "/helix/schedule", q, &r)
		if err != nil {
			return nil, err
		}
		if !notFound {
			for _, g := range r.Data.Segments {
				segs[g.ID] = g
			}
		}
	}
	s.mu.Lock()
	memory := map[string]seen{}
	for _, id := range ids {
		if m, ok := s.seen[id]; ok {
			memory[id] = m
		}
	}
	s.mu.Unlock()

	// Streams are only worth reading once a segment's window has opened.
	type window struct{ from, to time.Time }
	windows := map[string]window{}
	open := false
	for _, id := range ids {
		g, ok := segs[id]
		if !ok {
			if _, known := memory[id]; known {
				open = true
			}
			continue
		}
		to := g.Start.Add(OpenWindow)
		if g.End != nil {
			to = *g.End
		}
		windows[id] = window{g.Start.Add(-LeadWindow), to}
		if !now.Before(g.Start.Add(-LeadWindow)) {
			open = true
		}
	}
	var cands []*candidate
	if open {
		var sr struct{ Data []stream }
		if _, err := s.get(ctx, "read the channel's live stream", "/helix/streams", url.Values{"user_id": {u.ID}, "type": {"live"}}, &sr); err != nil {
			return nil, err
		}
		var vr struct{ Data []video }
		if _, err := s.get(ctx, "read the channel's past broadcasts", "/helix/videos", url.Values{"user_id": {u.ID}, "type": {"archive"}, "first": {"100"}}, &vr); err != nil {
			return nil, err
		}
		byStream := map[string]*candidate{}
		for _, st := range sr.Data {
			if st.Type != "live" {
				continue
			}
			c := &candidate{streamID: st.ID, start: st.StartedAt.UTC(), live: true, viewers: st.Viewers}
			cands = append(cands, c)
			byStream[st.ID] = c
		}
		for i := range vr.Data {
			v := &vr.Data[i]
			if c, ok := byStream[v.StreamID]; ok {
				c.video = v
				continue
			}
			c := &candidate{streamID: v.StreamID, start: v.CreatedAt.UTC(), video: v}
			if d, err := time.ParseDuration(v.Duration); err == nil {
				c.end = c.start.Add(d)
			}
			cands = append(cands, c)
			byStream[v.StreamID] = c
		}
	}

	// Tie streams to segments: first what was seen before, then by window, nearest start, the
	// streams taken in the order they started (as a watcher would have seen them come, so that
	// a restarted source ties them the same way).
	slices.SortStableFunc(cands, func(a, b *candidate) int { return a.start.Compare(b.start) })
	tied := map[string]*candidate{}
	claimed := map[*candidate]bool{}
	for _, id := range ids {
		m, ok := memory[id]
		if !ok {
			continue
		}
		for _, c := range cands {
			if m.streamID != "" && c.streamID == m.streamID || m.streamID == "" && c.start.Sub(m.start).Abs() < 2*time.Minute {
				tied[id], claimed[c] = c, true
			}
		}
	}
	for _, c := range cands {
		if claimed[c] {
			continue
		}
		best, bestD := "", time.Duration(-1)
		for _, id := range ids {
			w, ok := windows[id]
			if _, done := tied[id]; !ok || done || c.start.Before(w.from) || !c.start.Before(w.to) {
				continue
			}
			if _, was := memory[id]; was {
				continue // it had its own stream
			}
			d := c.start.Sub(segs[id].Start).Abs()
			if bestD < 0 || d < bestD {
				best, bestD = id, d
			}
		}
		if best != "" {
			tied[best], claimed[c] = c, true
		}
	}

	out := make([]looked, 0, len(ids))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		g, inSchedule := segs[id]
		m, remembered := memory[id]
		var b source.Broadcast
		switch {
		case inSchedule:
			b = s.fromSegment(u, g)
		case remembered:
			b = m.last
			b.ReplayURL, b.Viewers = "", -1
		default:
			b = source.Broadcast{Ref: Descriptor.RefPrefix + id, State: source.StateCancelled, WatchURL: s.watchURL(u), Viewers: -1}
		}
		r := looked{}
		c := tied[id]
		switch {
		case c != nil && c.live:
			b.State, b.ActualStart, b.ActualEnd, b.Viewers, b.StreamID = source.StateLive, c.start, time.Time{}, c.viewers, c.streamID
		case c != nil:
			b.State, b.ActualStart, b.ActualEnd, b.StreamID = source.StateEnded, c.start, c.end, c.streamID
			if c.video != nil {
				b.ReplayURL = c.video.URL
			}
		case remembered:
			// Seen live, and neither live now nor archived: it ended, at the latest when the
			// next stream started, else by now.
			b.State, b.ActualStart, b.StreamID = source.StateEnded, m.start, m.streamID
			if m.last.State == source.StateEnded && !m.last.ActualEnd.IsZero() {
				b.ActualEnd = m.last.ActualEnd
			} else {
				b.ActualEnd = now.UTC()
				for _, o := range cands {
					if o.start.After(m.start) && o.start.Before(b.ActualEnd) {
						b.ActualEnd = o.start
					}
				}
			}
		}
		if c != nil {
			r.video = c.video
		}
		if b.State == source.StateLive || b.State == source.StateEnded {
			s.seen[id] = seen{streamID: b.StreamID, start: b.ActualStart, last: b}
		}
		r.b = b
		out = append(out, r)
	}
	return out, nil
}

// Stats reads a segment's replay views: the archive video's view_count. Twitch gives no live
// views or watch time to an app.
func (s *Source) Stats(ctx context.Context, ref string) (source.Stats, error) {
	st := source.Stats{Views: -1, LiveViews: -1, ReplayViews: -1, WatchMinutes: -1, AverageViewSeconds: -1}
	res, err := s.look(ctx, []string{ref})
	if err != nil {
		return st, err
	}
	if len(res) == 1 && res[0].video != nil {
		st.ReplayViews = res[0].video.ViewCount
	}
	return st, nil
}
