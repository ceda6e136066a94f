package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

func (a *app) reportCmd() *cobra.Command {
	var (
		campaign, from, to, chart string
		asJSON, asCSV             bool
	)
	cmd := &cobra.Command{
		Use:   "report [BROADCAST_ID] [--campaign NAME [--from DATE] [--to DATE]]",
		Short: "What a broadcast achieved (viewers, watch time, replays) and which posts brought them",
		Long: `report shows a broadcast's audience (given by hand or by a CMS with ` + "`onair broadcast stats`" + `,
measured from its live platform's viewer samples), what each post drew on its network at the
campaign's checkpoints (1h, 24h and 7d after it went out unless --metrics-after says otherwise),
by step and network, what X cost (posts and engagement reads), and what the next broadcast could
change. With --campaign, the campaign's broadcasts side by side, and its steps and networks across
them. --chart draws the viewer curve with a mark where each post went out, and the engagement per
step and network (PNG or SVG, by the file's extension). See docs/results.md.`,
		Example: `  onair report 12
  onair report 12 --chart launch.png
  onair report 12 --csv > launch.csv
  onair report --campaign "Spring launch" --from 2027-01-01`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if asJSON && asCSV {
				return errors.New("--json or --csv, not both")
			}
			if (len(args) == 1) == (campaign != "") {
				return errors.New("give a broadcast id, or --campaign NAME")
			}
			if len(args) == 1 && (from != "" || to != "") {
				return errors.New("--from and --to go with --campaign")
			}
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			p, err := a.xPrices()
			if err != nil {
				return err
			}
			prices := scheduler.Prices{Post: p.Post, PostURL: p.PostURL}
			if campaign != "" {
				c, err := a.findCampaign(ctx, campaign)
				if err != nil {
					return err
				}
				loc := campaignLoc(c)
				var fromT, toT time.Time
				for _, d := range []struct {
					flag, val string
					dst       *time.Time
				}{{"from", from, &fromT}, {"to", to, &toT}} {
					if d.val == "" {
						continue
					}
					day, err := time.ParseInLocation("2006-01-02", d.val, loc)
					if err != nil {
						return fmt.Errorf("--%s %q: write a day as 2027-03-30", d.flag, d.val)
					}
					if d.flag == "to" {
						day = day.AddDate(0, 0, 1) // the whole day
					}
					*d.dst = day
				}
				cr, err := scheduler.BuildCampaignReport(ctx, a.store, c.ID, fromT, toT, prices)
				if err != nil {
					return err
				}
				localizeCampaign(cr, loc)
				if chart != "" {
					if err := writeCampaignChart(chart, cr); err != nil {
						return err
					}
				}
				switch {
				case asJSON:
					return printJSON(a.out, cr)
				case asCSV:
					return writeCampaignCSV(a.out, cr, loc)
				}
				printCampaignReport(a.out, cr, loc)
				if chart != "" {
					fmt.Fprintf(a.out, "\nChart written to %s.\n", chart)
				}
				return nil
			}
			b, c, err := a.loadBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			r, err := scheduler.BuildReport(ctx, a.store, b.ID, prices)
			if err != nil {
				return err
			}
			loc := campaignLoc(c)
			localize(r, loc)
			if chart != "" {
				if err := writeChart(chart, r); err != nil {
					return err
				}
			}
			switch {
			case asJSON:
				return printJSON(a.out, r)
			case asCSV:
				return writeReportCSV(a.out, r, loc)
			}
			printReport(a.out, r, loc)
			if r.Audience.Empty() {
				fmt.Fprintf(a.out, "\nGive the audience by hand: onair broadcast stats %d --viewers 1200 --peak 1500 --watch-time 340h --replay-views 800\n", r.BroadcastID)
			}
			if chart != "" {
				fmt.Fprintf(a.out, "\nChart written to %s.\n", chart)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&campaign, "campaign", "", "a campaign's broadcasts side by side")
	cmd.Flags().StringVar(&from, "from", "", "with --campaign: broadcasts starting on or after this day (2027-01-01)")
	cmd.Flags().StringVar(&to, "to", "", "with --campaign: broadcasts starting on or before this day")
	cmd.Flags().StringVar(&chart, "chart", "", "also draw a chart into this file (.png or .svg)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asCSV, "csv", false, "print CSV: one line per post and checkpoint (per broadcast with --campaign)")
	return cmd
}

// localize puts the report's times in the campaign's zone, for JSON readers as for the table.
func localize(r *scheduler.Report, loc *time.Location) {
	in := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	in(&r.Start)
	in(&r.End)
	for i := range r.Viewers {
		in(&r.Viewers[i].At)
	}
	for i := range r.Posts {
		in(&r.Posts[i].SentAt)
		for j := range r.Posts[i].Readings {
			in(&r.Posts[i].Readings[j].CollectedAt)
		}
		if l := r.Posts[i].Latest; l != nil {
			in(&l.CollectedAt)
		}
	}
}

func localizeCampaign(cr *scheduler.CampaignReport, loc *time.Location) {
	for i := range cr.Broadcasts {
		cr.Broadcasts[i].Start = cr.Broadcasts[i].Start.In(loc)
	}
	for _, r := range cr.Reports {
		localize(r, loc)
	}
}

// count writes a number with thousands separators: 12,400.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func optCount(v *int64) string {
	if v == nil {
		return "-"
	}
	return count(*v)
}

// figure writes an audience figure with its unit and where it comes from.
func figure(f *scheduler.Figure, unit string) (string, string) {
	if f == nil {
		return "-", ""
	}
	switch unit {
	case "minutes":
		return watchTime(f.Value), f.Source
	case "seconds":
		return (time.Duration(f.Value) * time.Second).String(), f.Source
	}
	return count(f.Value), f.Source
}

// watchTime writes minutes watched as hours once there are many: "340 h", "45 min".
func watchTime(min int64) string {
	if min >= 120 {
		return count((min+30)/60) + " h"
	}
	return count(min) + " min"
}

func printAudience(w io.Writer, a scheduler.Audience) {
	fmt.Fprintln(w, "\nAudience")
	tw := newTable(w)
	rows := []struct {
		name string
		f    *scheduler.Figure
		unit string
	}{
		{"viewers (live)", a.Viewers, ""}, {"peak viewers", a.PeakViewers, ""}, {"average viewers", a.AverageViewers, ""},
		{"watch time", a.WatchMinutes, "minutes"}, {"average view", a.AverageViewSeconds, "seconds"},
		{"replay views", a.ReplayViews, ""}, {"views (all)", a.Views, ""},
	}
	any := false
	for _, r := range rows {
		if r.f == nil {
			continue
		}
		any = true
		v, src := figure(r.f, r.unit)
		if strings.Contains(src, "samples") {
			src += fmt.Sprintf(" (%d)", a.Samples)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.name, v, src)
	}
	if !any {
		fmt.Fprintln(tw, "  none yet")
	}
	tw.Flush()
	if a.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", a.Note)
	}
}

