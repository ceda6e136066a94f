package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

func (a *app) postCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "post", Short: "List, read, edit, reset and skip single posts"}
	cmd.AddCommand(a.postListCmd(), a.postShowCmd(), a.postEditCmd(), a.postSkipCmd(), a.postResolveCmd(), a.postResetCmd())
	return cmd
}

// openPost opens the database and loads the post an argument names.
func (a *app) openPost(ctx context.Context, arg string) (*models.Post, error) {
	if err := a.openExisting(ctx); err != nil {
		return nil, err
	}
	return a.loadPost(ctx, arg)
}

func (a *app) loadPost(ctx context.Context, arg string) (*models.Post, error) {
	id, err := parseID("post", arg)
	if err != nil {
		return nil, err
	}
	p, err := a.store.PostByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("post %d does not exist; see `onair post list`", id)
	}
	return p, err
}

func (a *app) postListCmd() *cobra.Command {
	var (
		asJSON          bool
		broadcast       int64
		status, channel string
		limit           int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List posts in due order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			if status != "" && !slices.Contains(models.PostStatuses, models.PostStatus(status)) {
				return fmt.Errorf("status %q not known; use one of %s", status, models.Join(models.PostStatuses, ", "))
			}
			f := models.PostFilter{BroadcastID: broadcast, Status: models.PostStatus(status), Limit: limit}
			if channel != "" {
				ch, err := a.store.ChannelByName(ctx, channel)
				if err != nil {
					return models.NoSuchChannel(channel)
				}
				f.ChannelID = ch.ID
			}
			posts, err := a.store.ListPosts(ctx, f)
			if err != nil {
				return err
			}
			var c *models.Campaign
			if broadcast != 0 {
				_, c, err = a.loadBroadcast(ctx, fmt.Sprint(broadcast))
				if err != nil {
					return err
				}
			}
			views, _, err := a.postViews(ctx, posts, c)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, views)
			}
			if len(views) == 0 {
				fmt.Fprintln(a.out, "No post matches.")
				return nil
			}
			tw := newTable(a.out)
			fmt.Fprintln(tw, "ID\tBROADCAST\tDUE\tKIND\tSTEP\tCHANNEL\tSTATUS\tTEXT")
			for _, v := range views {
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.BroadcastID, showTime(v.DueAt.Time, v.loc), v.Kind, v.Step,
					v.Channel, v.State, short(v.Text, 50))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().Int64Var(&broadcast, "broadcast", 0, "only this broadcast's posts (times shown in its campaign's zone)")
	cmd.Flags().StringVar(&status, "status", "", "only posts in this status ("+models.Join(models.PostStatuses, ", ")+")")
	cmd.Flags().StringVar(&channel, "channel", "", "only posts on this channel")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many")
	return cmd
}

func (a *app) postShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one post",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := a.openPost(ctx, args[0])
			if err != nil {
				return err
			}
			b, c, err := a.loadBroadcast(ctx, fmt.Sprint(p.BroadcastID))
			if err != nil {
				return err
			}
			views, _, err := a.postViews(ctx, []models.Post{*p}, c)
			if err != nil {
				return err
			}
			v := views[0]
			if asJSON {
				return printJSON(a.out, v)
			}
			loc := campaignLoc(c)
			tw := newTable(a.out)
			fmt.Fprintf(tw, "Post\t%d\n", v.ID)
			fmt.Fprintf(tw, "Broadcast\t%d · %s\n", b.ID, b.Title)
			fmt.Fprintf(tw, "Kind\t%s %s\n", v.Kind, v.Step)
			fmt.Fprintf(tw, "Channel\t%s (%s)\n", v.Channel, v.Network)
			fmt.Fprintf(tw, "Due\t%s (%s)\n", showTime(v.DueAt.Time, loc), until(a.now(), v.DueAt.Time))
			fmt.Fprintf(tw, "Status\t%s\n", v.State)
			if v.Error != "" {
				fmt.Fprintf(tw, "Note\t%s\n", v.Error)
			}
			if v.MaxLength > 0 {
				fmt.Fprintf(tw, "Length\t%d of %d\n", v.Length, v.MaxLength)
			} else {
				fmt.Fprintf(tw, "Length\t%d\n", v.Length)
			}
			fmt.Fprintf(tw, "Edited by hand\t%v\n", v.Edited)
			if !v.SentAt.IsZero() {
				fmt.Fprintf(tw, "Sent\t%s %s\n", showTime(v.SentAt.Time, loc), v.RemoteURL)
			}
			tw.Flush()
			fmt.Fprintln(a.out, "\n"+indent(v.Text, "  │ "))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) postEditCmd() *cobra.Command {
	var text string
	cmd := &cobra.Command{
		Use:     "edit ID --text TEXT",
		Short:   "Rewrite one post by hand (a later re-plan keeps your text)",
		Example: `  onair post edit 7 --text "J-3 : la collection arrive. Rendez-vous mardi à 18:00 👉 https://x.com/i/broadcasts/1ABC"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("text") {
				return errors.New(`give the new text: --text "..."`)
			}
			text = strings.TrimSpace(text)
			if text == "" {
				return errors.New("the text cannot be empty; to drop the post use `onair post skip`")
			}
			p, err := a.openPost(ctx, args[0])
			if err != nil {
				return err
			}
			p, err = a.life.EditPost(ctx, p.ID, text)
			if err != nil {
				return err
			}
			n, max, status := p.Length, p.MaxLength, p.Status
			lim := ""
			if max > 0 {
				lim = fmt.Sprintf(" of %d", max)
			}
			fmt.Fprintf(a.out, "Post %d updated (%d%s, %s); a re-plan keeps this text.\n", p.ID, n, lim, status)
			return nil
		},
	}
	cmd.Flags().StringVar(&text, "text", "", "the new text (required)")
	return cmd
}

func (a *app) postSkipCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "skip ID",
		Short: "Do not send this post",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := a.openPost(ctx, args[0])
			if err != nil {
				return err
			}
			if p, err = a.life.SkipPost(ctx, p.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Post %d (%s %s) skipped: it will not go out.\n", p.ID, p.Kind, p.Step)
			return nil
		},
	}
}

func (a *app) postResetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reset ID",
		Short: "Undo a hand edit: the post's text comes from its template again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := a.openPost(ctx, args[0])
			if err != nil {
				return err
			}
			if !p.Edited && models.Pending(p.Status) {
				fmt.Fprintf(a.out, "Post %d (%s %s) was not edited by hand; its text is its template's.\n", p.ID, p.Kind, p.Step)
				return nil
			}
			if p, err = a.life.ResetPost(ctx, p.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Post %d (%s %s) reset to its template: %s\n%s\n", p.ID, p.Kind, p.Step, p.Status, p.Text)
			return nil
		},
	}
}
