package scheduler

import (
	"context"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
)

// recorder gathers send outcomes and writes them in batches: one transaction (one fsync on
// SQLite) for many posts. A post whose outcome is not yet written when the process dies is still
// "sending" with its lease, and is recovered like any interrupted send: resent with the same
// idempotency key where the network deduplicates, else left "unknown" for a person.
type recorder struct {
	store *models.Store
	owner string
	in    chan models.PostOutcome
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

const (
	recordBatch = 256                  // outcomes per transaction at most
	recordWait  = 2 * time.Millisecond // how long a lone outcome waits for company
)

func newRecorder(store *models.Store, owner string) *recorder {
	r := &recorder{store: store, owner: owner, in: make(chan models.PostOutcome, recordBatch), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *recorder) add(postID int64, o models.Outcome) {
	r.in <- models.PostOutcome{PostID: postID, Outcome: o}
}

func (r *recorder) run() {
	defer close(r.done)
	batch := make([]models.PostOutcome, 0, recordBatch)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// Outcomes are written even during a graceful stop: the sends happened.
		if _, err := r.store.RecordMany(context.Background(), r.owner, batch); err != nil {
			r.mu.Lock()
			if r.err == nil {
				r.err = err
			}
			r.mu.Unlock()
		}
		batch = batch[:0]
	}
	for {
		po, ok := <-r.in
		if !ok {
			flush()
			return
		}
		batch = append(batch, po)
		timer := time.NewTimer(recordWait)
	fill:
		for len(batch) < recordBatch {
			select {
			case po, ok := <-r.in:
				if !ok {
					timer.Stop()
					flush()
					return
				}
				batch = append(batch, po)
			case <-timer.C:
				break fill
			}
		}
		timer.Stop()
		flush()
	}
}

// close writes what is left and returns the first error.
func (r *recorder) close() error {
	close(r.in)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
