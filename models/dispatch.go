package models

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Attempt results.
const (
	ResultSent        = "sent"
	ResultRetry       = "retry"            // failed before the request left: the network cannot have it
	ResultRetryMaybe  = "retry-maybe-sent" // no answer after the request left: the network may have it
	ResultRateLimited = "rate-limited"
	ResultAuth        = "auth"
	ResultRejected    = "rejected"
	ResultFailed      = "failed"
	ResultRecovered   = "recovered" // an interrupted send, resolved after a crash
	ResultUncertain   = "uncertain" // the network may have the post and cannot say: a person checks
	ResultMisconfig   = "misconfigured"
)

// WindowPassed begins the reason of every post SkipExpired settles: a post skipped this way was
// never sent, and is planned again if its broadcast moves its moment ahead.
const WindowPassed = "its window passed"

// SkipExpired settles planned and held posts whose window has passed, so a post is never sent
// stale (a "starts in 1 hour" reminder after the start), each with the real reason: a post the
// network kept refusing ends failed with its last error; one whose channel was held (rate limit,
// credentials, paused) says so, and one whose tries may have reached the network (no answer
// after the request left, or a send a crash interrupted) is unknown, for a person to check; a held replay says it waited for its URL; only a post nobody tried
// is put down to onair not running. It returns the posts it settled.
func (s *Store) SkipExpired(ctx context.Context, now time.Time) ([]Post, error) {
	var skipped []Post
	// The reasons are parameters: a literal "?" in the SQL would be taken for a placeholder.
	// Statuses are literals in the hot queries: SQLite uses a partial index only when the query's
	// WHERE names the index's constants, which a bound parameter does not.
	err := s.db.WithContext(ctx).Raw(`UPDATE posts SET
			status = CASE WHEN status = 'planned' AND attempts > 0 AND error <> '' THEN
					CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.post_id = posts.id AND a.result IN ('retry-maybe-sent', 'recovered'))
						THEN 'unknown' ELSE 'failed' END
				ELSE 'skipped' END,
			error = CASE
				WHEN status = 'held' THEN ?
				WHEN attempts > 0 AND error <> '' AND EXISTS (SELECT 1 FROM attempts a WHERE a.post_id = posts.id AND a.result IN ('retry-maybe-sent', 'recovered'))
					THEN ? || error
				WHEN attempts > 0 AND error <> '' THEN ? || error
				WHEN EXISTS (SELECT 1 FROM channels c WHERE c.id = posts.channel_id
					AND (c.status <> 'active' OR c.paused_until > ?)) THEN
					? || coalesce((SELECT CASE WHEN c.status_reason <> '' THEN c.status_reason ELSE c.status END
						FROM channels c WHERE c.id = posts.channel_id), '')
				ELSE ? END,
			updated_at = ?
		WHERE status IN ('planned', 'held') AND expires_at IS NOT NULL AND expires_at <= ?
		RETURNING *`,
		WindowPassed+" while it waited for the replay URL",
		WindowPassed+" while the network kept failing, and a try may have reached it (check the channel): ",
		WindowPassed+" while the network kept failing: ",
		NewTime(now),
		WindowPassed+" while its channel could not send: ",
		WindowPassed+" before it could be sent (was onair stopped?)",
		NewTime(now), NewTime(now)).Find(&skipped).Error
	if err != nil {
		return nil, fmt.Errorf("skip expired posts: %w", err)
	}
	return skipped, nil
}

// ClaimDue takes up to limit posts that are due (and whose channel is active and not held by a
// rate limit) for owner, in one write transaction: they become "sending" with a lease until
// leaseUntil. Nobody else claims them until the lease is released or expires.
func (s *Store) ClaimDue(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]Post, error) {
	return s.ClaimDueExcept(ctx, owner, now, leaseUntil, limit, nil)
}

