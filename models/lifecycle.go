package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrChanged is returned by a conditional write when the row is no longer in the state the
// writer read: another process (the daemon, a CMS, a second CLI) changed it first.
var ErrChanged = errors.New("changed meanwhile")

// BroadcastMove is a change of a broadcast's lifecycle state: its status and the real start and
// end that go with it. The scheduler's lifecycle decides them; the store only writes them.
type BroadcastMove struct {
	Status    BroadcastStatus
	StartedAt Time    // zero: NULL (not signalled)
	EndedAt   Time    // zero: NULL
	ReplayURL *string // nil: unchanged
}

// MoveBroadcast writes a lifecycle move, only while the broadcast is still in status from, so a
// CMS writing the same row meanwhile is never overwritten blindly. It returns ErrChanged when
// the row moved first, ErrNotFound when it does not exist.
func (s *Store) MoveBroadcast(ctx context.Context, id int64, from BroadcastStatus, m BroadcastMove) error {
	cols := map[string]any{"status": m.Status, "started_at": m.StartedAt, "ended_at": m.EndedAt,
		"updated_at": NewTime(s.now())}
	if m.ReplayURL != nil {
		cols["replay_url"] = *m.ReplayURL
	}
	return s.updateBroadcastIf(ctx, id, from, cols)
}

// BroadcastEdit is a change of a broadcast's plan: the fields a marketer or a CMS edits. A nil
// field is left as it is.
type BroadcastEdit struct {
	Title, Description  *string
	StartsAt            *Time
	DurationMinutes     *int
	WatchURL, ReplayURL *string
	Image, ImageAlt     *string
}

// Empty reports whether the edit changes nothing.
func (e BroadcastEdit) Empty() bool { return e == BroadcastEdit{} }

// EditBroadcast writes the set fields of e, only while the broadcast is in status from ("" for
// any status).
func (s *Store) EditBroadcast(ctx context.Context, id int64, from BroadcastStatus, e BroadcastEdit) error {
	cols := map[string]any{"updated_at": NewTime(s.now())}
	for col, v := range map[string]*string{"title": e.Title, "description": e.Description, "watch_url": e.WatchURL,
		"replay_url": e.ReplayURL, "image": e.Image, "image_alt": e.ImageAlt} {
		if v != nil {
			cols[col] = *v
		}
	}
	if e.StartsAt != nil {
		cols["starts_at"] = *e.StartsAt
	}
	if e.DurationMinutes != nil {
		cols["duration_minutes"] = *e.DurationMinutes
	}
	return s.updateBroadcastIf(ctx, id, from, cols)
}

func (s *Store) updateBroadcastIf(ctx context.Context, id int64, from BroadcastStatus, cols map[string]any) error {
	q := s.db.WithContext(ctx).Model(&Broadcast{}).Where("id = ?", id)
	if from != "" {
		q = q.Where("status = ?", from)
	}
	res := q.Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update broadcast %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		if _, err := s.BroadcastByID(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("broadcast %d: %w", id, ErrChanged)
	}
	return nil
}

