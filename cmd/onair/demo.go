package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

func (a *app) demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Create a demo campaign on a fresh database and show its plan (no account needed)",
		Long: `demo creates ./onair-demo.db (or --db) afresh with a console channel, a campaign and a
broadcast starting in two hours, plans it and prints the plan. Nothing is sent anywhere.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("db") && os.Getenv("ONAIR_DB") == "" {
				a.cfg.DB = "onair-demo.db"
			}
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(a.cfg.DB + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("start the demo afresh: %w", err)
				}
			}
			if err := a.open(ctx); err != nil {
				return err
			}
			ch := &models.Channel{Name: "preview", Network: "console"}
			if err := a.store.CreateChannel(ctx, ch); err != nil {
				return err
			}
			c := &models.Campaign{Name: "Demo", TimeZone: localZone(), Lang: "en",
				Teasers: "1d,90m", Reminders: "1h,30m,10m", ReplayAfter: "15m,1d", Hashtags: "#SpringLaunch #onair"}
			if err := a.store.CreateCampaign(ctx, c, []string{ch.Name}); err != nil {
				return err
			}
			start := a.now().Add(2 * time.Hour).Truncate(time.Minute)
			b := &models.Broadcast{CampaignID: &c.ID, Title: "Spring collection launch", DurationMinutes: 45,
				StartsAt: models.NewTime(start), WatchURL: "https://x.com/i/broadcasts/1DEMO"}
			if err := a.store.CreateBroadcast(ctx, b); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Demo database %s: channel %q (console), campaign %q (teasers 1d,90m; reminders 1h,30m,10m; replay 15m,1d),\n",
				a.cfg.DB, ch.Name, c.Name)
			fmt.Fprintf(a.out, "and a broadcast starting in 2 hours. Its 1-day teaser is already in the past, so it is not planned.\n\n")
			if err := a.replanAndShow(ctx, b.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.out, `
Try next:
  onair --db %[1]s broadcast list
  onair --db %[1]s post list --broadcast %[2]d
  onair --db %[1]s broadcast reschedule %[2]d --at +3h
  onair --db %[1]s post edit <ID> --text "Your own words"
  onair --db %[1]s broadcast cancel %[2]d
`, a.cfg.DB, b.ID)
			return nil
		},
	}
}
