package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// Platform states of a followed broadcast (broadcast_sources.state), in onair's words; the same
// values as package scheduler/source's.
const (
	PlatformUpcoming  = "upcoming"
	PlatformTesting   = "testing"
	PlatformLive      = "live"
	PlatformEnded     = "ended"
	PlatformCancelled = "cancelled"
)

// What onair has applied of the platform's word to a broadcast (broadcast_sources.acted): each
// lifecycle move is made once, after what the platform said is stored, so that a restart makes
// the moves not yet made and none twice.
const (
	ActedLive      = "live"
	ActedEnded     = "ended"
	ActedReplay    = "replay"
	ActedCancelled = "cancelled"
)

// BroadcastSource ties a broadcast to its broadcast on a live platform, and keeps what onair last
// learnt of it (table broadcast_sources, schema 9).
type BroadcastSource struct {
	BroadcastID int64  `json:"broadcast_id" gorm:"primaryKey;autoIncrement:false"`
	SourceRef   string `json:"source_ref"` // "youtube:VIDEO_ID", "twitch:SEGMENT_ID"
	// Seen are the platform's values at the last import (SourceSeen as JSON): a broadcast field
	// that no longer holds them was edited in onair, and is kept.
	Seen      string `json:"seen"`
	State     string `json:"state"`
	StartedAt Time   `json:"started_at"` // the real start, as the platform says
	EndedAt   Time   `json:"ended_at"`
	ReplayURL string `json:"replay_url" gorm:"column:replay_url"`
	StreamID  string `json:"stream_id,omitempty"` // the platform's stream, when not the broadcast's own id (Twitch)
	Viewers   int    `json:"viewers"`
	Acted     string `json:"acted"`
	CheckedAt Time   `json:"checked_at"`
	SampledAt Time   `json:"sampled_at"`
	Error     string `json:"error"`
	CreatedAt Time   `json:"created_at" gorm:"autoCreateTime:false"`
	UpdatedAt Time   `json:"updated_at" gorm:"autoUpdateTime:false"`
}

// TableName is the table's name.
func (BroadcastSource) TableName() string { return "broadcast_sources" }

// SourceSeen are the values a platform gave a broadcast at its last import.
type SourceSeen struct {
	Title           string `json:"title"`
	Description     string `json:"description"`
	StartsAt        Time   `json:"starts_at"`
	DurationMinutes int    `json:"duration_minutes"`
	WatchURL        string `json:"watch_url"`
	Thumbnail       string `json:"thumbnail,omitempty"` // the platform's picture (a URL)
}

// ParseSeen reads Seen; ok is false when nothing was imported yet (a broadcast tied by hand).
func (l *BroadcastSource) ParseSeen() (SourceSeen, bool) {
	var s SourceSeen
	if strings.TrimSpace(l.Seen) == "" {
		return s, false
	}
	if err := json.Unmarshal([]byte(l.Seen), &s); err != nil {
		return SourceSeen{}, false
	}
	return s, true
}

// Encode returns s as stored in broadcast_sources.seen.
func (s SourceSeen) Encode() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Platform is the platform part of the link's ref ("youtube").
func (l *BroadcastSource) Platform() string {
	p, _, _ := strings.Cut(l.SourceRef, ":")
	return p
}

// ErrRefTaken is returned when a platform broadcast is already tied to another broadcast.
var ErrRefTaken = errors.New("already tied to another broadcast")

// LinkBroadcast ties broadcast id to the platform broadcast ref (replacing any earlier tie of
// it): what was learnt of an earlier ref is forgotten.
func (s *Store) LinkBroadcast(ctx context.Context, id int64, ref string) error {
	return s.Tx(ctx, func(tx *Store) error {
		var other []int64
		if err := tx.db.WithContext(ctx).Model(&BroadcastSource{}).Where("source_ref = ? AND broadcast_id <> ?", ref, id).
			Pluck("broadcast_id", &other).Error; err != nil {
			return err
		}
		if len(other) > 0 {
			return fmt.Errorf("%s is tied to broadcast %d: %w", ref, other[0], ErrRefTaken)
		}
		if _, err := tx.BroadcastByID(ctx, id); err != nil {
			return err
		}
		now := NewTime(tx.now())
		l := BroadcastSource{BroadcastID: id, SourceRef: ref, Viewers: -1, CreatedAt: now, UpdatedAt: now}
		return tx.db.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "broadcast_id"}},
			DoUpdates: clause.Assignments(map[string]any{"source_ref": ref, "seen": "", "state": "", "started_at": Time{}, "ended_at": Time{}, "replay_url": "", "viewers": -1, "acted": "", "error": "", "updated_at": now}),
		}).Create(&l).Error
	})
}

