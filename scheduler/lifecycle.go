package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
)

// The broadcast lifecycle. This file is the only code that changes a broadcast's status or a
// post's state outside sending: the CLI, the demo, the daemon's clock and (through the planner,
// which reads what a CMS wrote) the CMS all go through the same rules.
//
// Broadcast statuses and the moves between them:
//
//	action       from                              to         what it does to the posts
//	go live      scheduled, live by the clock      live       live post due now; pending teasers and reminders cancelled
//	end          scheduled, live, ended by clock   ended      replay posts count from now; a pending live post is cancelled
//	replay URL   scheduled, live, ended            (same)     held replay posts become planned
//	cancel       scheduled, live, ended            cancelled  every pending post cancelled (sent ones stay)
//	reopen       cancelled, ended                  (below)    cancelled posts whose time is still ahead are planned again
//	reschedule   scheduled, live, ended            scheduled  pending posts move; the real start and end are forgotten
//	edit         any                               (same)     pending posts re-rendered (hand-edited text kept)
//	delete       any, no post being sent           (gone)     every post and attempt deleted; posts that went out only with force
//	the clock    scheduled at its start            live       as go live, at the planned start (started_at stays empty)
//	the clock    live at its end, nothing signalled ended     as end, at the planned end (ended_at stays empty)
//
// Reopen brings a cancelled broadcast back to what its times say (ended if it has an end, live
// if it has a start, else scheduled), and an ended one back to live, as long as its planned end
// is still ahead. "Live by the clock" and "ended by the clock" are the statuses with no
// started_at / ended_at: nothing signalled them, and a real signal may still come.
//
// Post states are in models (Pending, the statuses); the planner's diff applies the table above
// to each post.

// Action is a change a person (or a program on their behalf) asks of a broadcast.
type Action string

// The actions of the lifecycle table.
const (
	ActGoLive     Action = "go live"
	ActEnd        Action = "end"
	ActReplay     Action = "set the replay of"
	ActCancel     Action = "cancel"
	ActReopen     Action = "reopen"
	ActReschedule Action = "reschedule"
	ActEdit       Action = "edit"
	ActDelete     Action = "delete"
)

// moves lists, per action, the statuses it may start from.
var moves = map[Action][]models.BroadcastStatus{
	ActGoLive:     {models.BroadcastScheduled, models.BroadcastLive},
	ActEnd:        {models.BroadcastScheduled, models.BroadcastLive, models.BroadcastEnded},
	ActReplay:     {models.BroadcastScheduled, models.BroadcastLive, models.BroadcastEnded},
	ActCancel:     {models.BroadcastScheduled, models.BroadcastLive, models.BroadcastEnded},
	ActReopen:     {models.BroadcastCancelled, models.BroadcastEnded},
	ActReschedule: {models.BroadcastScheduled, models.BroadcastLive, models.BroadcastEnded},
	ActEdit:       models.BroadcastStatuses,
}

// Refusal codes: what a caller (the CLI) branches on to say what to do instead.
const (
	RefusedState   = "state"     // the action does not apply to the broadcast's (or post's) status
	RefusedEarly   = "too-early" // going live or ending long before the planned start: confirm with force
	RefusedOver    = "over"      // reopening a broadcast whose planned end has passed
	RefusedChanged = "changed"   // the row changed while the action was being made
	RefusedInput   = "input"     // a value the action cannot take (an empty text, a text too long)
	RefusedHistory = "history"   // deleting a broadcast some of whose posts went out: confirm with force
)

// Refusal is a lifecycle change that was not made, and why. Its message names no command: the
// CLI adds the hint for its Code.
type Refusal struct {
	Code      string
	Action    Action
	Broadcast int64
	Post      int64
	Status    string // the broadcast's (or the post's) status when refused
	Msg       string
}

func (r *Refusal) Error() string { return r.Msg }

// EarlyMargin is how long before its planned start a broadcast may be marked live or ended
// without force: a live that starts a few minutes early is normal, one marked live a week ahead
// is more likely a wrong id.
const EarlyMargin = time.Hour

// Lifecycle changes broadcasts and posts through the transition table, then re-plans what the
// change affects.
type Lifecycle struct {
	store   *models.Store
	planner *Planner
	now     func() time.Time
}

