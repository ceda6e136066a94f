package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/templates"
)

func (a *app) campaignCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "campaign", Short: "Manage campaigns: channels, language, time zone and cadence"}
	cmd.AddCommand(a.campaignAddCmd(), a.campaignEditCmd(), a.campaignListCmd(), a.campaignShowCmd(),
		a.campaignRenameCmd(), a.campaignDeleteCmd(), a.campaignArchiveCmd(true), a.campaignArchiveCmd(false))
	return cmd
}

// campaignFlags are the settings add and edit share.
type campaignFlags struct {
	tz, lang, channels, teasers, reminders, replayAfter, hashtags, templatesDir string
	thread                                                                      bool
	visibility, image, imageAlt                                                 string
	src                                                                         campaignSourceFlags
	metricsAfter                                                                string // normalized by apply
}

func (f *campaignFlags) register(cmd *cobra.Command, defaults bool) {
	def := func(v string) string {
		if defaults {
			return v
		}
		return ""
	}
	cmd.Flags().StringVar(&f.tz, "tz", def(localZone()), "time zone of the campaign (IANA name, e.g. Europe/Paris)")
	cmd.Flags().StringVar(&f.lang, "lang", def("en"), "language of the posts: "+strings.Join(templates.Languages, ", "))
	cmd.Flags().StringVar(&f.channels, "channels", "", "comma-separated channel names")
	cmd.Flags().StringVar(&f.teasers, "teasers", def("7d,1d"), "teasers before the start: days (7d) or hours (12h)")
	cmd.Flags().StringVar(&f.reminders, "reminders", def("1h,10m"), "reminders before the start (1h,10m)")
	cmd.Flags().StringVar(&f.replayAfter, "replay-after", def("30m"), "replay posts after the end (30m,1d)")
	cmd.Flags().StringVar(&f.hashtags, "hashtags", "", `hashtags added to every post ("#SpringLaunch #Paris")`)
	cmd.Flags().StringVar(&f.templatesDir, "templates", "", "directory of templates overriding the defaults (teaser.tmpl, ...)")
	cmd.Flags().BoolVar(&f.thread, "thread", false, "on X, Mastodon and Bluesky, reminders, live and replay posts reply to the first teaser: one thread (--thread=false to stop)")
	cmd.Flags().StringVar(&f.visibility, "visibility", "", "Mastodon audience: public (default), unlisted or private")
	cmd.Flags().StringVar(&f.image, "image", "", `a picture (JPEG, PNG, WebP, GIF) attached to teasers, and shown on Bluesky link cards ("" to remove)`)
	cmd.Flags().StringVar(&f.imageAlt, "image-alt", "", "the picture's description, for people who cannot see it (default: the broadcast's title)")
	f.src.register(cmd)
	cmd.Flags().StringVar(&f.metricsAfter, "metrics-after", "", `when sent posts' engagement is read, after each went out (default "1h,24h,7d"; see docs/results.md)`)
}

// visibilities are the Mastodon audiences a campaign may choose.
var visibilities = []string{"public", "unlisted", "private"}

// apply validates the flags that were set and writes them into c.
func (f *campaignFlags) apply(cmd *cobra.Command, c *models.Campaign) error {
	set := func(name string) bool { return cmd.Flags().Changed(name) || c.ID == 0 }
	if set("tz") {
		loc, err := loadZone(f.tz)
		if err != nil {
			return err
		}
		c.TimeZone = loc.String()
	}
	if set("lang") {
		lang := strings.ToLower(strings.TrimSpace(f.lang))
		ok := false
		for _, l := range templates.Languages {
			ok = ok || l == lang
		}
		if !ok {
			return fmt.Errorf("language %q has no templates; use one of %s", f.lang, strings.Join(templates.Languages, ", "))
		}
		c.Lang = lang
	}
	for _, o := range []struct {
		flag string
		val  string
		dst  *string
	}{{"teasers", f.teasers, &c.Teasers}, {"reminders", f.reminders, &c.Reminders}, {"replay-after", f.replayAfter, &c.ReplayAfter}} {
		if !set(o.flag) {
			continue
		}
		norm, err := models.NormalizeOffsets(o.val)
		if err != nil {
			return fmt.Errorf("--%s: %v", o.flag, err)
		}
		if o.flag != "replay-after" && slices.Contains(strings.Split(norm, ","), "0") {
			return fmt.Errorf("--%s: an offset of 0 would go out as the live starts, which the \"we are live\" post already does; use 5m or more", o.flag)
		}
		*o.dst = norm
	}
	if set("hashtags") {
		c.Hashtags = strings.Join(models.SplitHashtags(f.hashtags), " ")
	}
	if set("templates") {
		// Stored absolute: the daemon (under systemd, cron) runs from another directory.
		c.TemplatesDir = ""
		if dir := strings.TrimSpace(f.templatesDir); dir != "" {
			abs, err := filepath.Abs(dir)
			if err != nil {
				return fmt.Errorf("--templates %q: %v", f.templatesDir, err)
			}
			c.TemplatesDir = abs
		}
	}
	if set("thread") {
		c.Thread = f.thread
	}
	if set("visibility") {
		v := strings.ToLower(strings.TrimSpace(f.visibility))
		if v != "" && !slices.Contains(visibilities, v) {
			return fmt.Errorf("visibility %q not known; use %s", f.visibility, strings.Join(visibilities, ", "))
		}
		c.Visibility = v
	}
	if set("image") {
		path, err := imagePath(f.image)
		if err != nil {
			return err
		}
		c.Image = path
	}
	if set("image-alt") {
		c.ImageAlt = strings.TrimSpace(f.imageAlt)
	}
	if cmd.Flags().Changed("metrics-after") {
		norm, err := models.NormalizeCheckpoints(f.metricsAfter)
		if err != nil {
			return fmt.Errorf("--metrics-after: %v", err)
		}
		f.metricsAfter = norm
	}
	if c.TemplatesDir != "" || cmd.Flags().Changed("lang") {
		if err := templates.Validate(c.Lang, c.TemplatesDir); err != nil {
			return fmt.Errorf("templates: %v", err)
		}
	}
	return nil
}

