package youtube

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/onairhq/onair/scheduler/source"
)

// Stats reads a past broadcast's audience: its view count (videos.list statistics, 1 unit), and
// from YouTube Analytics its views and watch time split into the live and the replay
// (dimensions=liveOrOnDemand). Analytics lags up to 72 hours: until it has rows, its figures
// are -1.
func (s *Source) Stats(ctx context.Context, ref string) (source.Stats, error) {
	id, ok := strings.CutPrefix(ref, Descriptor.RefPrefix)
	if !ok || id == "" {
		return source.Stats{}, fmt.Errorf("%q is not a YouTube broadcast (want %sVIDEO_ID)", ref, Descriptor.RefPrefix)
	}
	st := source.Stats{Views: -1, LiveViews: -1, ReplayViews: -1, WatchMinutes: -1, AverageViewSeconds: -1}
	r, err := s.svc.Videos.List([]string{"statistics", "liveStreamingDetails"}).Id(id).Context(ctx).Do()
	if err != nil {
		return st, s.wrap("read the broadcast's views", err)
	}
	if len(r.Items) == 0 {
		return st, &source.Error{Err: errors.New("YouTube no longer knows video " + id + " (deleted, or not this channel's)")}
	}
	v := r.Items[0]
	if v.Statistics != nil {
		st.Views = int64(v.Statistics.ViewCount)
	}
	start := s.now().UTC()
	if d := v.LiveStreamingDetails; d != nil {
		if t := parseTime(d.ActualStartTime); !t.IsZero() {
			start = t
		} else if t := parseTime(d.ScheduledStartTime); !t.IsZero() && t.Before(start) {
			start = t
		}
	}
	end := s.now().UTC()
	if end.Before(start) {
		end = start
	}
	q, err := s.analytics.Reports.Query().Ids("channel==MINE").
		StartDate(start.In(pacific).Format("2006-01-02")).EndDate(end.In(pacific).Format("2006-01-02")).
		Metrics("views,estimatedMinutesWatched,averageViewDuration").Dimensions("liveOrOnDemand").
		Filters("video==" + id).Context(ctx).Do()
	if err != nil {
		return st, s.wrap("read the broadcast's analytics", err)
	}
	col := map[string]int{}
	for i, h := range q.ColumnHeaders {
		col[h.Name] = i
	}
	var views, minutes, weighted int64
	for _, row := range q.Rows {
		kind, _ := cell(row, col, "liveOrOnDemand").(string)
		n := number(cell(row, col, "views"))
		switch kind {
		case "LIVE":
			st.LiveViews = n
		case "ON_DEMAND":
			st.ReplayViews = n
		}
		views += n
		minutes += number(cell(row, col, "estimatedMinutesWatched"))
		weighted += n * number(cell(row, col, "averageViewDuration"))
	}
	if len(q.Rows) > 0 {
		if st.LiveViews < 0 {
			st.LiveViews = 0
		}
		if st.ReplayViews < 0 {
			st.ReplayViews = 0
		}
		st.WatchMinutes = minutes
		if views > 0 {
			st.AverageViewSeconds = weighted / views
		} else {
			st.AverageViewSeconds = 0
		}
		if st.Views < views {
			st.Views = views
		}
	}
	return st, nil
}

func cell(row []any, col map[string]int, name string) any {
	i, ok := col[name]
	if !ok || i >= len(row) {
		return nil
	}
	return row[i]
}

// number reads an Analytics cell: JSON numbers come as float64.
func number(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n + 0.5)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}
