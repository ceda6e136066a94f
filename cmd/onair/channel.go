package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

func (a *app) channelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "channel", Short: "Manage the accounts posts go out through"}
	cmd.AddCommand(a.channelAddCmd(), a.channelListCmd())
	return cmd
}

func (a *app) channelAddCmd() *cobra.Command {
	var name, file string
	cmd := &cobra.Command{
		Use:   "add NETWORK --name NAME",
		Short: "Add a channel (networks: console)",
		Example: `  onair channel add console --name preview
  onair channel add console --name preview --file posts.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			network := strings.ToLower(args[0])
			switch {
			case network == posting.Console:
			case posting.KnownNetwork(network):
				return fmt.Errorf("the %s channel arrives in a later version of onair; for now use console", network)
			default:
				return fmt.Errorf("network %q not known; use console (x, mastodon, bluesky and webhook are coming)", args[0])
			}
			if strings.TrimSpace(name) == "" {
				return fmt.Errorf("a channel needs a name: onair channel add %s --name preview", network)
			}
			settings := map[string]any{}
			if file != "" {
				settings["file"] = file
			}
			raw, _ := json.Marshal(settings)
			if err := a.open(cmd.Context()); err != nil {
				return err
			}
			ch := &models.Channel{Name: strings.TrimSpace(name), Network: network, Settings: string(raw)}
			if err := a.store.CreateChannel(cmd.Context(), ch); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q added (%s, id %d).\nNext: onair campaign add \"My campaign\" --channels %s\n", ch.Name, network, ch.ID, ch.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the channel's name, used in campaigns (required)")
	cmd.Flags().StringVar(&file, "file", "", "console: also append each post as a JSON line to this file")
	return cmd
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
