package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x"
	"github.com/onairhq/onair/scheduler"
)

// registerMetricsFlags adds --metrics to a command that writes channel settings.
func registerMetricsFlags(cmd *cobra.Command) {
	cmd.Flags().Bool("metrics", false, "read the engagement of this channel's sent posts at the campaign's checkpoints (on by default, except on X, which charges $0.005 a post read; --metrics=false to stop)")
}

// metricsFlag copies --metrics, when given, into s.
func metricsFlag(cmd *cobra.Command, s *scheduler.ChannelSettings) {
	if cmd.Flags().Changed("metrics") {
		on, _ := cmd.Flags().GetBool("metrics")
		s.Metrics = &on
	}
}

// storeMetricsAfter stores --metrics-after (normalized by campaignFlags.apply) when it was given.
func (a *app) storeMetricsAfter(cmd *cobra.Command, c *models.Campaign, value string) error {
	if !cmd.Flags().Changed("metrics-after") {
		return nil
	}
	if value == models.DefaultMetricsAfter {
		value = ""
	}
	return a.store.SetCampaignMetricsAfter(cmd.Context(), c.ID, value)
}

// channelMetricsCmd turns the reading of a channel's engagement on or off (any network).
func (a *app) channelMetricsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metrics NAME on|off",
		Short: "Read, or stop reading, the engagement of a channel's sent posts (X charges $0.005 a post read)",
		Example: `  onair channel metrics brand-x on        # X: off unless turned on
  onair channel metrics brand-bsky on --appview https://api.bsky.app`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var on bool
			switch strings.ToLower(args[1]) {
			case "on", "true", "yes":
				on = true
			case "off", "false", "no":
			default:
				return fmt.Errorf("%q: say on or off", args[1])
			}
			ctx := cmd.Context()
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			if n, _ := posting.NetworkOf(ch.Network); n.NoMetrics && on {
				return fmt.Errorf("%s does not tell what a post drew: onair reads no engagement on %s channels (docs/results.md)", n.Title, ch.Network)
			}
			vault, err := a.vault(true) // the key binds the channel's settings
			if err != nil {
				return err
			}
			if !vault.Sealer.SettingsBound(*ch) {
				return fmt.Errorf("channel %s: its settings were changed outside onair; run `onair channel login %s --accept-settings` first", ch.Name, ch.Name)
			}
			cur, err := scheduler.ParseSettings(*ch)
			if err != nil {
				return err
			}
			cur.Metrics = &on
			if cmd.Flags().Changed("appview") {
				v, _ := cmd.Flags().GetString("appview")
				cur.SetOwn("appview", strings.TrimSpace(v))
			}
			raw, _ := json.Marshal(cur)
			if err := a.store.UpdateChannelSettings(ctx, ch.ID, string(raw)); err != nil {
				return err
			}
			state := "off"
			if on {
				state = "on"
			}
			fmt.Fprintf(a.out, "Engagement reads on channel %q: %s.\n", ch.Name, state)
			if on && ch.Network == x.Name {
				fmt.Fprintf(a.out, "X charges $%.3f a post read: 3 checkpoints cost $%.3f a post (plan show estimates it).\n", xReadPrice(), 3*xReadPrice())
			}
			return nil
		},
	}
	cmd.Flags().String("appview", "", "bluesky: the AppView engagement is read from (default https://public.api.bsky.app)")
	return cmd
}

// describeCampaignMetrics adds when the campaign's posts' engagement is read to its description.
func (a *app) describeCampaignMetrics(tw *table, c *models.Campaign) {
	if a.store == nil || c.ID == 0 {
		return
	}
	after, err := a.store.CampaignMetricsAfter(context.Background(), c.ID)
	if err != nil {
		return
	}
	if after == "" {
		after = models.DefaultMetricsAfter
	}
	fmt.Fprintf(tw, "  engagement read\t%s after each post (onair report)\n", after)
}
