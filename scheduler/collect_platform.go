package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/onairhq/onair/scheduler/source"
)

// PlatformReads are when a followed broadcast's audience is read from its live platform after
// it ended: the figures grow for days as the replay is watched, and YouTube Analytics takes up
// to 72 hours to give live views. After the last, the figures stay as read.
var PlatformReads = []time.Duration{2 * time.Hour, 24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour}

// platformRetry is how long a source whose figures could not be read waits (a quota's end when
// the platform says).
const platformRetry = time.Hour

// WithSources makes the collector read ended broadcasts' audience from their campaign's live
// source too (CollectPlatform), with sources built by build.
func (c *Collector) WithSources(build SourceFor) *Collector {
	c.sources = build
	return c
}

// CollectPlatform reads the audience (views, live and replay views, watch time) of the ended
// broadcasts whose campaign follows a source, at PlatformReads after their end, into
// platform_stats. A source that cannot be read (quota, credentials) waits; nothing here touches
// the broadcasts, their posts, or the source's own sync. It returns how many were read.
func (c *Collector) CollectPlatform(ctx context.Context) (int, error) {
	if c.sources == nil {
		return 0, nil
	}
	now := c.now()
	last := PlatformReads[len(PlatformReads)-1]
	list, err := c.store.EndedFollowedBroadcasts(ctx, now.Add(-last-48*time.Hour))
	if err != nil {
		return 0, err
	}
	readers := map[int64]source.StatsReader{}
	var errs []error
	read := 0
	for _, f := range list {
		end := f.End()
		var due time.Time
		for _, d := range PlatformReads {
			if at := end.Add(d); !at.After(now) {
				due = at
			}
		}
		if due.IsZero() || !f.CollectedAt.Before(due) {
			continue // not yet, or read since its last reading time
		}
		c.mu.Lock()
		held := now.Before(c.srcHeld[f.SourceID])
		c.mu.Unlock()
		if held {
			continue
		}
		r, ok := readers[f.SourceID]
		if !ok {
			r, err = c.statsReader(ctx, f.SourceID)
			if err != nil {
				c.holdSource(f.SourceID, now.Add(platformRetry))
				errs = append(errs, err)
				continue
			}
			readers[f.SourceID] = r
		}
		if r == nil {
			continue // this platform gives no figures after the live
		}
		platform, _, _ := strings.Cut(f.SourceRef, ":")
		if err := CollectPlatformStats(ctx, c.store, f.BroadcastID, platform, f.SourceRef, r, now); err != nil {
			until := now.Add(platformRetry)
			var se *source.Error
			if errors.As(err, &se) && se.Until.After(now) {
				until = se.Until
			}
			c.holdSource(f.SourceID, until)
			c.log.Info("platform figures wait", slog.Int64("broadcast", f.BroadcastID), slog.Time("until", until), slog.String("error", err.Error()))
			errs = append(errs, err)
			continue
		}
		read++
	}
	return read, errors.Join(errs...)
}

// statsReader builds source id's client; nil when its platform reports no figures.
func (c *Collector) statsReader(ctx context.Context, id int64) (source.StatsReader, error) {
	src, err := c.store.SourceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s, err := c.sources(ctx, *src)
	if err != nil {
		return nil, fmt.Errorf("read the audience from source %s: %w", src.Name, err)
	}
	r, _ := s.(source.StatsReader)
	return r, nil
}

func (c *Collector) holdSource(id int64, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.srcHeld[id] = until
}
