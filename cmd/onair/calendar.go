package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// calendarItem is one line of the agenda: a broadcast's start, or a post going out.
type calendarItem struct {
	At          time.Time   `json:"at"`
	Local       string      `json:"local"` // At in the agenda's zone, RFC 3339
	Type        string      `json:"type"`  // "broadcast" or "post"
	BroadcastID int64       `json:"broadcast_id"`
	Title       string      `json:"title"`
	Campaign    string      `json:"campaign"`
	Status      string      `json:"status"` // the broadcast's phase, or the post's state
	Minutes     int         `json:"duration_minutes,omitempty"`
	PostID      int64       `json:"post_id,omitempty"`
	Kind        models.Kind `json:"kind,omitempty"`
	Step        string      `json:"step,omitempty"`
	Channel     string      `json:"channel,omitempty"`
}

type calendarDay struct {
	Date  string         `json:"date"` // 2027-03-30, in the agenda's zone
	Items []calendarItem `json:"items"`
}

// calendarView is `onair calendar --json`.
type calendarView struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	TimeZone string        `json:"time_zone"`
	Days     []calendarDay `json:"days"`
}

func (a *app) calendarCmd() *cobra.Command {
	var (
		week, month, asJSON, ics        bool
		from, to, campaign, channel, tz string
	)
	cmd := &cobra.Command{
		Use:   "calendar [--week | --month | --from DATE --to DATE]",
		Short: "What goes out when, across every campaign and channel: broadcasts and their posts, day by day",
		Example: `  onair calendar                      # the next 7 days
  onair calendar --month --campaign "Spring launch"
  onair calendar --from 2027-03-29 --to 2027-04-05 --channel preview --json
  onair calendar --ics --campaign "Spring launch" > lives.ics`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if week && month {
				return errors.New("--week or --month, not both")
			}
			if (week || month) && (from != "" || to != "") {
				return errors.New("--week and --month count from today; for other days give --from and --to instead")
			}
			if ics && (asJSON || channel != "") {
				return errors.New("--ics lists broadcasts, as calendar events; it goes with neither --json nor --channel")
			}
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			if _, err := a.planner.Reconcile(ctx); err != nil {
				return err
			}
			var camp *models.Campaign
			if campaign != "" {
				c, err := a.findCampaign(ctx, campaign)
				if err != nil {
					return err
				}
				camp = c
			}
			zone := tz
			switch {
			case zone == "" && camp != nil:
				zone = camp.TimeZone
			case zone == "":
				zone = localZone()
			}
			loc, err := loadZone(zone)
			if err != nil {
				return err
			}
			start, end, err := calendarRange(a.now(), loc, month, from, to)
			if err != nil {
				return err
			}
			if ics {
				if !week && !month && from == "" && to == "" {
					start, end = time.Time{}, time.Time{} // a feed to subscribe to: every broadcast
				}
				return a.calendarICS(ctx, a.out, start, end, camp)
			}
			var ch *models.Channel
			if channel != "" {
				if ch, err = a.channel(ctx, channel); err != nil {
					return err
				}
			}
			v, err := a.calendar(ctx, start, end, loc, camp, ch)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, v)
			}
			a.printCalendar(v, loc)
			return nil
		},
	}
	cmd.Flags().BoolVar(&week, "week", false, "the next 7 days, from today (the default)")
	cmd.Flags().BoolVar(&month, "month", false, "the next month, from today")
	cmd.Flags().StringVar(&from, "from", "", "the first day: 2027-03-30 (or a time, \"+2d\")")
	cmd.Flags().StringVar(&to, "to", "", "the last day, included: 2027-04-05")
	cmd.Flags().StringVar(&campaign, "campaign", "", "only this campaign (name, prefix or id)")
	cmd.Flags().StringVar(&channel, "channel", "", "only posts on this channel")
	cmd.Flags().StringVar(&tz, "tz", "", "show days and times in this zone (default: the campaign's, else this machine's)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&ics, "ics", false, "print the broadcasts as an iCalendar feed (RFC 5545), every one unless --week, --month or --from/--to: onair calendar --ics > lives.ics")
	return cmd
}

// calendarRange is [start, end) of the agenda: whole days in loc.
func calendarRange(now time.Time, loc *time.Location, month bool, from, to string) (time.Time, time.Time, error) {
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	read := func(flag, s string) (time.Time, error) {
		if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc); err == nil {
			return d, nil
		}
		t, err := parseWhen(s, loc, now)
		if err != nil {
			return time.Time{}, fmt.Errorf("--%s %w", flag, err)
		}
		return day(t), nil
	}
	start := day(now)
	if from != "" {
		var err error
		if start, err = read("from", from); err != nil {
			return start, start, err
		}
	}
	end := start.AddDate(0, 0, 7)
	if month {
		end = start.AddDate(0, 1, 0)
	}
	if to != "" {
		last, err := read("to", to)
		if err != nil {
			return start, end, err
		}
		end = last.AddDate(0, 0, 1)
		if !end.After(start) {
			return start, end, fmt.Errorf("--to %s is before --from %s", last.Format(time.DateOnly), start.Format(time.DateOnly))
		}
	}
	return start, end, nil
}

