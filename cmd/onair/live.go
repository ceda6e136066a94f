package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// The moments of a live: it starts (the "we are live" post goes now), it ends (replay posts count
// from now), its replay is online (replay posts waiting for it go).

func (a *app) broadcastLiveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "live ID",
		Short: "The broadcast has started: the \"we are live\" post goes out now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			if b.Status != models.BroadcastScheduled {
				return fmt.Errorf("broadcast %d is %s; only a scheduled broadcast can go live", b.ID, b.Status)
			}
			if err := a.store.UpdateBroadcast(ctx, b.ID, map[string]any{"status": models.BroadcastLive,
				"started_at": models.NewTime(a.now())}); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Broadcast %d is live: its \"we are live\" posts are due now; teasers and reminders not sent yet are skipped.\n", b.ID)
			return a.replanAndShow(ctx, b.ID)
		},
	}
}

func (a *app) broadcastEndCmd() *cobra.Command {
	var replay string
	cmd := &cobra.Command{
		Use:   "end ID [--replay URL]",
		Short: "The broadcast has ended: replay posts count from now (and go once the replay URL is known)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			if b.Status == models.BroadcastEnded || b.Status == models.BroadcastCancelled {
				return fmt.Errorf("broadcast %d is already %s", b.ID, b.Status)
			}
			cols := map[string]any{"status": models.BroadcastEnded, "ended_at": models.NewTime(a.now())}
			if b.StartedAt.IsZero() {
				start := a.now()
				if b.StartsAt.Before(start) {
					start = b.StartsAt.Time
				}
				cols["started_at"] = models.NewTime(start)
			}
			if replay != "" {
				if err := models.ValidWatchURL(replay); err != nil {
					return err
				}
				cols["replay_url"] = replay
			}
			if err := a.store.UpdateBroadcast(ctx, b.ID, cols); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Broadcast %d has ended.\n", b.ID)
			if replay == "" && b.ReplayURL == "" {
				fmt.Fprintf(a.out, "Replay posts wait for the replay URL: onair broadcast replay %d URL\n", b.ID)
			}
			return a.replanAndShow(ctx, b.ID)
		},
	}
	cmd.Flags().StringVar(&replay, "replay", "", "the replay's URL, if already online")
	return cmd
}

func (a *app) broadcastReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay ID URL",
		Short: "The replay is online: replay posts waiting for it go out",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := models.ValidWatchURL(args[1]); err != nil {
				return err
			}
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			if b.Status == models.BroadcastCancelled {
				return errors.New("the broadcast is cancelled; its replay posts stay cancelled")
			}
			if err := a.store.UpdateBroadcast(ctx, b.ID, map[string]any{"replay_url": args[1]}); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Replay of broadcast %d set.\n", b.ID)
			return a.replanAndShow(ctx, b.ID)
		},
	}
}
