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
	in    chan recorded
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

// recorded is an outcome to write, or (flushed set) a request to say when everything added
// before it is written.
type recorded struct {
	outcome models.PostOutcome
	flushed chan struct{}
}

const (
	recordBatch = 256                  // outcomes per transaction at most
	recordWait  = 2 * time.Millisecond // how long a lone outcome waits for company
)

func newRecorder(store *models.Store, owner string) *recorder {
	r := &recorder{store: store, owner: owner, in: make(chan recorded, recordBatch), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *recorder) add(postID int64, o models.Outcome) {
	r.in <- recorded{outcome: models.PostOutcome{PostID: postID, Outcome: o}}
}

// flush returns once every outcome added before it is written (or failed to be).
func (r *recorder) flush() {
	done := make(chan struct{})
	r.in <- recorded{flushed: done}
	<-done
}

func (r *recorder) run() {
	defer close(r.done)
	batch := make([]models.PostOutcome, 0, recordBatch)
	var waiting []chan struct{}
	flush := func() {
		if len(batch) > 0 {
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
		for _, w := range waiting {
			close(w)
		}
		waiting = waiting[:0]
	}
	// take adds what came in; it reports whether the batch must be written now.
	take := func(rc recorded) bool {
		if rc.flushed != nil {
			waiting = append(waiting, rc.flushed)
			return true
		}
		batch = append(batch, rc.outcome)
		return len(batch) >= recordBatch
	}
	for {
		rc, ok := <-r.in
		if !ok {
			flush()
			return
		}
		if take(rc) {
			flush()
			continue
		}
		timer := time.NewTimer(recordWait)
	fill:
		for {
			select {
			case rc, ok := <-r.in:
				if !ok {
					timer.Stop()
					flush()
					return
				}
				if take(rc) {
					break fill
				}
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
