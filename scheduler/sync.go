package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler/source"
)

// The source sync: it reads each live source on its own schedule and turns what the platform
// says into broadcasts and lifecycle moves.
//
//   - import: the platform's upcoming broadcasts become broadcasts of the (oldest) campaign that
//     follows the source, external_ref and link "youtube:VIDEO_ID" / "twitch:SEGMENT_ID";
//   - keep in step: a title, description, start, length or watch URL changed on the platform
//     is written through the lifecycle (a new start re-plans), unless the marketer edited that
//     field in onair since the last import (see merge: onair's edit wins);
//   - deleted, revoked or cancelled on the platform: Cancel;
//   - live: GoLive with the real start; ended: End with the real end; replay found: SetReplay;
//   - while live: one audience sample a minute.
//
// Restart safety: what a look teaches is stored (SaveObservation) before onair acts on it, and
// each move is recorded once made (broadcast_sources.acted). The moves are worked out from what
// is stored, so a sync killed between the two makes the missing move at its next pass, and never
// one twice (the lifecycle refuses a second GoLive or End).

// SourceFor builds the platform client of a stored source.
type SourceFor func(ctx context.Context, src models.Source) (source.Source, error)

// SyncConfig tunes how often the sync reads a source (see docs/sources.md, "Quota and polling").
type SyncConfig struct {
	ListEvery     time.Duration // the upcoming broadcasts (imports, reschedules): 30 min
	ApproachEvery time.Duration // within ApproachFrom of a planned start: 5 min
	ApproachFrom  time.Duration // 1 h
	NearFrom      time.Duration // from this long before the planned start until the live is seen: 5 min
	NearEvery     time.Duration // 20 s
	LiveEvery     time.Duration // while live (viewers, the end): 1 min
	ReplayEvery   time.Duration // after the end, until the replay is found: 2 min the first hour
	ReplayFor     time.Duration // how long after the end the replay is looked for: 24 h
	RetryMax      time.Duration // the longest wait after a failure (network, 5xx): 5 min
	// PictureDir is where platform thumbnails are downloaded to serve as teaser pictures
	// (sync_picture.go); "" = not downloaded.
	PictureDir string
	HTTPClient *http.Client // downloads thumbnails; nil: a default one
}

func (c *SyncConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ListEvery, 30*time.Minute)
	def(&c.ApproachEvery, 5*time.Minute)
	def(&c.ApproachFrom, time.Hour)
	def(&c.NearFrom, 5*time.Minute)
	def(&c.NearEvery, 20*time.Second)
	def(&c.LiveEvery, time.Minute)
	def(&c.ReplayEvery, 2*time.Minute)
	def(&c.ReplayFor, 24*time.Hour)
	def(&c.RetryMax, 5*time.Minute)
}

// Syncer reads live sources and applies what they say.
type Syncer struct {
	store *models.Store
	life  *Lifecycle
	build SourceFor
	cfg   SyncConfig
	now   func() time.Time
	log   *slog.Logger
	// OnChange is called when a pass made posts due (a live seen, a replay found): the daemon
	// looks at its queue at once.
	OnChange func()

	passes  sync.Mutex // one pass at a time: the daemon's first read and its schedule may meet
	mu      sync.Mutex
	info    map[int64]source.Info // what Check said of each source, once per process
	resumed map[int64]bool        // sources told what onair knew (source.Resumer), once per process
}

// NewSyncer returns a syncer over store; life makes the lifecycle moves.
func NewSyncer(store *models.Store, life *Lifecycle, build SourceFor, cfg SyncConfig, now func() time.Time, log *slog.Logger) *Syncer {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Syncer{store: store, life: life, build: build, cfg: cfg, now: now, log: log, info: map[int64]source.Info{}, resumed: map[int64]bool{}}
}

