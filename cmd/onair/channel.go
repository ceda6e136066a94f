package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/scheduler"
)

func (a *app) channelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "channel", Short: "Manage the accounts posts go out through"}
	cmd.AddCommand(a.channelAddCmd(), a.channelListCmd(), a.channelShowCmd(), a.channelResumeCmd(), a.channelTestCmd(), a.channelLoginCmd(),
		a.channelRenameCmd(), a.channelEditCmd(), a.channelRemoveCmd(), a.channelMetricsCmd())
	return cmd
}

func (a *app) channelAddCmd() *cobra.Command {
	var (
		name string
		s    scheduler.ChannelSettings
		nf   networkFlags
		own  *ownFlags
	)
	cmd := &cobra.Command{
		Use:   "add NETWORK --name NAME",
		Short: "Add a channel (networks: x, mastodon, bluesky, webhook, console)",
		Example: `  onair channel add x --name brand --consumer-key K --consumer-secret S --access-token T --access-secret TS
  onair channel add x --name brand --oauth2 --client-id ID     # then: onair channel login brand
  onair channel add mastodon --name brand-masto --server https://mastodon.social --token TOKEN
  onair channel add bluesky --name brand-bsky --handle brand.bsky.social --app-password xxxx-xxxx-xxxx-xxxx
  onair channel add console --name preview
  onair channel add console --name preview --file posts.jsonl
  onair channel add webhook --name cms --url https://cms.example.com/onair --secret-env ONAIR_CMS_SECRET
  onair channel add webhook --name team --url https://hooks.slack.com/services/... --format slack`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			network := strings.ToLower(args[0])
			metricsFlag(cmd, &s)
			n, ok := networkNamed(network)
			if !ok {
				return fmt.Errorf("network %q not known; use %s", args[0], networkNames())
			}
			if err := own.apply(n, "", &s, true); err != nil {
				return err
			}
			if n.account() {
				return a.addNetworkChannel(cmd, network, name, &nf, &s)
			}
			if strings.TrimSpace(name) == "" {
				return fmt.Errorf("a channel needs a name: onair channel add %s --name preview", network)
			}
			raw, _ := json.Marshal(s)
			probe := models.Channel{Name: name, Network: network, Settings: string(raw)}
			if _, err := (&scheduler.Posters{Getenv: func(string) string { return "set" }, Unstored: true}).For(probe); err != nil {
				return err
			}
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			if _, err := a.vault(true); err != nil { // the key binds the channel's settings
				return err
			}
			ch := &models.Channel{Name: strings.TrimSpace(name), Network: network, Settings: string(raw)}
			if err := a.store.CreateChannel(cmd.Context(), ch); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q added (%s, id %d).\n", ch.Name, network, ch.ID)
			a.ownNotes(n.Network, s, cmd.Flags().Changed)
			fmt.Fprintf(a.out, "Next: onair campaign add \"My campaign\" --channels %s\n", ch.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the channel's name, used in campaigns (required)")
	own = registerOwnFlags(cmd, false)
	cmd.Flags().StringVar(&s.Timeout, "timeout", "", "per-request timeout (webhook default 15s, networks 30s)")
	registerMetricsFlags(cmd)
	nf.register(cmd)
	return cmd
}

// addNetworkChannel adds an X, Mastodon or Bluesky channel: its credentials are checked with the
// network (who they belong to, and a Mastodon server's limits) and sealed in the database.
func (a *app) addNetworkChannel(cmd *cobra.Command, network, name string, nf *networkFlags, s *scheduler.ChannelSettings) error {
	ctx := cmd.Context()
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("a channel needs a name: onair channel add %s --name brand", network)
	}
	if err := a.openExisting(ctx); err != nil {
		return err
	}
	if _, err := a.store.ChannelByName(ctx, name); err == nil {
		return models.NameTaken("channel", name)
	}
	sec, account, err := a.networkChannel(ctx, network, name, nf, s)
	if err != nil {
		return err
	}
	if err := scheduler.CheckSecretsEnv(s.SecretsEnv); err != nil {
		return err
	}
	sec = withoutEnvSecrets(sec, s.SecretsEnv)
	raw, _ := json.Marshal(s)
	ch := &models.Channel{Name: name, Network: network, Settings: string(raw)}
	if err := a.createChannel(ctx, ch, sec); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Channel %q added (%s, id %d)", ch.Name, network, ch.ID)
	if account != "" {
		fmt.Fprintf(a.out, ": posting as %s", account)
	}
	fmt.Fprintln(a.out, ".")
	switch {
	case len(s.SecretsEnv) > 0:
		names := make([]string, 0, len(s.SecretsEnv))
		for _, env := range s.SecretsEnv {
			names = append(names, "$"+env)
		}
		sort.Strings(names)
		stored := "nothing secret is stored"
		if ch.Secrets != "" {
			stored = "its session is sealed in the database"
		}
		fmt.Fprintf(a.out, "Its credentials are read from %s where onair runs; %s.\n", strings.Join(names, ", "), stored)
	case ch.Secrets != "":
		fmt.Fprintln(a.out, "Its credentials are sealed in the database; `onair channel test "+ch.Name+"` checks them.")
	}
	if s.MaxLength > 0 {
		fmt.Fprintf(a.out, "The server takes posts of up to %d characters (links count %d).\n", s.MaxLength, s.URLWeight)
	}
	if loginNext(network, name, *s, sec) {
		fmt.Fprintf(a.out, "Next: onair channel login %s\n", ch.Name)
		return nil
	}
	fmt.Fprintf(a.out, "Next: onair campaign add \"My campaign\" --channels %s\n", ch.Name)
	return nil
}

func (a *app) channelResumeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "resume NAME",
		Short: "Let a paused or needs-auth channel send again (after fixing its credentials or settings)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ch, err := a.openChannel(ctx, args[0])
			if err != nil {
				return err
			}
			if err := a.store.SetChannelStatus(ctx, ch.ID, models.ChannelActive, ""); err != nil {
				return err
			}
			if err := a.store.HoldChannel(ctx, ch.ID, time.Time{}, ""); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Channel %q is active again; its waiting posts go out at the next pass.\n", ch.Name)
			return nil
		},
	}
}

