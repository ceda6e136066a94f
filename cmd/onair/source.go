package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
	"github.com/onairhq/onair/scheduler/source"
	"github.com/onairhq/onair/scheduler/source/twitch"
	"github.com/onairhq/onair/scheduler/source/youtube"
)

// sourceDescriptors are the live platforms this onair reads: one descriptor each, like the
// networks of package posting.
func sourceDescriptors() []source.Descriptor {
	return []source.Descriptor{youtube.Descriptor, twitch.Descriptor}
}

func platformNames() string {
	var names []string
	for _, d := range sourceDescriptors() {
		names = append(names, d.Platform)
	}
	return strings.Join(names, ", ")
}

func descriptorOf(platform string) (source.Descriptor, error) {
	for _, d := range sourceDescriptors() {
		if d.Platform == platform {
			return d, nil
		}
	}
	return source.Descriptor{}, fmt.Errorf("platform %q not known; use %s", platform, platformNames())
}

// sources builds the platform clients of stored sources, with onair's key.
func (a *app) sources() (*scheduler.Sources, error) {
	v, err := a.vault(false)
	if err != nil {
		return nil, err
	}
	return &scheduler.Sources{Descriptors: sourceDescriptors(), Vault: v, Store: a.store, Now: a.now}, nil
}

// syncer returns the source sync the CLI runs a pass of (source add, login, campaign --source).
func (a *app) syncer() (*scheduler.Syncer, error) {
	srcs, err := a.sources()
	if err != nil {
		return nil, err
	}
	return scheduler.NewSyncer(a.store, a.life, srcs.For, a.syncConfig(), a.now, nil), nil
}

// syncConfig is the source sync's pace, and where thumbnails go: beside a SQLite database (its
// one daemon reads the sources and sends); on PostgreSQL, where another daemon may send, nowhere.
func (a *app) syncConfig() scheduler.SyncConfig {
	cfg := a.syncCfg
	if !models.IsPostgres(a.cfg.DB) {
		cfg.PictureDir = a.cfg.DB + ".pictures"
	}
	return cfg
}

// daemonSyncer is the daemon's (and run-due's) source sync.
func (a *app) daemonSyncer(planner *scheduler.Planner, log *slog.Logger) (*scheduler.Syncer, error) {
	srcs, err := a.sources()
	if err != nil {
		return nil, err
	}
	return scheduler.NewSyncer(a.store, scheduler.NewLifecycle(a.store, planner), srcs.For, a.syncConfig(), a.now, log), nil
}

func (a *app) sourceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "source", Short: "Manage the live platforms (YouTube Live, Twitch) campaigns follow"}
	cmd.AddCommand(a.sourceAddCmd(), a.sourceLoginCmd(), a.sourceListCmd(), a.sourceTestCmd(), a.sourceSyncCmd(), a.sourceRemoveCmd())
	return cmd
}

// sourceFlags are what a source is added (or logged in again) with.
type sourceFlags struct {
	name, clientID, clientSecret, refreshToken, channel string
	apiURL, tokenURL, authURL                           string
}

func checkFlagURL(flag, u string) error {
	if u == "" {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("--%s %q is not a full web address; write it like https://proxy.example.com", flag, u)
	}
	return nil
}

