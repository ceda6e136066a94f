package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The statements a daemon runs to notice other writers and to share a PostgreSQL database with
// other daemons: the SQLite data_version watcher, the PostgreSQL LISTEN on the broadcasts
// trigger's channel, and the advisory lock that elects one daemon. The scheduler decides when to
// run them; the SQL lives here, with the rest.

// BroadcastsChannel is the channel the PostgreSQL broadcasts trigger notifies on each change
// (see the migrations).
const BroadcastsChannel = "onair_broadcasts"

// SQLiteWatcher tells when another connection (a CMS, the CLI) committed to a SQLite file.
type SQLiteWatcher struct {
	db *sql.DB
}

// WatchSQLite opens a watcher on the SQLite file at path.
func WatchSQLite(path string) (*SQLiteWatcher, error) {
	db, err := sql.Open("sqlite3", SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("watch database: %w", err)
	}
	db.SetMaxOpenConns(1) // data_version compares only on one connection
	return &SQLiteWatcher{db: db}, nil
}

// Version returns the file's data_version: it changes when another connection commits.
func (w *SQLiteWatcher) Version(ctx context.Context) (int64, error) {
	var v int64
	err := w.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v, err
}

// Close closes the watcher's connection.
func (w *SQLiteWatcher) Close() error { return w.db.Close() }

// BroadcastListener is a PostgreSQL connection listening to the broadcasts trigger.
type BroadcastListener struct {
	conn *pgx.Conn
}

// ListenBroadcasts connects to the PostgreSQL database dsn and listens on BroadcastsChannel.
func ListenBroadcasts(ctx context.Context, dsn string) (*BroadcastListener, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+BroadcastsChannel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return &BroadcastListener{conn: conn}, nil
}

// Wait returns when a broadcast changed, or with the error that ended the connection.
func (l *BroadcastListener) Wait(ctx context.Context) error {
	_, err := l.conn.WaitForNotification(ctx)
	return err
}

// Close closes the listener's connection.
func (l *BroadcastListener) Close() { l.conn.Close(context.Background()) }

// leaderLock is the PostgreSQL advisory lock the elected daemon holds: the pair ("onai", a hash
// of the schema onair's tables are in). Advisory locks are per database, so onair installations
// in different schemas of one database (or tests side by side) each elect their own daemon.
const (
	leaderLockClass int32 = 0x6f6e6169 // "onai"
	leaderLockKey         = "hashtext(current_schema())"
)

// Leadership is the leader's session-level advisory lock on a pinned connection: when its
// process dies, PostgreSQL ends the session and frees the lock.
type Leadership struct {
	conn *sql.Conn
}

// TryLead takes the leader's lock on a connection of db. It returns nil, nil when another
// session holds it.
func TryLead(ctx context.Context, db *sql.DB) (*Leadership, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, "+leaderLockKey+")", leaderLockClass).Scan(&got); err != nil {
		conn.Close()
		return nil, err
	}
	if !got {
		conn.Close()
		return nil, nil
	}
	return &Leadership{conn: conn}, nil
}

// Held reports whether the lock is still held: a broken connection means the session, and the
// lock, are gone (the connection is closed then).
func (l *Leadership) Held(ctx context.Context) bool {
	if err := l.conn.PingContext(ctx); err != nil {
		l.conn.Close()
		return false
	}
	return true
}

// Resign frees the lock at once (a graceful stop), so another daemon takes over.
func (l *Leadership) Resign() {
	l.conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1, "+leaderLockKey+")", leaderLockClass)
	l.conn.Close()
}