// calendar gathers the broadcasts starting and the posts due in [start, end).
func (a *app) calendar(ctx context.Context, start, end time.Time, loc *time.Location, camp *models.Campaign, ch *models.Channel) (calendarView, error) {
	v := calendarView{From: start.UTC(), To: end.UTC(), TimeZone: loc.String(), Days: []calendarDay{}}
	campaignName, err := a.campaignNamer(ctx)
	if err != nil {
		return v, err
	}
	wanted := func(b models.Broadcast) bool { return camp == nil || campaignName(b) == camp.Name }

	var items []calendarItem
	add := func(at time.Time, it calendarItem) {
		it.At, it.Local = at.UTC(), at.In(loc).Format(time.RFC3339)
		items = append(items, it)
	}
	if ch == nil {
		list, err := a.store.ListBroadcasts(ctx, models.BroadcastFilter{From: start, To: end})
		if err != nil {
			return v, err
		}
		for _, b := range list {
			if wanted(b) {
				add(b.StartsAt.Time, calendarItem{Type: "broadcast", BroadcastID: b.ID, Title: b.Title, Campaign: campaignName(b),
					Status: phaseOf(b, a.now()), Minutes: b.DurationMinutes})
			}
		}
	}
	f := models.PostFilter{From: start, To: end}
	if ch != nil {
		f.ChannelID = ch.ID
	}
	posts, err := a.store.ListPosts(ctx, f)
	if err != nil {
		return v, err
	}
	ids := make([]int64, 0, len(posts))
	chanIDs := make([]int64, 0, len(posts))
	for _, p := range posts {
		ids, chanIDs = append(ids, p.BroadcastID), append(chanIDs, p.ChannelID)
	}
	bs, err := a.store.BroadcastsByID(ctx, ids)
	if err != nil {
		return v, err
	}
	chans, err := a.store.ChannelsByID(ctx, chanIDs)
	if err != nil {
		return v, err
	}
	for _, p := range posts {
		b := bs[p.BroadcastID]
		if p.Status == models.PostCancelled || !wanted(b) {
			continue
		}
		add(p.DueAt.Time, calendarItem{Type: "post", BroadcastID: b.ID, Title: b.Title, Campaign: campaignName(b),
			Status: postState(p, loc), PostID: p.ID, Kind: p.Kind, Step: p.Step, Channel: chans[p.ChannelID].Name})
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].At.Equal(items[j].At) {
			return items[i].At.Before(items[j].At)
		}
		if items[i].Type != items[j].Type {
			return items[i].Type == "broadcast" // the live before its own "we are live" posts
		}
		return items[i].PostID < items[j].PostID
	})
	for _, it := range items {
		date := it.At.In(loc).Format(time.DateOnly)
		if n := len(v.Days); n == 0 || v.Days[n-1].Date != date {
			v.Days = append(v.Days, calendarDay{Date: date})
		}
		v.Days[len(v.Days)-1].Items = append(v.Days[len(v.Days)-1].Items, it)
	}
	return v, nil
}

func (a *app) printCalendar(v calendarView, loc *time.Location) {
	last := v.To.In(loc).AddDate(0, 0, -1)
	fmt.Fprintf(a.out, "%s to %s (%s)\n", v.From.In(loc).Format("Mon 2006-01-02"), last.Format("Mon 2006-01-02"), loc)
	if len(v.Days) == 0 {
		fmt.Fprintln(a.out, "\nNothing goes out on these days.")
		return
	}
	tw := newTable(a.out) // one table: columns line up from day to day
	defer tw.Flush()
	for _, d := range v.Days {
		day, _ := time.ParseInLocation(time.DateOnly, d.Date, loc)
		fmt.Fprintf(tw, "\n%s\n", day.Format("Monday 2 January 2006"))
		for _, it := range d.Items {
			clock := it.At.In(loc).Format("15:04")
			if it.Type == "broadcast" {
				fmt.Fprintf(tw, "  %s\t● LIVE\t%s\t%s\t%s\t%d min · broadcast %d\n", clock, short(it.Title, 40), it.Campaign, it.Status, it.Minutes, it.BroadcastID)
				continue
			}
			step := " " + it.Step
			if it.Kind == models.KindLive {
				step = ""
			}
			fmt.Fprintf(tw, "  %s\t  %s%s\t%s\t%s\t%s\tpost %d\n", clock, it.Kind, step, short(it.Title, 40), it.Channel, it.Status, it.PostID)
		}
	}
}

func phaseOf(b models.Broadcast, now time.Time) string { return scheduler.Phase(&b, now) }

// campaignNamer names a broadcast's campaign, by id or, as a CMS may write it, by name.
func (a *app) campaignNamer(ctx context.Context) (func(models.Broadcast) string, error) {
	camps, err := a.store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	byID, byName := map[int64]string{}, map[string]string{}
	for _, c := range camps {
		byID[c.ID], byName[strings.ToLower(c.Name)] = c.Name, c.Name
	}
	return func(b models.Broadcast) string {
		if b.CampaignID != nil {
			return byID[*b.CampaignID]
		}
		if b.CampaignName != nil {
			if n, ok := byName[strings.ToLower(strings.TrimSpace(*b.CampaignName))]; ok {
				return n
			}
			return *b.CampaignName
		}
		return ""
	}, nil
}

// calendarICS writes the broadcasts starting in [start, end) (zero: every one) of camp (nil:
// every campaign) as an iCalendar feed.
func (a *app) calendarICS(ctx context.Context, w io.Writer, start, end time.Time, camp *models.Campaign) error {
	campaignName, err := a.campaignNamer(ctx)
	if err != nil {
		return err
	}
	list, err := a.store.ListBroadcasts(ctx, models.BroadcastFilter{From: start, To: end})
	if err != nil {
		return err
	}
	name := "onair"
	if camp != nil {
		name = camp.Name
	}
	var feed []icsBroadcast
	for _, b := range list {
		if n := campaignName(b); camp == nil || n == camp.Name {
			feed = append(feed, icsBroadcast{Broadcast: b, Campaign: n})
		}
	}
	return writeICS(w, name, feed)
}