func (a *app) sourceAddCmd() *cobra.Command {
	var f sourceFlags
	cmd := &cobra.Command{
		Use:   "add PLATFORM --name NAME --client-id ID --client-secret S",
		Short: "Add a live source (platforms: " + platformNames() + ")",
		Example: `  onair source add youtube --name brand-yt --client-id ID --client-secret S      # then: onair source login brand-yt
  onair source add youtube --name brand-yt --client-id ID --client-secret S --refresh-token T   # headless servers
  onair source add twitch --name brand-tw --channel brandlogin --client-id ID --client-secret S
  onair campaign edit "Live shopping" --source brand-yt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			d, err := descriptorOf(strings.ToLower(args[0]))
			if err != nil {
				return err
			}
			f.name = strings.TrimSpace(f.name)
			switch {
			case f.name == "":
				return fmt.Errorf("a source needs a name: onair source add %s --name brand-%s ...", d.Platform, d.Platform)
			case f.clientID == "" || f.clientSecret == "":
				return fmt.Errorf("a %s source needs the app's --client-id and --client-secret (see docs/sources.md)", d.Title)
			case d.NeedsChannel && f.channel == "":
				return fmt.Errorf("a %s source needs --channel LOGIN, the channel's login name", d.Title)
			}
			for flag, u := range map[string]string{"api-url": f.apiURL, "token-url": f.tokenURL, "auth-url": f.authURL} {
				if err := checkFlagURL(flag, u); err != nil {
					return err
				}
			}
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			if _, err := a.store.SourceByName(ctx, f.name); err == nil {
				return fmt.Errorf("a source named %q already exists; pick another --name, or renew its credentials with `onair source login %s`", f.name, f.name)
			}
			vault, err := a.vault(true) // the key seals the credentials and binds the settings
			if err != nil {
				return err
			}
			settings := models.SourceSettings{APIURL: f.apiURL, TokenURL: f.tokenURL, AuthURL: f.authURL, Channel: f.channel, ClientID: f.clientID}
			needsLogin := d.NeedsLogin && f.refreshToken == ""
			var info source.Info
			if !needsLogin {
				if info, err = a.checkSource(ctx, d, settings, models.SourceSecrets{ClientSecret: f.clientSecret, RefreshToken: f.refreshToken}); err != nil {
					return err
				}
			}
			src := &models.Source{Name: f.name, Platform: d.Platform, Settings: settings.Encode(), Account: info.Account}
			if needsLogin {
				src.Status, src.StatusReason = models.SourceNeedsAuth, "no refresh token yet: log in to the channel once"
			}
			if err := a.store.CreateSource(ctx, src); err != nil {
				return err
			}
			if err := vault.UpdateSourceSecrets(ctx, a.store, src.ID, func(s *models.SourceSecrets) {
				s.ClientSecret, s.RefreshToken = f.clientSecret, f.refreshToken
			}); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Source %q added (%s, id %d).\n", src.Name, d.Title, src.ID)
			if needsLogin {
				fmt.Fprintf(a.out, "Next: onair source login %s   (opens Google's consent page; or add it with --refresh-token)\n", src.Name)
				return nil
			}
			a.printCheck(src, info)
			a.syncNow(ctx, src.ID)
			fmt.Fprintf(a.out, "Next: onair campaign edit \"My campaign\" --source %s   (its broadcasts are imported and followed)\n", src.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.name, "name", "", "the source's name, used in campaigns (required)")
	f.register(cmd)
	return cmd
}

func (f *sourceFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.clientID, "client-id", "", "the OAuth client's (YouTube) or app's (Twitch) id")
	cmd.Flags().StringVar(&f.clientSecret, "client-secret", "", "its secret (sealed in the database)")
	cmd.Flags().StringVar(&f.refreshToken, "refresh-token", "", "YouTube: a refresh token obtained elsewhere, for a server with no browser")
	cmd.Flags().StringVar(&f.channel, "channel", "", "Twitch: the channel's login name")
	cmd.Flags().StringVar(&f.apiURL, "api-url", "", "the platform's API address (a proxy, or a fake in tests)")
	cmd.Flags().StringVar(&f.tokenURL, "token-url", "", "the OAuth token endpoint (a proxy, or a fake in tests)")
	cmd.Flags().StringVar(&f.authURL, "auth-url", "", "YouTube: the consent page's address (a fake in tests)")
}

// checkSource checks credentials with the platform (one cheap call) before they are stored.
func (a *app) checkSource(ctx context.Context, d source.Descriptor, set models.SourceSettings, sec models.SourceSecrets) (source.Info, error) {
	client, err := d.New(source.Config{APIURL: set.APIURL, TokenURL: set.TokenURL, Channel: set.Channel, ClientID: set.ClientID,
		ClientSecret: sec.ClientSecret, RefreshToken: sec.RefreshToken, Now: a.now})
	if err != nil {
		return source.Info{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	info, err := client.Check(ctx)
	if err != nil {
		return info, &sourceCheckError{platform: d.Title, err: err}
	}
	return info, nil
}

// sourceCheckError is a platform's refusal of a source's credentials or settings, worded with
// what to do in hints.go.
type sourceCheckError struct {
	platform string
	err      error
}

func (e *sourceCheckError) Error() string { return e.platform + " refused: " + e.err.Error() }
func (e *sourceCheckError) Unwrap() error { return e.err }

func (a *app) printCheck(src *models.Source, info source.Info) {
	s, _ := a.syncer()
	tw := newTable(a.out)
	fmt.Fprintf(tw, "  account\t%s\n", orDash(info.Account))
	if s != nil {
		fmt.Fprintf(tw, "  budget\t%s\n", s.Budget(info))
	}
	if !src.LastSyncAt.IsZero() || src.UnitsUsed > 0 {
		fmt.Fprintf(tw, "  spent today\t%d units\n", src.UnitsUsed)
	}
	tw.Flush()
}

// syncNow reads a source once, listing its upcoming broadcasts, and says what came of it.
func (a *app) syncNow(ctx context.Context, id int64) {
	s, err := a.syncer()
	if err != nil {
		fmt.Fprintf(a.errOut, "note: the source was not read: %v\n", err)
		return
	}
	res, err := s.Sync(ctx, id, true)
	switch {
	case err != nil:
		fmt.Fprintf(a.errOut, "note: the source was not read: %v\n", err)
	case res.Error != "":
		fmt.Fprintf(a.errOut, "note: reading %s failed: %s (the daemon tries again; its broadcasts keep their planned times meanwhile)\n", res.Source, res.Error)
	default:
		fmt.Fprintf(a.out, "Read %s: %s imported, %d updated, %d cancelled; next read %s.\n", res.Source,
			plural(res.Imported, "broadcast", "broadcasts"), res.Updated, res.Cancelled, until(a.now(), res.NextPoll))
	}
}

// openSource opens the database and finds a source by name.
func (a *app) openSource(ctx context.Context, name string) (*models.Source, error) {
	if err := a.openExisting(ctx); err != nil {
		return nil, err
	}
	return a.findSource(ctx, name)
}

// findSource finds a source by name; an unknown name lists the sources there are.
func (a *app) findSource(ctx context.Context, name string) (*models.Source, error) {
	src, err := a.store.SourceByName(ctx, name)
	if errors.Is(err, models.ErrNotFound) {
		srcs, _ := a.store.Sources(ctx)
		var names []string
		for _, s := range srcs {
			names = append(names, s.Name)
		}
		known := "none yet: add one with `onair source add youtube --name ...`"
		if len(names) > 0 {
			known = strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("source %q not found; known sources: %s", name, known)
	}
	return src, err
}

func (a *app) sourceLoginCmd() *cobra.Command {
	var (
		f      sourceFlags
		listen string
		accept bool
	)
	cmd := &cobra.Command{
		Use:   "login NAME",
		Short: "Authorize onair to read a source's channel again (YouTube: browser consent), and resume it",
		Long: `login gets new credentials for a source, checks them and seals them in the database. For
YouTube it prints a link to Google's consent page (open it in a browser on this machine: Google
sends it back to onair on 127.0.0.1), or takes --refresh-token. A source paused or needing a login
is read again at once, and its broadcasts follow the platform again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := a.openSource(ctx, args[0])
			if err != nil {
				return err
			}
			d, err := descriptorOf(src.Platform)
			if err != nil {
				return err
			}
			vault, err := a.vault(true)
			if err != nil {
				return err
			}
			set, err := src.ParseSettings()
			if err != nil {
				return err
			}
			if vault.Sealer != nil && !vault.Sealer.SourceBound(*src) && !accept {
				// Its settings say where the credentials go: settings onair did not write (a CMS,
				// a hand edit) are not logged in at until a person has read them.
				return fmt.Errorf("the settings of source %s were changed outside onair (or by an onair without this key): %s; "+
					"if they are right, run `onair source login %s --accept-settings`", src.Name, src.Settings, src.Name)
			}
			sec, _ := vault.OpenSource(src.ID, src.Secrets) // unreadable: replaced by what is given now
			for flag, u := range map[string]*string{"api-url": &f.apiURL, "token-url": &f.tokenURL, "auth-url": &f.authURL} {
				if err := checkFlagURL(flag, *u); err != nil {
					return err
				}
			}
			for flag, field := range map[string]*string{"api-url": &set.APIURL, "token-url": &set.TokenURL, "auth-url": &set.AuthURL,
				"channel": &set.Channel, "client-id": &set.ClientID} {
				if cmd.Flags().Changed(flag) {
					v, _ := cmd.Flags().GetString(flag)
					*field = v
				}
			}
			if f.clientSecret != "" {
				sec.ClientSecret = f.clientSecret
			}
			if f.refreshToken != "" {
				sec.RefreshToken = f.refreshToken
			} else if d.Platform == youtube.Descriptor.Platform {
				tok, err := youtube.Login(ctx, youtube.LoginConfig{ClientID: set.ClientID, ClientSecret: sec.ClientSecret,
					AuthURL: set.AuthURL, TokenURL: set.TokenURL, Listen: listen}, func(u string) {
					fmt.Fprintf(a.out, "Open this link in a browser on this machine, sign in with the channel's Google account and allow onair to read it:\n\n  %s\n\nWaiting for Google...\n", u)
				})
				if err != nil {
					return fmt.Errorf("YouTube login: %w", err)
				}
				sec.RefreshToken = tok
			}
			info, err := a.checkSource(ctx, d, set, sec)
			if err != nil {
				return err
			}
			if err := vault.UpdateSourceSecrets(ctx, a.store, src.ID, func(s *models.SourceSecrets) { *s = sec }); err != nil {
				return err
			}
			// The settings shown are bound again to onair's key (a source paused because they were
			// changed outside onair is trusted again once a person has looked at them).
			fmt.Fprintf(a.out, "Settings of %s: %s\n", src.Name, set.Encode())
			if err := a.store.UpdateSourceSettings(ctx, src.ID, set.Encode()); err != nil {
				return err
			}
			if err := a.store.SetSourceStatus(ctx, src.ID, models.SourceActive, ""); err != nil {
				return err
			}
			if err := a.replanFollowed(ctx, src); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Source %q can be read (%s).\n", src.Name, d.Title)
			src.Account = info.Account
			a.printCheck(src, info)
			a.syncNow(ctx, src.ID)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&listen, "listen", "", "YouTube: the local address Google sends the browser back to (default 127.0.0.1, any free port)")
	cmd.Flags().BoolVar(&accept, "accept-settings", false, "log in at settings changed outside onair, once you have read them (they say where the credentials go)")
	return cmd
}

