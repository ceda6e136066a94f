package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

func (a *app) postResolveCmd() *cobra.Command {
	var (
		sent, resend, skip bool
		remoteURL          string
	)
	cmd := &cobra.Command{
		Use:   "resolve ID --sent | --resend | --skip",
		Short: "Settle a post whose send was interrupted (status unknown), once you have checked the channel",
		Long: `When onair is stopped in the middle of a send on a network that cannot tell whether the post
arrived, the post becomes "unknown" (onair post list --status unknown). Look at the channel, then:

  --sent     it is there: mark it sent (add --remote-url to keep its link)
  --resend   it is not there: send it again now
  --skip     leave it: it will not go out`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, b := range []bool{sent, resend, skip} {
				if b {
					n++
				}
			}
			if n != 1 {
				return errors.New("say what you found: one of --sent, --resend or --skip")
			}
			ctx := cmd.Context()
			p, err := a.openPost(ctx, args[0])
			if err != nil {
				return err
			}
			allowed := []string{models.PostUnknown}
			if resend {
				allowed = append(allowed, models.PostFailed) // a failed post can be tried again by hand
			}
			cols := map[string]any{}
			switch {
			case sent:
				cols = map[string]any{"status": models.PostSent, "sent_at": models.NewTime(a.now()), "remote_url": remoteURL,
					"error": "marked sent by hand"}
			case resend:
				cols = map[string]any{"status": models.PostPlanned, "due_at": models.NewTime(a.now()), "next_attempt_at": models.Time{},
					"attempts": 0, "error": "resent by hand", "expires_at": models.Time{}}
			case skip:
				cols = map[string]any{"status": models.PostSkipped, "error": "skipped by hand after an interrupted send"}
			}
			ok, err := a.store.UpdatePost(ctx, p.ID, allowed, cols)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("post %d is %s; only unknown posts (or failed ones, with --resend) can be resolved", p.ID, p.Status)
			}
			fmt.Fprintf(a.out, "Post %d is now %s.\n", p.ID, cols["status"])
			return nil
		},
	}
	cmd.Flags().BoolVar(&sent, "sent", false, "the post is on the channel")
	cmd.Flags().BoolVar(&resend, "resend", false, "the post is not on the channel: send it now")
	cmd.Flags().BoolVar(&skip, "skip", false, "do not send it")
	cmd.Flags().StringVar(&remoteURL, "remote-url", "", "with --sent: the post's address on the network")
	return cmd
}