// SyncResult sums up one read of a source.
type SyncResult struct {
	Source    string    `json:"source"`
	Imported  int       `json:"imported"`
	Updated   int       `json:"updated"`
	Cancelled int       `json:"cancelled"`
	Live      int       `json:"live"`
	Ended     int       `json:"ended"`
	Replays   int       `json:"replays"`
	Samples   int       `json:"samples"`
	Units     int       `json:"units"`
	Error     string    `json:"error,omitempty"`
	NextPoll  time.Time `json:"next_poll"`
}

// SyncDue reads every active source whose next read has come. A source that fails does not stop
// the others.
func (s *Syncer) SyncDue(ctx context.Context) ([]SyncResult, error) {
	due, err := s.store.SourcesDue(ctx, s.now())
	if err != nil {
		return nil, err
	}
	var out []SyncResult
	for _, src := range due {
		if ctx.Err() != nil {
			break
		}
		res, err := s.Sync(ctx, src.ID, false)
		if err != nil {
			s.log.Error("source sync", slog.String("source", src.Name), slog.String("error", err.Error()))
			continue
		}
		out = append(out, res)
	}
	return out, nil
}

// SyncAll reads every active source now, listing their upcoming broadcasts (the daemon's start).
func (s *Syncer) SyncAll(ctx context.Context) ([]SyncResult, error) {
	srcs, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var out []SyncResult
	for _, src := range srcs {
		if src.Status != models.SourceActive || ctx.Err() != nil {
			continue
		}
		res, err := s.Sync(ctx, src.ID, true)
		if err != nil {
			s.log.Error("source sync", slog.String("source", src.Name), slog.String("error", err.Error()))
			continue
		}
		out = append(out, res)
	}
	return out, nil
}

// pass is one read of one source.
type pass struct {
	src      *models.Source
	client   source.Source
	now      time.Time
	res      SyncResult
	units    int
	perCall  int
	followed []models.Followed
}