// replanFollowed plans again the broadcasts a source's campaigns follow (its health changed:
// their live posts wait for it, or no longer do).
func (a *app) replanFollowed(ctx context.Context, src *models.Source) error {
	fs, err := a.store.FollowedBroadcasts(ctx, src.ID, src.Platform, time.Time{})
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.Broadcast.ID)
	}
	return a.store.Replan(ctx, ids)
}

// sourceView is a source as `source list --json` and `source test --json` print it.
type sourceView struct {
	models.Source
	Title     string            `json:"platform_title"`
	Following bool              `json:"following"`     // onair follows what the platform says now
	Why       string            `json:"why,omitempty"` // why not
	Fix       string            `json:"fix,omitempty"` // the command that fixes it
	Campaigns []string          `json:"campaigns"`
	Followed  int               `json:"broadcasts_followed"`
	Budget    *scheduler.Budget `json:"budget,omitempty"`
}

func (a *app) sourceView(ctx context.Context, src models.Source) (sourceView, error) {
	now := a.now()
	v := sourceView{Source: src, Title: scheduler.PlatformTitle(src.Platform), Following: src.Following(now), Campaigns: []string{}}
	if d, err := descriptorOf(src.Platform); err == nil {
		v.Title = d.Title
	}
	if !v.Following {
		v.Why, v.Fix = src.Why(now), sourceFix(src)
	}
	camps, err := a.store.CampaignsOfSource(ctx, src.ID)
	if err != nil {
		return v, err
	}
	for _, c := range camps {
		v.Campaigns = append(v.Campaigns, c.Name)
	}
	fs, err := a.store.FollowedBroadcasts(ctx, src.ID, src.Platform, now.Add(-24*time.Hour))
	if err != nil {
		return v, err
	}
	v.Followed = len(fs)
	return v, nil
}