// UnlinkBroadcast unties a broadcast from its platform broadcast.
func (s *Store) UnlinkBroadcast(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Where("broadcast_id = ?", id).Delete(&BroadcastSource{}).Error
}

// BroadcastLink returns a broadcast's link, or nil when it has none.
func (s *Store) BroadcastLink(ctx context.Context, id int64) (*BroadcastSource, error) {
	var ls []BroadcastSource
	if err := s.db.WithContext(ctx).Where("broadcast_id = ?", id).Limit(1).Find(&ls).Error; err != nil {
		return nil, fmt.Errorf("link of broadcast %d: %w", id, err)
	}
	if len(ls) == 0 {
		return nil, nil
	}
	return &ls[0], nil
}

// BroadcastLinks returns the links of broadcasts ids, by broadcast.
func (s *Store) BroadcastLinks(ctx context.Context, ids []int64) (map[int64]BroadcastSource, error) {
	out := map[int64]BroadcastSource{}
	if len(ids) == 0 {
		return out, nil
	}
	var ls []BroadcastSource
	if err := s.db.WithContext(ctx).Where("broadcast_id IN ?", ids).Find(&ls).Error; err != nil {
		return nil, fmt.Errorf("links of broadcasts: %w", err)
	}
	for _, l := range ls {
		out[l.BroadcastID] = l
	}
	return out, nil
}

// LinkByRef returns the link of the platform broadcast ref, or nil.
func (s *Store) LinkByRef(ctx context.Context, ref string) (*BroadcastSource, error) {
	var ls []BroadcastSource
	if err := s.db.WithContext(ctx).Where("source_ref = ?", ref).Limit(1).Find(&ls).Error; err != nil {
		return nil, fmt.Errorf("link of %s: %w", ref, err)
	}
	if len(ls) == 0 {
		return nil, nil
	}
	return &ls[0], nil
}

// Followed is a broadcast a source follows, with its link and campaign.
type Followed struct {
	Broadcast Broadcast
	Link      BroadcastSource
	Campaign  Campaign
}

// FollowedBroadcasts lists the broadcasts of the campaigns that follow source id whose link
// names a broadcast of platform (ref prefix "platform:"), leaving out those whose life onair no
// longer follows: cancelled ones the platform cancelled too, and ended ones whose replay onair
// has (or whose end is older than since).
func (s *Store) FollowedBroadcasts(ctx context.Context, id int64, platform string, since time.Time) ([]Followed, error) {
	camps, err := s.CampaignsOfSource(ctx, id)
	if err != nil || len(camps) == 0 {
		return nil, err
	}
	byID := map[int64]Campaign{}
	var campIDs []int64
	for _, c := range camps {
		byID[c.ID] = c
		campIDs = append(campIDs, c.ID)
	}
	var links []BroadcastSource
	err = s.db.WithContext(ctx).Where(`source_ref LIKE ? AND acted <> ? AND broadcast_id IN (SELECT id FROM broadcasts WHERE campaign_id IN ?)`,
		platform+":%", ActedReplay, campIDs).Order("broadcast_id").Find(&links).Error
	if err != nil {
		return nil, fmt.Errorf("broadcasts of source %d: %w", id, err)
	}
	ids := make([]int64, len(links))
	for i, l := range links {
		ids[i] = l.BroadcastID
	}
	bs, err := s.BroadcastsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Followed
	for _, l := range links {
		b, ok := bs[l.BroadcastID]
		if !ok || b.CampaignID == nil {
			continue
		}
		if b.Status == BroadcastCancelled && l.Acted == ActedCancelled {
			continue
		}
		if b.Status == BroadcastEnded && !since.IsZero() && b.EndsAt().Before(since) {
			continue
		}
		out = append(out, Followed{Broadcast: b, Link: l, Campaign: byID[*b.CampaignID]})
	}
	return out, nil
}

