package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// DefaultMetricsAfter is when a sent post's engagement is read unless its campaign says
// otherwise (campaigns.metrics_after empty): an hour, a day and a week after it went out.
const DefaultMetricsAfter = "1h,24h,7d"

// Post metric statuses (post_metrics.status).
const (
	MetricOK     = "ok"     // the network gave the figures
	MetricGone   = "gone"   // the network no longer has the post (deleted)
	MetricMissed = "missed" // the checkpoint's window passed before the network could be read
)

// PostMetric is what one sent post drew on its network at one checkpoint (table post_metrics,
// written by onair only). A figure the network does not give is nil.
type PostMetric struct {
	ID          int64   `json:"id"`
	PostID      int64   `json:"post_id"`
	Checkpoint  string  `json:"checkpoint"`
	DueAt       Time    `json:"due_at"`
	CollectedAt Time    `json:"collected_at"`
	Status      string  `json:"status"`
	Impressions *int64  `json:"impressions"`
	Likes       *int64  `json:"likes"`
	Reposts     *int64  `json:"reposts"`
	Replies     *int64  `json:"replies"`
	Quotes      *int64  `json:"quotes"`
	Bookmarks   *int64  `json:"bookmarks"`
	CostUSD     float64 `json:"cost_usd" gorm:"column:cost_usd"`
	Error       string  `json:"error,omitempty"`
}

// TableName is the table's name in the schema.
func (PostMetric) TableName() string { return "post_metrics" }

// Engagement is the interactions a post drew: likes, reposts, replies and quotes (impressions
// and bookmarks are not interactions others see).
func (m PostMetric) Engagement() int64 {
	var n int64
	for _, v := range []*int64{m.Likes, m.Reposts, m.Replies, m.Quotes} {
		if v != nil {
			n += *v
		}
	}
	return n
}

// PlatformStats are a broadcast's audience as its live platform reported it after the live
// (table platform_stats, written by onair only). A figure the platform does not give is nil.
type PlatformStats struct {
	BroadcastID        int64  `json:"broadcast_id" gorm:"primaryKey;autoIncrement:false"`
	Platform           string `json:"platform"`
	CollectedAt        Time   `json:"collected_at"`
	Views              *int64 `json:"views"`
	LiveViews          *int64 `json:"live_views"`
	ReplayViews        *int64 `json:"replay_views"`
	WatchMinutes       *int64 `json:"watch_minutes"`
	AverageViewSeconds *int64 `json:"average_view_seconds"`
}

// TableName is the table's name in the schema.
func (PlatformStats) TableName() string { return "platform_stats" }

// BroadcastStats are audience figures given by a person (`onair broadcast stats`) or a CMS
// (table broadcast_stats, CMS-writable): each one set overrides what onair measured.
type BroadcastStats struct {
	BroadcastID        int64  `json:"broadcast_id" gorm:"primaryKey;autoIncrement:false"`
	Viewers            *int64 `json:"viewers"` // people who watched the live
	PeakViewers        *int64 `json:"peak_viewers"`
	AverageViewers     *int64 `json:"average_viewers"`
	WatchMinutes       *int64 `json:"watch_minutes"`
	AverageViewSeconds *int64 `json:"average_view_seconds"`
	ReplayViews        *int64 `json:"replay_views"`
	Note               string `json:"note"`
	UpdatedAt          Time   `json:"updated_at" gorm:"autoUpdateTime:false"`
}

// TableName is the table's name in the schema.
func (BroadcastStats) TableName() string { return "broadcast_stats" }

// Checkpoint is one moment after a post went out when its engagement is read.
type Checkpoint struct {
	Label string        // "1h", "24h", "7d"
	After time.Duration // exact: 7d is 168 hours
}

// ParseCheckpoints reads a campaign's metrics_after ("" is DefaultMetricsAfter), shortest first.
func ParseCheckpoints(s string) ([]Checkpoint, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultMetricsAfter
	}
	offs, err := ParseOffsets(s)
	if err != nil {
		return nil, fmt.Errorf("metrics checkpoints: %w", err)
	}
	out := make([]Checkpoint, 0, len(offs))
	for _, o := range offs {
		d := time.Duration(o.Days)*24*time.Hour + o.Duration
		if d <= 0 {
			return nil, fmt.Errorf("metrics checkpoint %q: engagement is read some time after a post went out; use 1h, 24h or 7d", o.Label)
		}
		out = append(out, Checkpoint{Label: o.Label, After: d})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].After < out[j-1].After; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// NormalizeCheckpoints checks a --metrics-after list and writes it as stored.
func NormalizeCheckpoints(s string) (string, error) {
	cps, err := ParseCheckpoints(s)
	if err != nil {
		return "", err
	}
	labels := make([]string, len(cps))
	for i, c := range cps {
		labels[i] = c.Label
	}
	return strings.Join(labels, ","), nil
}

// CampaignMetricsAfter returns a campaign's checkpoints as stored ("" means the default).
func (s *Store) CampaignMetricsAfter(ctx context.Context, campaignID int64) (string, error) {
	var v string
	err := s.db.WithContext(ctx).Raw(`SELECT metrics_after FROM campaigns WHERE id = ?`, campaignID).Scan(&v).Error
	if err != nil {
		return "", fmt.Errorf("read the metrics checkpoints of campaign %d: %w", campaignID, err)
	}
	return v, nil
}