// Sync reads source id once: with list, its upcoming broadcasts too, whatever its schedule says.
// The error is the database's; the platform's failures are recorded on the source (and in the
// result), never returned.
func (s *Syncer) Sync(ctx context.Context, id int64, list bool) (SyncResult, error) {
	s.passes.Lock()
	defer s.passes.Unlock()
	src, err := s.store.SourceByID(ctx, id)
	if err != nil {
		return SyncResult{}, err
	}
	p := &pass{src: src, now: s.now(), res: SyncResult{Source: src.Name}, perCall: 1}
	if src.Status != models.SourceActive {
		p.res.Error = src.Why(p.now)
		return p.res, nil
	}
	if p.followed, err = s.store.FollowedBroadcasts(ctx, src.ID, src.Platform, p.now.Add(-s.cfg.ReplayFor)); err != nil {
		return p.res, err
	}
	was := src.Following(p.now)
	if p.client, err = s.build(ctx, *src); err != nil {
		return s.failed(ctx, p, was, err)
	}
	if info, ok := s.checked(src.ID); ok {
		p.perCall = max(info.UnitsPerLook, 1)
	} else if info, err := p.client.Check(ctx); err != nil {
		p.units++
		return s.failed(ctx, p, was, err)
	} else {
		p.units++
		p.perCall = max(info.UnitsPerLook, 1)
		s.mu.Lock()
		s.info[src.ID] = info
		s.mu.Unlock()
		p.res.Source = src.Name
		if info.Account != "" && info.Account != src.Account {
			src.Account = info.Account
		}
	}

	s.resume(p)
	seen := map[string]source.Broadcast{}
	listed := list || src.ListedAt.IsZero() || !p.now.Before(src.ListedAt.Add(s.cfg.ListEvery))
	if listed {
		ups, err := p.client.Upcoming(ctx)
		p.units += p.perCall
		if err != nil {
			return s.failed(ctx, p, was, err)
		}
		for _, u := range ups {
			seen[u.Ref] = u
		}
	}
	var refs []string
	for _, f := range p.followed {
		if _, ok := seen[f.Link.SourceRef]; ok && !s.watching(f, p.now) {
			continue
		}
		if s.watching(f, p.now) || listed && (f.Link.State == "" || f.Link.State == models.PlatformUpcoming) {
			// Watched closely, or no longer listed as upcoming: started, or deleted.
			refs = append(refs, f.Link.SourceRef)
		}
	}
	if len(refs) > 0 {
		looks, err := p.client.Look(ctx, refs)
		p.units += p.perCall
		if err != nil {
			return s.failed(ctx, p, was, err)
		}
		for _, l := range looks {
			seen[l.Ref] = l
		}
	}

	// What the platform said is stored first, then acted on.
	known := map[string]bool{}
	for i := range p.followed {
		f := &p.followed[i]
		known[f.Link.SourceRef] = true
		if o, ok := seen[f.Link.SourceRef]; ok {
			if err := s.observe(ctx, p, f, o); err != nil {
				return p.res, err
			}
		}
		if err := s.act(ctx, p, f.Broadcast.ID); err != nil {
			return p.res, err
		}
	}
	for ref, o := range seen {
		if known[ref] || !strings.HasPrefix(ref, src.Platform+":") ||
			(o.State != source.StateUpcoming && o.State != source.StateTesting) {
			continue
		}
		if err := s.importOne(ctx, p, o); err != nil {
			return p.res, err
		}
	}

	// The next read, from what the broadcasts are now.
	if p.followed, err = s.store.FollowedBroadcasts(ctx, src.ID, src.Platform, p.now.Add(-s.cfg.ReplayFor)); err != nil {
		return p.res, err
	}
	listedAt := src.ListedAt.Time
	if listed {
		listedAt = p.now
	}
	p.res.NextPoll = s.next(p, listedAt)
	p.res.Units = p.units
	if err := s.store.RecordSync(ctx, src.ID, models.SyncOutcome{Account: src.Account, NextPoll: p.res.NextPoll, Listed: listed, Units: p.units}); err != nil {
		return p.res, err
	}
	// Whether onair follows the source changed (it answers again): every held post may move.
	after, err := s.store.SourceByID(ctx, src.ID)
	if err != nil {
		return p.res, err
	}
	if err := s.replan(ctx, p, was != after.Following(s.now())); err != nil {
		return p.res, err
	}
	if p.res.Live+p.res.Replays+p.res.Imported > 0 && s.OnChange != nil {
		s.OnChange()
	}
	return p.res, nil
}

func (s *Syncer) checked(id int64) (source.Info, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, ok := s.info[id]
	return info, ok
}

// Forget drops what Check said of a source (new credentials: check them again).
func (s *Syncer) Forget(id int64) {
	s.mu.Lock()
	delete(s.info, id)
	s.mu.Unlock()
}

// resume tells a platform client that ties what it sees to broadcasts only while it watches
// (source.Resumer) what onair knew of them, once per process: a stream that ended while onair
// was down is then seen as ended.
func (s *Syncer) resume(p *pass) {
	r, ok := p.client.(source.Resumer)
	if !ok {
		return
	}
	s.mu.Lock()
	done := s.resumed[p.src.ID]
	s.resumed[p.src.ID] = true
	s.mu.Unlock()
	if done {
		return
	}
	var known []source.Broadcast
	for _, f := range p.followed {
		l := f.Link
		if l.State == "" {
			continue
		}
		known = append(known, source.Broadcast{Ref: l.SourceRef, State: source.State(l.State), ActualStart: l.StartedAt.Time,
			ActualEnd: l.EndedAt.Time, StreamID: l.StreamID, ScheduledStart: f.Broadcast.StartsAt.Time, Viewers: -1})
	}
	r.Resume(known)
}

