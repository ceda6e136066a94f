package models

import (
	"context"
	"fmt"
	"time"
)

// EndedFollowed is an ended broadcast tied to its live platform's broadcast, with the source its
// campaign follows and when the platform's figures were last read.
type EndedFollowed struct {
	BroadcastID     int64  `gorm:"column:broadcast_id"`
	SourceRef       string `gorm:"column:source_ref"`
	SourceID        int64  `gorm:"column:source_id"`
	StartsAt        Time   `gorm:"column:starts_at"`
	StartedAt       Time   `gorm:"column:started_at"`
	EndedAt         Time   `gorm:"column:ended_at"`
	DurationMinutes int    `gorm:"column:duration_minutes"`
	CollectedAt     Time   `gorm:"column:collected_at"` // platform_stats.collected_at; zero: never read
}

// End is when the broadcast ended (or was to).
func (e EndedFollowed) End() time.Time {
	b := Broadcast{StartsAt: e.StartsAt, StartedAt: e.StartedAt, EndedAt: e.EndedAt, DurationMinutes: e.DurationMinutes}
	return b.EndsAt()
}

// EndedFollowedBroadcasts lists the ended broadcasts tied to a platform broadcast whose campaign
// follows a source, that started after since.
func (s *Store) EndedFollowedBroadcasts(ctx context.Context, since time.Time) ([]EndedFollowed, error) {
	var out []EndedFollowed
	err := s.db.WithContext(ctx).Raw(`SELECT b.id AS broadcast_id, l.source_ref, c.source_id, b.starts_at, b.started_at,
			b.ended_at, b.duration_minutes, ps.collected_at
		FROM broadcasts b
		JOIN broadcast_sources l ON l.broadcast_id = b.id
		JOIN campaigns c ON c.id = b.campaign_id
		LEFT JOIN platform_stats ps ON ps.broadcast_id = b.id
		WHERE b.status = ? AND c.source_id IS NOT NULL AND b.starts_at >= ?
		ORDER BY b.id`, BroadcastEnded, NewTime(since)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read the ended broadcasts of sources: %w", err)
	}
	return out, nil
}