func (a *app) channelListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List channels",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			chans, err := a.store.Channels(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, channelViews(chans))
			}
			if len(chans) == 0 {
				fmt.Fprintln(a.out, "No channel yet. Add one: onair channel add console --name preview")
				return nil
			}
			tw := newTable(a.out)
			fmt.Fprintln(tw, "ID\tNAME\tNETWORK\tACCOUNT\tSTATUS\tLIMIT")
			for _, ch := range chans {
				l := scheduler.ChannelLimit(ch)
				account := "-"
				if st, err := scheduler.ParseSettings(ch); err == nil && st.Account != "" {
					account = st.Account
				}
				limit := "none"
				if l.Max > 0 {
					limit = fmt.Sprintf("%d %s", l.Max, l.Unit)
				}
				status := string(ch.Status)
				if ch.PausedUntil.After(a.now()) {
					status = "held until " + showTime(ch.PausedUntil.Time, time.Local)
				}
				if ch.StatusReason != "" {
					status += ": " + short(ch.StatusReason, 50) // in full: channel show
				}
				if !slices.Contains([]models.ChannelStatus{models.ChannelActive, models.ChannelPaused, models.ChannelNeedsAuth}, ch.Status) {
					status = fmt.Sprintf("%q is not a status onair knows: nothing goes out; `onair channel resume %s` makes it active", ch.Status, ch.Name)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", ch.ID, ch.Name, ch.Network, account, status, limit)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) channelShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a channel: its settings, its status and why, in full",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ch, err := a.openChannel(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, newChannelView(*ch))
			}
			tw := newTable(a.out)
			fmt.Fprintf(tw, "Channel\t%d\nName\t%s\nNetwork\t%s\nStatus\t%s\n", ch.ID, ch.Name, ch.Network, ch.Status)
			if ch.PausedUntil.After(a.now()) {
				fmt.Fprintf(tw, "Held until\t%s (%s)\n", showTime(ch.PausedUntil.Time, time.Local), until(a.now(), ch.PausedUntil.Time))
			}
			if ch.StatusReason != "" {
				fmt.Fprintf(tw, "Why\t%s\n", ch.StatusReason)
			}
			var settings map[string]any
			if json.Unmarshal([]byte(ch.Settings), &settings) == nil {
				keys := make([]string, 0, len(settings))
				for k := range settings {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(tw, "%s\t%v\n", k, settings[k])
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// loginNext reports whether a channel just added lacks the credentials its network's login gives
// (an X OAuth 2.0 app without its token, a Mastodon server without an access token): `channel
// login` comes next.
func loginNext(network, name string, s scheduler.ChannelSettings, sec scheduler.Secrets) bool {
	n, _ := networkNamed(network)
	if n.New == nil {
		return false
	}
	settings, _ := json.Marshal(s)
	secrets, _ := json.Marshal(sec)
	_, err := n.New(posting.Setup{Channel: name, Settings: settings, Secrets: secrets, Client: http.DefaultClient, Getenv: getenv})
	nc, ok := errors.AsType[*posting.NoCredentials](err)
	return ok && (nc.Fix == posting.CredLogin || nc.Fix == posting.CredLoginToken)
}