// imagePath checks that a picture given on the command line can be read and returns its absolute
// path (the daemon may run from another directory). "" removes the picture.
func imagePath(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("--image %s: %w", p, err)
	}
	if _, err := posting.SniffImage(abs); err != nil {
		return "", err
	}
	return abs, nil
}

// checkImage refuses a picture that one of the channels' networks would refuse, so the marketer
// hears it now rather than when the teaser is planned (the planner checks it again then: the file
// may change, a CMS may set it).
func (a *app) checkImage(ctx context.Context, image string, channelNames []string) error {
	if image == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, name := range channelNames {
		ch, err := a.store.ChannelByName(ctx, name)
		if err != nil || seen[ch.Network] {
			continue // an unknown channel is reported by the campaign's own checks
		}
		seen[ch.Network] = true
		if _, err := posting.CheckImage(ch.Network, image); err != nil {
			return fmt.Errorf("%v (channel %s)", err, ch.Name)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (a *app) campaignAddCmd() *cobra.Command {
	var f campaignFlags
	cmd := &cobra.Command{
		Use:   "add NAME --channels NAMES",
		Short: "Create a campaign",
		Example: `  onair campaign add "Spring launch" --tz Europe/Paris --lang fr --channels preview \
        --teasers 7d,3d,1d --reminders 1h,10m --replay-after 30m --hashtags "#SpringLaunch"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := &models.Campaign{Name: strings.TrimSpace(args[0])}
			if c.Name == "" {
				return errors.New("a campaign needs a name")
			}
			if err := f.apply(cmd, c); err != nil {
				return err
			}
			chans := splitList(f.channels)
			if len(chans) == 0 {
				return errors.New("a campaign needs at least one channel: --channels preview (see `onair channel list`)")
			}
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			if err := a.checkImage(cmd.Context(), c.Image, chans); err != nil {
				return err
			}
			if err := a.store.CreateCampaign(cmd.Context(), c, chans); err != nil {
				return err
			}
			if err := a.storeMetricsAfter(cmd, c, f.metricsAfter); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Campaign %q created (id %d).\n", c.Name, c.ID)
			if err := a.applyCampaignSource(cmd, c, &f.src); err != nil {
				return err
			}
			a.describeCampaign(c)
			fmt.Fprintf(a.out, "Next: onair broadcast add --campaign %q --title \"...\" --at \"YYYY-MM-DD HH:MM\" --watch-url https://...\n", c.Name)
			return nil
		},
	}
	f.register(cmd, true)
	return cmd
}

func (a *app) campaignEditCmd() *cobra.Command {
	var f campaignFlags
	cmd := &cobra.Command{
		Use:     "edit NAME|ID",
		Short:   "Change a campaign; its scheduled broadcasts are re-planned",
		Example: `  onair campaign edit "Spring launch" --teasers 7d,2d --hashtags "#SpringLaunch #Paris"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			c, err := a.findCampaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := f.apply(cmd, c); err != nil {
				return err
			}
			var chans []string
			if cmd.Flags().Changed("channels") {
				if chans = splitList(f.channels); len(chans) == 0 {
					return errors.New("a campaign needs at least one channel")
				}
			}
			if cmd.Flags().Changed("image") || chans != nil {
				names := chans
				if names == nil {
					for _, ch := range c.Channels {
						names = append(names, ch.Name)
					}
				}
				if err := a.checkImage(cmd.Context(), c.Image, names); err != nil {
					return err
				}
			}
			n, err := a.store.UpdateCampaign(cmd.Context(), c, chans)
			if err != nil {
				return err
			}
			if err := a.applyCampaignSource(cmd, c, &f.src); err != nil {
				return err
			}
			if err := a.storeMetricsAfter(cmd, c, f.metricsAfter); err != nil {
				return err
			}
			res, err := a.planner.Reconcile(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Campaign %q updated; %s re-planned.\n", c.Name, plural(n, "broadcast", "broadcasts"))
			for _, r := range res.Results {
				if r.Error != "" {
					fmt.Fprintf(a.out, "  broadcast %d: %s\n", r.BroadcastID, r.Error)
				}
			}
			c, _ = a.store.CampaignByID(cmd.Context(), c.ID)
			a.describeCampaign(c)
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

func (a *app) describeCampaign(c *models.Campaign) {
	names := make([]string, len(c.Channels))
	for i, ch := range c.Channels {
		names[i] = ch.Name
	}
	none := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	tw := newTable(a.out)
	fmt.Fprintf(tw, "  channels\t%s\n", strings.Join(names, ", "))
	fmt.Fprintf(tw, "  time zone\t%s\n  language\t%s\n", c.TimeZone, c.Lang)
	fmt.Fprintf(tw, "  teasers\t%s\n  reminders\t%s\n  replay after\t%s\n", none(c.Teasers), none(c.Reminders), none(c.ReplayAfter))
	fmt.Fprintf(tw, "  hashtags\t%s\n", none(c.Hashtags))
	if c.TemplatesDir != "" {
		fmt.Fprintf(tw, "  templates\t%s\n", c.TemplatesDir)
	}
	if c.Thread {
		fmt.Fprintf(tw, "  thread\treminders, live and replay posts reply to the first teaser\n")
	}
	if c.Visibility != "" {
		fmt.Fprintf(tw, "  visibility\t%s (Mastodon)\n", c.Visibility)
	}
	if c.Image != "" {
		alt := ""
		if c.ImageAlt != "" {
			alt = fmt.Sprintf(" (%q)", c.ImageAlt)
		}
		fmt.Fprintf(tw, "  image\t%s%s\n", c.Image, alt)
	}
	a.describeCampaignSource(context.Background(), tw, c)
	a.describeCampaignMetrics(tw, c)
	tw.Flush()
}

// findCampaign accepts a campaign's id or name.
func (a *app) findCampaign(ctx context.Context, ref string) (*models.Campaign, error) {
	var (
		c   *models.Campaign
		err error
	)
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		if c, err = a.store.CampaignByID(ctx, id); !errors.Is(err, models.ErrNotFound) {
			return c, err
		}
	}
	if c, err = a.store.CampaignByName(ctx, ref); !errors.Is(err, models.ErrNotFound) {
		return c, err
	}
	names, err := a.store.CampaignNames(ctx)
	if err != nil {
		return nil, err
	}
	name, err := pickName("campaign", ref, "onair campaign list", names)
	if err != nil {
		return nil, err
	}
	return a.store.CampaignByName(ctx, name)
}

func (a *app) campaignListCmd() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List campaigns",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			list, err := a.store.Campaigns(cmd.Context())
			if err != nil {
				return err
			}
			all0 := list
			if !all {
				list = slices.DeleteFunc(slices.Clone(list), func(c models.Campaign) bool { return !c.ArchivedAt.IsZero() })
			}
			if asJSON {
				views := make([]campaignView, len(list))
				for i, c := range list {
					views[i] = newCampaignView(c)
				}
				return printJSON(a.out, views)
			}
			if len(list) == 0 {
				if archived := len(all0) - len(list); archived > 0 {
					fmt.Fprintf(a.out, "No campaign but %s: onair campaign list --all\n", plural(archived, "archived one", "archived ones"))
					return nil
				}
				fmt.Fprintln(a.out, "No campaign yet. Create one: onair campaign add \"Spring launch\" --channels preview")
				return nil
			}
			tw := newTable(a.out)
			fmt.Fprintln(tw, "ID\tNAME\tZONE\tLANG\tTEASERS\tREMINDERS\tREPLAY\tCHANNELS")
			for _, c := range list {
				names := make([]string, len(c.Channels))
				for i, ch := range c.Channels {
					names[i] = ch.Name
				}
				name := c.Name
				if !c.ArchivedAt.IsZero() {
					name += " (archived)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, name, c.TimeZone, c.Lang, c.Teasers,
					c.Reminders, c.ReplayAfter, strings.Join(names, ","))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "archived campaigns too")
	return cmd
}

func (a *app) campaignShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME|ID",
		Short: "Show a campaign",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			c, err := a.findCampaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, newCampaignView(*c))
			}
			fmt.Fprintf(a.out, "Campaign %d: %s\n", c.ID, c.Name)
			a.describeCampaign(c)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
