package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// campaignSourceFlags are campaign add and edit's --source and --live-grace.
type campaignSourceFlags struct {
	source, grace string
}

func (f *campaignSourceFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.source, "source", "", `the live source the campaign follows (onair source list): its broadcasts are imported, and their live and replay posts wait for the platform ("none" to stop)`)
	cmd.Flags().StringVar(&f.grace, "live-grace", "", `with a source: how long after the planned start the "we are live" post waits for the stream to start (default 30m)`)
}

// applyCampaignSource writes --source and --live-grace, when given, and reads the source at once
// (its upcoming broadcasts are imported into the campaign).
func (a *app) applyCampaignSource(cmd *cobra.Command, c *models.Campaign, f *campaignSourceFlags) error {
	changed := cmd.Flags().Changed
	if !changed("source") && !changed("live-grace") {
		return nil
	}
	ctx := cmd.Context()
	id, grace := c.SourceID, c.LiveGraceMinutes
	if grace == 0 && c.SourceID == nil {
		grace = 30
	}
	var src *models.Source
	if changed("source") {
		name := strings.TrimSpace(f.source)
		if name == "" || strings.EqualFold(name, "none") {
			id = nil
		} else {
			var err error
			if src, err = a.findSource(ctx, name); err != nil {
				return err
			}
			id = &src.ID
		}
	}
	if changed("live-grace") {
		d, err := time.ParseDuration(strings.TrimSpace(f.grace))
		if err != nil || d < 0 || d > 24*time.Hour || d%time.Minute != 0 {
			return fmt.Errorf("--live-grace %q not understood; use whole minutes such as 30m or 1h", f.grace)
		}
		grace = int(d / time.Minute)
	}
	if err := a.store.SetCampaignSource(ctx, c.ID, id, grace); err != nil {
		return err
	}
	c.SourceID, c.LiveGraceMinutes = id, grace
	if src != nil {
		others, err := a.store.CampaignsOfSource(ctx, src.ID)
		if err != nil {
			return err
		}
		if len(others) > 1 && others[0].ID != c.ID {
			fmt.Fprintf(a.errOut, "note: campaign %q follows %s too: new broadcasts from it go to %q (the oldest); this one follows those tied to it (`onair broadcast edit ID --source-ref ...`).\n",
				others[0].Name, src.Name, others[0].Name)
		}
		if src.Status == models.SourceActive {
			a.syncNow(ctx, src.ID)
		} else {
			fmt.Fprintf(a.errOut, "note: source %s is %s: its broadcasts go by their planned times until %s.\n", src.Name, src.Status, sourceFix(*src))
		}
	}
	return nil
}

// describeCampaignSource adds the campaign's source to describeCampaign's table.
func (a *app) describeCampaignSource(ctx context.Context, tw *table, c *models.Campaign) {
	if c.SourceID == nil {
		return
	}
	name := fmt.Sprintf("source %d", *c.SourceID)
	if a.store != nil {
		if src, err := a.store.SourceByID(ctx, *c.SourceID); err == nil {
			name = fmt.Sprintf("%s (%s)", src.Name, scheduler.PlatformTitle(src.Platform))
		} else if !errors.Is(err, models.ErrNotFound) {
			return
		}
	}
	fmt.Fprintf(tw, "  source\t%s; the live post waits up to %d min for the stream\n", name, c.LiveGraceMinutes)
}