// watching reports whether a followed broadcast is in the part of its life the sync reads
// closely: from NearFrom before its planned start until the replay is found.
func (s *Syncer) watching(f models.Followed, now time.Time) bool {
	b, l := f.Broadcast, f.Link
	switch {
	case b.Status == models.BroadcastCancelled || l.State == models.PlatformCancelled:
		return false
	case l.State == models.PlatformLive || l.State == models.PlatformTesting:
		return true
	case l.State == models.PlatformEnded || !b.EndedAt.IsZero():
		return l.Acted != models.ActedReplay && now.Before(b.EndsAt().Add(s.cfg.ReplayFor))
	case b.StartsAt.IsZero():
		return false
	}
	return !now.Before(b.StartsAt.Add(-s.cfg.NearFrom))
}

// failed records a read that failed: the source falls back to planned times (at once for
// refused credentials or a spent quota, after FallbackAfter for a fault that passes), and refused
// credentials pause it (needs-auth) until someone logs in again.
func (s *Syncer) failed(ctx context.Context, p *pass, _ bool, err error) (SyncResult, error) {
	o := models.SyncOutcome{Err: err.Error(), Units: p.units}
	var se *source.Error
	switch {
	case errors.Is(err, ErrSourceUntrusted):
		o.Kind, o.Status, o.StatusReason = models.SourceErrAuth, models.SourcePaused, err.Error()
	case errors.Is(err, source.ErrAuth):
		o.Kind, o.Status, o.StatusReason = models.SourceErrAuth, models.SourceNeedsAuth, err.Error()
		s.Forget(p.src.ID)
	case errors.Is(err, source.ErrQuota):
		o.Kind = models.SourceErrQuota
		o.NextPoll = p.now.Add(s.cfg.ListEvery)
		if errors.As(err, &se) && se.Until.After(p.now) {
			o.NextPoll = se.Until
		}
	case errors.Is(err, source.ErrUnavailable):
		o.Kind = models.SourceErrUnavailable
	default:
		o.Kind = models.SourceErrOther
	}
	if o.NextPoll.IsZero() {
		// A fault that passes: try again soon, sooner near a live (the schedule's own pace).
		wait := s.cfg.NearEvery
		if !p.src.FailingSince.IsZero() {
			wait = min(s.cfg.RetryMax, max(s.cfg.NearEvery, p.now.Sub(p.src.FailingSince.Time)/2))
		}
		o.NextPoll = earliest(p.now.Add(wait), s.next(p, p.src.ListedAt.Time))
	}
	p.res.Error, p.res.NextPoll, p.res.Units = o.Err, o.NextPoll, p.units
	// What an earlier pass stored and did not act on yet (it was killed) is acted on all the
	// same: the platform being down now changes nothing of what it said then.
	for _, f := range p.followed {
		if err := s.act(ctx, p, f.Broadcast.ID); err != nil {
			return p.res, err
		}
	}
	s.log.Warn("source read failed", slog.String("source", p.src.Name), slog.String("kind", o.Kind),
		slog.String("error", o.Err), slog.Time("next", o.NextPoll))
	if err := s.store.RecordSync(ctx, p.src.ID, o); err != nil {
		return p.res, err
	}
	// While it fails, every followed broadcast is planned again at each read: the moment its
	// live post stops waiting (FallbackAfter into the failure) falls between two reads.
	if err := s.replan(ctx, p, true); err != nil {
		return p.res, err
	}
	if s.OnChange != nil {
		s.OnChange() // held live posts may be due at their planned time now
	}
	return p.res, nil
}

