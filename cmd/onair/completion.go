package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// Shell completion of what a marketer names: campaigns, channels and broadcasts, for the first
// argument of the commands that take one and for the --campaign and --channel flags. cobra's own
// `onair completion bash|zsh|fish|powershell` writes the script; these fill in the names from the
// database the command would open.

// nameKind is what the first argument of a command names.
type nameKind int

const (
	noName nameKind = iota
	campaignName
	channelName
	broadcastID
)

// argKind says what a command's first argument names, from its group and its usage line.
func argKind(c *cobra.Command) nameKind {
	if c.Parent() == nil {
		return noName
	}
	first := strings.Fields(c.Use + " -")[1]
	switch group := c.Parent().Name(); {
	case group == "campaign" && strings.HasPrefix(first, "NAME"):
		return campaignName
	case group == "channel" && strings.HasPrefix(first, "NAME"):
		return channelName
	case (group == "broadcast" || group == "plan") && (first == "ID" || first == "BROADCAST_ID"):
		return broadcastID
	}
	return noName
}

// addCompletions wires name completion into every command under root.
func (a *app) addCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if kind := argKind(c); kind != noName && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return a.complete(cmd, kind, prefix), cobra.ShellCompDirectiveNoFileComp
			}
		}
		for flag, kind := range map[string]nameKind{"campaign": campaignName, "channel": channelName} {
			if c.Flags().Lookup(flag) != nil {
				kind := kind
				c.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
					return a.complete(cmd, kind, prefix), cobra.ShellCompDirectiveNoFileComp
				})
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// complete lists the names of kind starting with prefix, each with a short description (shells
// that show one do). A database that cannot be opened completes nothing, silently.
func (a *app) complete(cmd *cobra.Command, kind nameKind, prefix string) []string {
	ctx := cmd.Context()
	if err := a.openExisting(ctx); err != nil {
		return nil
	}
	var out []string
	add := func(name, desc string) {
		if strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
			out = append(out, name+"\t"+desc)
		}
	}
	switch kind {
	case campaignName:
		camps, err := a.store.Campaigns(ctx)
		if err != nil {
			return nil
		}
		for _, c := range camps {
			add(c.Name, fmt.Sprintf("campaign, %s", c.TimeZone))
		}
	case channelName:
		chans, err := a.store.Channels(ctx)
		if err != nil {
			return nil
		}
		for _, ch := range chans {
			add(ch.Name, ch.Network+" channel")
		}
	case broadcastID:
		list, err := a.store.ListBroadcasts(ctx, models.BroadcastFilter{Limit: 200})
		if err != nil {
			return nil
		}
		for _, b := range list {
			add(fmt.Sprint(b.ID), fmt.Sprintf("%s, %s", b.Title, b.StartsAt.UTC().Format("2006-01-02 15:04 UTC")))
			if b.ExternalRef != nil {
				add(*b.ExternalRef, b.Title)
			}
		}
	}
	return out
}
