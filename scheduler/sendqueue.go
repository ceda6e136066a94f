package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// sendQueues is the sending side of one Dispatch: claimed posts wait in a queue per channel, in
// the order they were claimed (due order). Senders take them from the front: up to
// DispatchConfig.PerChannel at once on one channel, each on another broadcast, so that a
// broadcast's posts go one after the other (a reply needs its parent's remote id) while the posts
// of a channel's other broadcasts, which do not depend on each other, go side by side; up to
// DispatchConfig.Sends sends in flight over all channels, starting from firstSends. A channel
// starts with one sender, and each send still under way after slowSend opens one more slot over
// all channels and gives its channel another sender: a network that answers at
// once is served by one sender, the cheapest in CPU; a slow one by as many as its limit (only on
// networks that deduplicate: see perChannel). Outcomes go to one recorder. Dispatch
// claims the next batch as soon as the queues run low rather than when every channel has
// finished, so a slow channel holds up only its own posts: once it has half a batch waiting, the
// next claims leave it out.
//
// What it holds is bounded: a graceful stop gives back every queued post, and a post whose lease
// has run half its course before its turn comes is given back rather than sent, so that no other
// daemon can take it for abandoned while it goes out. A channel stopped by a rate limit, refused
// credentials or wrong settings sends nothing more: the sends already under way on it finish,
// the rest of its queue is given back.
type sendQueues struct {
	d     *Dispatcher
	ctx   context.Context
	rec   *recorder
	start *starter
	slots chan struct{} // one per send in flight, and one per slot not opened yet (reserved)
	// reserved are the slots of DispatchConfig.Sends not opened yet: sends start with
	// firstSends in flight over all channels, and each send still under way after slowSend opens
	// one more. Held with mu.
	reserved int
	wg       sync.WaitGroup
	stop     func() bool // ends the wake-up on ctx's end
	// ahead is half a batch: the next batch is claimed once no more posts than this wait (those
	// of full channels apart); a channel with this many waiting is full, and claims leave it out.
	ahead int

	mu          sync.Mutex
	changed     *sync.Cond // a post left a queue, a channel failed or ctx ended
	outstanding int        // posts claimed whose outcome is not yet handed to the recorder
	full        int        // channels with ahead posts or more pending
	fullPending int        // their pending posts
	batch       int        // claims so far
	channels    map[int64]*channelQueue
	short       []int64 // the last claim found fewer posts than asked, leaving out these full channels
	stats       DispatchStats
	errs        []error
}

// channelQueue is one channel's posts waiting to be sent.
type channelQueue struct {
	ch      models.Channel // as read with the latest claim
	posts   []queuedPost
	senders int            // goroutines taking posts from this queue
	limit   int            // senders at most (see perChannel); a second starts only when a send is slow
	busy    map[int64]bool // broadcasts with a send under way
	pending int            // posts queued or being sent

	stopped bool      // rate limited, credentials refused, settings wrong or an error: send nothing more
	next    time.Time // when stopped: when its posts are due again (zero: at once)
	threads map[int64]*laneThreads
}

// laneThreads is what the sends of one broadcast on a channel know of its thread: read once per
// claim, as the posts sent since are remembered. Only the sender with the broadcast busy uses it.
type laneThreads struct {
	cache threadCache
	batch int
}

type queuedPost struct {
	post      models.Post
	broadcast models.Broadcast
	batch     int
}

func newSendQueues(ctx context.Context, d *Dispatcher) *sendQueues {
	q := &sendQueues{d: d, ctx: ctx, rec: newRecorder(d.store, d.cfg.Owner),
		start: newStarter(d.store, d.cfg.Owner, d.now), slots: make(chan struct{}, d.cfg.Sends),
		ahead: max(1, d.cfg.Batch/2), channels: map[int64]*channelQueue{}}
	q.reserved = max(0, d.cfg.Sends-firstSends)
	for range q.reserved {
		q.slots <- struct{}{}
	}
	q.changed = sync.NewCond(&q.mu)
	q.stop = context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.changed.Broadcast()
		q.mu.Unlock()
	})
	return q
}

// room waits until claiming more is worth it and returns the channels the claim leaves out:
// those with q.ahead posts or more waiting. It waits while the other channels have more than
// q.ahead posts waiting between them, and, after a claim that found less than it asked for, until
// one of the channels it left out is no longer full. ok is false once ctx has ended or a send
// failed.
func (q *sendQueues) room() (skip []int64, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.errs) == 0 && q.ctx.Err() == nil {
		progress := q.short == nil
		for _, id := range q.short {
			progress = progress || q.channels[id].pending < q.ahead
		}
		if q.outstanding-q.fullPending <= q.ahead && progress {
			if q.full > 0 {
				for id, cq := range q.channels {
					if cq.pending >= q.ahead {
						skip = append(skip, id)
					}
				}
				slices.Sort(skip)
			}
			return skip, true
		}
		q.changed.Wait()
	}
	return nil, false
}

