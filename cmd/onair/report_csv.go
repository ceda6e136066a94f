package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/onairhq/onair/scheduler"
)

func csvInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func csvTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

// writeReportCSV writes one line per post and checkpoint read (a post not read yet: one line
// without figures), for a spreadsheet.
func writeReportCSV(w io.Writer, r *scheduler.Report, loc *time.Location) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"broadcast_id", "title", "post_id", "kind", "step", "channel", "network", "sent_at", "checkpoint", "status",
		"collected_at", "impressions", "likes", "reposts", "replies", "quotes", "bookmarks", "interactions", "x_cost_usd"})
	for _, p := range r.Posts {
		base := []string{strconv.FormatInt(r.BroadcastID, 10), r.Title, strconv.FormatInt(p.PostID, 10), p.Kind, p.Step, p.Channel, p.Network, csvTime(p.SentAt, loc)}
		if len(p.Readings) == 0 {
			cost := ""
			if p.CostUSD > 0 {
				cost = fmt.Sprintf("%.3f", p.CostUSD)
			}
			cw.Write(append(base, "", "", "", "", "", "", "", "", "", "", cost))
			continue
		}
		for i, rd := range p.Readings {
			cost := ""
			if i == 0 && p.CostUSD > 0 {
				cost = fmt.Sprintf("%.3f", p.CostUSD)
			}
			cw.Write(append(append([]string(nil), base...), rd.Checkpoint, rd.Status, csvTime(rd.CollectedAt, loc), csvInt(rd.Impressions), csvInt(rd.Likes),
				csvInt(rd.Reposts), csvInt(rd.Replies), csvInt(rd.Quotes), csvInt(rd.Bookmarks), strconv.FormatInt(rd.Engagement, 10), cost))
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvFigure(f *scheduler.Figure) string {
	if f == nil {
		return ""
	}
	return strconv.FormatInt(f.Value, 10)
}

// writeCampaignCSV writes one line per broadcast.
func writeCampaignCSV(w io.Writer, cr *scheduler.CampaignReport, loc *time.Location) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"broadcast_id", "title", "start", "peak_viewers", "average_viewers", "viewers", "watch_minutes",
		"replay_views", "posts_sent", "interactions", "impressions", "x_spend_usd"})
	for _, b := range cr.Broadcasts {
		a := b.Audience
		cw.Write([]string{strconv.FormatInt(b.BroadcastID, 10), b.Title, csvTime(b.Start, loc), csvFigure(a.PeakViewers), csvFigure(a.AverageViewers),
			csvFigure(a.Viewers), csvFigure(a.WatchMinutes), csvFigure(a.ReplayViews), strconv.Itoa(b.PostsSent),
			strconv.FormatInt(b.Engagement, 10), csvInt(b.Impressions), fmt.Sprintf("%.3f", b.SpendUSD)})
	}
	cw.Flush()
	return cw.Error()
}