// reading writes a post's interactions at a checkpoint: "-" not read yet, "gone", "missed".
func reading(p scheduler.PostResult, cp string) string {
	for _, r := range p.Readings {
		if r.Checkpoint != cp {
			continue
		}
		if r.Status != models.MetricOK {
			return r.Status
		}
		return count(r.Engagement)
	}
	return "-"
}

func printReport(w io.Writer, r *scheduler.Report, loc *time.Location) {
	camp := "(no campaign)"
	if r.Campaign != "" {
		camp = "campaign " + r.Campaign
	}
	fmt.Fprintf(w, "Broadcast %d · %s · %s\n", r.BroadcastID, r.Title, camp)
	fmt.Fprintf(w, "Live %s – %s · %s\n", showTime(r.Start, loc), r.End.In(loc).Format("15:04 MST"), r.Status)
	printAudience(w, r.Audience)

	fmt.Fprintf(w, "\nPosts: interactions (likes, reposts, replies, quotes) %s after each went out; the rest at the latest reading\n",
		strings.Join(r.Checkpoints, ", "))
	if len(r.Posts) == 0 {
		fmt.Fprintln(w, "  no post went out yet")
	} else {
		tw := newTable(w)
		head := []string{"STEP", "CHANNEL", "NETWORK", "SENT"}
		for _, cp := range r.Checkpoints {
			head = append(head, strings.ToUpper(cp))
		}
		head = append(head, "IMPRESSIONS", "LIKES", "REPOSTS", "REPLIES", "QUOTES", "X $")
		fmt.Fprintln(tw, "  "+strings.Join(head, "\t"))
		for _, p := range r.Posts {
			row := []string{p.Label, p.Channel, p.Network, p.SentAt.In(loc).Format("Mon 01-02 15:04")}
			for _, cp := range r.Checkpoints {
				row = append(row, reading(p, cp))
			}
			if l := p.Latest; l != nil {
				row = append(row, optCount(l.Impressions), optCount(l.Likes), optCount(l.Reposts), optCount(l.Replies), optCount(l.Quotes))
			} else {
				row = append(row, "-", "-", "-", "-", "-")
			}
			cost := ""
			if p.CostUSD > 0 {
				cost = fmt.Sprintf("%.3f", p.CostUSD)
			}
			fmt.Fprintln(tw, "  "+strings.Join(append(row, cost), "\t"))
		}
		tw.Flush()
	}
	printCells(w, r.ByStep)
	printSpend(w, r.Spend)
	printSuggestions(w, r.Suggestions)
}

