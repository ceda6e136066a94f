package models

import (
	"context"
	"fmt"
	"time"
)

// ThreadPosts lists the posts of a broadcast on a channel that its replies' thread depends on:
// those sent, and those still on their way (planned, being sent).
func (s *Store) ThreadPosts(ctx context.Context, broadcastID, channelID int64) ([]Post, error) {
	var out []Post
	err := s.db.WithContext(ctx).
		Where("broadcast_id = ? AND channel_id = ? AND status IN ('sent', 'sending', 'planned')", broadcastID, channelID).
		Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("load the thread of broadcast %d: %w", broadcastID, err)
	}
	return out, nil
}

// CountAttempts counts a post's attempts that ended with result.
func (s *Store) CountAttempts(ctx context.Context, postID int64, result string) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Attempt{}).Where("post_id = ? AND result = ?", postID, result).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count the tries of post %d: %w", postID, err)
	}
	return int(n), nil
}

// FirstAttemptAt is when the post's first try started (zero when it has none): a network
// searched for an earlier try's post is searched back to it.
func (s *Store) FirstAttemptAt(ctx context.Context, postID int64) (time.Time, error) {
	var first Attempt
	err := s.db.WithContext(ctx).Where("post_id = ? AND result <> ?", postID, ResultRecovered).Order("id").Limit(1).Find(&first).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("first try of post %d: %w", postID, err)
	}
	return first.StartedAt.Time, nil
}
