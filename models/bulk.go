package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CreatePosts inserts planned posts in bulk, giving each its creation time and, when it has none,
// an idempotency key. It is the planner's hot path, so it skips GORM: on SQLite, multi-row
// INSERT statements prepared once per call; on PostgreSQL, COPY. The posts' ids are not read
// back (the planner reads posts from the database when it needs them).
func (s *Store) CreatePosts(ctx context.Context, posts []*Post) error {
	if len(posts) == 0 {
		return nil
	}
	now := NewTime(s.now())
	for _, p := range posts {
		p.CreatedAt, p.UpdatedAt = now, now
		if p.IdempotencyKey == "" {
			p.IdempotencyKey = NewIdempotencyKey()
		}
	}
	if s.engine == EnginePostgres {
		return s.copyPosts(ctx, posts)
	}
	return s.insertPosts(ctx, posts)
}

// postColumns are the columns CreatePosts writes: those a plan sets. The others (edited, attempts,
// retry, sending, sent and lease columns) take their defaults, which are what a Post's zero values
// are written as: a post that has any of them set is written with allColumns instead.
var postColumns = []string{"broadcast_id", "channel_id", "kind", "step", "due_at", "text", "length",
	"max_length", "status", "error", "idempotency_key", "options", "expires_at", "created_at", "updated_at"}

// allColumns are every column of posts but id.
var allColumns = append(postColumns[:len(postColumns):len(postColumns)], "edited", "attempts",
	"next_attempt_at", "sent_at", "remote_id", "remote_url", "remote_ref", "lease_owner", "lease_expires_at")

// fresh reports whether p has nothing in the columns postColumns leaves out.
func (p *Post) fresh() bool {
	return !p.Edited && p.Attempts == 0 && p.NextAttemptAt.IsZero() && p.SentAt.IsZero() && p.RemoteID == "" &&
		p.RemoteURL == "" && p.RemoteRef == "" && p.LeaseOwner == "" && p.LeaseExpiresAt.IsZero()
}

// postRow appends p's values in the order of postColumns, or allColumns when all is set. time
// is how the engine takes a time: text (SQLite) or time.Time (PostgreSQL); both give nil for the
// zero time (NULL). created is the value of created_at and updated_at, the same for every post.
// Kind and status go as plain strings, which both drivers take without reflection.
func postRow(row []any, p *Post, all bool, time func(Time) any, created any) []any {
	row = append(row, p.BroadcastID, p.ChannelID, string(p.Kind), p.Step, time(p.DueAt), p.Text, int64(p.Length),
		int64(p.MaxLength), string(p.Status), p.Error, p.IdempotencyKey, p.Options, time(p.ExpiresAt), created, created)
	if all {
		row = append(row, p.Edited, int64(p.Attempts), time(p.NextAttemptAt), time(p.SentAt), p.RemoteID,
			p.RemoteURL, p.RemoteRef, p.LeaseOwner, time(p.LeaseExpiresAt))
	}
	return row
}

// columnsFor returns the columns posts need.
func columnsFor(posts []*Post) (columns []string, all bool) {
	for _, p := range posts {
		if !p.fresh() {
			return allColumns, true
		}
	}
	return postColumns, false
}

// sqliteTime is a time as onair writes it in SQLite: TimeFormat text, or NULL.
func sqliteTime(t Time) any {
	if t.Time.IsZero() {
		return nil
	}
	return t.Time.UTC().Format(TimeFormat)
}

// pgTime is a time for a timestamptz column, or NULL.
func pgTime(t Time) any {
	if t.Time.IsZero() {
		return nil
	}
	return t.Time.UTC()
}

// insertRows is how many posts one SQLite INSERT carries: 24 parameters each at most, well under
// SQLite's limit of 32,766 per statement.
const insertRows = 256

var insertSQL sync.Map // insertKey -> the INSERT statement

type insertKey struct {
	rows int
	all  bool
}

func postsInsert(rows int, all bool) string {
	key := insertKey{rows, all}
	if q, ok := insertSQL.Load(key); ok {
		return q.(string)
	}
	columns := postColumns
	if all {
		columns = allColumns
	}
	one := "(" + strings.Repeat("?,", len(columns)-1) + "?)"
	var b strings.Builder
	b.WriteString("INSERT INTO posts (" + strings.Join(columns, ", ") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(one)
	}
	q := b.String()
	insertSQL.Store(key, q)
	return q
}

// insertPosts writes posts on SQLite, insertRows at a time through one prepared statement.
func (s *Store) insertPosts(ctx context.Context, posts []*Post) error {
	pool := s.db.Statement.ConnPool
	columns, all := columnsFor(posts)
	created := sqliteTime(posts[0].CreatedAt)
	args := make([]any, 0, insertRows*len(columns))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < len(posts); start += insertRows {
		chunk := posts[start:min(start+insertRows, len(posts))]
		args = args[:0]
		for _, p := range chunk {
			args = postRow(args, p, all, sqliteTime, created)
		}
		var err error
		if len(chunk) == insertRows {
			if full == nil {
				if full, err = pool.PrepareContext(ctx, postsInsert(insertRows, all)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = pool.ExecContext(ctx, postsInsert(len(chunk), all), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copyPosts writes posts on PostgreSQL with COPY, on the transaction's connection when there is
// one.
func (s *Store) copyPosts(ctx context.Context, posts []*Post) error {
	columns, all := columnsFor(posts)
	created := pgTime(posts[0].CreatedAt)
	row := make([]any, 0, len(columns))
	src := pgx.CopyFromSlice(len(posts), func(i int) ([]any, error) {
		row = postRow(row[:0], posts[i], all, pgTime, created)
		return row, nil
	})
	return s.withPgx(ctx, func(c *pgx.Conn) error {
		_, err := c.CopyFrom(ctx, pgx.Identifier{"posts"}, columns, src)
		return err
	})
}

// withPgx runs fn on the pgx connection under the store: the transaction's (see Tx), or one
// taken from the pool.
func (s *Store) withPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn := s.conn
	if conn == nil {
		sqlDB, err := s.db.DB()
		if err != nil {
			return err
		}
		if conn, err = sqlDB.Conn(ctx); err != nil {
			return err
		}
		defer conn.Close()
	}
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("PostgreSQL connection is a %T, not pgx's", driverConn)
		}
		return fn(c.Conn())
	})
}
