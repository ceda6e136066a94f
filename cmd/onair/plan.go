package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/x"
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
			b, _, err := a.loadBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			return a.printPlan(ctx, b.ID)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(show)
	return cmd
}

// postView is a post as the CLI prints it in JSON: the row, its channel, its local due time.
type postView struct {
	models.Post
	Channel  string          `json:"channel"`
	Network  string          `json:"network"`
	TimeZone string          `json:"time_zone"` // its campaign's
	DueLocal string          `json:"due_local"`
	Options  json.RawMessage `json:"options,omitempty"` // what it goes out with besides its text, as an object
	State    string          `json:"state"`             // the status as shown: "retrying (try 2 failed)" for a planned post waiting for its next try

	loc *time.Location
}

type planView struct {
	Broadcast broadcastView         `json:"broadcast"`
	Posts     []postView            `json:"posts"`
	Unplanned []scheduler.Unplanned `json:"unplanned"`        // cadence steps left out, and why
	XCost     *xCost                `json:"x_cost,omitempty"` // when the plan posts to X
}

// xPrices are what X charges per created post, in US dollars: pay-per-use pricing bills a post
// with a URL far more than one without. ONAIR_X_PRICE_POST and ONAIR_X_PRICE_POST_URL override
// the published prices these defaults hold (docs/channels.md says where they come from).
type xPrices struct {
	Post    float64 `json:"post"`
	PostURL float64 `json:"post_with_url"`
	Read    float64 `json:"read,omitempty"` // reading one post's engagement (report_cost.go)
}

var defaultXPrices = xPrices{Post: 0.015, PostURL: 0.200}

// xCost estimates what a plan's X posts cost: those still to go and those already sent.
type xCost struct {
	Prices    xPrices `json:"prices_usd"`
	ToCome    int     `json:"to_come"`          // posts not sent yet that will go (planned, held, invalid until fixed, sending)
	ToComeURL int     `json:"to_come_with_url"` // of which carry a URL
	ToComeUSD float64 `json:"to_come_usd"`
	Sent      int     `json:"sent"`
	SentURL   int     `json:"sent_with_url"`
	SentUSD   float64 `json:"sent_usd"`
	// Engagement reads (docs/results.md): those to come on channels with metrics on, and made.
	ReadsToCome    int     `json:"reads_to_come"`
	ReadsToComeUSD float64 `json:"reads_to_come_usd"`
	Read           int     `json:"reads_made"`
	ReadUSD        float64 `json:"reads_made_usd"`
}

func (a *app) xPrices() (xPrices, error) {
	p := defaultXPrices
	for _, v := range []struct {
		env string
		dst *float64
	}{{"ONAIR_X_PRICE_POST", &p.Post}, {"ONAIR_X_PRICE_POST_URL", &p.PostURL}} {
		raw := strings.TrimSpace(getenv(v.env))
		if raw == "" {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimPrefix(raw, "$"), 64)
		if err != nil || f < 0 {
			return p, fmt.Errorf("%s=%q is not a price; write US dollars per post, like 0.015", v.env, raw)
		}
		*v.dst = f
	}
	return p, nil
}

// planXCost adds up the X posts of a plan; nil when it has none.
func (a *app) planXCost(views []postView) (*xCost, error) {
	prices, err := a.xPrices()
	if err != nil {
		return nil, err
	}
	c := &xCost{Prices: prices}
	hasX := false
	for _, v := range views {
		if v.Network != x.Name {
			continue
		}
		hasX = true
		withURL := posting.XHasURL(v.Text)
		price := prices.Post
		if withURL {
			price = prices.PostURL
		}
		switch v.Status {
		case models.PostSent:
			c.Sent++
			c.SentUSD += price
			if withURL {
				c.SentURL++
			}
		case models.PostPlanned, models.PostHeld, models.PostInvalid, models.PostSending:
			c.ToCome++
			c.ToComeUSD += price
			if withURL {
				c.ToComeURL++
			}
		}
	}
	if !hasX || c.ToCome+c.Sent == 0 {
		return nil, nil // no X post goes or went out (all cancelled, skipped or failed)
	}
	return c, nil
}

