package scheduler

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// ErrNotLeader is returned by Elector.IsLeader on a daemon that is not the leader.
var ErrNotLeader = errors.New("not the leader")

// leaderLock is the PostgreSQL advisory lock key the leader holds ("onairldr").
const leaderLock int64 = 0x6f6e6169726c6472

// Elector elects one daemon among those sharing a PostgreSQL database, for the work that must run
// in one place at a time (reconcile, housekeeping). It implements gocron v2's Elector. The leader
// holds a session-level advisory lock on a pinned connection: when its process dies, PostgreSQL
// ends the session and frees the lock, and the next daemon to ask becomes the leader.
type Elector struct {
	db *sql.DB
	// OnElected is called when this daemon becomes the leader (for the log).
	OnElected func()

	mu   sync.Mutex
	conn *sql.Conn
}

// NewElector returns an elector over db.
func NewElector(db *sql.DB) *Elector { return &Elector{db: db} }

// IsLeader returns nil when this daemon is (or has just become) the leader.
func (e *Elector) IsLeader(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		// Still holding the lock? A broken connection means the session, and the lock, are gone.
		if err := e.conn.PingContext(ctx); err == nil {
			return nil
		}
		e.conn.Close()
		e.conn = nil
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", leaderLock).Scan(&got); err != nil {
		conn.Close()
		return err
	}
	if !got {
		conn.Close()
		return ErrNotLeader
	}
	e.conn = conn
	if e.OnElected != nil {
		e.OnElected()
	}
	return nil
}

// Resign gives up leadership (a graceful stop), so another daemon takes over at once.
func (e *Elector) Resign() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		e.conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", leaderLock)
		e.conn.Close()
		e.conn = nil
	}
}