func (a *app) sourceListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the sources: status, last read, why one is not followed and what fixes it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			srcs, err := a.store.Sources(ctx)
			if err != nil {
				return err
			}
			views := make([]sourceView, 0, len(srcs))
			for _, s := range srcs {
				v, err := a.sourceView(ctx, s)
				if err != nil {
					return err
				}
				views = append(views, v)
			}
			if asJSON {
				return printJSON(a.out, views)
			}
			if len(views) == 0 {
				fmt.Fprintln(a.out, "No source yet: onair source add youtube --name brand-yt --client-id ID --client-secret S")
				return nil
			}
			now := a.now()
			tw := newTable(a.out)
			fmt.Fprintln(tw, "NAME\tPLATFORM\tACCOUNT\tSTATUS\tLAST READ\tNEXT READ\tCAMPAIGNS\tFOLLOWED")
			for _, v := range views {
				status := v.Status
				if v.Status == models.SourceActive && v.LastError != "" {
					status = "failing (" + v.ErrorKind + ")"
				}
				last := "never"
				if !v.LastSyncAt.IsZero() {
					last = ago(now, v.LastSyncAt.Time)
				}
				next := "-"
				if v.Status == models.SourceActive {
					next = "now"
					if v.NextPollAt.After(now) {
						next = until(now, v.NextPollAt.Time)
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", v.Name, v.Platform, orDash(v.Account), status, last, next,
					orDash(strings.Join(v.Campaigns, ", ")), v.Followed)
			}
			tw.Flush()
			for _, v := range views {
				if !v.Following {
					fmt.Fprintf(a.out, "\n%s is not followed: %s.\n  Its broadcasts go by their planned times meanwhile.", v.Name, v.Why)
					if v.Fix != "" {
						fmt.Fprintf(a.out, "\n  Fix: %s", v.Fix)
					}
					fmt.Fprintln(a.out)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// ago says how long ago t was: "3m ago".
func ago(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func (a *app) sourceTestCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "Check a source's credentials with its platform: the account, the daily budget and what onair spends",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := a.openSource(ctx, args[0])
			if err != nil {
				return err
			}
			srcs, err := a.sources()
			if err != nil {
				return err
			}
			client, err := srcs.For(ctx, *src)
			if err != nil {
				return &sourceProblem{src: *src, err: err}
			}
			tctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			info, err := client.Check(tctx)
			if err != nil {
				return &sourceProblem{src: *src, err: &sourceCheckError{platform: scheduler.PlatformTitle(src.Platform), err: err}}
			}
			v, err := a.sourceView(ctx, *src)
			if err != nil {
				return err
			}
			s, err := a.syncer()
			if err != nil {
				return err
			}
			b := s.Budget(info)
			v.Budget = &b
			if info.Account != "" {
				v.Account = info.Account
			}
			if asJSON {
				return printJSON(a.out, v)
			}
			fmt.Fprintf(a.out, "Source %q (%s): the credentials work.\n", src.Name, v.Title)
			a.printCheck(&v.Source, info)
			if v.UnitsDay != a.now().UTC().Format("2006-01-02") {
				v.UnitsUsed = 0
			}
			if info.DailyUnits > 0 {
				fmt.Fprintf(a.out, "  used today\t%d of %d units\n", v.UnitsUsed, info.DailyUnits)
			}
			if !v.Following && v.Why != "" {
				fmt.Fprintf(a.out, "Not followed now: %s.\n", v.Why)
				if v.Fix != "" {
					fmt.Fprintf(a.out, "Fix: %s\n", v.Fix)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// sourceProblem is a source that cannot be read as stored; hints.go says what fixes it.
type sourceProblem struct {
	src models.Source
	err error
}

func (e *sourceProblem) Error() string { return e.err.Error() }
func (e *sourceProblem) Unwrap() error { return e.err }

func (a *app) sourceSyncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync NAME",
		Short: "Read a source now (the daemon does it on its own schedule): imports, changes, starts, ends, replays",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := a.openSource(ctx, args[0])
			if err != nil {
				return err
			}
			if src.Status != models.SourceActive {
				return &sourceProblem{src: *src, err: fmt.Errorf("source %s is %s: %s", src.Name, src.Status, src.Why(a.now()))}
			}
			a.syncNow(ctx, src.ID)
			return nil
		},
	}
	return cmd
}

func (a *app) sourceRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a source no campaign follows (its imported broadcasts stay, with their planned times)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := a.openSource(ctx, args[0])
			if err != nil {
				return err
			}
			camps, err := a.store.CampaignsOfSource(ctx, src.ID)
			if err != nil {
				return err
			}
			if len(camps) > 0 {
				var names, fixes []string
				for _, c := range camps {
					names = append(names, fmt.Sprintf("%q", c.Name))
					fixes = append(fixes, fmt.Sprintf("`onair campaign edit %q --source none`", c.Name))
				}
				return fmt.Errorf("source %s is followed by campaign %s; stop that first: %s, then remove it",
					src.Name, strings.Join(names, ", "), strings.Join(fixes, " and "))
			}
			if err := a.store.DeleteSource(ctx, src.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Source %q removed. Broadcasts imported from it stay, and go by their planned times.\n", src.Name)
			return nil
		},
	}
	return cmd
}
