package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
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
	newStat  string
	noop     bool // nothing to write: kept so the plan's error can still name the post
}

func (c change) status() string { return c.newStat }

// apply writes an update to an existing post (new posts are inserted in bulk by PlanMany).
func (c change) apply(ctx context.Context, tx *models.Store, res *PlanResult) error {
	if c.noop {
		res.Unchanged++
		return nil
	}
	// A post a dispatcher claimed meanwhile is no longer pending: leave it alone.
	ok, err := tx.UpdatePost(ctx, c.id, []string{models.PostPlanned, models.PostHeld, models.PostInvalid, models.PostCancelled, models.PostSkipped}, c.cols)
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
	pc := cache.parse(camp)
	texts := cache.texts()
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
		if exists && !models.Pending(old.Status) && !revivable(old) {
			continue // sent, sending, failed, skipped by hand, unknown: history, never re-planned
		}
		if reason := cmp.Or(overtaken(b, s.kind), s.drop); reason != "" {
			if exists && models.Pending(old.Status) {
				out = append(out, cancelChange(old, reason))
			}
			continue
		}
		gone := s.gone(now)
		if !exists && gone {
			continue // a step whose time (or window) has already passed is not created
		}
		if exists && revivable(old) && gone {
			continue // a cancelled (or missed) step whose time has passed stays so
		}
		text, err := texts.render(set, templates.Data{
			Kind: s.kind, Step: s.label, Index: s.index,
			Title: b.Title, Description: b.Description, Campaign: camp.Name,
			Start: startFor(b, s), End: b.EndsAt(), Due: s.due, Location: pc.loc, Lang: camp.Lang,
			WatchURL: b.WatchURL, ReplayURL: b.ReplayURL, Hashtags: pc.hashtags,
			Network: s.channel.Network,
		})
		if err != nil {
			return nil, &RowError{Msg: fmt.Sprintf("%s %s post: %v", s.kind, s.label, err)}
		}
		if exists && (old.Edited || triedUnsure(old)) {
			// Edited by hand: a person's words win. Tried already with no answer: the network
			// may have it in these words, and on X and GoToSocial the words are what tells a
			// resend from a new post: new words would publish it twice.
			text = old.Text
		}
		n, max, lerr := texts.measure(s.channel.Network, cache.limit(s.channel), text)
		opts := postOptions(b, camp, s)
		status, errText, tooLong, badImage := models.PostPlanned, "", "", ""
		var tl *posting.TooLong
		switch {
		case errors.As(lerr, &tl):
			status = models.PostInvalid
			tooLong = fmt.Sprintf("%s %s on %s: %v", s.kind, s.label, s.channel.Name, lerr)
			errText = fmt.Sprintf("%v; shorten it with `onair post edit` or change the %s template", lerr, s.kind)
		case lerr != nil:
			return nil, lerr
		case opts.Image != "" && cache.checkImage(s.channel.Network, opts.Image) != nil:
			ierr := cache.checkImage(s.channel.Network, opts.Image)
			status = models.PostInvalid
			badImage = fmt.Sprintf("%s %s on %s: %v", s.kind, s.label, s.channel.Name, ierr)
			errText = fmt.Sprintf("%v; set another with `onair broadcast edit %d --image FILE` or `onair campaign edit --image FILE`", ierr, b.ID)
		case s.hold != "":
			status, errText = models.PostHeld, s.hold
		case s.kind == models.KindReplay && b.ReplayURL == "":
			status = models.PostHeld
			errText = "waiting for the replay URL: `onair broadcast edit " + strconv.FormatInt(b.ID, 10) + " --replay-url URL`, or the replay_url column"
		}
		if !exists {
			out = append(out, change{newStat: status, tooLong: tooLong, badImage: badImage, create: &models.Post{
				BroadcastID: b.ID, ChannelID: s.channel.ID, Kind: s.kind, Step: s.label,
				DueAt: models.NewTime(s.due), ExpiresAt: models.NewTime(s.expires), Text: text, Length: n, MaxLength: max,
				Status: status, Error: errText, Options: cache.encode(opts),
			}})
			continue
		}
		if !revivable(old) && !old.DueAt.Time.Equal(s.due) && gone {
			// Re-planning moved this step into the past: it would go out late and wrong.
			out = append(out, cancelChange(old, "the broadcast was rescheduled and this step's time has passed"))
			continue
		}
		cols := map[string]any{}
		if !old.DueAt.Time.Equal(s.due) {
			cols["due_at"] = models.NewTime(s.due)
		}
		if !old.ExpiresAt.Time.Equal(s.expires) {
			cols["expires_at"] = models.NewTime(s.expires)
		}
		if old.Text != text {
			cols["text"] = text
		}
		if old.Length != n {
			cols["length"] = n
		}
		if old.MaxLength != max {
			cols["max_length"] = max
		}
		if old.Status != status {
			cols["status"] = status
		}
		if old.Error != errText {
			cols["error"] = errText
		}
		if old.Error == waitingForBroadcast && !old.NextAttemptAt.IsZero() {
			cols["next_attempt_at"] = models.Time{} // the plan knows the post's moment now
		}
		if o := cache.encode(opts); old.Options != o {
			cols["options"] = o
		}
		if len(cols) > 0 {
			out = append(out, change{id: old.ID, cols: cols, newStat: status, tooLong: tooLong, badImage: badImage})
		} else if status == models.PostInvalid {
			out = append(out, change{id: old.ID, noop: true, newStat: status, tooLong: tooLong, badImage: badImage})
		}
	}
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
	return out, nil
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
	if image != "" && (s.kind == models.KindTeaser || s.channel.Network == posting.Bluesky) {
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
func overtaken(b *models.Broadcast, kind string) string {
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
