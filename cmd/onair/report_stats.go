package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// broadcastStatsCmd records a broadcast's audience by hand: what a live platform onair does not
// read said, or what the marketer counted. Each figure given replaces what onair measured.
func (a *app) broadcastStatsCmd() *cobra.Command {
	var viewers, peak, average, replays, watch, avgView, note string
	var clear bool
	cmd := &cobra.Command{
		Use:   "stats BROADCAST_ID [--viewers N] [--peak N] [--average N] [--watch-time 340h] [--average-view 4m30s] [--replay-views N]",
		Short: "Give a broadcast's audience by hand (viewers, peak, watch time, replay views): onair report shows it",
		Example: `  onair broadcast stats 12 --viewers 1200 --peak 1500 --watch-time 340h --replay-views 800
  onair broadcast stats 12 --replay-views 950          # a week later: the rest is kept
  onair broadcast stats 12 --clear                      # back to what onair measures`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			b, _, err := a.loadBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			st := models.BroadcastStats{BroadcastID: b.ID}
			if cur, err := a.store.BroadcastStatsOf(ctx, b.ID); err != nil {
				return err
			} else if cur != nil && !clear {
				st = *cur
			}
			changed := clear
			for _, f := range []struct {
				flag, val string
				dst       **int64
				parse     func(string) (int64, error)
			}{
				{"viewers", viewers, &st.Viewers, parseCount},
				{"peak", peak, &st.PeakViewers, parseCount},
				{"average", average, &st.AverageViewers, parseCount},
				{"replay-views", replays, &st.ReplayViews, parseCount},
				{"watch-time", watch, &st.WatchMinutes, parseWatchTime},
				{"average-view", avgView, &st.AverageViewSeconds, parseSeconds},
			} {
				if !cmd.Flags().Changed(f.flag) {
					continue
				}
				changed = true
				if strings.TrimSpace(f.val) == "" {
					*f.dst = nil // "" forgets the figure
					continue
				}
				v, err := f.parse(f.val)
				if err != nil {
					return fmt.Errorf("--%s: %v", f.flag, err)
				}
				*f.dst = &v
			}
			if cmd.Flags().Changed("note") {
				changed, st.Note = true, strings.TrimSpace(note)
			}
			if !changed {
				return errors.New("nothing to record: give --viewers, --peak, --average, --watch-time, --average-view, --replay-views or --note")
			}
			if err := a.store.SetBroadcastStats(ctx, st); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Audience of broadcast %d recorded; `onair report %d` shows it.\n", b.ID, b.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&viewers, "viewers", "", "people who watched the live")
	cmd.Flags().StringVar(&peak, "peak", "", "the most concurrent viewers")
	cmd.Flags().StringVar(&average, "average", "", "the average concurrent viewers")
	cmd.Flags().StringVar(&watch, "watch-time", "", "total time watched: 340h, 20400m or 340h30m")
	cmd.Flags().StringVar(&avgView, "average-view", "", "how long one view lasted on average: 4m30s")
	cmd.Flags().StringVar(&replays, "replay-views", "", "views of the replay")
	cmd.Flags().StringVar(&note, "note", "", "a word on where the figures come from")
	cmd.Flags().BoolVar(&clear, "clear", false, "forget the figures given before")
	return cmd
}

func parseCount(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.NewReplacer(",", "", "_", "", " ", "").Replace(strings.TrimSpace(s)), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a count; write a whole number such as 1200", s)
	}
	return n, nil
}

// parseWatchTime reads 340h, 20400m, 340h30m or a bare number of minutes.
func parseWatchTime(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a watch time; write hours or minutes such as 340h or 20400m", s)
	}
	return int64(d.Round(time.Minute) / time.Minute), nil
}

func parseSeconds(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration; write 4m30s or a number of seconds", s)
	}
	return int64(d.Round(time.Second) / time.Second), nil
}
