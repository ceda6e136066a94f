package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

func (a *app) planCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "plan", Short: "See what will go out, and when"}
	var asJSON bool
	show := &cobra.Command{
		Use:   "show BROADCAST_ID",
		Short: "The timeline of a broadcast: every post, when, where, and its exact text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			if _, err := a.planner.Reconcile(ctx); err != nil {
				return err
			}
			if asJSON {
				return a.printPlanJSON(ctx, args[0])
			}
			id, err := parseID("broadcast", args[0])
			if err != nil {
				return err
			}
			return a.printPlan(ctx, id)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(show)
	return cmd
}

// postView is a post as the CLI prints it in JSON: the row, its channel, its local due time.
type postView struct {
	models.Post
	Channel  string `json:"channel"`
	Network  string `json:"network"`
	DueLocal string `json:"due_local"`
}

type planView struct {
	Broadcast broadcastView `json:"broadcast"`
	Posts     []postView    `json:"posts"`
}

func (a *app) postViews(ctx context.Context, posts []models.Post, c *models.Campaign) ([]postView, map[int64]models.Channel, error) {
	ids := make([]int64, 0, len(posts))
	for _, p := range posts {
		ids = append(ids, p.ChannelID)
	}
	chans, err := a.store.ChannelsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	sortPosts(posts, func(id int64) string { return chans[id].Name })
	loc := campaignLoc(c)
	out := make([]postView, len(posts))
	for i, p := range posts {
		out[i] = postView{Post: p, Channel: chans[p.ChannelID].Name, Network: chans[p.ChannelID].Network,
			DueLocal: p.DueAt.In(loc).Format("2006-01-02T15:04:05-07:00")}
	}
	return out, chans, nil
}

func (a *app) printPlanJSON(ctx context.Context, arg string) error {
	b, c, err := a.loadBroadcast(ctx, arg)
	if err != nil {
		return err
	}
	posts, err := a.store.PostsOfBroadcast(ctx, b.ID)
	if err != nil {
		return err
	}
	views, _, err := a.postViews(ctx, posts, c)
	if err != nil {
		return err
	}
	counts, err := a.store.CountPostsByStatus(ctx, []int64{b.ID})
	if err != nil {
		return err
	}
	return printJSON(a.out, planView{Broadcast: newBroadcastView(*b, c, counts[b.ID]), Posts: views})
}

// printPlan prints a broadcast's timeline: one block per step, the copies of that step on each
// channel under it, each with its status, length against its limit, and full text.
func (a *app) printPlan(ctx context.Context, id int64) error {
	b, c, err := a.loadBroadcast(ctx, fmt.Sprint(id))
	if err != nil {
		return err
	}
	loc := campaignLoc(c)
	name := "(no campaign)"
	if c != nil {
		name = c.Name
	}
	fmt.Fprintf(a.out, "Broadcast %d · %s\n", b.ID, b.Title)
	fmt.Fprintf(a.out, "Starts %s (%s) · %d min · campaign %s · %s\n", showTime(b.StartsAt.Time, loc),
		until(a.now(), b.StartsAt.Time), int(b.Duration().Minutes()), name, b.Status)
	if b.Error != "" {
		fmt.Fprintf(a.out, "\n✗ %s\n", b.Error)
	}
	posts, err := a.store.PostsOfBroadcast(ctx, b.ID)
	if err != nil {
		return err
	}
	views, _, err := a.postViews(ctx, posts, c)
	if err != nil {
		return err
	}
	if len(views) == 0 {
		fmt.Fprintln(a.out, "\nNo posts planned.")
		return nil
	}
	lastGroup := ""
	for _, v := range views {
		group := v.DueAt.String() + v.Kind + v.Step
		if group != lastGroup {
			lastGroup = group
			label := v.Kind + " " + v.Step
			if v.Kind == models.KindLive {
				label = "live"
			}
			fmt.Fprintf(a.out, "\n%s · %s · %s\n", showTime(v.DueAt.Time, loc), label, until(a.now(), v.DueAt.Time))
		}
		length := fmt.Sprintf("%d chars", v.Length)
		if v.MaxLength > 0 {
			length = fmt.Sprintf("%d/%d", v.Length, v.MaxLength)
			if v.Length > v.MaxLength {
				length += fmt.Sprintf(" ✗ %d over", v.Length-v.MaxLength)
			}
		}
		flags := ""
		if v.Edited {
			flags = " · edited"
		}
		fmt.Fprintf(a.out, "  [%d] %s (%s) · %s · %s%s\n", v.ID, v.Channel, v.Network, strings.ToUpper(v.Status), length, flags)
		if v.Error != "" && v.Status != models.PostPlanned {
			fmt.Fprintf(a.out, "      ! %s\n", v.Error)
		}
		fmt.Fprintln(a.out, indent(v.Text, "      │ "))
	}
	return nil
}
