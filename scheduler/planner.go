// Package scheduler turns broadcasts into posts and posts into messages sent on time: the
// lifecycle (lifecycle.go: the one transition table of broadcasts and posts, and the only code
// that changes their state outside sending), the planner (broadcast -> posts), the reconciler
// (notices changed broadcasts, CMS writes included, and makes the clock's moves) and, from the
// daemon on, the dispatcher.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/templates"
)

// Planner expands broadcasts into posts and keeps them in step with their broadcast.
type Planner struct {
	store *models.Store
	now   func() time.Time
	log   *slog.Logger
	// Remedy words the reasons the planner stores (a broadcast's or a post's error), which the
	// CLI and a CMS read: what is wrong and the command to type (the CLI passes its hints, as
	// to DispatchConfig.Remedy). Without one, a reason is the error's own message.
	Remedy func(error) string

	mu    sync.Mutex
	cache map[string]cachedSet
}

type cachedSet struct {
	set    *templates.Set
	err    error
	loaded time.Time
}

// templateTTL bounds how long a loaded template set is reused, so a daemon picks up a marketer's
// edits to a campaign's template directory without a restart.
const templateTTL = 10 * time.Second

// NewPlanner returns a planner over store. now is the clock (time.Now when nil).
func NewPlanner(store *models.Store, now func() time.Time, log *slog.Logger) *Planner {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Planner{store: store, now: now, log: log, cache: map[string]cachedSet{}}
}

// PlanResult says what a plan changed.
type PlanResult struct {
	BroadcastID int64  `json:"broadcast_id"`
	Revision    int64  `json:"revision"`
	Created     int    `json:"created"`
	Updated     int    `json:"updated"`
	Cancelled   int    `json:"cancelled"`
	Unchanged   int    `json:"unchanged"`
	Invalid     int    `json:"invalid"`
	Error       string `json:"error,omitempty"` // what is wrong with the broadcast row or its posts
}

// Changed reports whether the plan touched any post.
func (r PlanResult) Changed() bool { return r.Created+r.Updated+r.Cancelled > 0 }

// RowError is a problem with a broadcast's data (not with the database): it is recorded in the
// row's error column, and the broadcast gets no posts until it is fixed.
type RowError struct{ Msg string }

func (e *RowError) Error() string { return e.Msg }

func rowErr(format string, args ...any) error { return &RowError{Msg: fmt.Sprintf(format, args...)} }

// rowError is the RowError of a coded error, worded by p.Remedy.
func (p *Planner) rowError(e *models.Error) error { return &RowError{Msg: p.words(e)} }

// words is what a person reads of err in a stored reason: see Planner.Remedy.
func (p *Planner) words(err error) string {
	if p.Remedy != nil {
		return p.Remedy(err)
	}
	return err.Error()
}

// step is one post the plan wants.
type step struct {
	channel *models.Channel // in its campaign's Channels
	kind    models.Kind
	label   string
	due     time.Time
	expires time.Time // past this the post is useless (zero: never)
	index   int
	// hold, drop: a live post held for its platform's real start, or dropped after the grace
	// (see liveWait, sync_plan.go).
	hold, drop string
}

func (s step) key() stepKey { return stepKey{s.channel.ID, s.kind, s.label} }

// stepKey names a post of a broadcast: one per channel, kind and cadence step (the database's
// unique key).
type stepKey struct {
	channel int64
	kind    models.Kind
	label   string
}

func postKey(p models.Post) stepKey { return stepKey{p.ChannelID, p.Kind, p.Step} }

// Plan brings one broadcast's posts in line with its row: new steps are created, pending posts
// follow the new time and text (hand-edited text is kept), steps no longer wanted are cancelled,
// and posts already sent or being sent are never touched. Planning twice changes nothing.
func (p *Planner) Plan(ctx context.Context, broadcastID int64) (PlanResult, error) {
	res, err := p.PlanMany(ctx, []int64{broadcastID})
	if err != nil {
		return PlanResult{}, err
	}
	return res[0], nil
}

