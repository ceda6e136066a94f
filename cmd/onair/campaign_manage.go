package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

func (a *app) campaignRenameCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "rename NAME|ID NEW-NAME",
		Short:   "Rename a campaign",
		Example: `  onair campaign rename "Spring launch" "Spring 2027"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := strings.TrimSpace(args[1])
			if name == "" {
				return errors.New("a campaign needs a name")
			}
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			c, err := a.findCampaign(ctx, args[0])
			if err != nil {
				return err
			}
			if name == c.Name {
				fmt.Fprintf(a.out, "Campaign %q already has that name.\n", c.Name)
				return nil
			}
			if err := a.store.RenameCampaign(ctx, c.ID, name); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Campaign %q is now %q (id %d).\n", c.Name, name, c.ID)
			return nil
		},
	}
}

func (a *app) campaignDeleteCmd() *cobra.Command {
	var force, yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME|ID [--yes] [--force]",
		Short: "Delete a campaign (with --force, its broadcasts too, if none of their posts went out)",
		Long: `Deletes a campaign. It asks first, unless --yes.
A campaign that still has broadcasts is kept, unless --force: then its broadcasts are deleted
with their posts, as long as none of those went out (or may have); a broadcast with such history
is deleted on its own, with ` + "`onair broadcast delete ID --force`" + `.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			c, err := a.findCampaign(ctx, args[0])
			if err != nil {
				return err
			}
			list, err := a.store.ListBroadcasts(ctx, models.BroadcastFilter{CampaignID: c.ID})
			if err != nil {
				return err
			}
			if len(list) > 0 && !force {
				return fmt.Errorf("campaign %q has %s; to delete them with it (if none of their posts went out), add --force: `onair campaign delete %q --force`",
					c.Name, plural(len(list), "broadcast", "broadcasts"), c.Name)
			}
			ids := make([]int64, len(list))
			for i, b := range list {
				ids[i] = b.ID
			}
			posts, err := a.store.PostsOfBroadcasts(ctx, ids)
			if err != nil {
				return err
			}
			var history []string
			nposts := 0
			for _, b := range list {
				nposts += len(posts[b.ID])
				for _, p := range posts[b.ID] {
					if p.Status == models.PostSent || p.Status == models.PostUnknown || p.Status == models.PostSending {
						history = append(history, fmt.Sprint(b.ID))
						break
					}
				}
			}
			if len(history) > 0 {
				return fmt.Errorf("campaign %q not deleted: posts of broadcast %s went out (or may have, or are going out now); delete %s first with `onair broadcast delete ID --force`, or keep the campaign",
					c.Name, strings.Join(history, ", "), map[bool]string{true: "it", false: "them"}[len(history) == 1])
			}
			if !yes {
				what := ""
				if len(list) > 0 {
					what = fmt.Sprintf(" with its %s and their %s", plural(len(list), "broadcast", "broadcasts"), plural(nposts, "post", "posts"))
				}
				fmt.Fprintf(a.errOut, "Delete campaign %q%s? This cannot be undone. [y/N] ", c.Name, what)
				if !confirmed(a.in) {
					return errors.New("not deleted; to delete without this question, add --yes")
				}
			}
			deleted, deletedPosts := 0, 0
			for _, b := range list {
				res, err := a.life.Delete(ctx, b.ID, false)
				if err != nil {
					return fmt.Errorf("campaign %q not deleted (%d of its broadcasts were): %s", c.Name, deleted, explain(err))
				}
				deleted++
				deletedPosts += res.Posts
			}
			if err := a.store.DeleteCampaign(ctx, c.ID); err != nil {
				if errors.Is(err, models.ErrInUse) {
					return fmt.Errorf("campaign %q not deleted: a broadcast was added to it meanwhile; see `onair broadcast list --campaign %q`", c.Name, c.Name)
				}
				return err
			}
			fmt.Fprintf(a.out, "Campaign %q deleted", c.Name)
			if deleted > 0 {
				fmt.Fprintf(a.out, ", with %s and %s", plural(deleted, "broadcast", "broadcasts"), plural(deletedPosts, "post", "posts"))
			}
			fmt.Fprintln(a.out, ".")
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	cmd.Flags().BoolVar(&force, "force", false, "also delete its broadcasts (none of whose posts went out)")
	return cmd
}

func (a *app) campaignArchiveCmd(archive bool) *cobra.Command {
	use, short := "archive NAME|ID", "Archive a campaign whose lives are over: out of lists, no new broadcast; its history stays"
	if !archive {
		use, short = "unarchive NAME|ID", "Bring an archived campaign back"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			c, err := a.findCampaign(ctx, args[0])
			if err != nil {
				return err
			}
			at := time.Time{}
			if archive {
				if !c.ArchivedAt.IsZero() {
					fmt.Fprintf(a.out, "Campaign %q is already archived.\n", c.Name)
					return nil
				}
				n, err := a.store.PendingOfCampaign(ctx, c.ID)
				if err != nil {
					return err
				}
				if n > 0 {
					return fmt.Errorf("campaign %q still has %s to go out; let them go (or cancel its broadcasts: `onair broadcast list --campaign %q`), then archive it",
						c.Name, plural(int(n), "post", "posts"), c.Name)
				}
				at = a.now()
			}
			if err := a.store.ArchiveCampaign(ctx, c.ID, at); err != nil {
				return err
			}
			if archive {
				fmt.Fprintf(a.out, "Campaign %q archived: `onair campaign list --all` shows it; undo: onair campaign unarchive %q\n", c.Name, c.Name)
			} else {
				fmt.Fprintf(a.out, "Campaign %q is back.\n", c.Name)
			}
			return nil
		},
	}
}
