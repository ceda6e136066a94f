package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/templates"
)

// change is one write the plan makes: a new post, or new values for an existing pending one.
type change struct {
	create   *models.Post
	id       int64
	cols     map[string]any
	cancel   bool
	tooLong  string // "teaser 7d on brand-x: ..." when the text does not fit
	badImage string // "teaser 7d on brand-x: image ..." when the network refuses the picture
	newStat  models.PostStatus
	noop     bool // nothing to write: kept so the plan's error can still name the post
}

func (c change) status() models.PostStatus { return c.newStat }

// apply writes an update to an existing post (new posts are inserted in bulk by PlanMany).
func (c change) apply(ctx context.Context, tx *models.Store, res *PlanResult) error {
	if c.noop {
		res.Unchanged++
		return nil
	}
	// A post a dispatcher claimed meanwhile is no longer pending: leave it alone.
	ok, err := tx.UpdatePost(ctx, c.id, []models.PostStatus{models.PostPlanned, models.PostHeld, models.PostInvalid, models.PostCancelled, models.PostSkipped}, c.cols)
	if err != nil {
		return fmt.Errorf("update post %d: %w", c.id, err)
	}
	if ok {
		if c.cancel {
			res.Cancelled++
		} else {
			res.Updated++
		}
	}
	return nil
}

// invalidateAll marks every pending post invalid with reason: the row cannot be planned, so what
// was planned from an earlier version of it must not go out.
func invalidateAll(existing []models.Post, reason string) []change {
	var out []change
	for _, p := range existing {
		if !models.Pending(p.Status) || (p.Status == models.PostInvalid && p.Error == reason) {
			continue
		}
		out = append(out, change{id: p.ID, newStat: models.PostInvalid,
			cols: map[string]any{"status": models.PostInvalid, "error": reason}})
	}
	return out
}

