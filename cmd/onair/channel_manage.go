package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

func (a *app) channelRenameCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "rename NAME NEW-NAME",
		Short:   "Rename a channel (its campaigns and posts follow)",
		Example: `  onair channel rename preview console-preview`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := strings.TrimSpace(args[1])
			if name == "" {
				return errors.New("a channel needs a name")
			}
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			if name == ch.Name {
				fmt.Fprintf(a.out, "Channel %q already has that name.\n", ch.Name)
				return nil
			}
			if err := a.store.RenameChannel(ctx, ch.ID, name); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q is now %q (id %d).\n", ch.Name, name, ch.ID)
			return nil
		},
	}
}

func (a *app) channelEditCmd() *cobra.Command {
	var (
		own     *ownFlags
		timeout string
	)
	cmd := &cobra.Command{
		Use:   "edit NAME [--url URL] [--secret-env VAR] [--timeout 10s] [--format json|slack|discord] [--file PATH] [--appview URL]",
		Short: "Change a channel's own settings: a webhook's URL, a console's file, a Bluesky AppView, the timeout",
		Example: `  onair channel edit cms --url https://cms.example.com/onair/v2 --timeout 10s
  onair channel edit preview --file posts.jsonl
  onair channel edit preview --file ""     # stop writing the file`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("timeout") && len(own.given()) == 0 {
				return fmt.Errorf("nothing to change: give --timeout, or --%s", strings.Join(own.order, ", --"))
			}
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			n, _ := networkNamed(ch.Network)
			if len(n.Settings) == 0 {
				return fmt.Errorf("channel %s is a %s channel, which has no settings edit changes (it changes those of %s channels); for new credentials, `onair channel login %s`",
					ch.Name, ch.Network, models.Sentence(settingNetworks("*"), "and"), ch.Name)
			}
			vault, err := a.vault(true) // the key binds the channel's settings
			if err != nil {
				return err
			}
			if !vault.Sealer.SettingsBound(*ch) {
				// Editing would bind what else is there; a person must read it first.
				return fmt.Errorf("channel %s: its settings were changed outside onair (or by an onair before schema 4):\n  network %s, settings %s\nIf they are yours, run `onair channel login %s --accept-settings` to bind them to onair's key, then edit it",
					ch.Name, ch.Network, ch.Settings, ch.Name)
			}
			cur, err := scheduler.ParseSettings(*ch)
			if err != nil {
				return err
			}
			if err := own.apply(n, ch.Name, &cur, false); err != nil {
				return err
			}
			if cmd.Flags().Changed("timeout") {
				cur.Timeout = strings.TrimSpace(timeout)
			}
			raw, _ := json.Marshal(cur)
			probe := models.Channel{ID: ch.ID, Name: ch.Name, Network: ch.Network, Settings: string(raw)}
			if _, err := (&scheduler.Posters{Getenv: func(string) string { return "set" }, Unstored: true}).For(probe); err != nil {
				return err
			}
			if string(raw) == ch.Settings {
				fmt.Fprintf(a.out, "Channel %q unchanged.\n", ch.Name)
				return nil
			}
			if err := a.store.UpdateChannelSettings(ctx, ch.ID, string(raw)); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q updated: %s\n", ch.Name, raw)
			a.ownNotes(n.Network, cur, cmd.Flags().Changed)
			fmt.Fprintln(a.out, "A running daemon uses the new settings for its next posts.")
			return nil
		},
	}
	own = registerOwnFlags(cmd, true)
	cmd.Flags().StringVar(&timeout, "timeout", "", `per-request timeout ("" for the default: webhook 15s)`)
	return cmd
}

func (a *app) channelRemoveCmd() *cobra.Command {
	var force, yes bool
	cmd := &cobra.Command{
		Use:   "remove NAME [--yes] [--force]",
		Short: "Remove a channel (with --force, from its campaigns first, if none of its posts went out)",
		Long: `Removes a channel. It asks first, unless --yes.
A channel in a campaign, or with posts, is kept unless --force: then it is taken out of its
campaigns (their broadcasts are re-planned without it) and its posts are deleted, as long as none
of them went out (or may have).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			use, err := a.store.ChannelUsage(ctx, ch.ID)
			if err != nil {
				return err
			}
			var campaigns []string
			for _, id := range use.Campaigns {
				c, err := a.store.CampaignByID(ctx, id)
				if err != nil {
					return err
				}
				if len(c.Channels) == 1 && force {
					return fmt.Errorf("channel %s is the only channel of campaign %q, which needs one; give it another first: `onair campaign edit %q --channels OTHER`, or delete the campaign",
						ch.Name, c.Name, c.Name)
				}
				campaigns = append(campaigns, fmt.Sprintf("%q", c.Name))
			}
			if use.Sent > 0 {
				return fmt.Errorf("channel %s not removed: %s went out on it (or may have, or is going out now) and keep it as their history; see `onair post list --channel %s`",
					ch.Name, plural(use.Sent, "post", "posts"), ch.Name)
			}
			if !force && (len(campaigns) > 0 || use.Posts > 0) {
				var what []string
				if len(campaigns) > 0 {
					what = append(what, "it is in campaign "+strings.Join(campaigns, ", "))
				}
				if use.Posts > 0 {
					what = append(what, "it has "+plural(use.Posts, "post", "posts"))
				}
				return fmt.Errorf("channel %s not removed: %s; to take it out of its campaigns and delete its posts, add --force: `onair channel remove %s --force`",
					ch.Name, strings.Join(what, " and "), ch.Name)
			}
			if !yes {
				what := ""
				if len(campaigns) > 0 {
					what += " from campaign " + strings.Join(campaigns, ", ")
				}
				if use.Posts > 0 {
					what += fmt.Sprintf(" with its %s", plural(use.Posts, "post", "posts"))
				}
				fmt.Fprintf(a.errOut, "Remove channel %q%s? This cannot be undone. [y/N] ", ch.Name, what)
				if !confirmed(a.in) {
					return errors.New("not removed; to remove without this question, add --yes")
				}
			}
			n, err := a.store.DeleteChannel(ctx, ch.ID, force)
			switch {
			case errors.Is(err, models.ErrInUse), errors.Is(err, models.ErrChanged):
				return fmt.Errorf("channel %s not removed: it changed meanwhile (a post may be going out now); see `onair channel show %s`, and try again", ch.Name, ch.Name)
			case err != nil:
				return err
			}
			if len(campaigns) > 0 {
				if _, err := a.planner.Reconcile(ctx); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.out, "Channel %q removed", ch.Name)
			if len(campaigns) > 0 {
				fmt.Fprintf(a.out, " from campaign %s", strings.Join(campaigns, ", "))
			}
			if n > 0 {
				fmt.Fprintf(a.out, ", with %s", plural(n, "post", "posts"))
			}
			fmt.Fprintln(a.out, ".")
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	cmd.Flags().BoolVar(&force, "force", false, "take it out of its campaigns and delete its posts (none of which went out)")
	return cmd
}
