package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
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
	TimeZone string `json:"time_zone"` // its campaign's
	DueLocal string `json:"due_local"`

	loc *time.Location
}

type planView struct {
	Broadcast broadcastView         `json:"broadcast"`
	Posts     []postView            `json:"posts"`
	Unplanned []scheduler.Unplanned `json:"unplanned"` // cadence steps left out, and why
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
	zones, err := a.postZones(ctx, posts, c)
	if err != nil {
		return nil, nil, err
	}
	out := make([]postView, len(posts))
	for i, p := range posts {
		loc := zones[p.BroadcastID]
		out[i] = postView{Post: p, Channel: chans[p.ChannelID].Name, Network: chans[p.ChannelID].Network,
			TimeZone: loc.String(), DueLocal: p.DueAt.In(loc).Format(time.RFC3339), loc: loc}
	}
	return out, chans, nil
}

// postZones finds the zone each post's times are shown in: its broadcast's campaign's (c when the
// caller knows it), UTC for a broadcast without a campaign.
func (a *app) postZones(ctx context.Context, posts []models.Post, c *models.Campaign) (map[int64]*time.Location, error) {
	zones := map[int64]*time.Location{}
	if c != nil {
		for _, p := range posts {
			zones[p.BroadcastID] = campaignLoc(c)
		}
		return zones, nil
	}
	ids := make([]int64, 0, len(posts))
	for _, p := range posts {
		ids = append(ids, p.BroadcastID)
	}
	bs, err := a.store.BroadcastsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	camps, err := a.store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	byID, byName := map[int64]*models.Campaign{}, map[string]*models.Campaign{}
	for i := range camps {
		byID[camps[i].ID] = &camps[i]
		byName[strings.ToLower(camps[i].Name)] = &camps[i]
	}
	for _, p := range posts {
		var camp *models.Campaign
		if b, ok := bs[p.BroadcastID]; ok {
			switch {
			case b.CampaignID != nil:
				camp = byID[*b.CampaignID]
			case b.CampaignName != nil:
				camp = byName[strings.ToLower(strings.TrimSpace(*b.CampaignName))]
			}
		}
		zones[p.BroadcastID] = campaignLoc(camp)
	}
	return zones, nil
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
	missing, err := a.planner.Unplanned(ctx, b.ID)
	if err != nil {
		return err
	}
	if missing == nil {
		missing = []scheduler.Unplanned{}
	}
	return printJSON(a.out, planView{Broadcast: newBroadcastView(*b, c, counts[b.ID]), Posts: views, Unplanned: missing})
}

// planStep is one step of the timeline: its copies on each channel, and the channels where the
// plan left it out.
type planStep struct {
	due        time.Time
	kind, step string
	posts      []postView
	unplanned  []scheduler.Unplanned
}

func (s *planStep) label() string {
	if s.kind == models.KindLive {
		return "live"
	}
	return s.kind + " " + s.step
}

// planSteps groups posts (sorted by sortPosts) and left-out steps by due time, kind and step.
func planSteps(views []postView, missing []scheduler.Unplanned) []*planStep {
	var out []*planStep
	byKey := map[string]*planStep{}
	get := func(due time.Time, kind, step string) *planStep {
		key := due.UTC().String() + "/" + kind + "/" + step
		if s, ok := byKey[key]; ok {
			return s
		}
		s := &planStep{due: due, kind: kind, step: step}
		byKey[key] = s
		out = append(out, s)
		return s
	}
	for _, v := range views {
		s := get(v.DueAt.Time, v.Kind, v.Step)
		s.posts = append(s.posts, v)
	}
	for _, m := range missing {
		s := get(m.DueAt, m.Kind, m.Step)
		s.unplanned = append(s.unplanned, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		if a.kind != b.kind {
			return kindOrder[a.kind] < kindOrder[b.kind]
		}
		return a.step < b.step
	})
	return out
}

// printPlan prints a broadcast's timeline: one block per step, the copies of that step on each
// channel under it, each with its status, length against its limit, and full text; and the
// steps the plan left out, with why.
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
	missing, err := a.planner.Unplanned(ctx, b.ID)
	if err != nil {
		return err
	}
	if len(views) == 0 && len(missing) == 0 {
		fmt.Fprintln(a.out, "\nNo posts planned.")
		return nil
	}
	for _, s := range planSteps(views, missing) {
		fmt.Fprintf(a.out, "\n%s · %s · %s\n", showTime(s.due, loc), s.label(), until(a.now(), s.due))
		for _, v := range s.posts {
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
		if len(s.unplanned) > 0 {
			chans := make([]string, len(s.unplanned))
			for i, m := range s.unplanned {
				chans[i] = m.Channel
			}
			fmt.Fprintf(a.out, "  – not planned on %s: %s\n", strings.Join(chans, ", "), s.unplanned[0].Reason)
		}
	}
	return nil
}
