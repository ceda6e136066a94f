package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// tieBroadcast ties a broadcast to a platform broadcast (`broadcast edit ID --source-ref
// youtube:VIDEO_ID`), or unties it ("none"), and reads the campaign's source at once.
func (a *app) tieBroadcast(ctx context.Context, b *models.Broadcast, c *models.Campaign, ref string) error {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.EqualFold(ref, "none") {
		if err := a.store.UnlinkBroadcast(ctx, b.ID); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "Broadcast %d no longer follows a platform broadcast: it goes by its planned times.\n", b.ID)
		_, err := a.planner.Plan(ctx, b.ID)
		return err
	}
	platform, id, _ := strings.Cut(ref, ":")
	d, err := descriptorOf(strings.ToLower(platform))
	if err != nil || id == "" || strings.ContainsAny(id, " \t/") {
		return fmt.Errorf("--source-ref %q not understood; write the platform and its id, like youtube:VIDEO_ID (the v= of the watch URL)", ref)
	}
	ref = d.RefPrefix + id
	if err := a.store.LinkBroadcast(ctx, b.ID, ref); err != nil {
		var other int64
		if errors.Is(err, models.ErrRefTaken) {
			if l, _ := a.store.LinkByRef(ctx, ref); l != nil {
				other = l.BroadcastID
			}
			return fmt.Errorf("%s is already tied to broadcast %d; see `onair broadcast show %d` (untie it there with --source-ref none)", ref, other, other)
		}
		return err
	}
	fmt.Fprintf(a.out, "Broadcast %d follows %s.\n", b.ID, ref)
	var src *models.Source
	if c != nil && c.SourceID != nil {
		src, _ = a.store.SourceByID(ctx, *c.SourceID)
	}
	switch {
	case c == nil:
	case src == nil:
		fmt.Fprintf(a.errOut, "note: campaign %q follows no source: add one with `onair campaign edit %q --source NAME`, until then the broadcast goes by its planned times.\n", c.Name, c.Name)
	case src.Platform != d.Platform:
		fmt.Fprintf(a.errOut, "note: campaign %q follows %s, a %s source; %s is not read until the campaign follows a %s source.\n",
			c.Name, src.Name, src.Platform, ref, d.Title)
	case src.Status == models.SourceActive:
		a.syncNow(ctx, src.ID)
	}
	_, err = a.planner.Plan(ctx, b.ID)
	return err
}

// sourceLinkView is what `broadcast show` says of a followed broadcast.
type sourceLinkView struct {
	models.BroadcastSource
	Source    string `json:"source"`    // the campaign's source, "" when none
	Following bool   `json:"following"` // onair follows the platform now
	Why       string `json:"why,omitempty"`
	Fix       string `json:"fix,omitempty"`
	// Fields says, for each field a platform gives, who has the last word: "platform" (it holds
	// the platform's value, which wins) or "onair" (edited in onair since the last import: kept).
	Fields map[string]fieldView `json:"fields"`
}

type fieldView struct {
	Wins     string `json:"wins"`     // platform | onair
	Platform string `json:"platform"` // the platform's value at the last import
}

// broadcastSourceView is `broadcast show --json` with the broadcast's platform link.
type broadcastSourceView struct {
	broadcastView
	Link *sourceLinkView `json:"platform,omitempty"`
}

