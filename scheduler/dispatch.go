package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// PosterFor returns the poster that sends on a channel.
type PosterFor func(ch models.Channel) (posting.Poster, error)

// DispatchConfig tunes the dispatcher.
type DispatchConfig struct {
	Owner       string        // who holds leases: unique per process
	Lease       time.Duration // how long a claim lasts before another dispatcher may recover it
	Batch       int           // posts claimed per transaction
	Sends       int           // sends in flight at once at most, over all channels (32 at first; slow sends open more)
	PerChannel  int           // sends in flight at once on one channel, each for another broadcast (a broadcast's posts go in order)
	MaxAttempts int           // tries before a post fails for good
	BackoffBase time.Duration // first retry delay; doubles each try, with jitter
	BackoffMax  time.Duration
	// Remedy words the reasons the dispatcher stores (a post's error, a channel's status
	// reason), which the CLI and a CMS read: what is wrong and the command to type. The CLI
	// passes its hints; without one, a reason is the error's own message.
	Remedy func(error) string
}

func (c *DispatchConfig) defaults() {
	if c.Owner == "" {
		c.Owner = "onair"
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.Sends <= 0 {
		c.Sends = 256 // sends wait on the network, not the CPU: many at once
	}
	if c.PerChannel <= 0 {
		c.PerChannel = 16
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 10 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 30 * time.Minute
	}
}

// Dispatcher claims due posts, sends them through their channel's poster and records outcomes.
type Dispatcher struct {
	store   *models.Store
	posters PosterFor
	cfg     DispatchConfig
	now     func() time.Time
	log     *slog.Logger
	metrics *Metrics
	// opts caches posts.options decoded (options text -> models.PostOptions): the posts of a campaign
	// share a few, and decoding them for every send was a fifth of a send's own CPU.
	opts    sync.Map
	optsLen atomic.Int64
}

// options returns p's options, decoded once per distinct text.
func (d *Dispatcher) options(p *models.Post) (models.PostOptions, error) {
	if v, ok := d.opts.Load(p.Options); ok {
		return v.(models.PostOptions), nil
	}
	o, err := p.ParseOptions()
	if err != nil {
		return o, err // not kept: the error names its post
	}
	if n := d.optsLen.Add(1); n > 4096 {
		d.opts.Clear() // many distinct options (hand edits): keep the cache small
		d.optsLen.Store(0)
	}
	d.opts.Store(p.Options, o)
	return o, nil
}

// NewDispatcher returns a dispatcher. metrics may be nil.
func NewDispatcher(store *models.Store, posters PosterFor, cfg DispatchConfig, now func() time.Time, log *slog.Logger, metrics *Metrics) *Dispatcher {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{store: store, posters: posters, cfg: cfg, now: now, log: log, metrics: metrics}
	if cfg.Remedy != nil {
		// A channel whose poster cannot be made is paused with the error as its reason: worded.
		d.posters = func(ch models.Channel) (posting.Poster, error) {
			p, err := posters(ch)
			if err != nil {
				return nil, worded{err, cfg.Remedy(&models.Error{Channel: ch.Name, Err: err})}
			}
			return p, nil
		}
	}
	return d
}

// words is what a person reads of err in a stored reason: see DispatchConfig.Remedy.
func (d *Dispatcher) words(err error) string {
	if d.cfg.Remedy != nil {
		return d.cfg.Remedy(err)
	}
	return err.Error()
}

// worded is an error as DispatchConfig.Remedy words it; errors.As still finds what it wraps.
type worded struct {
	err  error
	text string
}

func (w worded) Error() string { return w.text }
func (w worded) Unwrap() error { return w.err }

// DispatchStats sums up a dispatch pass.
type DispatchStats struct {
	Claimed   int `json:"claimed"`
	Sent      int `json:"sent"`
	Retry     int `json:"retry"`
	Held      int `json:"held"` // given back because their channel is rate limited or needs credentials
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Recovered int `json:"recovered"`
	Unknown   int `json:"unknown"`
}

func (s *DispatchStats) add(o DispatchStats) {
	s.Claimed += o.Claimed
	s.Sent += o.Sent
	s.Retry += o.Retry
	s.Held += o.Held
	s.Failed += o.Failed
	s.Skipped += o.Skipped
	s.Recovered += o.Recovered
	s.Unknown += o.Unknown
}

// firstClaim is the size of a Dispatch's first claim (see Dispatch): a first claim of a whole
// batch (500 posts, about 10 ms on PostgreSQL) is time in which nothing is sent yet.
const firstClaim = 64

// Dispatch sends everything due now: it skips posts whose window passed, then claims due posts
// batch by batch until none is left. It claims the next batch while the last is still being sent
// (see sendQueues), so that a slow channel or the database's round trips do not leave the others
// idle. Cancelling ctx stops claiming; sends already under way finish (each is bounded by its
// adapter's timeout) and posts claimed but not started are given back.
func (d *Dispatcher) Dispatch(ctx context.Context) (DispatchStats, error) {
	var total DispatchStats
	skipped, err := d.store.SkipExpired(ctx, d.now())
	if err != nil {
		return total, err
	}
	total.Skipped = len(skipped)
	for _, p := range skipped {
		d.log.Warn("post's window passed", slog.Int64("post", p.ID), slog.Int64("broadcast", p.BroadcastID),
			slog.String("kind", string(p.Kind)), slog.String("step", p.Step), slog.String("status", string(p.Status)), slog.String("reason", p.Error))
		d.metrics.outcome(p, string(p.Status))
	}
	q := newSendQueues(ctx, d)
	var claimErr error
	// The first claim is small, so that sending starts after a short claim rather than a whole
	// batch's; the next, claimed while it is sent, are whole batches.
	size := min(d.cfg.Batch, firstClaim)
	for ; ; size = d.cfg.Batch {
		skip, ok := q.room()
		if !ok {
			break
		}
		now := d.now()
		claimed, err := d.store.ClaimDueExcept(ctx, d.cfg.Owner, now, now.Add(d.cfg.Lease), size, skip)
		if err != nil {
			if ctx.Err() == nil { // else a stop, not a failure (Release gives back what it took)
				claimErr = err
			}
			break
		}
		d.metrics.claimed(len(claimed))
		if err := q.add(claimed, len(claimed) < size, skip); err != nil {
			claimErr = err
			break
		}
		if len(claimed) < size && len(skip) == 0 {
			break // nothing more is due
		}
	}
	stats, err := q.close()
	stats.Skipped += total.Skipped // posts whose window passed, besides those the sends found moot
	return stats, errors.Join(claimErr, err)
}

// sendPost sends one claimed post on its channel and hands the outcome to the recorder. A rate
// limit or refused credentials stop the channel: it returns when the channel's other posts are
// due again (the time of the rate limit's end, or now).
func (d *Dispatcher) sendPost(ctx context.Context, poster posting.Poster, ch models.Channel, p models.Post, b models.Broadcast, threads threadCache, start *starter, rec *recorder, stats *DispatchStats) (stop time.Time, err error) {
	if opts, _ := d.options(&p); opts.Thread {
		if _, loaded := threads[p.BroadcastID]; !loaded {
			// The thread is read from the database: the outcomes of this channel's earlier
			// sends must be there first.
			rec.flush()
		}
	}
	if d.notNow(p, b, stats, rec) {
		return time.Time{}, nil
	}
	msg, ok, err := d.prepare(ctx, poster, p, ch, b, threads, start, stats, rec)
	if !ok || err != nil {
		return time.Time{}, err
	}
	// Sends are not cancelled with ctx: a graceful stop lets the one under way finish.
	started := d.now()
	receipt, sendErr := poster.Post(context.WithoutCancel(ctx), msg)
	r := &sendResult{p: p, ch: ch, receipt: receipt, err: sendErr, threads: threads, stats: stats,
		o: models.Outcome{Started: started, Duration: d.now().Sub(started)},
		log: d.log.With(slog.Int64("post", p.ID), slog.Int64("broadcast", p.BroadcastID), slog.String("kind", string(p.Kind)),
			slog.String("step", p.Step), slog.String("channel", ch.Name))}
	if stop, err = d.settle(ctx, r); err != nil {
		return time.Time{}, err
	}
	rec.add(p.ID, r.o)
	return stop, nil
}

// notNow gives back or settles a claimed post whose broadcast changed since it was planned, and
// reports whether it did: moved later (the post waits), or cancelled or past the post's moment
// (it does not go out).
func (d *Dispatcher) notNow(p models.Post, b models.Broadcast, stats *DispatchStats, rec *recorder) bool {
	if until := notYetAtSend(&b, p.Kind, d.now()); !until.IsZero() {
		// The broadcast was moved later (by a CMS, not planned yet): this post's moment has
		// not come. The plan moves it; until then it waits.
		p.Error = waitingForBroadcast
		d.giveBack(p, until, stats, rec)
		return true
	}
	reason := overtakenAtSend(&b, p.Kind, d.now())
	if reason == "" {
		return false
	}
	// The broadcast moved on (a CMS wrote it, or it was cancelled) after this post was
	// claimed and before the plan caught up: it does not go out.
	o := models.Outcome{Status: models.PostCancelled, Error: reason, Refund: true, NoAttempt: true}
	if p.Attempts > 1 {
		// An earlier try's outcome is unknown (a timeout, a crash): it may be out there.
		o.Status, o.Error = models.PostUnknown, reason+mayBeOut
		stats.Unknown++
	} else {
		stats.Skipped++
	}
	rec.add(p.ID, o)
	return true
}

// prepare renders the message of a post and commits its started mark where one is needed; ok is
// false when the post does not go out now (its thread waits, or its lease was lost).
func (d *Dispatcher) prepare(ctx context.Context, poster posting.Poster, p models.Post, ch models.Channel, b models.Broadcast, threads threadCache, start *starter, stats *DispatchStats, rec *recorder) (msg posting.Message, ok bool, err error) {
	msg, err = d.message(ctx, p, ch, b, threads)
	if hold, isHold := errors.AsType[*holdForThread](err); isHold {
		// An earlier post of its thread is still on its way: answering another post now
		// would break the thread. It goes once that one is settled.
		d.log.Debug("reply waits for its thread", slog.Int64("post", p.ID), slog.Time("until", hold.until))
		d.giveBack(p, hold.until, stats, rec)
		return msg, false, nil
	}
	if err != nil {
		return msg, false, err
	}
	// The identity the network will deduplicate the post on is fixed at its first try, and the
	// started mark is committed before the request leaves: recovery after a crash then knows
	// whether this post may be out, and under which identity to look for it.
	if msg.RemoteKey == "" {
		msg.RemoteKey = posting.RemoteKeyOf(poster, msg)
	}
	if !needsStartMark(poster, p, msg) {
		return msg, true, nil
	}
	marked, err := start.mark(models.SendStart{PostID: p.ID, RemoteKey: msg.RemoteKey})
	if err != nil {
		d.giveBack(p, time.Time{}, stats, rec) // the mark was not written: nothing left
		return msg, false, err
	}
	if !marked {
		// Its lease was lost (it waited too long and another dispatcher took it over): the
		// post is no longer this dispatcher's to send, nor to record.
		d.log.Warn("claimed post not sent: its lease was taken over", slog.Int64("post", p.ID))
		return msg, false, nil
	}
	return msg, true, nil
}

// sendResult is one send's answer, and the outcome settle makes of it.
type sendResult struct {
	p       models.Post
	ch      models.Channel
	receipt posting.Receipt
	err     error
	o       models.Outcome // filled in by settle
	threads threadCache
	stats   *DispatchStats
	log     *slog.Logger
}

// settle turns a send's answer into the post's outcome (r.o), following the error taxonomy of
// posting, and stops the channel where the answer says so: stop is when its posts are due again.
func (d *Dispatcher) settle(ctx context.Context, r *sendResult) (stop time.Time, err error) {
	if r.err == nil {
		return time.Time{}, d.settleSent(ctx, r, r.receipt)
	}
	// In posting.Classify's order: an answer that is several kinds at once is the first.
	if al, ok := errors.AsType[*posting.Already](r.err); ok {
		return time.Time{}, d.settleSent(ctx, r, al.Receipt)
	}
	if _, ok := errors.AsType[*posting.Uncertain](r.err); ok {
		// The network may have it and cannot deduplicate a second copy (a Slack or Discord
		// webhook that timed out): never resent blindly, a person checks.
		r.o.Status, r.o.Result, r.o.Error = models.PostUnknown, models.ResultUncertain, r.err.Error()
		r.stats.Unknown++
		d.metrics.outcome(r.p, string(models.PostUnknown))
		r.log.Error("post may or may not have gone out: a person must check", slog.String("error", r.err.Error()))
		return time.Time{}, nil
	}
	if _, ok := errors.AsType[*posting.Misconfigured](r.err); ok {
		// Nothing went out, and nothing will on this channel until its settings are fixed.
		return d.stopChannel(ctx, r, models.ResultMisconfig, models.ChannelPaused, r.err.Error(), "channel paused: its settings cannot work")
	}
	if rl, ok := errors.AsType[*posting.RateLimited](r.err); ok {
		r.o.Status, r.o.Result, r.o.Error, r.o.NextAttempt, r.o.Refund = models.PostPlanned, models.ResultRateLimited, r.err.Error(), rl.Until, true
		if err := d.store.HoldChannel(ctx, r.ch.ID, rl.Until, "rate limited: "+r.err.Error()); err != nil {
			return time.Time{}, err
		}
		r.stats.Held++
		r.log.Warn("channel rate limited", slog.Time("until", rl.Until))
		return rl.Until, nil
	}
	if _, ok := errors.AsType[*posting.Auth](r.err); ok {
		reason := d.words(&models.Error{Code: models.ECredentials, Fix: models.FixResume, Channel: r.ch.Name, Post: r.p.ID, Err: r.err})
		return d.stopChannel(ctx, r, models.ResultAuth, models.ChannelNeedsAuth, reason, "channel needs new credentials: nothing more goes out on it")
	}
	if _, ok := errors.AsType[*posting.Rejected](r.err); ok {
		r.o.Status, r.o.Result, r.o.Error = models.PostFailed, models.ResultRejected, d.words(&models.Error{Channel: r.ch.Name, Post: r.p.ID, Err: r.err})
		r.stats.Failed++
		d.metrics.outcome(r.p, string(models.PostFailed))
		r.log.Error("post refused by the network", slog.String("error", r.err.Error()))
		return time.Time{}, nil
	}
	return time.Time{}, d.settleRetry(ctx, r)
}

// settleSent records a post the network has, under the receipt it gave.
func (d *Dispatcher) settleSent(ctx context.Context, r *sendResult, receipt posting.Receipt) error {
	o, p := &r.o, r.p
	o.Status, o.Result, o.RemoteID, o.RemoteURL, o.RemoteRef = models.PostSent, models.ResultSent, receipt.RemoteID, receipt.RemoteURL, receipt.Ref
	r.threads.sent(p, receipt, d.now())
	r.stats.Sent++
	d.metrics.sent(p, o.Started.Add(o.Duration).Sub(p.DueAt.Time))
	r.log.Info("post sent", slog.Duration("late", o.Started.Sub(p.DueAt.Time).Round(time.Millisecond)))
	if p.Attempts <= 1 {
		return nil
	}
	// A retry went through: the outage is over, and the channel's other posts waiting out their
	// backoff go now rather than minutes later.
	n, err := d.store.RetryNow(ctx, r.ch.ID, d.now())
	if err == nil && n > 0 {
		r.log.Info("channel answers again: its retries are due now", slog.Int64("posts", n))
	}
	return err
}

// stopChannel keeps the post planned (its try refunded) and gives the channel status, with
// reason, until a person acts: nothing more goes out on it.
func (d *Dispatcher) stopChannel(ctx context.Context, r *sendResult, result string, status models.ChannelStatus, reason, logMsg string) (time.Time, error) {
	r.o.Status, r.o.Result, r.o.Error, r.o.Refund = models.PostPlanned, result, d.words(&models.Error{Channel: r.ch.Name, Post: r.p.ID, Err: r.err}), true
	if err := d.store.SetChannelStatus(ctx, r.ch.ID, status, reason); err != nil {
		return time.Time{}, err
	}
	r.stats.Held++
	r.log.Error(logMsg, slog.String("error", r.err.Error()))
	return d.now(), nil
}

// settleRetry plans a failed post's next try with backoff, or gives up after MaxAttempts tries:
// failed, or unknown when a try may have reached the network.
func (d *Dispatcher) settleRetry(ctx context.Context, r *sendResult) error {
	o, p := &r.o, r.p
	tries, maybe, err := d.failedTries(ctx, p)
	if err != nil {
		return err
	}
	result := models.ResultRetryMaybe
	if posting.NeverSent(r.err) {
		result = models.ResultRetry
	}
	if tries < d.cfg.MaxAttempts {
		o.Status, o.Result, o.Error = models.PostPlanned, result, r.err.Error()
		o.NextAttempt = d.now().Add(d.backoff(p.Attempts))
		r.stats.Retry++
		d.metrics.outcome(p, "retry")
		r.log.Warn("send failed, will retry", slog.Int("attempt", p.Attempts), slog.Time("next", o.NextAttempt), slog.String("error", r.err.Error()))
		return nil
	}
	o.Status, o.Result = models.PostFailed, models.ResultFailed
	o.Error = fmt.Sprintf("gave up after %d tries: %v", tries, r.err)
	if maybe > 0 || result == models.ResultRetryMaybe {
		// A try got no answer after its request left: the post may be out there.
		o.Status, o.Error = models.PostUnknown, o.Error+mayBeOut
		r.stats.Unknown++
	} else {
		r.stats.Failed++
	}
	d.metrics.outcome(p, string(o.Status))
	r.log.Error("post gave up", slog.String("status", string(o.Status)), slog.String("error", o.Error))
	return nil
}

// mayBeOut ends the reason of a post that will not be sent although an earlier try of it may have
// reached the network: a person must look.
const mayBeOut = "; an earlier try may have reached the network: check the channel"

// needsStartMark reports whether a send must wait for its started mark to be committed: where
// the network cannot deduplicate (recovery then tells a send in flight from a post claimed ahead
// of its turn), and on a post's first try with an identity onair chose (a Bluesky record key,
// which must be stored before it is used). Where the network deduplicates on a key already stored
// (the idempotency key), a recovered post is sent again under it and the network keeps one: the
// commit before each request would cost a disk flush per send for nothing.
func needsStartMark(poster posting.Poster, p models.Post, m posting.Message) bool {
	return posting.RecoveryOf(poster) != posting.Resend || m.RemoteKey != "" && p.RemoteKey == ""
}

// overtakenAtSend is why a claimed post must not go out given its broadcast as it is at now:
// cancelled, or past the post's moment (see overtaken), by its status or by the clock (a CMS
// that moved the start may not have been planned yet).
func overtakenAtSend(b *models.Broadcast, kind models.Kind, now time.Time) string {
	if b.Status == models.BroadcastCancelled {
		return "the broadcast was cancelled"
	}
	if reason := overtaken(b, kind); reason != "" {
		return reason
	}
	switch {
	case (kind == models.KindTeaser || kind == models.KindReminder) && !b.StartsAt.IsZero() && !now.Before(b.Start()):
		return "the broadcast went live before it was due"
	case kind == models.KindLive && !b.StartsAt.IsZero() && !now.Before(b.EndsAt()):
		return "the broadcast ended before it was due"
	}
	return ""
}

// waitingForBroadcast is the note of a post given back by notYetAtSend: the next plan of its
// broadcast lifts the wait (it knows the post's moment).
const waitingForBroadcast = "waiting for its broadcast's moment (the broadcast was moved)"

// notYetAtSend is when a claimed live or replay post's moment comes, if its broadcast as it is
// at now says it has not come yet (zero when it has): the live post goes once the broadcast is
// live, a replay post once it has ended.
func notYetAtSend(b *models.Broadcast, kind models.Kind, now time.Time) time.Time {
	if b.StartsAt.IsZero() {
		return time.Time{}
	}
	switch {
	case kind == models.KindLive && b.Status == models.BroadcastScheduled && now.Before(b.Start()):
		return b.Start()
	case kind == models.KindReplay && b.Status != models.BroadcastEnded && now.Before(b.EndsAt()):
		return b.EndsAt()
	}
	return time.Time{}
}

// message builds what the poster sends for post p: its text, its broadcast's links, the options
// it was planned with, and, for a reply, the thread it goes into.
func (d *Dispatcher) message(ctx context.Context, p models.Post, ch models.Channel, b models.Broadcast, threads threadCache) (posting.Message, error) {
	m := posting.Message{PostID: p.ID, IdempotencyKey: p.IdempotencyKey, BroadcastID: p.BroadcastID,
		Broadcast: b.Title, Description: b.Description, Kind: string(p.Kind), Step: p.Step, Text: p.Text, WatchURL: b.WatchURL,
		ReplayURL: b.ReplayURL, DueAt: p.DueAt.Time, Channel: ch.Name, Attempt: p.Attempts, RemoteKey: p.RemoteKey,
		FirstTriedAt: p.FirstTriedAt.Time}
	if p.Attempts > 1 && m.FirstTriedAt.IsZero() {
		// Tried before schema 6 recorded first tries: the attempts say when.
		first, err := d.store.FirstAttemptAt(ctx, p.ID)
		if err != nil {
			return m, err
		}
		m.FirstTriedAt = first
	}
	opts, err := d.options(&p)
	if err != nil {
		// A hand-edited options column: send the text as written rather than not at all.
		d.log.Warn("post options ignored", slog.Int64("post", p.ID), slog.String("error", err.Error()))
	}
	m.Lang, m.Visibility = opts.Lang, opts.Visibility
	if opts.Image != "" {
		m.Image = &posting.Image{Path: opts.Image, Alt: opts.ImageAlt}
	}
	if opts.Thread {
		t, hold, err := threads.thread(ctx, d.store, p, d.now())
		if err != nil {
			return m, err
		}
		if !hold.IsZero() {
			return m, &holdForThread{until: hold}
		}
		m.Thread = t
	}
	return m, nil
}

// failedTries counts the tries of p the network failed, this one included. Claims cut short by a
// crash count toward p.Attempts (so that the adapter knows a resend may find the post already
// there) but not here: a daemon killed again and again must not use up a post's tries. maybeSent
// is how many earlier tries got no answer after their request left; it is counted only when
// tries reaches the limit (the only time it matters: giving up).
func (d *Dispatcher) failedTries(ctx context.Context, p models.Post) (tries, maybeSent int, err error) {
	if p.Attempts < d.cfg.MaxAttempts {
		return p.Attempts, 0, nil // fewer claims than the limit: no need to look closer
	}
	n, err := d.store.CountAttempts(ctx, p.ID, models.ResultRetry)
	if err != nil {
		return 0, 0, err
	}
	m, err := d.store.CountAttempts(ctx, p.ID, models.ResultRetryMaybe)
	return n + m + 1, m, err
}

// giveBack returns a claimed post that was not sent to the queue, due again at next (or at
// once), without counting a try.
func (d *Dispatcher) giveBack(p models.Post, next time.Time, stats *DispatchStats, rec *recorder) {
	rec.add(p.ID, models.Outcome{Status: models.PostPlanned, NextAttempt: next, Refund: true, NoAttempt: true, Error: p.Error})
	stats.Held++
}

// backoff is the delay before try n+1: exponential from BackoffBase, capped, with jitter (half to
// full), so that many posts failing together do not retry together.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	delay := d.cfg.BackoffBase
	for i := 1; i < attempt && delay < d.cfg.BackoffMax; i++ {
		delay *= 2
	}
	delay = min(delay, d.cfg.BackoffMax)
	return delay/2 + time.Duration(rand.Int64N(int64(delay/2)+1))
}

