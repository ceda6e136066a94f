package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNameTaken is returned by a rename to a name another row already has.
var ErrNameTaken = errors.New("name already in use")

// ErrInUse is returned by a delete of a campaign or channel that rows still point to.
var ErrInUse = errors.New("still in use")

// RenameCampaign gives campaign id a new name (names are unique, case-insensitively).
func (s *Store) RenameCampaign(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("a campaign needs a name")
	}
	return s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.db.WithContext(ctx).Model(&Campaign{}).Where("lower(name) = lower(?) AND id <> ?", name, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return NameTaken("campaign", name)
		}
		res := tx.db.WithContext(ctx).Model(&Campaign{}).Where("id = ?", id).
			Updates(map[string]any{"name": name, "updated_at": NewTime(tx.now())})
		if res.Error != nil {
			if isUnique(res.Error) {
				return NameTaken("campaign", name)
			}
			return fmt.Errorf("rename campaign %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("campaign %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// DeleteCampaign deletes a campaign that has no broadcast left (ErrInUse otherwise), with its
// links to its channels.
func (s *Store) DeleteCampaign(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.db.WithContext(ctx).Model(&Broadcast{}).Where("campaign_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("campaign %d has %d broadcast(s): %w", id, n, ErrInUse)
		}
		if err := tx.db.WithContext(ctx).Exec(`DELETE FROM campaign_channels WHERE campaign_id = ?`, id).Error; err != nil {
			return fmt.Errorf("unlink campaign %d: %w", id, err)
		}
		res := tx.db.WithContext(ctx).Delete(&Campaign{}, id)
		if res.Error != nil {
			return fmt.Errorf("delete campaign %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("campaign %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// RenameChannel gives channel id a new name. The name is not part of the settings seal.
func (s *Store) RenameChannel(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("a channel needs a name")
	}
	res := s.db.WithContext(ctx).Model(&Channel{}).Where("id = ?", id).
		Updates(map[string]any{"name": name, "updated_at": NewTime(s.now())})
	if res.Error != nil {
		if isUnique(res.Error) {
			return NameTaken("channel", name)
		}
		return fmt.Errorf("rename channel %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	return nil
}

// ChannelUse is what still points to a channel.
type ChannelUse struct {
	Campaigns []int64 // campaigns it posts for
	Posts     int     // its posts
	Sent      int     // of them, sent or unknown (may have gone out) or being sent
}

// ChannelUsage tells what points to channel id.
func (s *Store) ChannelUsage(ctx context.Context, id int64) (ChannelUse, error) {
	var u ChannelUse
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT campaign_id FROM campaign_channels WHERE channel_id = ? ORDER BY campaign_id`, id).Scan(&u.Campaigns).Error; err != nil {
		return u, err
	}
	var n int64
	if err := db.Model(&Post{}).Where("channel_id = ?", id).Count(&n).Error; err != nil {
		return u, err
	}
	u.Posts = int(n)
	if err := db.Model(&Post{}).Where("channel_id = ? AND status IN ?", id, []PostStatus{PostSent, PostUnknown, PostSending}).Count(&n).Error; err != nil {
		return u, err
	}
	u.Sent = int(n)
	return u, nil
}

// DeleteChannel deletes a channel. Without force, it must be in no campaign and have no post
// (ErrInUse). With force, it is first taken out of its campaigns (their broadcasts are asked for
// a new plan) and its posts not sent are deleted with their attempts; a post sent, unknown or
// being sent keeps it (ErrInUse). It returns how many posts were deleted.
func (s *Store) DeleteChannel(ctx context.Context, id int64, force bool) (int, error) {
	var deleted int
	err := s.Tx(ctx, func(tx *Store) error {
		u, err := tx.ChannelUsage(ctx, id)
		if err != nil {
			return err
		}
		if u.Sent > 0 {
			return fmt.Errorf("channel %d has %d post(s) that went out (or may have): %w", id, u.Sent, ErrInUse)
		}
		if !force && (len(u.Campaigns) > 0 || u.Posts > 0) {
			return fmt.Errorf("channel %d is in %d campaign(s) and has %d post(s): %w", id, len(u.Campaigns), u.Posts, ErrInUse)
		}
		db := tx.db.WithContext(ctx)
		if len(u.Campaigns) > 0 {
			if err := db.Exec(`DELETE FROM campaign_channels WHERE channel_id = ?`, id).Error; err != nil {
				return fmt.Errorf("unlink channel %d: %w", id, err)
			}
			if err := db.Exec(`UPDATE broadcasts SET revision = revision + 1 WHERE campaign_id IN ? AND status <> ?`,
				u.Campaigns, BroadcastCancelled).Error; err != nil {
				return fmt.Errorf("re-plan the broadcasts of channel %d's campaigns: %w", id, err)
			}
		}
		posts := db.Model(&Post{}).Select("id").Where("channel_id = ?", id)
		if err := db.Where("post_id IN (?)", posts).Delete(&Attempt{}).Error; err != nil {
			return fmt.Errorf("delete the attempts of channel %d: %w", id, err)
		}
		res := db.Where("channel_id = ? AND status NOT IN ?", id, []PostStatus{PostSent, PostUnknown, PostSending}).Delete(&Post{})
		if res.Error != nil {
			return fmt.Errorf("delete the posts of channel %d: %w", id, res.Error)
		}
		deleted = int(res.RowsAffected)
		if deleted != u.Posts {
			return fmt.Errorf("channel %d: %w", id, ErrChanged)
		}
		res = db.Delete(&Channel{}, id)
		if res.Error != nil {
			return fmt.Errorf("delete channel %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("channel %d: %w", id, ErrNotFound)
		}
		return nil
	})
	return deleted, err
}

// ArchiveCampaign archives a campaign at at, or brings it back when at is zero.
func (s *Store) ArchiveCampaign(ctx context.Context, id int64, at time.Time) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE campaigns SET archived_at = ?, updated_at = ? WHERE id = ?`,
		NewTime(at), NewTime(s.now()), id)
	if res.Error != nil {
		return fmt.Errorf("archive campaign %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("campaign %d: %w", id, ErrNotFound)
	}
	return nil
}

// PendingOfCampaign counts the posts of a campaign's broadcasts that may still go out.
func (s *Store) PendingOfCampaign(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM posts p JOIN broadcasts b ON b.id = p.broadcast_id
		WHERE b.campaign_id = ? AND p.status IN ('planned', 'held', 'sending')`, id).Scan(&n).Error
	return n, err
}