// replan plans again the followed broadcasts whose live post may have changed hands: all of
// them when all is set, else those around their planned start (a grace may have passed).
func (s *Syncer) replan(ctx context.Context, p *pass, all bool) error {
	now := s.now()
	var ids []int64
	for _, f := range p.followed {
		b := f.Broadcast
		if !b.StartedAt.IsZero() || (b.Status != models.BroadcastScheduled && b.Status != models.BroadcastLive) {
			continue
		}
		if all || !now.Before(b.StartsAt.Add(-s.cfg.NearFrom)) {
			ids = append(ids, b.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.life.planner.PlanMany(ctx, ids)
	return err
}

// observe stores what the platform said of a followed broadcast, keeps its plan in step with the
// platform's (what wins: see merge), and samples its audience while live.
func (s *Syncer) observe(ctx context.Context, p *pass, f *models.Followed, o source.Broadcast) error {
	b := f.Broadcast
	obs := models.Observation{State: string(o.State), StartedAt: models.NewTime(o.ActualStart), EndedAt: models.NewTime(o.ActualEnd),
		ReplayURL: o.ReplayURL, StreamID: o.StreamID, Viewers: o.Viewers}
	if err := s.store.SaveObservation(ctx, b.ID, obs); err != nil {
		return err
	}
	if (o.State == source.StateUpcoming || o.State == source.StateTesting) && b.Status != models.BroadcastCancelled {
		if err := s.merge(ctx, p, f, o); err != nil {
			return err
		}
	}
	if o.State == source.StateLive && o.Viewers >= 0 &&
		(f.Link.SampledAt.IsZero() || p.now.Sub(f.Link.SampledAt.Time) >= s.cfg.LiveEvery-5*time.Second) {
		if err := s.store.AddSample(ctx, b.ID, p.now, o.Viewers, p.src.Platform); err != nil {
			return err
		}
		p.res.Samples++
	}
	return nil
}

// seenOf is the platform's plan of a broadcast, in onair's fields.
func seenOf(o source.Broadcast) models.SourceSeen {
	return models.SourceSeen{Title: strings.TrimSpace(o.Title), Description: o.Description, StartsAt: models.NewTime(o.ScheduledStart),
		DurationMinutes: durationOf(o), WatchURL: o.WatchURL, Thumbnail: o.ThumbnailURL}
}

// durationOf is the platform's planned length in whole minutes (0 when it does not say).
func durationOf(o source.Broadcast) int {
	if o.ScheduledEnd.IsZero() || !o.ScheduledEnd.After(o.ScheduledStart) {
		return 0
	}
	return int((o.ScheduledEnd.Sub(o.ScheduledStart) + 30*time.Second) / time.Minute)
}

// merge writes the platform's new plan of a broadcast, field by field: the platform wins for a
// field that still holds what it said at the last import (no one edited it in onair since);
// onair wins for a field edited in onair (by hand, or by a CMS). A broadcast tied by hand
// (nothing imported yet) keeps every value it has: the platform fills only empty ones. A new
// start goes through the lifecycle's reschedule, so the posts move with it.
func (s *Syncer) merge(ctx context.Context, p *pass, f *models.Followed, o source.Broadcast) error {
	b := &f.Broadcast
	prev, had := f.Link.ParseSeen()
	now := seenOf(o)
	platformWins := func(cur, was, next string) bool {
		if next == "" || cur == next {
			return false
		}
		if !had {
			return cur == ""
		}
		return cur == was
	}
	var e models.BroadcastEdit
	if platformWins(b.Title, prev.Title, now.Title) {
		e.Title = &now.Title
	}
	if platformWins(b.Description, prev.Description, now.Description) {
		e.Description = &now.Description
	}
	if platformWins(b.WatchURL, prev.WatchURL, now.WatchURL) {
		e.WatchURL = &now.WatchURL
	}
	if had && !now.StartsAt.IsZero() && !b.StartsAt.Equal(now.StartsAt.Time) && b.StartsAt.Equal(prev.StartsAt.Time) &&
		b.StartedAt.IsZero() && b.EndedAt.IsZero() {
		e.StartsAt = &now.StartsAt
	}
	if had && now.DurationMinutes > 0 && b.DurationMinutes != now.DurationMinutes && b.DurationMinutes == prev.DurationMinutes {
		e.DurationMinutes = &now.DurationMinutes
	}
	if s.cfg.PictureDir != "" && now.Thumbnail != "" && (now.Thumbnail != prev.Thumbnail || !had) &&
		(b.Image == "" || s.isPicture(b.Image, f.Link.SourceRef)) {
		// The platform's picture, unless the broadcast has one of its own (edited in onair).
		if path, err := s.picture(ctx, f.Link.SourceRef, now.Thumbnail); err != nil {
			s.log.Warn("thumbnail not used as the teaser picture", slog.String("ref", f.Link.SourceRef), slog.String("error", err.Error()))
		} else if path != b.Image {
			e.Image = &path
		}
	}
	if !e.Empty() {
		_, err := s.life.Edit(ctx, b.ID, e)
		var r *Refusal
		if errors.As(err, &r) {
			s.log.Warn("platform change not applied", slog.Int64("broadcast", b.ID), slog.String("why", r.Msg))
		} else if err != nil {
			return err
		} else {
			p.res.Updated++
			s.log.Info("broadcast follows its platform", slog.Int64("broadcast", b.ID), slog.String("ref", f.Link.SourceRef))
		}
	}
	if now == prev && had {
		return nil
	}
	return s.store.SetLinkSeen(ctx, b.ID, now)
}

// act makes the lifecycle moves what is stored of the platform calls for and that are not made
// yet, each recorded once made.
func (s *Syncer) act(ctx context.Context, p *pass, id int64) error {
	b, err := s.store.BroadcastByID(ctx, id)
	if err != nil {
		return err
	}
	l, err := s.store.BroadcastLink(ctx, id)
	if err != nil || l == nil {
		return err
	}
	acted := l.Acted
	done := func(what, note string) error {
		acted = what
		return s.store.SetLinkActed(ctx, id, what, note)
	}
	refused := func(err error) (string, error) {
		var r *Refusal
		if errors.As(err, &r) {
			return r.Msg, nil
		}
		return "", err
	}
	switch l.State {
	case models.PlatformCancelled:
		if acted == models.ActedCancelled {
			return nil
		}
		note := ""
		if b.Status != models.BroadcastCancelled {
			if _, err := s.life.Cancel(ctx, id); err != nil {
				if note, err = refused(err); err != nil {
					return err
				}
			} else {
				p.res.Cancelled++
				s.log.Info("broadcast cancelled on its platform", slog.Int64("broadcast", id), slog.String("ref", l.SourceRef))
			}
		}
		return done(models.ActedCancelled, note)
	case models.PlatformLive:
		if acted != "" {
			return nil
		}
		note := ""
		if b.StartedAt.IsZero() && b.Status != models.BroadcastCancelled {
			at := l.StartedAt.Time
			if at.IsZero() {
				at = p.now
			}
			if _, err := s.life.GoLive(ctx, id, at, true); err != nil {
				if note, err = refused(err); err != nil {
					return err
				}
				note = "the stream started on the platform, but onair did not mark it live: " + note
			} else {
				p.res.Live++
				s.log.Info("broadcast is live on its platform", slog.Int64("broadcast", id), slog.Time("since", at))
			}
		}
		return done(models.ActedLive, note)
	case models.PlatformEnded:
		if acted != models.ActedEnded && acted != models.ActedReplay && acted != models.ActedCancelled {
			note := ""
			if b.EndedAt.IsZero() && b.Status != models.BroadcastCancelled {
				at := l.EndedAt.Time
				if at.IsZero() {
					at = p.now
				}
				if _, err := s.life.End(ctx, id, at, "", true); err != nil {
					if note, err = refused(err); err != nil {
						return err
					}
				} else {
					p.res.Ended++
					s.log.Info("broadcast ended on its platform", slog.Int64("broadcast", id), slog.Time("at", at))
				}
			}
			if err := done(models.ActedEnded, note); err != nil {
				return err
			}
		}
		if l.ReplayURL != "" && acted == models.ActedEnded {
			note := ""
			if b, err = s.store.BroadcastByID(ctx, id); err != nil {
				return err
			}
			if b.ReplayURL == "" && b.Status != models.BroadcastCancelled {
				// A replay URL given in onair (by hand, or a CMS) wins: it is kept.
				if _, err := s.life.SetReplay(ctx, id, l.ReplayURL); err != nil {
					if note, err = refused(err); err != nil {
						return err
					}
				} else {
					p.res.Replays++
					s.log.Info("replay found on the platform", slog.Int64("broadcast", id), slog.String("url", l.ReplayURL))
				}
			}
			return done(models.ActedReplay, note)
		}
	}
	return nil
}

// importOne adds a platform broadcast no broadcast is tied to yet to the oldest campaign that
// follows the source (not archived), and plans it. One a CMS already wrote with the same
// external_ref is tied to it instead (its values are kept: see merge).
func (s *Syncer) importOne(ctx context.Context, p *pass, o source.Broadcast) error {
	if o.ScheduledStart.IsZero() {
		return nil
	}
	if l, err := s.store.LinkByRef(ctx, o.Ref); err != nil || l != nil {
		return err // tied already (to a broadcast of a campaign that no longer follows this source)
	}
	if b, err := s.store.BroadcastByExternalRef(ctx, o.Ref); err == nil {
		if err := s.store.LinkBroadcast(ctx, b.ID, o.Ref); err != nil {
			return err
		}
		_, err = s.life.planner.Plan(ctx, b.ID)
		return err
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	camps, err := s.store.CampaignsOfSource(ctx, p.src.ID)
	if err != nil {
		return err
	}
	var camp *models.Campaign
	for i := range camps {
		if camps[i].ArchivedAt.IsZero() {
			camp = &camps[i]
			break
		}
	}
	if camp == nil {
		return nil
	}
	seen := seenOf(o)
	ref := o.Ref
	b := &models.Broadcast{ExternalRef: &ref, CampaignID: &camp.ID, Title: seen.Title, Description: seen.Description,
		StartsAt: seen.StartsAt, DurationMinutes: seen.DurationMinutes, WatchURL: seen.WatchURL}
	if b.Title == "" {
		b.Title = ref
	}
	if models.ValidWatchURL(b.WatchURL) != nil {
		b.WatchURL = ""
	}
	if s.cfg.PictureDir != "" && seen.Thumbnail != "" {
		if path, err := s.picture(ctx, ref, seen.Thumbnail); err != nil {
			s.log.Warn("thumbnail not used as the teaser picture", slog.String("ref", ref), slog.String("error", err.Error()))
		} else {
			b.Image = path
		}
	}
	if err := s.store.ImportBroadcast(ctx, b, ref, seen, string(o.State)); err != nil {
		if errors.Is(err, models.ErrRefTaken) || models.IsConflict(err) {
			return nil // another daemon imported it meanwhile
		}
		return err
	}
	if _, err := s.life.planner.Plan(ctx, b.ID); err != nil {
		return err
	}
	p.res.Imported++
	s.log.Info("broadcast imported from its platform", slog.Int64("broadcast", b.ID), slog.String("ref", ref),
		slog.String("campaign", camp.Name), slog.Time("starts", b.StartsAt.Time))
	return nil
}

// next is when to read the source again, from where its broadcasts are in their lives: every
// NearEvery from NearFrom before a planned start until the live is seen (and the campaign's
// grace after it), every LiveEvery while live (and after the grace, until the planned end, for a
// late start), every ReplayEvery after the end until the replay is found (every ListEvery after
// its first hour), every ApproachEvery in the hour before a start, and every ListEvery otherwise.
func (s *Syncer) next(p *pass, listedAt time.Time) time.Time {
	now := p.now
	next := now.Add(s.cfg.ListEvery)
	if !listedAt.IsZero() {
		next = listedAt.Add(s.cfg.ListEvery)
	}
	at := func(t time.Time) {
		if t.Before(next) {
			next = t
		}
	}
	for _, f := range p.followed {
		b, l := f.Broadcast, f.Link
		switch {
		case b.Status == models.BroadcastCancelled || l.State == models.PlatformCancelled:
		case l.State == models.PlatformTesting:
			at(now.Add(s.cfg.NearEvery))
		case l.State == models.PlatformLive:
			at(now.Add(s.cfg.LiveEvery))
		case l.State == models.PlatformEnded || !b.EndedAt.IsZero():
			if l.Acted == models.ActedReplay || l.ReplayURL != "" {
				break
			}
			if end := b.EndsAt(); now.Before(end.Add(time.Hour)) {
				at(now.Add(s.cfg.ReplayEvery))
			} else if now.Before(end.Add(s.cfg.ReplayFor)) {
				at(now.Add(s.cfg.ListEvery / 2))
			}
		case !b.StartedAt.IsZero():
			at(now.Add(s.cfg.LiveEvery))
		case b.StartsAt.IsZero():
		default:
			start := b.StartsAt.Time
			switch {
			case !now.Before(start.Add(f.Campaign.LiveGrace())) && now.Before(b.EndsAt()):
				at(now.Add(s.cfg.LiveEvery)) // past the grace: a late start still gets its post
			case !now.Before(start.Add(-s.cfg.NearFrom)) && now.Before(b.EndsAt()):
				at(now.Add(s.cfg.NearEvery))
			case !now.Before(start.Add(-s.cfg.ApproachFrom)) && now.Before(start):
				at(earliest(now.Add(s.cfg.ApproachEvery), start.Add(-s.cfg.NearFrom)))
			case now.Before(start):
				at(start.Add(-s.cfg.ApproachFrom))
			}
		}
	}
	if next.Before(now) {
		next = now
	}
	return next
}

// Budget is what following a source costs in the platform's quota, worked out from the
// schedule above (docs/sources.md, "Quota and polling").
type Budget struct {
	DailyUnits int `json:"daily_units"` // the platform's quota (0: rate-limited only)
	PerCall    int `json:"units_per_call"`
	IdlePerDay int `json:"idle_units_per_day"` // a day with no broadcast: the upcoming list
	// PerBroadcast is what one broadcast of an hour costs that starts on time, and LateBroadcast
	// one that starts a full grace (30 min) late.
	PerBroadcast  int `json:"units_per_broadcast"`
	LateBroadcast int `json:"units_per_late_broadcast"`
	// PerDay is how many such (late) broadcasts a day the quota covers, beside the idle cost.
	PerDay int `json:"broadcasts_per_day"`
}

// Budget works out what the schedule spends for a platform whose Check said info.
func (s *Syncer) Budget(info source.Info) Budget {
	per := max(info.UnitsPerLook, 1)
	calls := func(span, every time.Duration) int { return int(span / every) }
	idle := calls(24*time.Hour, s.cfg.ListEvery)
	approach := calls(s.cfg.ApproachFrom-s.cfg.NearFrom, s.cfg.ApproachEvery)
	near := calls(s.cfg.NearFrom, s.cfg.NearEvery)
	live := calls(time.Hour, s.cfg.LiveEvery)
	replay := calls(time.Hour, s.cfg.ReplayEvery) / 2 // YouTube has the recording within minutes, as a rule
	late := calls(30*time.Minute, s.cfg.NearEvery)
	b := Budget{DailyUnits: info.DailyUnits, PerCall: per, IdlePerDay: idle * per,
		PerBroadcast: (approach + near + live + replay) * per}
	b.LateBroadcast = b.PerBroadcast + late*per
	if info.DailyUnits > 0 && b.LateBroadcast > 0 {
		b.PerDay = (info.DailyUnits - b.IdlePerDay) / b.LateBroadcast
	}
	return b
}

// String says the budget in a sentence.
func (b Budget) String() string {
	if b.DailyUnits == 0 {
		return fmt.Sprintf("no daily quota (rate-limited only); onair makes about %d calls a quiet day and %d per broadcast of an hour",
			b.IdlePerDay/b.PerCall, b.PerBroadcast/b.PerCall)
	}
	return fmt.Sprintf("daily quota %d units; onair spends about %d a quiet day, %d per broadcast of an hour (%d when it starts 30 min late): up to %d broadcasts a day",
		b.DailyUnits, b.IdlePerDay, b.PerBroadcast, b.LateBroadcast, b.PerDay)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