// RecoverLeases resolves posts left "sending" by a dispatcher that died. With all set (the
// caller knows no other dispatcher runs, e.g. it holds the SQLite file's dispatch lock) every
// such post is resolved at once; otherwise only those whose lease expired. A post whose send
// never started (no started mark: it was claimed ahead of its turn) is planned again untouched,
// its try refunded. One that started is resolved by its channel's rule: sent again with the same idempotency key where the network deduplicates,
// else marked "unknown" for a person to check. One whose window has passed is "unknown" too: it
// may have gone out, and it is never sent late. Never sent twice blindly, never lost.
func (d *Dispatcher) RecoverLeases(ctx context.Context, all bool) (recovered, unknown int, err error) {
	cutoff := d.now()
	if all {
		cutoff = cutoff.Add(100 * 365 * 24 * time.Hour)
	}
	stuck, err := d.store.ExpiredLeases(ctx, cutoff)
	if err != nil || len(stuck) == 0 {
		return 0, 0, err
	}
	ids := make([]int64, len(stuck))
	for i, p := range stuck {
		ids[i] = p.ChannelID
	}
	chans, err := d.store.ChannelsByID(ctx, ids)
	if err != nil {
		return 0, 0, err
	}
	var replan []int64
	for _, p := range stuck {
		poster, perr := d.posters(chans[p.ChannelID])
		resend := perr == nil && posting.RecoveryOf(poster) == posting.Resend
		// Without a mark, a post on a network that cannot deduplicate never started (such sends
		// always wait for their mark). On one that can, sends do not wait for a mark: the post
		// may be out, and is sent again under its key (below), never planned as untried.
		if p.SendStartedAt.IsZero() && !resend {
			// Claimed ahead of its turn and never started: nothing reached the network. It goes
			// back to planned as it was, its try refunded.
			ok, err := d.store.ReleaseUnstarted(ctx, p)
			if err != nil {
				return recovered, unknown, err
			}
			if ok {
				recovered++
				replan = append(replan, p.BroadcastID)
				d.log.Info("claimed post never started: planned again", slog.Int64("post", p.ID), slog.String("channel", chans[p.ChannelID].Name))
				continue
			}
			// Marked meanwhile (its dispatcher is alive after all): the rule below.
		}
		to, reason := models.PostUnknown, d.words(&models.Error{Code: models.EUnsettled, Fix: models.FixResend, Post: p.ID,
			Message: "an interrupted send: the network cannot tell whether it went out"})
		if !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(d.now()) {
			// Sent again, it could go out stale; skipped, it would hide a post that may be out.
			reason = d.words(&models.Error{Code: models.EUnsettled, Fix: models.FixSkip, Post: p.ID,
				Message: "an interrupted send whose window has passed: it may have gone out, and is not sent again late"})
		} else if resend {
			to, reason = models.PostPlanned, "an interrupted send: sent again with the same idempotency key, which the network deduplicates"
		}
		ok, err := d.store.ReleaseLease(ctx, p, to, reason)
		if err != nil {
			return recovered, unknown, err
		}
		if !ok {
			continue
		}
		if to == models.PostUnknown {
			unknown++
			d.log.Error("post left unknown after an interrupted send", slog.Int64("post", p.ID), slog.String("channel", chans[p.ChannelID].Name))
		} else {
			recovered++
			replan = append(replan, p.BroadcastID)
			d.log.Warn("interrupted send recovered", slog.Int64("post", p.ID), slog.String("channel", chans[p.ChannelID].Name))
		}
	}
	// A post sending while its broadcast moved (live, reopened, rescheduled) was left alone by
	// those plans: planned again, it would go with the old due time and window. Its broadcast is
	// planned once more (the next reconcile) to bring it in line.
	if err := d.store.Replan(ctx, replan); err != nil {
		return recovered, unknown, err
	}
	return recovered, unknown, nil
}

// Release gives back every post this dispatcher still holds (a graceful stop).
func (d *Dispatcher) Release(ctx context.Context) (int64, error) {
	return d.store.ReleaseOwned(ctx, d.cfg.Owner)
}