// linkView reads what `broadcast show` says of b's platform link (nil when it has none).
func (a *app) linkView(ctx context.Context, b *models.Broadcast, c *models.Campaign, loc *time.Location) (*sourceLinkView, error) {
	l, err := a.store.BroadcastLink(ctx, b.ID)
	if err != nil || l == nil {
		return nil, err
	}
	v := &sourceLinkView{BroadcastSource: *l, Fields: map[string]fieldView{}}
	now := a.now()
	switch {
	case c == nil || c.SourceID == nil:
		v.Why = "its campaign follows no source"
		if c != nil {
			v.Fix = fmt.Sprintf("`onair campaign edit %q --source NAME`", c.Name)
		}
	default:
		src, err := a.store.SourceByID(ctx, *c.SourceID)
		if err != nil {
			return nil, err
		}
		v.Source = src.Name
		switch {
		case src.Platform != l.Platform():
			v.Why = fmt.Sprintf("its campaign follows %s, a %s source", src.Name, scheduler.PlatformTitle(src.Platform))
		case !src.Following(now):
			v.Why, v.Fix = src.Why(now), sourceFix(*src)
		default:
			v.Following = true
		}
	}
	if seen, ok := l.ParseSeen(); ok {
		field := func(name, cur, platform string) {
			w := "platform"
			if cur != platform {
				w = "onair"
			}
			v.Fields[name] = fieldView{Wins: w, Platform: platform}
		}
		field("title", b.Title, seen.Title)
		field("description", b.Description, seen.Description)
		field("watch_url", b.WatchURL, seen.WatchURL)
		if !seen.StartsAt.IsZero() {
			field("starts_at", showTime(b.StartsAt.Time, loc), showTime(seen.StartsAt.Time, loc))
		}
		if seen.DurationMinutes > 0 {
			field("duration", fmt.Sprintf("%d min", b.DurationMinutes), fmt.Sprintf("%d min", seen.DurationMinutes))
		}
	}
	return v, nil
}

// printLink writes the link's lines of `broadcast show`.
func (a *app) printLink(tw *table, b *models.Broadcast, v *sourceLinkView, loc *time.Location) {
	if v == nil {
		return
	}
	now := a.now()
	follow := "followed"
	if v.Source != "" {
		follow = "followed through " + v.Source
	}
	if !v.Following {
		follow = "NOT followed: " + v.Why + "; its planned times are used"
		if v.Fix != "" {
			follow += "; fix: " + v.Fix
		}
	}
	fmt.Fprintf(tw, "Platform\t%s (%s)\n", v.SourceRef, follow)
	state := orDash(v.State)
	switch {
	case v.State == models.PlatformLive && !v.StartedAt.IsZero():
		state = "live since " + showTime(v.StartedAt.Time, loc)
		if v.Viewers >= 0 {
			state += fmt.Sprintf(", %d watching", v.Viewers)
		}
	case v.State == models.PlatformEnded && !v.EndedAt.IsZero():
		state = "ended at " + showTime(v.EndedAt.Time, loc)
		if v.ReplayURL != "" {
			state += "; replay " + v.ReplayURL
		} else {
			state += "; replay not ready yet"
		}
	case v.State == models.PlatformUpcoming && v.Following && b.StartedAt.IsZero() && !b.StartsAt.IsZero() && !now.Before(b.StartsAt.Time):
		state = "not started yet: the \"we are live\" post waits for it"
	}
	if !v.CheckedAt.IsZero() {
		state += " (read " + ago(now, v.CheckedAt.Time) + ")"
	}
	fmt.Fprintf(tw, "Platform state\t%s\n", state)
	if v.Error != "" {
		fmt.Fprintf(tw, "Platform note\t%s\n", v.Error)
	}
	if len(v.Fields) == 0 {
		fmt.Fprintf(tw, "What wins\ttied by hand, nothing imported yet: onair's values are kept, empty ones are filled from the platform\n")
		return
	}
	var platform, onair []string
	for _, name := range []string{"title", "description", "starts_at", "duration", "watch_url"} {
		f, ok := v.Fields[name]
		if !ok {
			continue
		}
		if f.Wins == "platform" {
			platform = append(platform, name)
		} else {
			onair = append(onair, fmt.Sprintf("%s (the platform says %q)", name, f.Platform))
		}
	}
	if len(platform) > 0 {
		fmt.Fprintf(tw, "From the platform\t%s: a change there is applied here\n", strings.Join(platform, ", "))
	}
	if len(onair) > 0 {
		fmt.Fprintf(tw, "Edited in onair\t%s: kept, whatever the platform says\n", strings.Join(onair, "; "))
	}
}
