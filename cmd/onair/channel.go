package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/scheduler"
)

func (a *app) channelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "channel", Short: "Manage the accounts posts go out through"}
	cmd.AddCommand(a.channelAddCmd(), a.channelListCmd(), a.channelResumeCmd())
	return cmd
}

func (a *app) channelAddCmd() *cobra.Command {
	var (
		name string
		s    scheduler.ChannelSettings
	)
	cmd := &cobra.Command{
		Use:   "add NETWORK --name NAME",
		Short: "Add a channel (networks: console, webhook)",
		Example: `  onair channel add console --name preview
  onair channel add console --name preview --file posts.jsonl
  onair channel add webhook --name cms --url https://cms.example.com/onair --secret-env ONAIR_CMS_SECRET
  onair channel add webhook --name team --url https://hooks.slack.com/services/... --format slack`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			network := strings.ToLower(args[0])
			switch {
			case network == posting.Console:
				if s.URL != "" || s.Format != "" || s.SecretEnv != "" {
					return fmt.Errorf("--url, --format and --secret-env are for webhook channels")
				}
			case network == posting.Webhook:
				if s.URL == "" {
					return fmt.Errorf("a webhook channel needs --url https://...")
				}
				if s.File != "" {
					return fmt.Errorf("--file is for console channels")
				}
			case posting.KnownNetwork(network):
				return fmt.Errorf("the %s channel arrives in a later version of onair; for now use console or webhook", network)
			default:
				return fmt.Errorf("network %q not known; use console or webhook (x, mastodon and bluesky are coming)", args[0])
			}
			if strings.TrimSpace(name) == "" {
				return fmt.Errorf("a channel needs a name: onair channel add %s --name preview", network)
			}
			if s.File != "" {
				// The daemon may run from another directory: keep the file the marketer meant.
				abs, err := filepath.Abs(s.File)
				if err != nil {
					return fmt.Errorf("--file %s: %w", s.File, err)
				}
				s.File = abs
			}
			raw, _ := json.Marshal(s)
			probe := models.Channel{Name: name, Network: network, Settings: string(raw)}
			if _, err := (&scheduler.Posters{Getenv: func(string) string { return "set" }}).For(probe); err != nil {
				return err
			}
			if s.SecretEnv != "" && getenv(s.SecretEnv) == "" {
				fmt.Fprintf(a.errOut, "note: $%s is empty here; set it where the daemon runs, or the channel pauses.\n", s.SecretEnv)
			}
			if err := a.open(cmd.Context()); err != nil {
				return err
			}
			ch := &models.Channel{Name: strings.TrimSpace(name), Network: network, Settings: string(raw)}
			if err := a.store.CreateChannel(cmd.Context(), ch); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q added (%s, id %d).\n", ch.Name, network, ch.ID)
			if s.File != "" {
				fmt.Fprintf(a.out, "Its posts are also appended to %s as JSON lines.\n", s.File)
			}
			fmt.Fprintf(a.out, "Next: onair campaign add \"My campaign\" --channels %s\n", ch.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the channel's name, used in campaigns (required)")
	cmd.Flags().StringVar(&s.File, "file", "", "console: also append each post as a JSON line to this file")
	cmd.Flags().StringVar(&s.URL, "url", "", "webhook: the URL posts are POSTed to")
	cmd.Flags().StringVar(&s.Format, "format", "", "webhook: json (default, signed, deduplicated by Idempotency-Key), slack or discord")
	cmd.Flags().StringVar(&s.SecretEnv, "secret-env", "", "webhook: name of the environment variable holding the signing secret")
	cmd.Flags().StringVar(&s.Timeout, "timeout", "", "webhook: per-request timeout (default 15s)")
	return cmd
}

func (a *app) channelResumeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "resume NAME",
		Short: "Let a paused or needs-auth channel send again (after fixing its credentials or settings)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			ch, err := a.store.ChannelByName(ctx, args[0])
			if err != nil {
				return fmt.Errorf("channel %q does not exist; see `onair channel list`", args[0])
			}
			if err := a.store.SetChannelStatus(ctx, ch.ID, models.ChannelActive, ""); err != nil {
				return err
			}
			if err := a.store.HoldChannel(ctx, ch.ID, time.Time{}, ""); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q is active again; its waiting posts go out at the next pass.\n", ch.Name)
			return nil
		},
	}
}

func (a *app) channelListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List channels",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			chans, err := a.store.Channels(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if chans == nil {
					chans = []models.Channel{}
				}
				return printJSON(a.out, chans)
			}
			if len(chans) == 0 {
				fmt.Fprintln(a.out, "No channel yet. Add one: onair channel add console --name preview")
				return nil
			}
			tw := newTable(a.out)
			fmt.Fprintln(tw, "ID\tNAME\tNETWORK\tSTATUS\tLIMIT")
			for _, ch := range chans {
				l := posting.DefaultLimit(ch.Network)
				limit := "none"
				if l.Max > 0 {
					limit = fmt.Sprintf("%d %s", l.Max, l.Unit)
				}
				status := ch.Status
				if ch.PausedUntil.After(a.now()) {
					status = "held until " + showTime(ch.PausedUntil.Time, time.Local)
				}
				if ch.StatusReason != "" {
					status += ": " + ch.StatusReason
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", ch.ID, ch.Name, ch.Network, status, limit)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