// diff compares the wanted steps with the posts that exist and returns the writes to make.
func (p *Planner) diff(b *models.Broadcast, camp *models.Campaign, steps []step, existing []models.Post, cache *campaignCache, now time.Time) ([]change, error) {
	var byKey map[stepKey]models.Post
	if len(existing) > 0 {
		byKey = make(map[stepKey]models.Post, len(existing))
	}
	for _, post := range existing {
		byKey[postKey(post)] = post
	}
	var set *templates.Set
	if len(steps) > 0 {
		var err error
		if set, err = p.templateSet(camp); err != nil {
			return nil, &RowError{Msg: fmt.Sprintf("campaign %q templates: %v", camp.Name, err)}
		}
	}
	d := stepDiff{b: b, camp: camp, set: set, cache: cache, pc: cache.parse(camp), texts: cache.texts(), now: now, words: p.words}
	var wanted map[stepKey]bool // for the posts that exist: a new broadcast has none
	if len(existing) > 0 {
		wanted = make(map[stepKey]bool, len(steps))
	}
	out := make([]change, 0, len(steps))
	for _, s := range steps {
		if wanted != nil {
			wanted[s.key()] = true
		}
		old, exists := byKey[s.key()]
		var prev *models.Post
		if exists {
			prev = &old
		}
		c, ok, err := d.change(s, prev)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return append(out, dropped(b, existing, wanted)...), nil
}

// stepDiff is what diff compares each step with, for one broadcast.
type stepDiff struct {
	b     *models.Broadcast
	camp  *models.Campaign
	set   *templates.Set
	cache *campaignCache
	pc    *parsedCampaign
	texts *broadcastTexts
	now   time.Time
	words func(error) string // Planner.words
}

// change is the write one step needs given its post old (nil when it has none), if any.
func (d *stepDiff) change(s step, old *models.Post) (c change, ok bool, err error) {
	if old != nil && !models.Pending(old.Status) && !revivable(*old) {
		return c, false, nil // sent, sending, failed, skipped by hand, unknown: history, never re-planned
	}
	if reason := cmp.Or(overtaken(d.b, s.kind), s.drop); reason != "" {
		if old != nil && models.Pending(old.Status) {
			return cancelChange(*old, reason), true, nil
		}
		return c, false, nil
	}
	gone := s.gone(d.now)
	if gone && (old == nil || revivable(*old)) {
		// A step whose time (or window) has already passed is not created; a cancelled (or
		// missed) one stays so.
		return c, false, nil
	}
	text, err := d.text(s, old)
	if err != nil {
		return c, false, err
	}
	n, max, lerr := d.texts.measure(s.channel.Network, d.cache.limit(s.channel), text)
	opts := postOptions(d.b, d.camp, s)
	v, err := d.verdict(s, opts, lerr)
	if err != nil {
		return c, false, err
	}
	if old == nil {
		return change{newStat: v.status, tooLong: v.tooLong, badImage: v.badImage, create: &models.Post{
			BroadcastID: d.b.ID, ChannelID: s.channel.ID, Kind: s.kind, Step: s.label,
			DueAt: models.NewTime(s.due), ExpiresAt: models.NewTime(s.expires), Text: text, Length: n, MaxLength: max,
			Status: v.status, Error: v.errText, Options: d.cache.encode(opts),
		}}, true, nil
	}
	if !revivable(*old) && !old.DueAt.Time.Equal(s.due) && gone {
		// Re-planning moved this step into the past: it would go out late and wrong.
		return cancelChange(*old, "the broadcast was rescheduled and this step's time has passed"), true, nil
	}
	want := models.Post{DueAt: models.NewTime(s.due), ExpiresAt: models.NewTime(s.expires), Text: text, Length: n, MaxLength: max,
		Status: v.status, Error: v.errText, Options: d.cache.encode(opts)}
	if cols := updatedColumns(*old, want); len(cols) > 0 {
		return change{id: old.ID, cols: cols, newStat: v.status, tooLong: v.tooLong, badImage: v.badImage}, true, nil
	}
	if v.status == models.PostInvalid {
		return change{id: old.ID, noop: true, newStat: v.status, tooLong: v.tooLong, badImage: v.badImage}, true, nil
	}
	return c, false, nil
}

// text renders a step's post, or keeps old's words when they must not change.
func (d *stepDiff) text(s step, old *models.Post) (string, error) {
	b := d.b
	text, err := d.texts.render(d.set, templates.Data{
		Kind: s.kind, Step: s.label, Index: s.index,
		Title: b.Title, Description: b.Description, Campaign: d.camp.Name,
		Start: startFor(b, s), End: b.EndsAt(), Due: s.due, Location: d.pc.loc, Lang: d.camp.Lang,
		WatchURL: b.WatchURL, ReplayURL: b.ReplayURL, Hashtags: d.pc.hashtags,
		Network: s.channel.Network,
	})
	if err != nil {
		return "", &RowError{Msg: fmt.Sprintf("%s %s post: %v", s.kind, s.label, err)}
	}
	if old != nil && (old.Edited || triedUnsure(*old)) {
		// Edited by hand: a person's words win. Tried already with no answer: the network may
		// have it in these words, and on X and GoToSocial the words are what tells a resend
		// from a new post: new words would publish it twice.
		return old.Text, nil
	}
	return text, nil
}

// verdict is whether a step's post can go out as planned, and if not why.
type verdict struct {
	status            models.PostStatus
	errText           string
	tooLong, badImage string // for the plan's error: see change
}

// verdict checks a step's post: its length (lerr, from measure), its picture, its replay URL.
func (d *stepDiff) verdict(s step, opts models.PostOptions, lerr error) (verdict, error) {
	v := verdict{status: models.PostPlanned}
	if _, ok := errors.AsType[*posting.TooLong](lerr); ok {
		v.status = models.PostInvalid
		v.tooLong = fmt.Sprintf("%s %s on %s: %v", s.kind, s.label, s.channel.Name, lerr)
		v.errText = d.words(&models.Error{Code: models.EInvalid, Fix: models.FixShorten, Broadcast: d.b.ID, Kind: s.kind, Message: lerr.Error()})
		return v, nil
	}
	if lerr != nil {
		return v, lerr
	}
	if opts.Image != "" {
		if ierr := d.cache.checkImage(s.channel.Network, opts.Image); ierr != nil {
			v.status = models.PostInvalid
			v.badImage = fmt.Sprintf("%s %s on %s: %v", s.kind, s.label, s.channel.Name, ierr)
			v.errText = d.words(&models.Error{Code: models.EInvalid, Fix: models.FixImage, Broadcast: d.b.ID, Message: ierr.Error()})
			return v, nil
		}
	}
	if s.hold != "" {
		v.status, v.errText = models.PostHeld, s.hold
		return v, nil
	}
	if s.kind == models.KindReplay && d.b.ReplayURL == "" {
		v.status = models.PostHeld
		v.errText = d.words(&models.Error{Code: models.EWaiting, Fix: models.FixReplayURL, Broadcast: d.b.ID, Message: "waiting for the replay URL"})
	}
	return v, nil
}

// updatedColumns are the columns of old that differ from want's (the plan's values).
func updatedColumns(old, want models.Post) map[string]any {
	cols := map[string]any{}
	if !old.DueAt.Time.Equal(want.DueAt.Time) {
		cols["due_at"] = want.DueAt
	}
	if !old.ExpiresAt.Time.Equal(want.ExpiresAt.Time) {
		cols["expires_at"] = want.ExpiresAt
	}
	if old.Text != want.Text {
		cols["text"] = want.Text
	}
	if old.Length != want.Length {
		cols["length"] = want.Length
	}
	if old.MaxLength != want.MaxLength {
		cols["max_length"] = want.MaxLength
	}
	if old.Status != want.Status {
		cols["status"] = want.Status
	}
	if old.Error != want.Error {
		cols["error"] = want.Error
	}
	if old.Error == waitingForBroadcast && !old.NextAttemptAt.IsZero() {
		cols["next_attempt_at"] = models.Time{} // the plan knows the post's moment now
	}
	if old.Options != want.Options {
		cols["options"] = want.Options
	}
	return cols
}

// dropped cancels the pending posts of existing that no wanted step keeps.
func dropped(b *models.Broadcast, existing []models.Post, wanted map[stepKey]bool) []change {
	var out []change
	for _, post := range existing {
		if wanted[postKey(post)] || !models.Pending(post.Status) {
			continue
		}
		reason := "no longer in the plan (the campaign's cadence or channels changed)"
		if b.Status == models.BroadcastCancelled {
			reason = "the broadcast was cancelled"
		}
		out = append(out, cancelChange(post, reason))
	}
	return out
}

// postOptions resolves what a step's post goes out with besides its text: the campaign's language
// and audience; a place in the broadcast's thread for reminders, live and replay posts when the
// campaign threads them (on networks that have replies); and the broadcast's picture, else the
// campaign's, on teasers (and on every Bluesky post, as its link card's picture).
func postOptions(b *models.Broadcast, camp *models.Campaign, s step) models.PostOptions {
	o := models.PostOptions{Lang: camp.Lang, Visibility: camp.Visibility}
	o.Thread = camp.Thread && s.kind != models.KindTeaser && posting.HasReplies(s.channel.Network)
	image, alt := b.Image, b.ImageAlt
	if image == "" {
		image, alt = camp.Image, camp.ImageAlt
	}
	// The one place that decides which posts carry the picture: adapters post the one they get.
	if image != "" && (s.kind == models.KindTeaser || posting.PictureOnAll(s.channel.Network)) {
		o.Image, o.ImageAlt = image, alt
		if o.ImageAlt == "" {
			o.ImageAlt = b.Title
		}
	}
	return o
}

// overtaken says why a step is no longer worth sending given the broadcast's status: once live,
// teasers and reminders are moot; once ended, so is the "we are live" post. Such posts are
// cancelled, not skipped: reopening the broadcast (or rescheduling it) may plan them again.
func overtaken(b *models.Broadcast, kind models.Kind) string {
	switch {
	case b.Status == models.BroadcastLive && (kind == models.KindTeaser || kind == models.KindReminder):
		return "the broadcast went live before it was due"
	case b.Status == models.BroadcastEnded && kind != models.KindReplay:
		return "the broadcast ended before it was due"
	}
	return ""
}

// gone reports whether a step's moment has passed at now. An announcement (teaser, reminder)
// is gone once its due time has passed: it would go out late and say the wrong thing. The live
// and replay posts are meant to go at a moment that may be now or a little before (going live,
// ending with the replay right away): they are gone only once their window has closed.
func (s step) gone(now time.Time) bool {
	if s.kind == models.KindLive || s.kind == models.KindReplay {
		return !s.expires.IsZero() && !s.expires.After(now)
	}
	return s.due.Before(now)
}

// startFor is the start a step's text speaks of: the real start for the live post, the
// scheduled one for announcements.
func startFor(b *models.Broadcast, s step) time.Time {
	if s.kind == models.KindLive {
		return s.due
	}
	return b.Start()
}

// revivable reports whether a post that did not go out may be planned again when its step's
// moment is ahead once more (a reopen, a reschedule, a new start): a cancelled post, or one
// skipped because its window passed unsent. A post skipped by hand never is.
func revivable(p models.Post) bool {
	return p.Status == models.PostCancelled ||
		p.Status == models.PostSkipped && strings.HasPrefix(p.Error, models.WindowPassed)
}

// triedUnsure reports whether p waits for a retry after a try the network did not confirm (the
// rule cancelChange follows): it may be out there as it was sent.
func triedUnsure(p models.Post) bool {
	return p.Status == models.PostPlanned && p.Attempts > 0
}

// cancelChange cancels a pending post. One that was tried already, with an outcome the network
// could not confirm (it waits for a retry), may be out there: it becomes unknown instead, for a
// person to check, and is never sent again under another plan.
func cancelChange(p models.Post, reason string) change {
	if triedUnsure(p) {
		return change{id: p.ID, cancel: true, newStat: models.PostUnknown,
			cols: map[string]any{"status": models.PostUnknown, "error": reason + mayBeOut}}
	}
	return change{id: p.ID, cancel: true, newStat: models.PostCancelled,
		cols: map[string]any{"status": models.PostCancelled, "error": reason}}
}

// broadcastTexts remembers the texts one broadcast's plan rendered and measured: a step posted on
// several channels of the same network (two webhooks, two Mastodon accounts) has the same text
// and length on each, worked out once. A broadcast has a few dozen steps at most: a list will do.
// The planning pass reuses its lists from one broadcast to the next (campaignCache.texts).
type broadcastTexts struct {
	rendered []renderedText
	measured []measuredText
}

type renderedText struct {
	data templates.Data
	text string
	err  error
}

type measuredText struct {
	network string
	limit   posting.Limit
	text    string
	n, max  int
	err     error
}

// render is set.Render(d), once per distinct d.
func (t *broadcastTexts) render(set *templates.Set, d templates.Data) (string, error) {
	for _, r := range t.rendered {
		if r.data.Same(d) {
			return r.text, r.err
		}
	}
	text, err := set.Render(d)
	t.rendered = append(t.rendered, renderedText{d, text, err})
	return text, err
}

// measure is Measure on network with the channel's limit l, once per network, limit and text.
func (t *broadcastTexts) measure(network string, l posting.Limit, text string) (n, max int, err error) {
	for _, m := range t.measured {
		if m.network == network && m.limit == l && m.text == text {
			return m.n, m.max, m.err
		}
	}
	n, max, err = measure(network, l, text)
	t.measured = append(t.measured, measuredText{network, l, text, n, max, err})
	return n, max, err
}
