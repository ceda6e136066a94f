package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// The moments of a live: it starts (the "we are live" post goes now), it ends (replay posts count
// from now), its replay is online (replay posts waiting for it go), and the undo of an end or a
// cancel. Each goes through the scheduler's lifecycle, which the daemon and a CMS share.

func (a *app) broadcastLiveCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "live ID [--force]",
		Short: "The broadcast has started: the \"we are live\" post goes out now",
		Long: `live records that the broadcast started now: its "we are live" posts are due at once, and the
teasers and reminders not sent yet are cancelled. More than an hour before the planned start it
asks for --force (a wrong id is more likely than a live a day early).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			if _, err := a.life.GoLive(ctx, b.ID, a.now(), force); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Broadcast %d is live: its \"we are live\" posts are due now; teasers and reminders not sent yet are cancelled.\n\n", b.ID)
			return a.printPlan(ctx, b.ID)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "mark it live even though its planned start is more than an hour away")
	return cmd
}

func (a *app) broadcastEndCmd() *cobra.Command {
	var (
		replay string
		force  bool
	)
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
			if _, err := a.life.End(ctx, b.ID, a.now(), replay, force); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Broadcast %d has ended.\n", b.ID)
			if replay == "" && b.ReplayURL == "" {
				fmt.Fprintf(a.out, "Replay posts wait for the replay URL: onair broadcast replay %d URL\n", b.ID)
			}
			fmt.Fprintln(a.out, "Undo: onair broadcast reopen", b.ID)
			fmt.Fprintln(a.out)
			return a.printPlan(ctx, b.ID)
		},
	}
	cmd.Flags().StringVar(&replay, "replay", "", "the replay's URL, if already online")
	cmd.Flags().BoolVar(&force, "force", false, "end it even though its planned start is more than an hour away")
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
			if _, err := a.life.SetReplay(ctx, b.ID, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Replay of broadcast %d set.\n\n", b.ID)
			return a.printPlan(ctx, b.ID)
		},
	}
}

func (a *app) broadcastReopenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reopen ID",
		Short: "Undo a cancel or an end: the posts whose time is still ahead are planned again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			res, err := a.life.Reopen(ctx, b.ID)
			if err != nil {
				return err
			}
			now, err := a.store.BroadcastByID(ctx, b.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Broadcast %d reopened: it is %s again (%s planned again).\n\n", b.ID, now.Status,
				plural(res.Updated+res.Created, "post", "posts"))
			return a.printPlan(ctx, b.ID)
		},
	}
}