// NewLifecycle returns the lifecycle over store; planner re-plans after each change.
func NewLifecycle(store *models.Store, planner *Planner) *Lifecycle {
	return &Lifecycle{store: store, planner: planner, now: planner.now}
}

// Phase is a broadcast's status as a person reads it at now: the stored status, or what the
// clock made of a scheduled broadcast whose start or end has passed (before the daemon wrote
// it), with "by the clock" when no one signalled it.
func Phase(b *models.Broadcast, now time.Time) string {
	switch {
	case b.Status == models.BroadcastScheduled && b.StartsAt.IsZero():
		return string(b.Status)
	case b.Status == models.BroadcastScheduled && !now.Before(b.EndsAt()),
		b.Status == models.BroadcastLive && b.EndedAt.IsZero() && !now.Before(b.EndsAt()):
		return "ended (by the clock)"
	case b.Status == models.BroadcastScheduled && !now.Before(b.StartsAt.Time):
		return "live (by the clock)"
	case b.Status == models.BroadcastLive && b.StartedAt.IsZero():
		return "live (by the clock)"
	case b.Status == models.BroadcastEnded && b.EndedAt.IsZero():
		return "ended (by the clock)"
	}
	return string(b.Status)
}

// again runs a move, and runs it again (reading the broadcast afresh) when the row changed
// between the read and the write: the daemon's clock or a CMS moved it meanwhile, and the table
// decides once more from where it is now.
func (l *Lifecycle) again(move func() (PlanResult, error)) (PlanResult, error) {
	for try := 1; ; try++ {
		res, err := move()
		var r *Refusal
		if try < 3 && errors.As(err, &r) && r.Code == RefusedChanged {
			continue
		}
		return res, err
	}
}

// load reads a broadcast and checks that action applies to it.
func (l *Lifecycle) load(ctx context.Context, id int64, action Action) (*models.Broadcast, error) {
	b, err := l.store.BroadcastByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(moves[action], b.Status) {
		return b, l.refuse(b, action, RefusedState, "broadcast %d is %s; it cannot %s", b.ID, b.Status, verb(action))
	}
	return b, nil
}

func verb(a Action) string {
	if v, ok := verbs[a]; ok {
		return v
	}
	return "be changed"
}

// verbs ends "broadcast 3 is cancelled; it cannot ..." for each action.
var verbs = map[Action]string{ActGoLive: "be marked live", ActEnd: "be ended", ActCancel: "be cancelled",
	ActReopen: "be reopened", ActReschedule: "be rescheduled", ActReplay: "take a replay"}

func (l *Lifecycle) refuse(b *models.Broadcast, a Action, code, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Action: a, Broadcast: b.ID, Status: string(b.Status), Msg: fmt.Sprintf(format, args...)}
}

// move writes a broadcast's new state (only while it is still in the status read) and re-plans.
func (l *Lifecycle) move(ctx context.Context, b *models.Broadcast, a Action, m models.BroadcastMove) (PlanResult, error) {
	if err := l.store.MoveBroadcast(ctx, b.ID, b.Status, m); err != nil {
		return PlanResult{}, l.changed(b, a, err)
	}
	return l.planner.Plan(ctx, b.ID)
}

func (l *Lifecycle) changed(b *models.Broadcast, a Action, err error) error {
	if errors.Is(err, models.ErrChanged) {
		return l.refuse(b, a, RefusedChanged, "broadcast %d changed while it was being updated; look at it again", b.ID)
	}
	return err
}

// early refuses going live or ending a broadcast that has not started long before its planned
// start, unless forced.
func (l *Lifecycle) early(b *models.Broadcast, a Action, force bool) error {
	if force || b.StartsAt.IsZero() || b.Status != models.BroadcastScheduled || !b.StartedAt.IsZero() ||
		!l.now().Add(EarlyMargin).Before(b.StartsAt.Time) {
		return nil // it started already (a live broadcast may end at any time), or it is near
	}
	return l.refuse(b, a, RefusedEarly, "broadcast %d is planned to start in %s; to %s anyway, confirm",
		b.ID, lead(b.StartsAt.Sub(l.now())), map[Action]string{ActGoLive: "mark it live", ActEnd: "end it"}[a])
}

// lead writes a time ahead as a person says it: "3d 4h", "2h 05m", "45m".
func lead(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %02dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}

