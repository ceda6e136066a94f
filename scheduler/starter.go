package scheduler

import (
	"context"
	"time"

	"github.com/onairhq/onair/models"
)

// starter writes the started marks of one Dispatch's sends (models.Store.MarkStarted): a send
// waits until its mark is committed before its request leaves, so recovery after a crash knows
// exactly which posts may have reached the network. The marks are group-committed: while one
// transaction is written, the marks other channels ask for meanwhile queue up and go together in
// the next, so many channels sending at once cost one commit per round, not one per post. A lone
// channel pays one small commit per send, next to a network round trip.
type starter struct {
	store *models.Store
	owner string
	now   func() time.Time
	in    chan startRequest
	done  chan struct{}
}

type startRequest struct {
	start models.SendStart
	reply chan startReply
}

type startReply struct {
	ok  bool // marked: the post is still ours, its request may leave
	err error
}

const startBatch = 256 // marks per transaction at most

func newStarter(store *models.Store, owner string, now func() time.Time) *starter {
	s := &starter{store: store, owner: owner, now: now, in: make(chan startRequest, startBatch), done: make(chan struct{})}
	go s.run()
	return s
}

// mark returns once post's started mark is committed. ok is false when the post's lease was lost
// (another dispatcher recovered it): it must not be sent.
func (s *starter) mark(start models.SendStart) (ok bool, err error) {
	reply := make(chan startReply, 1)
	s.in <- startRequest{start: start, reply: reply}
	r := <-reply
	return r.ok, r.err
}

func (s *starter) run() {
	defer close(s.done)
	batch := make([]startRequest, 0, startBatch)
	starts := make([]models.SendStart, 0, startBatch)
	for rq := range s.in {
		batch = append(batch[:0], rq)
	more:
		for len(batch) < startBatch {
			select {
			case rq, ok := <-s.in:
				if !ok {
					break more
				}
				batch = append(batch, rq)
			default:
				break more
			}
		}
		starts = starts[:0]
		for _, rq := range batch {
			starts = append(starts, rq.start)
		}
		// Not cancelled with the dispatch: a send that is about to start is let start.
		marked, err := s.store.MarkStarted(context.Background(), s.owner, s.now(), starts)
		for _, rq := range batch {
			rq.reply <- startReply{ok: marked[rq.start.PostID], err: err}
		}
	}
}

// close stops the starter once every mark asked for is answered.
func (s *starter) close() {
	close(s.in)
	<-s.done
}
