package models

import (
	"context"
	"fmt"
	"time"
)

// AudienceSample is how many people were watching a live broadcast at one moment, as its live
// platform reported it (table audience_samples, schema 8).
type AudienceSample struct {
	ID          int64  `json:"id"`
	BroadcastID int64  `json:"broadcast_id"`
	SampledAt   Time   `json:"sampled_at"`
	Viewers     int    `json:"viewers"`
	Platform    string `json:"platform"`
}

// AddAudienceSample records one sample.
func (s *Store) AddAudienceSample(ctx context.Context, broadcastID int64, at time.Time, viewers int, platform string) error {
	sample := AudienceSample{BroadcastID: broadcastID, SampledAt: NewTime(at), Viewers: viewers, Platform: platform}
	if err := s.db.WithContext(ctx).Create(&sample).Error; err != nil {
		return fmt.Errorf("record the audience of broadcast %d: %w", broadcastID, err)
	}
	return nil
}

// AudienceSamples returns a broadcast's samples, oldest first.
func (s *Store) AudienceSamples(ctx context.Context, broadcastID int64) ([]AudienceSample, error) {
	var samples []AudienceSample
	err := s.db.WithContext(ctx).Where("broadcast_id = ?", broadcastID).Order("sampled_at, id").Find(&samples).Error
	if err != nil {
		return nil, fmt.Errorf("read the audience of broadcast %d: %w", broadcastID, err)
	}
	return samples, nil
}