// GoLive records that the broadcast started at at: its "we are live" post is due then, and the
// teasers and reminders not sent yet are cancelled. A broadcast live by the clock gets its real
// start. Far before the planned start it needs force.
func (l *Lifecycle) GoLive(ctx context.Context, id int64, at time.Time, force bool) (PlanResult, error) {
	return l.again(func() (PlanResult, error) { return l.goLive(ctx, id, at, force) })
}

func (l *Lifecycle) goLive(ctx context.Context, id int64, at time.Time, force bool) (PlanResult, error) {
	b, err := l.load(ctx, id, ActGoLive)
	if err != nil {
		return PlanResult{}, err
	}
	if b.Status == models.BroadcastLive && !b.StartedAt.IsZero() {
		return PlanResult{}, l.refuse(b, ActGoLive, RefusedState, "broadcast %d is already live (since %s)", b.ID,
			b.StartedAt.UTC().Format(time.RFC3339))
	}
	if err := l.early(b, ActGoLive, force); err != nil {
		return PlanResult{}, err
	}
	return l.move(ctx, b, ActGoLive, models.BroadcastMove{Status: models.BroadcastLive, StartedAt: models.NewTime(at)})
}

// End records that the broadcast ended at at, with its replay URL if given: replay posts count
// from then. A broadcast ended by the clock gets its real end.
func (l *Lifecycle) End(ctx context.Context, id int64, at time.Time, replayURL string, force bool) (PlanResult, error) {
	return l.again(func() (PlanResult, error) { return l.end(ctx, id, at, replayURL, force) })
}

func (l *Lifecycle) end(ctx context.Context, id int64, at time.Time, replayURL string, force bool) (PlanResult, error) {
	b, err := l.load(ctx, id, ActEnd)
	if err != nil {
		return PlanResult{}, err
	}
	if b.Status == models.BroadcastEnded && !b.EndedAt.IsZero() {
		return PlanResult{}, l.refuse(b, ActEnd, RefusedState, "broadcast %d has already ended (at %s)", b.ID,
			b.EndedAt.UTC().Format(time.RFC3339))
	}
	if err := l.early(b, ActEnd, force); err != nil {
		return PlanResult{}, err
	}
	if err := models.ValidWatchURL(replayURL); err != nil {
		return PlanResult{}, &Refusal{Code: RefusedInput, Action: ActEnd, Broadcast: b.ID, Status: string(b.Status), Msg: err.Error()}
	}
	m := models.BroadcastMove{Status: models.BroadcastEnded, StartedAt: b.StartedAt, EndedAt: models.NewTime(at)}
	if m.StartedAt.IsZero() {
		m.StartedAt = models.NewTime(minTime(at, b.StartsAt.Time))
	}
	if replayURL != "" {
		m.ReplayURL = &replayURL
	}
	return l.move(ctx, b, ActEnd, m)
}