// pend changes how many posts cq has pending by delta. Call with q.mu held.
func (q *sendQueues) pend(cq *channelQueue, delta int) {
	if cq.pending >= q.ahead {
		q.full--
		q.fullPending -= cq.pending
	}
	cq.pending += delta
	q.outstanding += delta
	if cq.pending >= q.ahead {
		q.full++
		q.fullPending += cq.pending
	}
}

// add queues claimed posts on their channels, starting a sender on each channel that has none.
// short says the claim found fewer posts than it asked for, leaving out the channels skip names.
// When their channels or broadcasts cannot be read, the posts are given back.
func (q *sendQueues) add(claimed []models.Post, short bool, skip []int64) error {
	q.mu.Lock()
	q.short = nil
	if short && len(skip) > 0 {
		q.short = slices.Clone(skip)
	}
	q.mu.Unlock()
	if len(claimed) == 0 {
		return nil
	}
	chanIDs, bIDs := make([]int64, 0, len(claimed)), make([]int64, 0, len(claimed))
	for _, p := range claimed {
		chanIDs = append(chanIDs, p.ChannelID)
		bIDs = append(bIDs, p.BroadcastID)
	}
	chans, err := q.d.store.ChannelsByID(q.ctx, chanIDs)
	var broadcasts map[int64]models.Broadcast
	if err == nil {
		broadcasts, err = q.d.store.BroadcastsByID(q.ctx, bIDs)
	}
	if err != nil {
		var stats DispatchStats
		for _, p := range claimed {
			q.d.giveBack(p, time.Time{}, &stats, q.rec)
		}
		q.mu.Lock()
		q.stats.Claimed += len(claimed)
		q.stats.add(stats)
		q.mu.Unlock()
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.batch++
	q.stats.Claimed += len(claimed)
	seen := map[int64]bool{}
	for _, p := range claimed {
		cq := q.channels[p.ChannelID]
		if cq == nil {
			cq = &channelQueue{busy: map[int64]bool{}, threads: map[int64]*laneThreads{}}
			q.channels[p.ChannelID] = cq
		}
		if !seen[p.ChannelID] {
			seen[p.ChannelID] = true
			cq.ch = chans[p.ChannelID]
			cq.limit = q.perChannel(cq.ch) // as the channel is now: its network may have changed
		}
		q.pend(cq, 1)
		cq.posts = append(cq.posts, queuedPost{post: p, broadcast: broadcasts[p.BroadcastID], batch: q.batch})
		if cq.senders == 0 { // more are started when its sends are slow (see send)
			q.startSender(cq)
		}
	}
	return nil
}

// send takes a channel's queued posts and sends them, one at a time, until none is left that it
// may take: the first post whose broadcast has no send under way. A post left in the queue is
// one whose broadcast is busy, and the sender that has it busy looks again once it is done.
func (q *sendQueues) send(cq *channelQueue) {
	defer q.wg.Done()
	var poster posting.Poster
	for {
		q.slots <- struct{}{}
		q.mu.Lock()
		i := slices.IndexFunc(cq.posts, func(qp queuedPost) bool { return !cq.busy[qp.post.BroadcastID] })
		if i < 0 {
			cq.senders--
			q.mu.Unlock()
			<-q.slots
			return
		}
		qp := cq.posts[i]
		cq.posts = slices.Delete(cq.posts, i, i+1)
		b := qp.post.BroadcastID
		cq.busy[b] = true
		lt := cq.threads[b]
		if lt == nil || lt.batch != qp.batch {
			lt = &laneThreads{cache: threadCache{}, batch: qp.batch}
			cq.threads[b] = lt
		}
		ch, stopped, next, limit := cq.ch, cq.stopped, cq.next, cq.limit
		q.mu.Unlock()

		// A send still under way after slowSend waits on the network, not the CPU: one more
		// send may be in flight over all channels, and the channel gets another sender for its
		// other broadcasts' posts. Sends that answer at once are left to few senders, which cost
		// least (every send in flight is a goroutine and a connection on both ends).
		grown := make(chan struct{})
		grow := time.AfterFunc(slowSend, func() {
			defer close(grown)
			q.mu.Lock()
			if q.reserved > 0 {
				q.reserved--
				<-q.slots // never blocks: the reserved slots are in the channel
			}
			if limit > 1 && cq.senders < cq.limit && cq.senders-len(cq.busy) < len(cq.posts) {
				q.startSender(cq)
			}
			q.mu.Unlock()
		})
		var stats DispatchStats
		stop, until, err := q.sendOne(cq, &poster, ch, stopped, next, qp, lt.cache, &stats)
		if !grow.Stop() {
			<-grown // it may start a sender: this one is still counted while it does
		}
		<-q.slots
		q.mu.Lock()
		delete(cq.busy, b)
		switch {
		case err != nil:
			cq.stopped, cq.next = true, time.Time{} // the rest of its posts are given back
			q.errs = append(q.errs, err)
		case stop:
			q.haltLocked(cq, until)
		}
		q.stats.add(stats)
		q.pend(cq, -1)
		q.changed.Broadcast()
		q.mu.Unlock()
	}
}

// sendOne sends one queued post, or gives it back when its channel has stopped (then due again
// at next), ctx has ended or its lease is running out. stop says the channel must send nothing
// more; its posts are due again at until.
func (q *sendQueues) sendOne(cq *channelQueue, poster *posting.Poster, ch models.Channel, stopped bool, next time.Time, qp queuedPost, threads threadCache, stats *DispatchStats) (stop bool, until time.Time, err error) {
	d, p := q.d, qp.post
	if q.ctx.Err() != nil {
		d.giveBack(p, time.Time{}, stats, q.rec)
		return false, time.Time{}, nil
	}
	if stopped {
		d.giveBack(p, next, stats, q.rec)
		return false, time.Time{}, nil
	}
	if !p.LeaseExpiresAt.IsZero() && d.now().After(p.LeaseExpiresAt.Add(-d.cfg.Lease/2)) {
		// It waited half its lease behind its channel's other posts: sent now, it could still
		// be on its way when the lease ends and another daemon recovers it. It is due again
		// at once, and claimed afresh.
		d.log.Debug("claimed post given back: its lease is running out", slog.Int64("post", p.ID))
		d.giveBack(p, time.Time{}, stats, q.rec)
		return false, time.Time{}, nil
	}
	if *poster == nil {
		p, err := d.posters(ch)
		if err != nil {
			reason := fmt.Sprintf("channel settings are wrong: %v", err)
			if err := d.store.SetChannelStatus(q.ctx, ch.ID, models.ChannelPaused, reason); err != nil {
				return false, time.Time{}, err
			}
			d.log.Error("channel paused", slog.String("channel", ch.Name), slog.String("reason", reason))
			d.giveBack(qp.post, time.Time{}, stats, q.rec)
			return true, time.Time{}, nil
		}
		*poster = haltingPoster{Poster: p, q: q, cq: cq}
	}
	at, err := d.sendPost(q.ctx, *poster, ch, p, qp.broadcast, threads, q.start, q.rec, stats)
	return !at.IsZero(), at, err
}

// slowSend is how long a send may take before one more may be in flight, and its channel gets
// another sender.
const slowSend = 25 * time.Millisecond

// firstSends is how many sends a Dispatch has in flight at first, over all channels: enough to
// keep 2 cores busy on networks that answer at once (the loopback receiver of the benchmark takes
// fewer CPU per post with 32 in flight than with 256), few enough that every slow send opens one
// more, up to DispatchConfig.Sends.
const firstSends = 32

// startSender starts one more sender on cq. Call with q.mu held, while a sender of this
// Dispatch is running or from add.
func (q *sendQueues) startSender(cq *channelQueue) {
	cq.senders++
	q.wg.Add(1)
	go q.send(cq)
}

// perChannel is how many sends may be under way at once on ch: DispatchConfig.PerChannel where
// its network deduplicates (a post a crash interrupts is sent again under its key), one where it
// cannot (each send in flight is a post a crash would leave for a person to check).
func (q *sendQueues) perChannel(ch models.Channel) int {
	if p, err := q.d.posters(ch); err == nil && posting.RecoveryOf(p) == posting.Resend {
		return q.d.cfg.PerChannel
	}
	return 1
}

// haltLocked stops cq: its senders take nothing more, and its posts are given back, due again at
// until (zero: at once). Two sends under way may both be refused: the later end wins. Call with
// q.mu held.
func (q *sendQueues) haltLocked(cq *channelQueue, until time.Time) {
	if !cq.stopped || until.After(cq.next) {
		cq.next = until
	}
	cq.stopped = true
}

// haltingPoster stops its channel the moment the network answers that the channel must wait (a
// rate limit) or cannot send (credentials, settings): the channel's other senders take nothing
// more from then on, rather than from when the dispatcher has written the hold.
type haltingPoster struct {
	posting.Poster
	q  *sendQueues
	cq *channelQueue
}

func (p haltingPoster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	r, err := p.Poster.Post(ctx, m)
	var rl *posting.RateLimited
	switch kind := posting.Classify(err); {
	case kind == "rate-limited" && errors.As(err, &rl):
		p.halt(rl.Until)
	case kind == "rate-limited" || kind == "auth" || kind == "misconfigured":
		p.halt(time.Time{})
	}
	return r, err
}

func (p haltingPoster) halt(until time.Time) {
	p.q.mu.Lock()
	p.q.haltLocked(p.cq, until)
	p.q.mu.Unlock()
}

// Recovery and RemoteKey are the wrapped poster's: the dispatcher asks them of the poster it is
// given.
func (p haltingPoster) Recovery() posting.Recovery { return posting.RecoveryOf(p.Poster) }

func (p haltingPoster) RemoteKey(m posting.Message) string { return posting.RemoteKeyOf(p.Poster, m) }

// close waits for every queued post to be sent or given back and their outcomes written.
func (q *sendQueues) close() (DispatchStats, error) {
	q.wg.Wait()
	q.stop()
	q.start.close()
	err := q.rec.close()
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stats, errors.Join(append(q.errs, err)...)
}