// Observation is what one look at a platform broadcast taught onair: SaveObservation stores it
// before onair acts on it.
type Observation struct {
	State     string
	StartedAt Time
	EndedAt   Time
	ReplayURL string
	StreamID  string
	Viewers   int
	Error     string
}

// SaveObservation stores what the platform said of a followed broadcast. A real start or end
// once learnt is kept (a later answer without it does not erase it).
func (s *Store) SaveObservation(ctx context.Context, id int64, o Observation) error {
	now := NewTime(s.now())
	cols := map[string]any{"state": o.State, "viewers": o.Viewers, "checked_at": now, "error": o.Error, "updated_at": now}
	if !o.StartedAt.IsZero() {
		cols["started_at"] = o.StartedAt
	}
	if !o.EndedAt.IsZero() {
		cols["ended_at"] = o.EndedAt
	}
	if o.ReplayURL != "" {
		cols["replay_url"] = o.ReplayURL
	}
	if o.StreamID != "" {
		cols["stream_id"] = o.StreamID
	}
	return s.updateLink(ctx, id, cols)
}

// SetLinkSeen stores the platform's values at this import.
func (s *Store) SetLinkSeen(ctx context.Context, id int64, seen SourceSeen) error {
	return s.updateLink(ctx, id, map[string]any{"seen": seen.Encode(), "updated_at": NewTime(s.now())})
}

// SetLinkActed records that onair applied the platform's word acted to the broadcast.
func (s *Store) SetLinkActed(ctx context.Context, id int64, acted, note string) error {
	return s.updateLink(ctx, id, map[string]any{"acted": acted, "error": note, "updated_at": NewTime(s.now())})
}

// SetLinkError notes why a followed broadcast is not followed now ("" once it is again).
func (s *Store) SetLinkError(ctx context.Context, ids []int64, note string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Model(&BroadcastSource{}).Where("broadcast_id IN ?", ids).
		Updates(map[string]any{"error": note, "updated_at": NewTime(s.now())}).Error
}

// AddSample records one audience sample of a live followed broadcast, with the time of the last
// sample on its link, in one transaction: a restart does not count a moment twice.
func (s *Store) AddSample(ctx context.Context, id int64, at time.Time, viewers int, platform string) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.AddAudienceSample(ctx, id, at, viewers, platform); err != nil {
			return err
		}
		return tx.updateLink(ctx, id, map[string]any{"sampled_at": NewTime(at)})
	})
}

func (s *Store) updateLink(ctx context.Context, id int64, cols map[string]any) error {
	res := s.db.WithContext(ctx).Model(&BroadcastSource{}).Where("broadcast_id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update the link of broadcast %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("link of broadcast %d: %w", id, ErrNotFound)
	}
	return nil
}

// ImportBroadcast creates a broadcast and its link to ref in one transaction (a platform
// broadcast imported by a source). The broadcast is planned by the caller.
func (s *Store) ImportBroadcast(ctx context.Context, b *Broadcast, ref string, seen SourceSeen, state string) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.CreateBroadcast(ctx, b); err != nil {
			return err
		}
		now := NewTime(tx.now())
		l := BroadcastSource{BroadcastID: b.ID, SourceRef: ref, Seen: seen.Encode(), State: state, Viewers: -1,
			CheckedAt: now, CreatedAt: now, UpdatedAt: now}
		if err := tx.db.WithContext(ctx).Create(&l).Error; err != nil {
			if isUnique(err) {
				return fmt.Errorf("%s: %w", ref, ErrRefTaken)
			}
			return fmt.Errorf("tie broadcast %d to %s: %w", b.ID, ref, err)
		}
		return nil
	})
}