// printCells writes interactions per step (rows) and network (columns).
func printCells(w io.Writer, cells []scheduler.Cell) {
	if len(cells) == 0 {
		return
	}
	var nets, steps []string
	val := map[string]scheduler.Cell{}
	for _, c := range cells {
		if !contains(nets, c.Network) {
			nets = append(nets, c.Network)
		}
		if !contains(steps, c.Label) {
			steps = append(steps, c.Label)
		}
		val[c.Label+"\x00"+c.Network] = c
	}
	fmt.Fprintln(w, "\nInteractions by step and network (latest reading)")
	tw := newTable(w)
	head := []string{"STEP"}
	for _, n := range nets {
		head = append(head, strings.ToUpper(n))
	}
	fmt.Fprintln(tw, "  "+strings.Join(append(head, "ALL"), "\t"))
	total := map[string]int64{}
	for _, s := range steps {
		row := []string{s}
		var sum int64
		for _, n := range nets {
			c, ok := val[s+"\x00"+n]
			switch {
			case !ok:
				row = append(row, "")
			case c.Read == 0:
				row = append(row, "-")
			default:
				row = append(row, count(c.Engagement))
				sum += c.Engagement
				total[n] += c.Engagement
			}
		}
		fmt.Fprintln(tw, "  "+strings.Join(append(row, count(sum)), "\t"))
	}
	row := []string{"all steps"}
	var sum int64
	for _, n := range nets {
		row = append(row, count(total[n]))
		sum += total[n]
	}
	fmt.Fprintln(tw, "  "+strings.Join(append(row, count(sum)), "\t"))
	tw.Flush()
}

func printSpend(w io.Writer, s scheduler.Spend) {
	if s.Posts == 0 && s.Reads == 0 {
		return
	}
	fmt.Fprintf(w, "\nX spend (estimate, pay-per-use): %s $%.3f · %s $%.3f · total $%.3f\n",
		plural(s.Posts, "post", "posts"), s.PostsUSD, plural(s.Reads, "post read", "post reads"), s.ReadsUSD, s.TotalUSD)
}

func printSuggestions(w io.Writer, list []string) {
	fmt.Fprintln(w, "\nWhat the next broadcast could change")
	if len(list) == 0 {
		fmt.Fprintln(w, "  nothing stands out yet: the figures are too few to tell")
		return
	}
	for _, s := range list {
		fmt.Fprintf(w, "  - %s\n", s)
	}
}

func printCampaignReport(w io.Writer, cr *scheduler.CampaignReport, loc *time.Location) {
	fmt.Fprintf(w, "Campaign %s · %s", cr.Campaign, plural(len(cr.Broadcasts), "broadcast", "broadcasts"))
	if !cr.From.IsZero() || !cr.To.IsZero() {
		from, to := "…", "…"
		if !cr.From.IsZero() {
			from = cr.From.In(loc).Format("2006-01-02")
		}
		if !cr.To.IsZero() {
			to = cr.To.In(loc).AddDate(0, 0, -1).Format("2006-01-02")
		}
		fmt.Fprintf(w, " · %s to %s", from, to)
	}
	fmt.Fprintln(w)
	if len(cr.Broadcasts) == 0 {
		fmt.Fprintln(w, "\nNo broadcast in this range.")
		return
	}
	fmt.Fprintln(w, "\nBroadcasts")
	tw := newTable(w)
	fmt.Fprintln(tw, "  ID\tSTART\tTITLE\tPEAK\tAVERAGE\tVIEWERS\tWATCH TIME\tREPLAYS\tPOSTS\tINTERACTIONS\tIMPRESSIONS\tX $")
	for _, b := range cr.Broadcasts {
		a := b.Audience
		val := func(f *scheduler.Figure, unit string) string { v, _ := figure(f, unit); return v }
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%.3f\n", b.BroadcastID, b.Start.In(loc).Format("Mon 2006-01-02 15:04"),
			b.Title, val(a.PeakViewers, ""), val(a.AverageViewers, ""), val(a.Viewers, ""), val(a.WatchMinutes, "minutes"),
			val(a.ReplayViews, ""), b.PostsSent, count(b.Engagement), optCount(b.Impressions), b.SpendUSD)
	}
	tw.Flush()
	for _, g := range []struct {
		title string
		cells []scheduler.Cell
		name  func(scheduler.Cell) string
	}{
		{"By step, across broadcasts (latest reading)", cr.ByStep, func(c scheduler.Cell) string { return c.Label }},
		{"By network, across broadcasts (latest reading)", cr.ByNetwork, func(c scheduler.Cell) string { return c.Network }},
	} {
		if len(g.cells) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", g.title)
		tw := newTable(w)
		fmt.Fprintln(tw, "  \tPOSTS\tREAD\tINTERACTIONS\tPER POST\tLIKES\tREPOSTS\tREPLIES\tQUOTES\tIMPRESSIONS")
		for _, c := range g.cells {
			per := "-"
			if c.Read > 0 {
				per = fmt.Sprintf("%.1f", float64(c.Engagement)/float64(c.Read))
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.name(c), c.Posts, c.Read, count(c.Engagement), per,
				count(c.Likes), count(c.Reposts), count(c.Replies), count(c.Quotes), optCount(c.Impressions))
		}
		tw.Flush()
	}
	printSpend(w, cr.Spend)
	printSuggestions(w, cr.Suggestions)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