// printXCost prints the estimate under the timeline.
func (a *app) printXCost(c *xCost) {
	if c == nil {
		return
	}
	fmt.Fprintf(a.out, "\nX API cost (estimate, pay-per-use at $%.3f a post, $%.3f with a link):\n", c.Prices.Post, c.Prices.PostURL)
	fmt.Fprintf(a.out, "  to come  %s, %d with a link: $%.3f\n", plural(c.ToCome, "post", "posts"), c.ToComeURL, c.ToComeUSD)
	if c.Sent > 0 {
		fmt.Fprintf(a.out, "  sent     %s, %d with a link: $%.3f\n", plural(c.Sent, "post", "posts"), c.SentURL, c.SentUSD)
	}
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
			TimeZone: loc.String(), Options: rawJSON(p.Options), DueLocal: p.DueAt.In(loc).Format(time.RFC3339), State: postState(p, loc), loc: loc}
	}
	return out, chans, nil
}

// postState is a post's status as a marketer reads it: a planned post that failed and waits for
// its next try says so, rather than looking untouched.
func postState(p models.Post, loc *time.Location) string {
	if p.Status == models.PostPlanned && p.Attempts > 0 && p.Error != "" && !p.NextAttemptAt.IsZero() {
		return fmt.Sprintf("retrying (%s, next try %s)", plural(p.Attempts, "try", "tries"), p.NextAttemptAt.In(loc).Format("15:04:05"))
	}
	return string(p.Status)
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
	cost, err := a.planXCost(views)
	if err != nil {
		return err
	}
	if err := a.addReadCost(ctx, cost, views, c); err != nil {
		return err
	}
	return printJSON(a.out, planView{Broadcast: newBroadcastView(*b, c, counts[b.ID], a.now()), Posts: views, Unplanned: missing, XCost: cost})
}

// planStep is one step of the timeline: its copies on each channel, and the channels where the
// plan left it out.
type planStep struct {
	due       time.Time
	kind      models.Kind
	step      string
	posts     []postView
	unplanned []scheduler.Unplanned
}

func (s *planStep) label() string {
	if s.kind == models.KindLive {
		return "live"
	}
	return string(s.kind) + " " + s.step
}

// planSteps groups posts (sorted by sortPosts) and left-out steps by due time, kind and step.
func planSteps(views []postView, missing []scheduler.Unplanned) []*planStep {
	var out []*planStep
	byKey := map[string]*planStep{}
	get := func(due time.Time, kind models.Kind, step string) *planStep {
		key := due.UTC().String() + "/" + string(kind) + "/" + step
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
		until(a.now(), b.StartsAt.Time), int(b.Duration().Minutes()), name, scheduler.Phase(b, a.now()))
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
				if n, _ := posting.NetworkOf(v.Network); n.Limit.Unit != "characters" {
					length += " " + strings.TrimSuffix(n.Limit.Unit, " characters") // weighted, graphemes
				}
				if v.Length > v.MaxLength {
					length += fmt.Sprintf(" ✗ %d over", v.Length-v.MaxLength)
				}
			}
			flags := ""
			if v.Edited {
				flags = " · edited"
			}
			if o, err := v.ParseOptions(); err == nil {
				if o.Thread {
					flags += " · in the thread"
				}
				if o.Image != "" {
					flags += " · image " + filepath.Base(o.Image)
				}
			}
			fmt.Fprintf(a.out, "  [%d] %s (%s) · %s · %s%s\n", v.ID, v.Channel, v.Network, strings.ToUpper(v.State), length, flags)
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
	cost, err := a.planXCost(views)
	if err != nil {
		return err
	}
	if err := a.addReadCost(ctx, cost, views, c); err != nil {
		return err
	}
	a.printXCost(cost)
	a.printReadCost(cost)
	return nil
}