// SetCampaignMetricsAfter stores a campaign's checkpoints (normalized, or "" for the default).
func (s *Store) SetCampaignMetricsAfter(ctx context.Context, campaignID int64, v string) error {
	if err := s.db.WithContext(ctx).Exec(`UPDATE campaigns SET metrics_after = ? WHERE id = ?`, v, campaignID).Error; err != nil {
		return fmt.Errorf("store the metrics checkpoints of campaign %d: %w", campaignID, err)
	}
	return nil
}

// SentPost is a sent post whose engagement may be read: the post, its channel's id and its
// campaign's checkpoints (as stored).
type SentPost struct {
	Post
	MetricsAfter string `gorm:"column:metrics_after"`
}

// SentPostsSince returns the posts sent at or after since, oldest first, with their campaign's
// checkpoints. A post whose broadcast has no campaign gets the default ones.
func (s *Store) SentPostsSince(ctx context.Context, since time.Time) ([]SentPost, error) {
	var out []SentPost
	err := s.db.WithContext(ctx).Table("posts").
		Select("posts.*, coalesce(campaigns.metrics_after, '') AS metrics_after").
		Joins("JOIN broadcasts ON broadcasts.id = posts.broadcast_id").
		Joins("LEFT JOIN campaigns ON campaigns.id = broadcasts.campaign_id").
		Where("posts.status = 'sent' AND posts.sent_at >= ?", NewTime(since)). // posts_sent's predicate, as a literal
		Order("posts.sent_at, posts.id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read the sent posts: %w", err)
	}
	return out, nil
}

// CollectedCheckpoints returns, for each of the posts, the checkpoints already recorded.
func (s *Store) CollectedCheckpoints(ctx context.Context, postIDs []int64) (map[int64]map[string]bool, error) {
	out := map[int64]map[string]bool{}
	for start := 0; start < len(postIDs); start += 500 {
		chunk := postIDs[start:min(start+500, len(postIDs))]
		var rows []struct {
			PostID     int64
			Checkpoint string
		}
		if err := s.db.WithContext(ctx).Table("post_metrics").Select("post_id, checkpoint").
			Where("post_id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("read the collected checkpoints: %w", err)
		}
		for _, r := range rows {
			if out[r.PostID] == nil {
				out[r.PostID] = map[string]bool{}
			}
			out[r.PostID][r.Checkpoint] = true
		}
	}
	return out, nil
}

// RecordPostMetrics stores checkpoints read. A checkpoint already recorded (by another daemon,
// or before a restart) is kept as it was: each is collected once. It returns how many were new.
func (s *Store) RecordPostMetrics(ctx context.Context, ms []PostMetric) (int64, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	for i := range ms {
		if ms[i].Status == "" {
			ms[i].Status = MetricOK
		}
		ms[i].ID = 0
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "post_id"}, {Name: "checkpoint"}}, DoNothing: true,
	}).Create(&ms)
	if res.Error != nil {
		return 0, fmt.Errorf("record post metrics: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// PostMetricsOf returns the metrics recorded for the posts of the broadcasts, by post, each
// post's checkpoints in the order they were due.
func (s *Store) PostMetricsOf(ctx context.Context, broadcastIDs []int64) (map[int64][]PostMetric, error) {
	out := map[int64][]PostMetric{}
	if len(broadcastIDs) == 0 {
		return out, nil
	}
	var ms []PostMetric
	err := s.db.WithContext(ctx).Table("post_metrics").Select("post_metrics.*").
		Joins("JOIN posts ON posts.id = post_metrics.post_id").
		Where("posts.broadcast_id IN ?", broadcastIDs).
		Order("post_metrics.post_id, post_metrics.due_at, post_metrics.id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("read post metrics: %w", err)
	}
	for _, m := range ms {
		out[m.PostID] = append(out[m.PostID], m)
	}
	return out, nil
}

// BroadcastStatsOf returns the figures given for a broadcast by hand or by a CMS; nil when none.
func (s *Store) BroadcastStatsOf(ctx context.Context, broadcastID int64) (*BroadcastStats, error) {
	var st BroadcastStats
	err := s.db.WithContext(ctx).Where("broadcast_id = ?", broadcastID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the audience figures of broadcast %d: %w", broadcastID, err)
	}
	return &st, nil
}

// SetBroadcastStats stores the figures given for a broadcast, replacing its row.
func (s *Store) SetBroadcastStats(ctx context.Context, st BroadcastStats) error {
	st.UpdatedAt = NewTime(s.now())
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "broadcast_id"}}, UpdateAll: true,
	}).Create(&st).Error
	if err != nil {
		return fmt.Errorf("store the audience figures of broadcast %d: %w", st.BroadcastID, err)
	}
	return nil
}

// PlatformStatsOf returns what the broadcast's live platform reported; nil when nothing yet.
func (s *Store) PlatformStatsOf(ctx context.Context, broadcastID int64) (*PlatformStats, error) {
	var st PlatformStats
	err := s.db.WithContext(ctx).Where("broadcast_id = ?", broadcastID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the platform figures of broadcast %d: %w", broadcastID, err)
	}
	return &st, nil
}

// SetPlatformStats stores what the live platform reported, replacing an earlier reading (the
// figures grow for days as the replay is watched).
func (s *Store) SetPlatformStats(ctx context.Context, st PlatformStats) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "broadcast_id"}}, UpdateAll: true,
	}).Create(&st).Error
	if err != nil {
		return fmt.Errorf("store the platform figures of broadcast %d: %w", st.BroadcastID, err)
	}
	return nil
}

// MetricsAfterValues returns the distinct checkpoint lists campaigns hold.
func (s *Store) MetricsAfterValues(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT metrics_after FROM campaigns`).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("read the campaigns' checkpoints: %w", err)
	}
	return out, nil
}