// BroadcastsToAdvance lists the broadcasts the clock has moved on: scheduled ones whose start
// has come, and live ones with no signalled end (their end is worked out from the start and the
// duration, so the caller decides). Rows whose start is not a readable time are left out: the
// planner flags them.
func (s *Store) BroadcastsToAdvance(ctx context.Context, now time.Time) ([]Broadcast, error) {
	// Two queries, each answered by a partial index of its own (schema 5): one OR would scan
	// every broadcast on each reconcile.
	started, err := findBroadcasts(s.db.WithContext(ctx).Model(&Broadcast{}).
		Where("status = 'scheduled' AND starts_at <= ?", NewTime(now)))
	if err != nil {
		return nil, fmt.Errorf("broadcasts to advance: %w", err)
	}
	live, err := findBroadcasts(s.db.WithContext(ctx).Model(&Broadcast{}).Where("status = 'live' AND ended_at IS NULL"))
	if err != nil {
		return nil, fmt.Errorf("broadcasts to advance: %w", err)
	}
	out := append(started, live...)
	slices.SortFunc(out, func(a, b Broadcast) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// NormalizeStart rewrites a broadcast's starts_at in onair's own form when a CMS wrote another
// one the contract accepts (Unix seconds, "YYYY-MM-DD HH:MM" UTC text): text comparison in SQL,
// which orders listings and finds the broadcasts the clock reached, needs the one fixed-width
// form. It writes only while the column still holds raw, and reports whether it wrote. PostgreSQL's column is a timestamp:
// nothing to do there.
func (s *Store) NormalizeStart(ctx context.Context, id int64, raw string, t time.Time) (bool, error) {
	if s.engine == EnginePostgres {
		return false, nil
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE broadcasts SET starts_at = ? WHERE id = ? AND CAST(starts_at AS TEXT) = ?`,
		NewTime(t), id, raw)
	return res.RowsAffected == 1, res.Error
}

// RawStarts returns the starts_at text of broadcasts whose column is not in onair's own form
// (SQLite only; PostgreSQL stores a timestamp).
func (s *Store) RawStarts(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if s.engine == EnginePostgres || len(ids) == 0 {
		return out, nil
	}
	type row struct {
		ID  int64
		Raw string
	}
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT id, CAST(starts_at AS TEXT) AS raw FROM broadcasts
		WHERE id IN ? AND starts_at IS NOT NULL AND (typeof(starts_at) <> 'text' OR length(starts_at) <> 24
			OR substr(starts_at, 11, 1) <> 'T' OR substr(starts_at, 24, 1) <> 'Z')`, ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read start times: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Raw
	}
	return out, nil
}

// PostMove is a change of one post's state, decided by the scheduler's lifecycle. Status and
// Error are always written; the other fields when set.
type PostMove struct {
	Status PostStatus
	Error  string

	Text          *string // with Length and MaxLength: a new text (Edited says whether by hand)
	Length        int
	MaxLength     int
	Edited        bool
	DueAt         *Time // a new due time (a resend by hand: now)
	RemoteURL     *string
	SentAt        *Time
	ResetAttempts bool // tries start again from zero, with no retry or expiry pending
}

// MovePost writes m, only while the post is in one of the statuses from: a post a dispatcher
// has just claimed is never overwritten. It returns ErrChanged when the post moved first.
func (s *Store) MovePost(ctx context.Context, id int64, from []PostStatus, m PostMove) error {
	cols := map[string]any{"status": m.Status, "error": m.Error, "updated_at": NewTime(s.now())}
	if m.Text != nil {
		cols["text"], cols["length"], cols["max_length"], cols["edited"] = *m.Text, m.Length, m.MaxLength, m.Edited
	}
	if m.DueAt != nil {
		cols["due_at"] = *m.DueAt
	}
	if m.RemoteURL != nil {
		cols["remote_url"] = *m.RemoteURL
	}
	if m.SentAt != nil {
		cols["sent_at"] = *m.SentAt
	}
	if m.ResetAttempts {
		cols["attempts"], cols["next_attempt_at"], cols["expires_at"] = 0, Time{}, Time{}
	}
	res := s.db.WithContext(ctx).Model(&Post{}).Where("id = ? AND status IN ?", id, from).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update post %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		if _, err := s.PostByID(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("post %d: %w", id, ErrChanged)
	}
	return nil
}

// DeleteBroadcast removes a broadcast with its posts and their attempts, in one transaction, only
// while every one of its posts is in one of the statuses from: a post a dispatcher claims
// meanwhile keeps the broadcast. It returns the number of posts deleted, ErrChanged when a post is
// in another status, ErrNotFound when the broadcast does not exist. (The schema refuses deleting a
// broadcast that still has posts, whoever asks: its posts go first.)
func (s *Store) DeleteBroadcast(ctx context.Context, id int64, from []PostStatus) (int, error) {
	var deleted int
	err := s.Tx(ctx, func(tx *Store) error {
		var b Broadcast
		if err := tx.db.WithContext(ctx).First(&b, id).Error; err != nil {
			return notFound(err, fmt.Sprintf("broadcast %d", id))
		}
		var others int64
		if err := tx.db.WithContext(ctx).Model(&Post{}).Where("broadcast_id = ? AND status NOT IN ?", id, from).Count(&others).Error; err != nil {
			return fmt.Errorf("count the posts of broadcast %d: %w", id, err)
		}
		if others > 0 {
			return fmt.Errorf("broadcast %d: %w", id, ErrChanged)
		}
		posts := tx.db.WithContext(ctx).Model(&Post{}).Select("id").Where("broadcast_id = ?", id)
		if err := tx.db.WithContext(ctx).Where("post_id IN (?)", posts).Delete(&Attempt{}).Error; err != nil {
			return fmt.Errorf("delete the attempts of broadcast %d: %w", id, err)
		}
		res := tx.db.WithContext(ctx).Where("broadcast_id = ?", id).Delete(&Post{})
		if res.Error != nil {
			return fmt.Errorf("delete the posts of broadcast %d: %w", id, res.Error)
		}
		deleted = int(res.RowsAffected)
		if err := tx.db.WithContext(ctx).Delete(&Broadcast{}, id).Error; err != nil {
			return fmt.Errorf("delete broadcast %d: %w", id, err)
		}
		return nil
	})
	return deleted, err
}

// Replan asks for the broadcasts ids to be planned again (their revision moves on; the next
// reconcile plans them), as a CMS does by bumping revision.
func (s *Store) Replan(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.db.WithContext(ctx).Exec(`UPDATE broadcasts SET revision = revision + 1 WHERE id IN ?`, ids).Error; err != nil {
		return fmt.Errorf("ask for a new plan of %d broadcast(s): %w", len(ids), err)
	}
	return nil
}
