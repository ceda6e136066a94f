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

// sendQueues is the sending side of one Dispatch: claimed posts wait in a queue per channel; a
// goroutine per channel with posts sends them one after the other, in the order they were
// claimed (due order), up to DispatchConfig.Channels channels at once; outcomes go to one
// recorder. Dispatch claims the next batch as soon as the queues run low rather than when every
// channel has finished, so a slow channel holds up only its own posts: once it has half a batch
// waiting, the next claims leave it out.
//
// What it holds is bounded: a graceful stop gives back every queued post, and a post whose lease
// has run half its course before its turn comes is given back rather than sent, so that no other
// daemon can take it for abandoned while it goes out.
type sendQueues struct {
	d     *Dispatcher
	ctx   context.Context
	rec   *recorder
	start *starter
	slots chan struct{} // one per channel sending
	wg    sync.WaitGroup
	stop  func() bool // ends the wake-up on ctx's end
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

// channelQueue is one channel's posts waiting to be sent. Only the goroutine sending for the
// channel (running) touches its sending state.
type channelQueue struct {
	ch      models.Channel // as read with the latest claim
	posts   []queuedPost
	running bool
	pending int // posts queued or being sent

	stopped bool      // rate limited, credentials refused, settings wrong or an error: send nothing more
	next    time.Time // when stopped: when its posts are due again (zero: at once)
	threads threadCache
	batch   int // the claim threads was read for
}

type queuedPost struct {
	post      models.Post
	broadcast models.Broadcast
	batch     int
}

func newSendQueues(ctx context.Context, d *Dispatcher) *sendQueues {
	q := &sendQueues{d: d, ctx: ctx, rec: newRecorder(d.store, d.cfg.Owner),
		start: newStarter(d.store, d.cfg.Owner, d.now), slots: make(chan struct{}, d.cfg.Channels),
		ahead: max(1, d.cfg.Batch/2), channels: map[int64]*channelQueue{}}
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

// add queues claimed posts on their channels, starting a sender for each channel that has none.
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
	for _, p := range claimed {
		cq := q.channels[p.ChannelID]
		if cq == nil {
			cq = &channelQueue{}
			q.channels[p.ChannelID] = cq
		}
		cq.ch = chans[p.ChannelID]
		q.pend(cq, 1)
		cq.posts = append(cq.posts, queuedPost{post: p, broadcast: broadcasts[p.BroadcastID], batch: q.batch})
		if !cq.running {
			cq.running = true
			q.wg.Add(1)
			go q.send(cq)
		}
	}
	return nil
}

// send sends a channel's queued posts in order until its queue is empty.
func (q *sendQueues) send(cq *channelQueue) {
	defer q.wg.Done()
	q.slots <- struct{}{}
	defer func() { <-q.slots }()
	var poster posting.Poster
	for {
		q.mu.Lock()
		if len(cq.posts) == 0 {
			cq.running = false
			q.mu.Unlock()
			return
		}
		qp := cq.posts[0]
		cq.posts = cq.posts[1:]
		ch := cq.ch
		q.mu.Unlock()

		var stats DispatchStats
		err := q.sendOne(cq, &poster, ch, qp, &stats)
		if err != nil {
			cq.stopped, cq.next = true, time.Time{} // the rest of its posts are given back
		}
		q.mu.Lock()
		q.stats.add(stats)
		q.pend(cq, -1)
		if err != nil {
			q.errs = append(q.errs, err)
		}
		q.changed.Broadcast()
		q.mu.Unlock()
	}
}

// sendOne sends one queued post, or gives it back when its channel has stopped, ctx has ended
// or its lease is running out.
func (q *sendQueues) sendOne(cq *channelQueue, poster *posting.Poster, ch models.Channel, qp queuedPost, stats *DispatchStats) error {
	d, p := q.d, qp.post
	if q.ctx.Err() != nil {
		d.giveBack(p, time.Time{}, stats, q.rec)
		return nil
	}
	if cq.stopped {
		d.giveBack(p, cq.next, stats, q.rec)
		return nil
	}
	if !p.LeaseExpiresAt.IsZero() && d.now().After(p.LeaseExpiresAt.Add(-d.cfg.Lease/2)) {
		// It waited half its lease behind its channel's other posts: sent now, it could still
		// be on its way when the lease ends and another daemon recovers it. It is due again
		// at once, and claimed afresh.
		d.log.Debug("claimed post given back: its lease is running out", slog.Int64("post", p.ID))
		d.giveBack(p, time.Time{}, stats, q.rec)
		return nil
	}
	if *poster == nil {
		var err error
		if *poster, err = d.posters(ch); err != nil {
			reason := fmt.Sprintf("channel settings are wrong: %v", err)
			if err := d.store.SetChannelStatus(q.ctx, ch.ID, models.ChannelPaused, reason); err != nil {
				return err
			}
			d.log.Error("channel paused", slog.String("channel", ch.Name), slog.String("reason", reason))
			cq.stopped, cq.next = true, time.Time{}
			d.giveBack(p, time.Time{}, stats, q.rec)
			return nil
		}
	}
	if cq.threads == nil || cq.batch != qp.batch {
		// A thread is read once per claim, as the posts sent since are remembered.
		cq.threads, cq.batch = threadCache{}, qp.batch
	}
	stop, err := d.sendPost(q.ctx, *poster, ch, p, qp.broadcast, cq.threads, q.start, q.rec, stats)
	if err != nil {
		return err
	}
	if !stop.IsZero() {
		cq.stopped, cq.next = true, stop
	}
	return nil
}

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