func minTime(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// SetReplay records where the replay is: replay posts waiting for it are planned.
func (l *Lifecycle) SetReplay(ctx context.Context, id int64, url string) (PlanResult, error) {
	return l.again(func() (PlanResult, error) { return l.setReplay(ctx, id, url) })
}

func (l *Lifecycle) setReplay(ctx context.Context, id int64, url string) (PlanResult, error) {
	b, err := l.load(ctx, id, ActReplay)
	if err != nil {
		return PlanResult{}, err
	}
	if url == "" {
		return PlanResult{}, &Refusal{Code: RefusedInput, Action: ActReplay, Broadcast: b.ID, Status: string(b.Status), Msg: "the replay URL is empty"}
	}
	if err := models.ValidWatchURL(url); err != nil {
		return PlanResult{}, &Refusal{Code: RefusedInput, Action: ActReplay, Broadcast: b.ID, Status: string(b.Status), Msg: err.Error()}
	}
	return l.edit(ctx, b, ActReplay, models.BroadcastEdit{ReplayURL: &url})
}

// Cancel cancels the broadcast: every pending post is cancelled; posts already sent stay.
func (l *Lifecycle) Cancel(ctx context.Context, id int64) (PlanResult, error) {
	return l.again(func() (PlanResult, error) { return l.cancel(ctx, id) })
}

func (l *Lifecycle) cancel(ctx context.Context, id int64) (PlanResult, error) {
	b, err := l.load(ctx, id, ActCancel)
	if err != nil {
		return PlanResult{}, err
	}
	return l.move(ctx, b, ActCancel, models.BroadcastMove{Status: models.BroadcastCancelled, StartedAt: b.StartedAt, EndedAt: b.EndedAt})
}

// Reopen undoes a cancel or an end. A cancelled broadcast goes back to what its times say; an
// ended one goes back to live, which only makes sense while its planned end is ahead (lengthen
// it first otherwise). Cancelled posts whose time is still ahead are planned again.
func (l *Lifecycle) Reopen(ctx context.Context, id int64) (PlanResult, error) {
	return l.again(func() (PlanResult, error) { return l.reopen(ctx, id) })
}

func (l *Lifecycle) reopen(ctx context.Context, id int64) (PlanResult, error) {
	b, err := l.load(ctx, id, ActReopen)
	if err != nil {
		return PlanResult{}, err
	}
	m := models.BroadcastMove{Status: models.BroadcastScheduled, StartedAt: b.StartedAt, EndedAt: b.EndedAt}
	switch {
	case b.Status == models.BroadcastEnded:
		m.Status, m.EndedAt = models.BroadcastLive, models.Time{}
		open := *b
		open.EndedAt = models.Time{}
		if end := open.EndsAt(); !l.now().Before(end) {
			return PlanResult{}, l.refuse(b, ActReopen, RefusedOver,
				"broadcast %d was planned to end at %s, which has passed; lengthen it first to keep it live", b.ID, end.UTC().Format(time.RFC3339))
		}
	case !b.EndedAt.IsZero():
		m.Status = models.BroadcastEnded
	case !b.StartedAt.IsZero():
		m.Status = models.BroadcastLive
	}
	return l.move(ctx, b, ActReopen, m)
}

// Edit changes what the broadcast's posts say or when they go (e.g. a new start: a reschedule).
// A new start puts a live or ended broadcast back to scheduled: the real start and end it had
// belong to the old time. A cancelled broadcast may be edited, but not rescheduled: reopen it
// first.
func (l *Lifecycle) Edit(ctx context.Context, id int64, e models.BroadcastEdit) (PlanResult, error) {
	return l.again(func() (PlanResult, error) { return l.editOnce(ctx, id, e) })
}

func (l *Lifecycle) editOnce(ctx context.Context, id int64, e models.BroadcastEdit) (PlanResult, error) {
	action := ActEdit
	if e.StartsAt != nil {
		action = ActReschedule
	}
	b, err := l.load(ctx, id, action)
	if err != nil {
		return PlanResult{}, err
	}
	if e.Title != nil && strings.TrimSpace(*e.Title) == "" {
		return PlanResult{}, &Refusal{Code: RefusedInput, Action: action, Broadcast: b.ID, Status: string(b.Status), Msg: "the title cannot be empty"}
	}
	for _, u := range []*string{e.WatchURL, e.ReplayURL} {
		if u != nil {
			if err := models.ValidWatchURL(*u); err != nil {
				return PlanResult{}, &Refusal{Code: RefusedInput, Action: action, Broadcast: b.ID, Status: string(b.Status), Msg: err.Error()}
			}
		}
	}
	if e.StartsAt != nil && b.Status != models.BroadcastScheduled {
		// Two writes in one transaction: the new time, and the status it means.
		err := l.store.Tx(ctx, func(tx *models.Store) error {
			if err := tx.EditBroadcast(ctx, b.ID, b.Status, e); err != nil {
				return err
			}
			return tx.MoveBroadcast(ctx, b.ID, b.Status, models.BroadcastMove{Status: models.BroadcastScheduled})
		})
		if err != nil {
			return PlanResult{}, l.changed(b, action, err)
		}
		return l.planner.Plan(ctx, b.ID)
	}
	return l.edit(ctx, b, action, e)
}

func (l *Lifecycle) edit(ctx context.Context, b *models.Broadcast, a Action, e models.BroadcastEdit) (PlanResult, error) {
	if err := l.store.EditBroadcast(ctx, b.ID, b.Status, e); err != nil {
		return PlanResult{}, l.changed(b, a, err)
	}
	return l.planner.Plan(ctx, b.ID)
}

// Advance makes the clock's moves: a scheduled broadcast whose start has come is live, and a
// live one whose planned end has passed with no end signalled is ended; neither writes a real
// start or end. The moved broadcasts are re-planned by the next reconcile (their revision
// changed). It returns how many moved.
func (p *Planner) Advance(ctx context.Context) (int, error) {
	now := p.now()
	bs, err := p.store.BroadcastsToAdvance(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range bs {
		b := &bs[i]
		if len(b.Problems) > 0 || b.StartsAt.IsZero() || now.Before(b.StartsAt.Time) {
			continue // a bad row (its error says why), or a start a CMS wrote in another form that reads later than it sorts
		}
		to := models.BroadcastLive
		if !now.Before(b.EndsAt()) {
			to = models.BroadcastEnded
		}
		if to == b.Status {
			continue
		}
		err := p.store.MoveBroadcast(ctx, b.ID, b.Status, models.BroadcastMove{Status: to, StartedAt: b.StartedAt, EndedAt: b.EndedAt})
		if errors.Is(err, models.ErrChanged) || errors.Is(err, models.ErrNotFound) {
			continue // a person or a CMS moved it meanwhile: theirs is the newer word
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// --- posts ---

// postRefusal is a refused change of one post.
func postRefusal(p *models.Post, code, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Broadcast: p.BroadcastID, Post: p.ID, Status: string(p.Status), Msg: fmt.Sprintf(format, args...)}
}

func (l *Lifecycle) postChanged(p *models.Post, err error) error {
	if errors.Is(err, models.ErrChanged) {
		return postRefusal(p, RefusedChanged, "post %d changed meanwhile (it may be going out now)", p.ID)
	}
	return err
}

var pendingStatuses = []models.PostStatus{models.PostPlanned, models.PostHeld, models.PostInvalid}

// EditPost rewrites a pending post's text by hand: a re-plan keeps it. A text too long for the
// post's network is refused; an invalid post with a text that fits becomes planned.
func (l *Lifecycle) EditPost(ctx context.Context, id int64, text string) (*models.Post, error) {
	p, err := l.store.PostByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, postRefusal(p, RefusedInput, "the text cannot be empty")
	}
	if !models.Pending(p.Status) {
		return nil, postRefusal(p, RefusedState, "post %d is %s; only planned, held or invalid posts can be edited", p.ID, p.Status)
	}
	chans, err := l.store.ChannelsByID(ctx, []int64{p.ChannelID})
	if err != nil {
		return nil, err
	}
	n, max, err := Measure(chans[p.ChannelID], text)
	if err != nil {
		return nil, postRefusal(p, RefusedInput, "%v", err)
	}
	m := models.PostMove{Status: p.Status, Error: p.Error, Text: &text, Length: n, MaxLength: max, Edited: true}
	if p.Status == models.PostInvalid {
		m.Status = models.PostPlanned
	}
	if m.Status == models.PostPlanned {
		m.Error = ""
	}
	if err := l.store.MovePost(ctx, p.ID, pendingStatuses, m); err != nil {
		return nil, l.postChanged(p, err)
	}
	// The plan decides the rest (a held replay stays held, an invalid picture stays invalid).
	if _, err := l.planner.Plan(ctx, p.BroadcastID); err != nil {
		return nil, err
	}
	return l.store.PostByID(ctx, p.ID)
}

// ResetPost gives a hand-edited pending post back to its template: the text is rendered again
// at the next plan, which it runs now, and later re-plans change it as they change the others.
func (l *Lifecycle) ResetPost(ctx context.Context, id int64) (*models.Post, error) {
	p, err := l.store.PostByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !models.Pending(p.Status) {
		return nil, postRefusal(p, RefusedState, "post %d is %s; only planned, held or invalid posts can be reset", p.ID, p.Status)
	}
	if !p.Edited {
		return p, nil
	}
	m := models.PostMove{Status: p.Status, Error: p.Error, Text: &p.Text, Length: p.Length, MaxLength: p.MaxLength, Edited: false}
	if err := l.store.MovePost(ctx, p.ID, pendingStatuses, m); err != nil {
		return nil, l.postChanged(p, err)
	}
	if _, err := l.planner.Plan(ctx, p.BroadcastID); err != nil {
		return nil, err
	}
	return l.store.PostByID(ctx, p.ID)
}

// DeleteResult is what deleting a broadcast removed.
type DeleteResult struct {
	Posts int // posts deleted with it
	Sent  int // of which had gone out (or may have: unknown)
}

// Delete removes a broadcast and its posts. Posts that went out (sent, or unknown: they may have)
// are its history: deleting them takes force. A post being sent now keeps the broadcast, force or
// not: its outcome must be recorded first.
func (l *Lifecycle) Delete(ctx context.Context, id int64, force bool) (DeleteResult, error) {
	b, err := l.store.BroadcastByID(ctx, id)
	if err != nil {
		return DeleteResult{}, err
	}
	posts, err := l.store.PostsOfBroadcast(ctx, id)
	if err != nil {
		return DeleteResult{}, err
	}
	var res DeleteResult
	for _, p := range posts {
		switch p.Status {
		case models.PostSending:
			return res, l.refuse(b, ActDelete, RefusedState, "post %d of broadcast %d is being sent now; delete the broadcast once it is done", p.ID, b.ID)
		case models.PostSent, models.PostUnknown:
			res.Sent++
		}
	}
	if res.Sent > 0 && !force {
		return res, l.refuse(b, ActDelete, RefusedHistory, "%d of the posts of broadcast %d went out (or may have); deleting it forgets them", res.Sent, b.ID)
	}
	deletable := []models.PostStatus{models.PostPlanned, models.PostHeld, models.PostInvalid, models.PostFailed, models.PostSkipped, models.PostCancelled}
	if force {
		deletable = append(deletable, models.PostSent, models.PostUnknown)
	}
	n, err := l.store.DeleteBroadcast(ctx, id, deletable)
	if errors.Is(err, models.ErrChanged) {
		return res, l.refuse(b, ActDelete, RefusedChanged, "a post of broadcast %d changed meanwhile (it may be going out now)", b.ID)
	}
	res.Posts = n
	return res, err
}

// SkipPost keeps a pending post from going out. It is final: no re-plan brings it back.
func (l *Lifecycle) SkipPost(ctx context.Context, id int64) (*models.Post, error) {
	p, err := l.store.PostByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !models.Pending(p.Status) {
		return nil, postRefusal(p, RefusedState, "post %d is %s; only planned, held or invalid posts can be skipped", p.ID, p.Status)
	}
	if err := l.store.MovePost(ctx, p.ID, pendingStatuses, models.PostMove{Status: models.PostSkipped, Error: "skipped by hand"}); err != nil {
		return nil, l.postChanged(p, err)
	}
	p.Status, p.Error = models.PostSkipped, "skipped by hand"
	return p, nil
}

// Resolution is what a person found on the channel about a post left unknown.
type Resolution string

// Resolutions of an unknown post.
const (
	ResolvedSent   Resolution = "sent"   // it is on the channel
	ResolvedResend Resolution = "resend" // it is not: send it now (also a failed post, tried again)
	ResolvedSkip   Resolution = "skip"   // leave it
)

// ResolvePost settles a post whose send was interrupted (unknown), or tries a failed one again.
func (l *Lifecycle) ResolvePost(ctx context.Context, id int64, how Resolution, remoteURL string) (*models.Post, error) {
	p, err := l.store.PostByID(ctx, id)
	if err != nil {
		return nil, err
	}
	from := []models.PostStatus{models.PostUnknown}
	if how == ResolvedResend {
		from = append(from, models.PostFailed)
	}
	if !slices.Contains(from, p.Status) {
		return nil, postRefusal(p, RefusedState, "post %d is %s; only unknown posts (or failed ones, resent) can be resolved", p.ID, p.Status)
	}
	now := models.NewTime(l.now())
	var m models.PostMove
	switch how {
	case ResolvedSent:
		m = models.PostMove{Status: models.PostSent, Error: "marked sent by hand", SentAt: &now, RemoteURL: &remoteURL}
	case ResolvedResend:
		m = models.PostMove{Status: models.PostPlanned, Error: "resent by hand", DueAt: &now, ResetAttempts: true}
	case ResolvedSkip:
		m = models.PostMove{Status: models.PostSkipped, Error: "skipped by hand after an interrupted send"}
	default:
		return nil, postRefusal(p, RefusedInput, "resolution %q not known", how)
	}
	if err := l.store.MovePost(ctx, p.ID, from, m); err != nil {
		return nil, l.postChanged(p, err)
	}
	return l.store.PostByID(ctx, p.ID)
}
