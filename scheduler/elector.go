package scheduler

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/onairhq/onair/models"
)

// ErrNotLeader is returned by Elector.IsLeader on a daemon that is not the leader.
var ErrNotLeader = errors.New("not the leader")

// Elector elects one daemon among those sharing a PostgreSQL database, for the work that must run
// in one place at a time (reconcile, housekeeping). It implements gocron v2's Elector. The leader
// holds models.Leadership: when its process dies the lock is freed, and the next daemon to ask
// becomes the leader.
type Elector struct {
	db *sql.DB
	// OnElected is called when this daemon becomes the leader (for the log).
	OnElected func()

	mu   sync.Mutex
	lead *models.Leadership
}

// NewElector returns an elector over db.
func NewElector(db *sql.DB) *Elector { return &Elector{db: db} }

// IsLeader returns nil when this daemon is (or has just become) the leader.
func (e *Elector) IsLeader(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lead != nil {
		if e.lead.Held(ctx) {
			return nil
		}
		e.lead = nil
	}
	lead, err := models.TryLead(ctx, e.db)
	if err != nil {
		return err
	}
	if lead == nil {
		return ErrNotLeader
	}
	e.lead = lead
	if e.OnElected != nil {
		e.OnElected()
	}
	return nil
}

// Resign gives up leadership (a graceful stop), so another daemon takes over at once.
func (e *Elector) Resign() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lead != nil {
		e.lead.Resign()
		e.lead = nil
	}
}