// PlanMany plans several broadcasts together: one read of their rows and posts, one transaction
// for all the writes (new posts inserted in bulk). It is how the reconciler keeps up with a CMS
// writing thousands of rows.
func (p *Planner) PlanMany(ctx context.Context, ids []int64) ([]PlanResult, error) {
	res, err := p.planMany(ctx, ids)
	if err != nil && models.IsConflict(err) {
		// Another process (the daemon, a second CLI) planned the same broadcast at the same
		// moment and created the same posts first: plan again from what it wrote.
		res, err = p.planMany(ctx, ids)
	}
	return res, err
}

func (p *Planner) planMany(ctx context.Context, ids []int64) ([]PlanResult, error) {
	pl, err := p.prepare(ctx, ids, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	return p.save(ctx, pl)
}

// batchPlan is what planning some broadcasts writes, worked out before the transaction that
// writes it.
type batchPlan struct {
	ids     []int64
	results []PlanResult
	changes [][]change
	// rawStarts are start times a CMS wrote in another accepted form (Unix seconds...), by
	// broadcast: saving the plan rewrites them in onair's own.
	rawStarts map[int64]string
}

// prepare reads broadcasts and their posts and works out their plans: templates rendered,
// lengths checked. The broadcasts are independent, so a large batch is shared among up to
// workers goroutines.
func (p *Planner) prepare(ctx context.Context, ids []int64, workers int) (*batchPlan, error) {
	bs, err := p.store.BroadcastsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := bs[id]; !ok {
			return nil, fmt.Errorf("broadcast %d: %w", id, models.ErrNotFound)
		}
	}
	existingAll, err := p.store.PostsOfBroadcasts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load posts: %w", err)
	}
	raw, err := p.store.RawStarts(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := p.now()
	pl := &batchPlan{ids: ids, results: make([]PlanResult, len(ids)), changes: make([][]change, len(ids)), rawStarts: raw}
	err = inParts(len(ids), workers, func(from, to int) error {
		cache := newCampaignCache()
		for i := from; i < to; i++ {
			b := bs[ids[i]]
			var err error
			if pl.results[i], pl.changes[i], err = p.changes(ctx, &b, existingAll[ids[i]], cache, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pl, nil
}

// partMin is the fewest broadcasts worth a goroutine of their own.
const partMin = 32

// inParts calls fn on consecutive parts of [0, n), workers at most, at once; it returns the
// error of the first part that failed, as a loop over the whole would.
func inParts(n, workers int, fn func(from, to int) error) error {
	parts := min(workers, n/partMin)
	if parts <= 1 {
		return fn(0, n)
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = fn(k*n/parts, (k+1)*n/parts)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// save writes a prepared plan in one transaction: updates one by one, new posts in bulk, and
// the revisions planned.
func (p *Planner) save(ctx context.Context, pl *batchPlan) ([]PlanResult, error) {
	results := pl.results
	err := p.store.Tx(ctx, func(tx *models.Store) error {
		var creates []*models.Post
		for i := range pl.ids {
			for _, c := range pl.changes[i] {
				if c.create != nil {
					creates = append(creates, c.create)
					results[i].Created++
					continue
				}
				if err := c.apply(ctx, tx, &results[i]); err != nil {
					return err
				}
			}
		}
		if err := tx.CreatePosts(ctx, creates); err != nil {
			return fmt.Errorf("create posts: %w", err)
		}
		for i, id := range pl.ids {
			raw, ok := pl.rawStarts[id]
			if !ok {
				continue
			}
			t, err := models.ParseTime(raw)
			if err != nil || t.Year() < 1970 || t.Year() > 9999 {
				continue // not a time: the row's error says so
			}
			wrote, err := tx.NormalizeStart(ctx, id, raw, t)
			if err != nil {
				return fmt.Errorf("normalise broadcast %d start: %w", id, err)
			}
			if wrote {
				// The same instant, written in onair's form: the trigger counted it as a
				// change (revision + 1), which this plan already covers.
				results[i].Revision++
			}
		}
		acks := make([]models.PlanAck, len(pl.ids))
		for i, id := range pl.ids {
			acks[i] = models.PlanAck{ID: id, Revision: results[i].Revision, Error: results[i].Error}
		}
		return tx.AckPlans(ctx, acks)
	})
	if err != nil {
		return nil, fmt.Errorf("save plan: %w", err)
	}
	return results, nil
}

// changes computes what one broadcast's plan writes, and its result.
func (p *Planner) changes(ctx context.Context, b *models.Broadcast, existing []models.Post, cache *campaignCache, now time.Time) (PlanResult, []change, error) {
	res := PlanResult{BroadcastID: b.ID, Revision: b.Revision}
	camp, steps, err := p.steps(ctx, b, cache)
	var rowError *RowError
	if err != nil && !errors.As(err, &rowError) {
		return res, nil, err
	}
	var changes []change
	if rowError != nil {
		res.Error = rowError.Msg
		changes = invalidateAll(existing, "the broadcast row has an error: "+rowError.Msg)
	} else {
		changes, err = p.diff(b, camp, steps, existing, cache, now)
		if err != nil {
			if !errors.As(err, &rowError) {
				return res, nil, err
			}
			res.Error = rowError.Msg
			changes = invalidateAll(existing, "the broadcast cannot be planned: "+rowError.Msg)
		}
	}
	var tooLong, badImage []string
	for _, c := range changes {
		if c.status() == models.PostInvalid {
			res.Invalid++
			if c.tooLong != "" {
				tooLong = append(tooLong, c.tooLong)
			}
			if c.badImage != "" {
				badImage = append(badImage, c.badImage)
			}
		}
	}
	if res.Error == "" {
		var problems []string
		if len(tooLong) > 0 {
			problems = append(problems, p.words(&models.Error{Code: models.EInvalid, Fix: models.FixShorten, Broadcast: b.ID,
				Message: fmt.Sprintf("%d post(s) too long: %s", len(tooLong), strings.Join(tooLong, "; "))}))
		}
		if len(badImage) > 0 {
			problems = append(problems, fmt.Sprintf("%d post(s) with a picture their network refuses: %s",
				len(badImage), strings.Join(badImage, "; ")))
		}
		res.Error = strings.Join(problems, "; ")
	}
	return res, changes, nil
}

// campaignCache holds what one planning pass (or one goroutine of it) has loaded and worked out
// once: campaigns, their parsed cadence, zone and hashtags, channel limits, encoded post options
// and the pictures it checked. It is not safe for concurrent use.
type campaignCache struct {
	byID    map[int64]*models.Campaign
	byName  map[string]*models.Campaign
	parsed  map[*models.Campaign]*parsedCampaign
	images  map[string]error                  // by network and path
	limits  map[*models.Channel]posting.Limit // channels of the campaigns in byID and byName
	options map[models.PostOptions]string
	memo    broadcastTexts
	follow  followCache // sync_plan.go
}

// texts returns the cache's broadcastTexts, emptied for a new broadcast.
func (c *campaignCache) texts() *broadcastTexts {
	clear(c.memo.rendered)
	clear(c.memo.measured)
	c.memo.rendered, c.memo.measured = c.memo.rendered[:0], c.memo.measured[:0]
	return &c.memo
}

// parsedCampaign is a campaign's settings as the planner uses them.
type parsedCampaign struct {
	loc      *time.Location
	locErr   error
	groups   [3][]models.Offset // teasers, reminders, replays
	errs     [3]error
	hashtags []string
}

func newCampaignCache() *campaignCache {
	return &campaignCache{byID: map[int64]*models.Campaign{}, byName: map[string]*models.Campaign{},
		parsed: map[*models.Campaign]*parsedCampaign{}, images: map[string]error{},
		limits: map[*models.Channel]posting.Limit{}, options: map[models.PostOptions]string{}}
}

// parse returns camp's settings parsed, once per pass.
func (c *campaignCache) parse(camp *models.Campaign) *parsedCampaign {
	if pc := c.parsed[camp]; pc != nil {
		return pc
	}
	pc := &parsedCampaign{hashtags: camp.HashtagList()}
	pc.loc, pc.locErr = camp.Location()
	for i, list := range []string{camp.Teasers, camp.Reminders, camp.ReplayAfter} {
		pc.groups[i], pc.errs[i] = models.ParseOffsets(list)
	}
	c.parsed[camp] = pc
	return pc
}

// limit is ChannelLimit, read once per channel.
func (c *campaignCache) limit(ch *models.Channel) posting.Limit {
	l, ok := c.limits[ch]
	if !ok {
		l = ChannelLimit(*ch)
		c.limits[ch] = l
	}
	return l
}

// encode is o.Encode, once per distinct set of options.
func (c *campaignCache) encode(o models.PostOptions) string {
	s, ok := c.options[o]
	if !ok {
		s = o.Encode()
		c.options[o] = s
	}
	return s
}

// checkImage says whether network takes the picture at path, reading the file once per pass.
func (c *campaignCache) checkImage(network, path string) error {
	key := network + "\x00" + path
	if err, ok := c.images[key]; ok {
		return err
	}
	_, err := posting.CheckImage(network, path)
	c.images[key] = err
	return err
}

// steps resolves the broadcast's campaign and lists the posts its cadence wants, or a RowError
// saying what is wrong with the row.
func (p *Planner) steps(ctx context.Context, b *models.Broadcast, cache *campaignCache) (*models.Campaign, []step, error) {
	camp, err := p.campaign(ctx, b, cache)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRow(b); err != nil { // scheduler/validate.go
		return camp, nil, err
	}
	if strings.TrimSpace(b.Title) == "" {
		return camp, nil, p.rowError(&models.Error{Code: models.EInvalid, Fix: models.FixTitle, Broadcast: b.ID, Message: "the broadcast has no title"})
	}
	if b.StartsAt.Invalid != "" {
		_, perr := models.ParseTime(b.StartsAt.Invalid)
		return camp, nil, rowErr("starts_at: %v", perr)
	}
	if b.StartsAt.IsZero() {
		return camp, nil, rowErr("the broadcast has no start time; set starts_at (RFC 3339, \"YYYY-MM-DD HH:MM:SS\" in UTC, or Unix seconds)")
	}
	if !slices.Contains(models.BroadcastStatuses, b.Status) {
		return camp, nil, rowErr("status %q not known; use one of %s", b.Status, models.Join(models.BroadcastStatuses, ", "))
	}
	for _, u := range []string{b.WatchURL, b.ReplayURL} {
		if err := models.ValidWatchURL(u); err != nil {
			return camp, nil, &RowError{Msg: err.Error()}
		}
	}
	if b.Status == models.BroadcastCancelled {
		return camp, nil, nil
	}
	pc := cache.parse(camp)
	if pc.locErr != nil {
		return camp, nil, rowErr("campaign %q: %v", camp.Name, pc.locErr)
	}
	loc := pc.loc
	type group struct {
		kind  models.Kind
		index int // in parsedCampaign.groups
		after bool
	}
	start, end := b.StartsAt.Time, b.EndsAt()
	liveAt := b.Start()
	if b.StartedAt.IsZero() && b.Status != models.BroadcastScheduled && p.now().Before(liveAt) {
		liveAt = p.now() // marked live (or ended) early, with no start time given: now is the start
		if b.EndedAt.IsZero() {
			end = liveAt.Add(b.Duration())
		}
	}
	hold, drop, err := p.liveWait(ctx, b, camp, cache)
	if err != nil {
		return camp, nil, err
	}
	replayHold, err := p.replayWait(ctx, b, camp, cache)
	if err != nil {
		return camp, nil, err
	}
	out := make([]step, 0, len(camp.Channels)*(len(pc.groups[0])+len(pc.groups[1])+len(pc.groups[2])+1))
	for c := range camp.Channels {
		ch := &camp.Channels[c]
		for _, g := range []group{
			{models.KindTeaser, 0, false},
			{models.KindReminder, 1, false},
			{models.KindReplay, 2, true},
		} {
			offs, err := pc.groups[g.index], pc.errs[g.index]
			if err != nil {
				return camp, nil, rowErr("campaign %q %ss: %v", camp.Name, g.kind, err)
			}
			from := len(out)
			for _, o := range offs {
				s := step{channel: ch, kind: g.kind, label: o.Label}
				if g.after {
					s.hold = replayHold
				}
				if g.after {
					s.due = o.After(end, loc)
					s.expires = s.due.Add(ReplayWindow)
				} else {
					s.due = o.Before(start, loc)
					s.expires = announceExpiry(s.due, start)
				}
				out = append(out, s)
			}
			group := out[from:]
			slices.SortStableFunc(group, func(a, b step) int { return a.due.Compare(b.due) })
			for i := range group {
				group[i].index = i
			}
		}
		out = append(out, step{channel: ch, kind: models.KindLive, label: "0", due: liveAt, expires: end, hold: hold, drop: drop})
	}
	return camp, out, nil
}

// ReplayWindow is how long after its due time a replay post is still worth sending.
const ReplayWindow = 24 * time.Hour

// announceExpiry is when a teaser or reminder due at due for a start at start stops being useful:
// at the start at the latest, and sooner when its lead time has mostly passed (a "starts in 1 hour"
// reminder sent 40 minutes late would mislead): a quarter of the lead time after it was due.
func announceExpiry(due, start time.Time) time.Time {
	lead := start.Sub(due)
	if lead <= 0 {
		return start
	}
	exp := due.Add(lead / 4)
	if exp.Before(due.Add(time.Minute)) {
		exp = due.Add(time.Minute)
	}
	if exp.After(start) {
		exp = start
	}
	return exp
}

// campaign resolves the row's campaign, by id or, for a CMS that knows campaigns by name, by name.
func (p *Planner) campaign(ctx context.Context, b *models.Broadcast, cache *campaignCache) (*models.Campaign, error) {
	var (
		c   *models.Campaign
		err error
	)
	switch {
	case b.CampaignID != nil:
		if c = cache.byID[*b.CampaignID]; c == nil {
			if c, err = p.store.CampaignByID(ctx, *b.CampaignID); err == nil {
				cache.byID[c.ID] = c
			}
		}
	case b.CampaignName != nil && strings.TrimSpace(*b.CampaignName) != "":
		key := strings.ToLower(strings.TrimSpace(*b.CampaignName))
		if c = cache.byName[key]; c == nil {
			if c, err = p.store.CampaignByName(ctx, *b.CampaignName); err == nil {
				cache.byName[key] = c
			}
		}
	default:
		return nil, rowErr("the broadcast has no campaign; set campaign_id or campaign (the campaign's name)")
	}
	if errors.Is(err, models.ErrNotFound) {
		names, _ := p.store.CampaignNames(ctx)
		if len(names) == 0 {
			return nil, p.rowError(&models.Error{Code: models.ENotFound, Fix: models.FixCreate, Message: fmt.Sprintf("%v; known campaigns: none yet", err)})
		}
		return nil, rowErr("%v; known campaigns: %s", err, strings.Join(names, ", "))
	}
	if err != nil {
		return nil, err
	}
	if len(c.Channels) == 0 {
		return c, p.rowError(&models.Error{Code: models.EInvalid, Fix: models.FixChannels, Campaign: c.Name,
			Message: fmt.Sprintf("campaign %q has no channel to post to", c.Name)})
	}
	return c, nil
}

// templateSet returns the campaign's templates, cached for templateTTL.
func (p *Planner) templateSet(c *models.Campaign) (*templates.Set, error) {
	key := c.Lang + "\x00" + c.TemplatesDir
	p.mu.Lock()
	defer p.mu.Unlock()
	if cs, ok := p.cache[key]; ok && p.now().Sub(cs.loaded) < templateTTL && p.now().Sub(cs.loaded) >= 0 {
		return cs.set, cs.err
	}
	set, err := templates.Load(c.Lang, c.TemplatesDir)
	p.cache[key] = cachedSet{set: set, err: err, loaded: p.now()}
	return set, err
}

// ChannelLimit returns the text limit of a channel: its network's default, or what its settings
// say (a Mastodon instance may allow more than 500 characters).
func ChannelLimit(ch models.Channel) posting.Limit {
	l := posting.DefaultLimit(ch.Network)
	if s, err := ParseSettings(ch); err == nil {
		if s.MaxLength > 0 {
			l.Max = s.MaxLength
		}
		if s.URLWeight > 0 {
			l.URLWeight = s.URLWeight
		}
	}
	return l
}

// Measure counts text as the channel's network does and says whether it fits.
func Measure(ch models.Channel, text string) (n, max int, err error) {
	return measure(ch.Network, ChannelLimit(ch), text)
}

func measure(network string, l posting.Limit, text string) (n, max int, err error) {
	n, err = posting.Check(network, l, text)
	return n, l.Max, err
}