// ClaimDueExcept is ClaimDue leaving out the posts of the channels skip names (a dispatcher's
// channels that already have plenty to send).
//
// The posts it returns carry the columns a send reads (claimedColumns); the others are left
// zero. Reading every column through GORM's reflection was most of a claim's CPU.
func (s *Store) ClaimDueExcept(ctx context.Context, owner string, now, leaseUntil time.Time, limit int, skip []int64) ([]Post, error) {
	var claimed []Post
	n := NewTime(now)
	// SQLite serialises writers (immediate transactions); PostgreSQL daemons skip the rows another
	// daemon is claiming instead of waiting for them.
	lock := ""
	if s.engine == EnginePostgres {
		lock = "FOR UPDATE OF p SKIP LOCKED"
	}
	args := []any{PostSending, owner, NewTime(leaseUntil), n, n, n, n, n}
	except := ""
	if len(skip) > 0 {
		except = "AND p.channel_id NOT IN ?"
		args = append(args, skip)
	}
	args = append(args, limit)
	// The channels that may send are worked out once, as a list, and the due posts are walked in
	// due order against it: the plan cannot turn into a rescan of the due posts per channel, which
	// PostgreSQL chose on stale statistics (941 ms a claim at 256 channels right after planning).
	sendable := `p.channel_id IN (SELECT id FROM channels WHERE status = 'active' AND (paused_until IS NULL OR paused_until <= ?))`
	if s.engine == EnginePostgres {
		sendable = `p.channel_id = ANY(ARRAY(SELECT id FROM channels WHERE status = 'active' AND (paused_until IS NULL OR paused_until <= ?)))`
	}
	rows, err := s.db.WithContext(ctx).Raw(`UPDATE posts
		   SET status = ?, lease_owner = ?, lease_expires_at = ?, send_started_at = NULL, attempts = attempts + 1, updated_at = ?
		 WHERE id IN (
			SELECT p.id FROM posts p
			 WHERE p.status = 'planned' AND p.due_at <= ? AND p.sent_at IS NULL
			   AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= ?)
			   AND (p.expires_at IS NULL OR p.expires_at > ?)
			   AND `+sendable+` `+except+`
			   AND EXISTS (SELECT 1 FROM broadcasts b WHERE b.id = p.broadcast_id)
			 ORDER BY p.due_at, p.id LIMIT ? `+lock+`)
		RETURNING `+claimedColumns, args...).Rows()
	if err == nil {
		claimed, err = scanClaimed(rows, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("claim due posts: %w", err)
	}
	// RETURNING gives the rows in no particular order (PostgreSQL's is the table's): due order is
	// the order a channel's posts go out in.
	slices.SortFunc(claimed, func(a, b Post) int {
		if c := a.DueAt.Compare(b.DueAt.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return claimed, nil
}

// claimedColumns are the columns of a claimed post that sending it reads.
const claimedColumns = `id, broadcast_id, channel_id, kind, step, due_at, text, status, error, idempotency_key,
	attempts, options, expires_at, lease_owner, lease_expires_at, first_tried_at, remote_key`

// scanClaimed reads rows of claimedColumns, and closes them.
func scanClaimed(rows *sql.Rows, size int) ([]Post, error) {
	defer rows.Close()
	out := make([]Post, 0, size)
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.ID, &p.BroadcastID, &p.ChannelID, &p.Kind, &p.Step, &p.DueAt, &p.Text, &p.Status, &p.Error,
			&p.IdempotencyKey, &p.Attempts, &p.Options, &p.ExpiresAt, &p.LeaseOwner, &p.LeaseExpiresAt, &p.FirstTriedAt,
			&p.RemoteKey); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Outcome is what became of one send.
type Outcome struct {
	Status      PostStatus // PostSent, PostPlanned (retry later), PostFailed, PostUnknown
	Error       string     // for the post and the attempt
	Result      string     // the attempt's result (ResultSent...)
	NextAttempt time.Time  // for a retry
	RemoteID    string
	RemoteURL   string
	RemoteRef   string
	Started     time.Time
	Duration    time.Duration
	Refund      bool // the try does not count toward the post's limit (rate limit, credentials): attempts - 1
	NoAttempt   bool // nothing was sent (a claimed post given back): no attempt row
}

// PostOutcome is the outcome of one post, for RecordMany.
type PostOutcome struct {
	PostID  int64
	Outcome Outcome
}

// RecordMany stores many outcomes of posts claimed by owner in one transaction: one commit (one
// fsync on SQLite) for a whole batch of sends. Outcomes whose lease was lost are skipped; it
// returns how many were recorded.
func (s *Store) RecordMany(ctx context.Context, owner string, outcomes []PostOutcome) (int, error) {
	if s.engine == EnginePostgres {
		return s.recordManyPostgres(ctx, owner, outcomes)
	}
	return s.recordManySQLite(ctx, owner, outcomes)
}

// recordOutcome is the UPDATE of one outcome on SQLite, one statement whatever the outcome, so
// that a batch prepares it once (preparing a statement per post was a fifth of a dispatch's CPU).
const recordOutcome = `UPDATE posts SET status = ?, error = ?, lease_owner = '', lease_expires_at = NULL,
		send_started_at = NULL, updated_at = ?, next_attempt_at = ?,
		sent_at = coalesce(?, sent_at),
		remote_id = CASE WHEN ? THEN ? ELSE remote_id END,
		remote_url = CASE WHEN ? THEN ? ELSE remote_url END,
		remote_ref = CASE WHEN ? THEN ? ELSE remote_ref END,
		attempts = attempts - ?
	WHERE id = ? AND status = 'sending' AND lease_owner = ?`

// attemptColumns are the columns RecordMany writes of an attempt row, in attemptRow's order.
var attemptColumns = []string{"post_id", "started_at", "duration_ms", "result", "error", "worker"}

// attemptRow is the attempt row of post id's outcome o, sent by owner. started is o.Started as
// the engine takes it.
func attemptRow(id int64, o Outcome, owner string, started any) []any {
	return []any{id, started, o.Duration.Milliseconds(), o.Result, o.Error, owner}
}

// recordAttempt is the INSERT of one attempt row on SQLite.
var recordAttempt = "INSERT INTO attempts (" + strings.Join(attemptColumns, ", ") + ") VALUES (?" +
	strings.Repeat(", ?", len(attemptColumns)-1) + ")"

// recordManySQLite writes a batch of outcomes in one transaction through two statements prepared
// once.
func (s *Store) recordManySQLite(ctx context.Context, owner string, outcomes []PostOutcome) (int, error) {
	recorded := 0
	err := s.Tx(ctx, func(tx *Store) error {
		recorded = 0
		pool := tx.db.Statement.ConnPool
		update, err := pool.PrepareContext(ctx, recordOutcome)
		if err != nil {
			return err
		}
		defer update.Close()
		var insert *sql.Stmt
		defer func() {
			if insert != nil {
				insert.Close()
			}
		}()
		now := NewTime(tx.now())
		for _, po := range outcomes {
			o := po.Outcome
			sent, refund := o.Status == PostSent, 0
			var sentAt Time
			if sent {
				sentAt = NewTime(o.Started.Add(o.Duration))
			}
			if o.Refund {
				refund = 1
			}
			res, err := update.ExecContext(ctx, string(o.Status), o.Error, now, NewTime(o.NextAttempt), sentAt,
				sent, o.RemoteID, sent, o.RemoteURL, sent, o.RemoteRef, refund, po.PostID, owner)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n != 1 {
				continue // its lease was lost: not this dispatcher's to record
			}
			recorded++
			if o.NoAttempt {
				continue
			}
			if insert == nil {
				if insert, err = pool.PrepareContext(ctx, recordAttempt); err != nil {
					return err
				}
			}
			if _, err := insert.ExecContext(ctx, attemptRow(po.PostID, o, owner, NewTime(o.Started))...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record %d outcomes: %w", len(outcomes), err)
	}
	return recorded, nil
}

// recordManyPostgres writes a batch of outcomes with one UPDATE over unnest()ed arrays and one
// COPY of attempts: two round trips for the whole batch. The arrays go to pgx as Go slices, sent
// in binary (no GORM, no text to parse on either side).
func (s *Store) recordManyPostgres(ctx context.Context, owner string, outcomes []PostOutcome) (int, error) {
	n := len(outcomes)
	var (
		ids                         = make([]int64, n)
		statuses, errs, rids, rurls = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		rrefs                       = make([]string, n)
		nexts, sents                = make([]*time.Time, n), make([]*time.Time, n)
		refunds                     = make([]int32, n)
		byID                        = make(map[int64]Outcome, n)
	)
	for i, po := range outcomes {
		o := po.Outcome
		ids[i], statuses[i], errs[i], rids[i], rurls[i], rrefs[i] = po.PostID, string(o.Status), o.Error, o.RemoteID, o.RemoteURL, o.RemoteRef
		if !o.NextAttempt.IsZero() {
			t := msUTC(o.NextAttempt)
			nexts[i] = &t
		}
		if o.Status == PostSent {
			t := msUTC(o.Started.Add(o.Duration))
			sents[i] = &t
		}
		if o.Refund {
			refunds[i] = 1
		}
		byID[po.PostID] = o
	}
	var updated []int64
	err := s.Tx(ctx, func(tx *Store) error {
		return tx.withPgx(ctx, func(c *pgx.Conn) error {
			rows, err := c.Query(ctx, `UPDATE posts p SET status = v.status, error = v.error, lease_owner = '',
					lease_expires_at = NULL, send_started_at = NULL, updated_at = $1, next_attempt_at = v.next_attempt_at,
					sent_at = coalesce(v.sent_at, p.sent_at),
					remote_id = CASE WHEN v.status = 'sent' THEN v.remote_id ELSE p.remote_id END,
					remote_url = CASE WHEN v.status = 'sent' THEN v.remote_url ELSE p.remote_url END,
					remote_ref = CASE WHEN v.status = 'sent' THEN v.remote_ref ELSE p.remote_ref END,
					attempts = p.attempts - v.refund
				FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::int[])
					AS v(id, status, error, next_attempt_at, sent_at, remote_id, remote_url, remote_ref, refund)
				WHERE p.id = v.id AND p.status = $11 AND p.lease_owner = $12
				RETURNING p.id`,
				msUTC(tx.now()), ids, statuses, errs, nexts, sents, rids, rurls, rrefs, refunds, PostSending, owner)
			if err != nil {
				return err
			}
			if updated, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
			var attempts [][]any
			for _, id := range updated {
				if o := byID[id]; !o.NoAttempt {
					attempts = append(attempts, attemptRow(id, o, owner, msUTC(o.Started)))
				}
			}
			if len(attempts) == 0 {
				return nil
			}
			_, err = c.CopyFrom(ctx, pgx.Identifier{"attempts"}, attemptColumns, pgx.CopyFromRows(attempts))
			return err
		})
	})
	if err != nil {
		return 0, fmt.Errorf("record %d outcomes: %w", n, err)
	}
	return len(updated), nil
}

// msUTC is t in UTC at the precision every other write uses (TimeFormat's milliseconds).
func msUTC(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// ExpiredLeases lists posts left "sending" whose lease has run out: their sender died.
func (s *Store) ExpiredLeases(ctx context.Context, now time.Time) ([]Post, error) {
	var out []Post
	err := s.db.WithContext(ctx).Where("status = 'sending' AND lease_expires_at <= ?", NewTime(now)).
		Order("id").Find(&out).Error
	return out, err
}

// ReleaseLease resolves an interrupted send: status becomes to (PostPlanned to send again with
// the same idempotency key, or PostUnknown for a person to check), with a recovery attempt row.
func (s *Store) ReleaseLease(ctx context.Context, p Post, to PostStatus, reason string) (bool, error) {
	var ok bool
	err := s.Tx(ctx, func(tx *Store) error {
		res := tx.db.WithContext(ctx).Model(&Post{}).
			Where("id = ? AND status = ? AND lease_owner = ?", p.ID, PostSending, p.LeaseOwner).
			Updates(map[string]any{"status": to, "error": reason, "lease_owner": "", "lease_expires_at": Time{},
				"send_started_at": Time{}, "updated_at": NewTime(tx.now())})
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		ok = true
		return tx.db.WithContext(ctx).Create(&Attempt{PostID: p.ID, StartedAt: NewTime(tx.now()), Result: ResultRecovered,
			Error: reason, Worker: p.LeaseOwner}).Error
	})
	return ok, err
}

// ReleaseUnstarted gives back a post left "sending" by a dispatcher that died before its request
// left (no started mark): it is planned again exactly as it was before the claim, the claim's try
// refunded, with no attempt row, since nothing reached the network.
func (s *Store) ReleaseUnstarted(ctx context.Context, p Post) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE posts SET status = ?, lease_owner = '', lease_expires_at = NULL,
		attempts = attempts - 1, updated_at = ?
		WHERE id = ? AND status = ? AND lease_owner = ? AND send_started_at IS NULL`,
		PostPlanned, NewTime(s.now()), p.ID, PostSending, p.LeaseOwner)
	return res.RowsAffected == 1, res.Error
}

// SendStart is a started mark: post PostID's request is about to leave. RemoteKey, when set,
// is the identity the network will deduplicate it on, kept only if the post has none yet (the
// identity is fixed at the first try).
type SendStart struct {
	PostID    int64
	RemoteKey string
}

// MarkStarted writes and commits the started marks of posts owner holds, in one transaction (one
// fsync on SQLite for many channels' sends), before their requests leave: from then on a crash
// leaves them to their channel's rule, not back to planned. The first mark of a post also sets
// its first_tried_at and its remote key. It returns the posts marked: one whose lease was lost
// is not, and must not be sent.
func (s *Store) MarkStarted(ctx context.Context, owner string, at time.Time, starts []SendStart) (map[int64]bool, error) {
	marked := make(map[int64]bool, len(starts))
	t := NewTime(at)
	err := s.Tx(ctx, func(tx *Store) error {
		clear(marked)
		var plain []int64 // most posts: no remote key to fix, one statement for all of them
		for _, st := range starts {
			if st.RemoteKey == "" {
				plain = append(plain, st.PostID)
			}
		}
		if len(plain) > 0 {
			var ids []int64
			err := tx.db.WithContext(ctx).Raw(`UPDATE posts SET send_started_at = ?, first_tried_at = coalesce(first_tried_at, ?)
				WHERE id IN ? AND status = ? AND lease_owner = ? RETURNING id`, t, t, plain, PostSending, owner).Scan(&ids).Error
			if err != nil {
				return err
			}
			for _, id := range ids {
				marked[id] = true
			}
		}
		for _, st := range starts {
			if st.RemoteKey == "" {
				continue
			}
			res := tx.db.WithContext(ctx).Exec(`UPDATE posts SET send_started_at = ?, first_tried_at = coalesce(first_tried_at, ?),
				remote_key = CASE WHEN remote_key = '' THEN ? ELSE remote_key END
				WHERE id = ? AND status = ? AND lease_owner = ?`, t, t, st.RemoteKey, st.PostID, PostSending, owner)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				marked[st.PostID] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mark %d sends started: %w", len(starts), err)
	}
	return marked, nil
}

// ReleaseOwned hands back every post owner still holds (a graceful stop): they are due again at
// once, with the same idempotency key. Only posts whose send did not start may be released this
// way; the dispatcher waits for in-flight sends before calling it.
func (s *Store) ReleaseOwned(ctx context.Context, owner string) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE posts SET status = ?, lease_owner = '', lease_expires_at = NULL,
		send_started_at = NULL, attempts = attempts - 1, updated_at = ? WHERE status = ? AND lease_owner = ?`,
		PostPlanned, NewTime(s.now()), PostSending, owner)
	return res.RowsAffected, res.Error
}

// HoldChannel keeps a channel from sending until until (a rate limit).
func (s *Store) HoldChannel(ctx context.Context, id int64, until time.Time, reason string) error {
	return s.db.WithContext(ctx).Exec(`UPDATE channels SET paused_until = ?, status_reason = ?, updated_at = ? WHERE id = ?`,
		NewTime(until), reason, NewTime(s.now()), id).Error
}

// SetChannelStatus sets a channel's status (needs-auth stops it until a person acts).
func (s *Store) SetChannelStatus(ctx context.Context, id int64, status ChannelStatus, reason string) error {
	return s.db.WithContext(ctx).Exec(`UPDATE channels SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?`,
		status, reason, NewTime(s.now()), id).Error
}

// NextWake returns the earliest future moment something may become sendable: a planned post's
// due time or retry time, the end of a channel's hold, a lease's or a held post's expiry. Each
// part is one index lookup, so a daemon over a large queue wakes cheaply. Posts already due are
// not its business: the dispatcher has just claimed what it could. ok is false when nothing waits.
func (s *Store) NextWake(ctx context.Context, now time.Time) (time.Time, bool, error) {
	n := NewTime(now)
	var next *Time
	err := s.db.WithContext(ctx).Raw(`SELECT min(t) FROM (
		SELECT min(due_at) AS t FROM posts WHERE status = 'planned' AND due_at > ?
		UNION ALL SELECT min(next_attempt_at) FROM posts WHERE status = 'planned' AND next_attempt_at IS NOT NULL AND next_attempt_at > ?
		UNION ALL SELECT min(paused_until) FROM channels WHERE paused_until > ?
		UNION ALL SELECT min(lease_expires_at) FROM posts WHERE status = 'sending'
		UNION ALL SELECT min(expires_at) FROM posts WHERE status = 'held' AND expires_at IS NOT NULL) AS wake`,
		n, n, n).Row().Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next wake: %w", err)
	}
	if next == nil || next.IsZero() {
		return time.Time{}, false, nil
	}
	return next.Time, true, nil
}

// NextPlanned returns the planned post due first (none when nothing is planned): one step along
// posts_due, whatever the number of posts (its status a literal, as the partial index needs).
func (s *Store) NextPlanned(ctx context.Context) ([]Post, error) {
	var out []Post
	err := s.db.WithContext(ctx).Where("status = 'planned'").Order("due_at, id").Limit(1).Find(&out).Error
	return out, err
}

// CountDue counts planned posts due at now or before (the queue the dispatcher has to work
// through), and all planned posts.
func (s *Store) CountDue(ctx context.Context, now time.Time) (due, planned int64, err error) {
	err = s.db.WithContext(ctx).Raw(`SELECT count(*) FILTER (WHERE due_at <= ?), count(*) FROM posts WHERE status = 'planned'`,
		NewTime(now)).Row().Scan(&due, &planned)
	return due, planned, err
}

// RetryNow makes the planned posts of a channel waiting out a retry backoff due at now (its
// network answers again). It returns how many it moved.
func (s *Store) RetryNow(ctx context.Context, channelID int64, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE posts SET next_attempt_at = ?, updated_at = ?
		WHERE status = 'planned' AND next_attempt_at IS NOT NULL AND next_attempt_at > ? AND channel_id = ? AND attempts > 0`,
		NewTime(now), NewTime(now), NewTime(now), channelID)
	return res.RowsAffected, res.Error
}

// CountDueNow counts planned posts due at now or before: one walk of the due part of an index,
// so its cost follows the queue, not the number of posts planned for later (CountDue counts
// those too, and is for occasional use).
func (s *Store) CountDueNow(ctx context.Context, now time.Time) (int64, error) {
	var due int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM posts WHERE status = 'planned' AND due_at <= ?`, NewTime(now)).Row().Scan(&due)
	return due, err
}

// Pending counts posts that may still go out (planned, held, sending).
func (s *Store) Pending(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Post{}).Where("status IN ?", []PostStatus{PostPlanned, PostHeld, PostSending}).Count(&n).Error
	return n, err
}

// Attempts lists a post's attempts, oldest first.
func (s *Store) Attempts(ctx context.Context, postID int64) ([]Attempt, error) {
	var out []Attempt
	err := s.db.WithContext(ctx).Where("post_id = ?", postID).Order("id").Find(&out).Error
	return out, err
}
