package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/scheduler"
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
			how := scheduler.ResolvedSent
			switch {
			case resend:
				how = scheduler.ResolvedResend
			case skip:
				how = scheduler.ResolvedSkip
			}
			if p, err = a.life.ResolvePost(ctx, p.ID, how, remoteURL); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Post %d is now %s.\n", p.ID, p.Status)
			return nil
		},
	}
	cmd.Flags().BoolVar(&sent, "sent", false, "the post is on the channel")
	cmd.Flags().BoolVar(&resend, "resend", false, "the post is not on the channel: send it now")
	cmd.Flags().BoolVar(&skip, "skip", false, "do not send it")
	cmd.Flags().StringVar(&remoteURL, "remote-url", "", "with --sent: the post's address on the network")
	return cmd
}
