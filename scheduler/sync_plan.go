package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onairhq/onair/models"
)

// What the plan of a followed broadcast (one whose campaign follows a live source, tied to a
// platform broadcast) does differently: its "we are live" post waits for the stream to really
// start. The rule, in docs/sources.md ("How onair follows a live"):
//
//   - while no real start is known, the live post is held (not sent at the planned start);
//   - the source's sync sees the stream start and calls GoLive with the real start: the post is
//     due then, and goes at once;
//   - the campaign's grace (live_grace_minutes, 30 by default) after the planned start with no
//     start seen, the live post is cancelled with the reason; if the stream starts later (before
//     its planned end), GoLive brings it back and it goes then;
//   - when onair cannot follow the platform (the source paused or needing a login, its quota
//     spent, or failing for FallbackAfter), nothing is held: the broadcast goes by its planned
//     times, as if it had no source.

// followCache keeps the sources and links one planning pass has read.
type followCache struct {
	sources map[int64]*models.Source
	links   map[int64]*models.BroadcastSource
}

func (c *followCache) source(ctx context.Context, store *models.Store, id int64) (*models.Source, error) {
	if src, ok := c.sources[id]; ok {
		return src, nil
	}
	if c.sources == nil {
		c.sources = map[int64]*models.Source{}
	}
	src, err := store.SourceByID(ctx, id)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			c.sources[id] = nil
			return nil, nil
		}
		return nil, err
	}
	c.sources[id] = src
	return src, nil
}

func (c *followCache) link(ctx context.Context, store *models.Store, id int64) (*models.BroadcastSource, error) {
	if l, ok := c.links[id]; ok {
		return l, nil
	}
	if c.links == nil {
		c.links = map[int64]*models.BroadcastSource{}
	}
	l, err := store.BroadcastLink(ctx, id)
	if err != nil {
		return nil, err
	}
	c.links[id] = l
	return l, nil
}

// PlatformTitle names a platform for a marketer.
func PlatformTitle(platform string) string {
	switch platform {
	case "youtube":
		return "YouTube"
	case "twitch":
		return "Twitch"
	}
	return platform
}

// liveWait says whether a broadcast's live post is held for its platform's real start (hold,
// the post's note), or dropped because the grace passed without one (drop, the reason).
func (p *Planner) liveWait(ctx context.Context, b *models.Broadcast, camp *models.Campaign, cache *campaignCache) (hold, drop string, err error) {
	if camp.SourceID == nil || !b.StartedAt.IsZero() || b.StartsAt.IsZero() ||
		(b.Status != models.BroadcastScheduled && b.Status != models.BroadcastLive) {
		return "", "", nil
	}
	src, err := cache.follow.source(ctx, p.store, *camp.SourceID)
	if err != nil || src == nil {
		return "", "", err
	}
	link, err := cache.follow.link(ctx, p.store, b.ID)
	if err != nil || link == nil || link.Platform() != src.Platform {
		return "", "", err
	}
	now := p.now()
	if !src.Following(now) || link.State == models.PlatformLive {
		return "", "", nil // planned times; or it is live now (the sync records its real start)
	}
	grace := camp.LiveGrace()
	deadline := b.StartsAt.Add(grace)
	where := PlatformTitle(src.Platform)
	if !now.Before(deadline) {
		return "", fmt.Sprintf("the stream had not started on %s %s after its planned start (the campaign's live grace); it goes if the stream starts before its planned end",
			where, lead(grace)), nil
	}
	return fmt.Sprintf("waiting for the stream to start on %s (source %s): it goes when it starts, and is dropped if it has not by %s",
		where, src.Name, deadline.UTC().Format(time.RFC3339)), "", nil
}

// replayWait is the note of a followed broadcast's replay posts while the platform has no replay
// yet ("" when it is not followed, or has its replay URL): they are held, as any replay post
// without its URL, until the platform has the recording (or a person gives the URL).
func (p *Planner) replayWait(ctx context.Context, b *models.Broadcast, camp *models.Campaign, cache *campaignCache) (string, error) {
	if camp.SourceID == nil || b.ReplayURL != "" {
		return "", nil
	}
	src, err := cache.follow.source(ctx, p.store, *camp.SourceID)
	if err != nil || src == nil {
		return "", err
	}
	link, err := cache.follow.link(ctx, p.store, b.ID)
	if err != nil || link == nil || link.Platform() != src.Platform {
		return "", err
	}
	return p.words(&models.Error{Code: models.EWaiting, Fix: models.FixReplayWait, Broadcast: b.ID,
		Message: "waiting for the replay: " + PlatformTitle(src.Platform) + " has it once the recording is ready after the end"}), nil
}
