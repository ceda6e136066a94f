package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

func (a *app) broadcastCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "broadcast", Short: "Add, list, change and cancel broadcasts"}
	cmd.AddCommand(a.broadcastAddCmd(), a.broadcastListCmd(), a.broadcastShowCmd(), a.broadcastEditCmd(),
		a.broadcastRescheduleCmd(), a.broadcastCancelCmd(), a.broadcastLiveCmd(), a.broadcastEndCmd(), a.broadcastReplayCmd(),
		a.broadcastReopenCmd(), a.broadcastImportCmd(), a.broadcastDeleteCmd(), a.broadcastStatsCmd())
	return cmd
}

// broadcastFlags are the fields add and edit share.
type broadcastFlags struct {
	campaign, title, description, at, duration, watchURL, replayURL, ref, tz string
	image, imageAlt                                                          string
	sourceRef                                                                string
}

// zone is where typed times are read: --tz, else the campaign's zone.
func (f *broadcastFlags) zone(c *models.Campaign) (*time.Location, error) {
	if f.tz != "" {
		return loadZone(f.tz)
	}
	return c.Location()
}

// start reads --at: in the zone of --tz or of the campaign, and in the future.
func (a *app) start(f *broadcastFlags, c *models.Campaign) (time.Time, *time.Location, error) {
	loc, err := f.zone(c)
	if err != nil {
		return time.Time{}, nil, err
	}
	start, err := parseWhenIn(f.at, loc, c.Lang, a.now())
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("start time %w", err)
	}
	if !start.After(a.now()) {
		return time.Time{}, nil, fmt.Errorf("start time %q is %s (%s), in the past; give a time to come, like \"+2h\"",
			f.at, showTime(start, loc), until(a.now(), start))
	}
	fmt.Fprintf(a.out, "Start %q read as %s (%s).\n", f.at, showTime(start, loc), until(a.now(), start))
	return start, loc, nil
}

func (a *app) broadcastAddCmd() *cobra.Command {
	var f broadcastFlags
	cmd := &cobra.Command{
		Use:   "add --campaign NAME --title TITLE --at TIME",
		Short: "Add a broadcast; its posts are planned at once",
		Example: `  onair broadcast add --campaign "Spring launch" --title "Lancement de la collection" \
        --at "2027-03-30 18:00" --duration 45m --watch-url https://x.com/i/broadcasts/1ABC`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if f.campaign == "" {
				return errors.New("which campaign? add --campaign NAME (see `onair campaign list`)")
			}
			if strings.TrimSpace(f.title) == "" {
				return errors.New("a broadcast needs a title: --title \"Lancement de la collection\"")
			}
			if f.at == "" {
				return errors.New("when does it start? add --at \"2027-03-30 18:00\" (or \"+2h\")")
			}
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			c, err := a.findCampaign(ctx, f.campaign)
			if err != nil {
				return err
			}
			if !c.ArchivedAt.IsZero() {
				return fmt.Errorf("campaign %q is archived; bring it back first: onair campaign unarchive %q", c.Name, c.Name)
			}
			start, loc, err := a.start(&f, c)
			if err != nil {
				return err
			}
			minutes := 60
			if f.duration != "" {
				if minutes, err = parseDuration(f.duration); err != nil {
					return err
				}
			}
			for _, u := range []string{f.watchURL, f.replayURL} {
				if err := models.ValidWatchURL(u); err != nil {
					return err
				}
			}
			image, err := imagePath(f.image)
			if err != nil {
				return err
			}
			if err := a.checkImage(ctx, image, channelNames(c)); err != nil {
				return err
			}
			b := &models.Broadcast{CampaignID: &c.ID, Title: strings.TrimSpace(f.title), Description: f.description,
				StartsAt: models.NewTime(start), DurationMinutes: minutes, WatchURL: f.watchURL, ReplayURL: f.replayURL,
				Image: image, ImageAlt: strings.TrimSpace(f.imageAlt)}
			if f.ref != "" {
				b.ExternalRef = &f.ref
			}
			if err := a.store.CreateBroadcast(ctx, b); err != nil {
				return err
			}
			if f.watchURL == "" {
				fmt.Fprintln(a.errOut, "note: no --watch-url: posts will not say where to watch. Add it with `onair broadcast edit", b.ID, "--watch-url URL`.")
			}
			fmt.Fprintf(a.out, "Broadcast %d added: %q, %s.\n\n", b.ID, b.Title, showTime(start, loc))
			res, err := a.planner.Plan(ctx, b.ID)
			if err != nil {
				return err
			}
			if err := a.printPlan(ctx, b.ID); err != nil {
				return err
			}
			return planFailed(res)
		},
	}
	cmd.Flags().StringVar(&f.campaign, "campaign", "", "campaign name or id (required)")
	cmd.Flags().StringVar(&f.title, "title", "", "title, shown in every post (required)")
	cmd.Flags().StringVar(&f.at, "at", "", `start time, in the campaign's zone: "2027-03-30 18:00", "tomorrow 18:00", "fri 18:00", "18:00", "30/03 18:00" (French campaigns: "demain 18h", "vendredi 18h30"), RFC 3339, or "+2h" (required)`)
	cmd.Flags().StringVar(&f.duration, "duration", "", "expected length: 45m, 1h30m or minutes (default 1h)")
	cmd.Flags().StringVar(&f.watchURL, "watch-url", "", "where to watch the live")
	cmd.Flags().StringVar(&f.replayURL, "replay-url", "", "the replay, if already known")
	cmd.Flags().StringVar(&f.description, "description", "", "description, available to templates")
	cmd.Flags().StringVar(&f.ref, "ref", "", "your own reference (external_ref), e.g. your CMS's id")
	cmd.Flags().StringVar(&f.tz, "tz", "", "read --at in this zone instead of the campaign's")
	cmd.Flags().StringVar(&f.image, "image", "", "a picture for its teasers (JPEG, PNG, WebP, GIF), instead of the campaign's")
	cmd.Flags().StringVar(&f.imageAlt, "image-alt", "", "the picture's description (default: the title)")
	return cmd
}

// replanAndShow plans a broadcast now and prints its plan.
func (a *app) replanAndShow(ctx context.Context, id int64) error {
	if _, err := a.planner.Plan(ctx, id); err != nil {
		return err
	}
	return a.printPlan(ctx, id)
}

// planFailed is the error a command that planned a broadcast exits with when some of its posts
// cannot go out as they are: the broadcast is saved, but the marketer (or a script) must know.
func planFailed(res scheduler.PlanResult) error {
	if res.Error == "" {
		return nil
	}
	return fmt.Errorf("broadcast %d is saved, but not every post can go out: %s", res.BroadcastID, res.Error)
}

// parseID reads a numeric id argument.
func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s id %q is not a number; see `onair %s list` for ids", what, s, what)
	}
	return id, nil
}

// openBroadcast opens the database and loads the broadcast an argument names, with its campaign.
func (a *app) openBroadcast(ctx context.Context, arg string) (*models.Broadcast, *models.Campaign, error) {
	if err := a.openExisting(ctx); err != nil {
		return nil, nil, err
	}
	return a.loadBroadcast(ctx, arg)
}

// loadBroadcast finds a broadcast by its id or its external ref (cms-101), with its campaign (nil
// if the row has none).
func (a *app) loadBroadcast(ctx context.Context, arg string) (*models.Broadcast, *models.Campaign, error) {
	id, idErr := parseID("broadcast", arg)
	var (
		b   *models.Broadcast
		err error
	)
	if idErr == nil {
		b, err = a.store.BroadcastByID(ctx, id)
	}
	if idErr != nil || errors.Is(err, models.ErrNotFound) {
		if byRef, refErr := a.store.BroadcastByExternalRef(ctx, strings.TrimSpace(arg)); refErr == nil {
			b, err = byRef, nil
		} else if idErr != nil {
			return nil, nil, fmt.Errorf("no broadcast has the id or external ref %q; see `onair broadcast list`", arg)
		}
	}
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, fmt.Errorf("broadcast %d does not exist; see `onair broadcast list`", id)
	}
	if err != nil {
		return nil, nil, err
	}
	return b, a.campaignOf(ctx, b), nil
}

// campaignOf is the broadcast's campaign, by id or, as a CMS may write it, by name (nil when it
// has none, or names one that does not exist: the row's error says so).
func (a *app) campaignOf(ctx context.Context, b *models.Broadcast) *models.Campaign {
	var c *models.Campaign
	switch {
	case b.CampaignID != nil:
		c, _ = a.store.CampaignByID(ctx, *b.CampaignID)
	case b.CampaignName != nil && strings.TrimSpace(*b.CampaignName) != "":
		c, _ = a.store.CampaignByName(ctx, *b.CampaignName)
	}
	return c
}

func campaignLoc(c *models.Campaign) *time.Location {
	if c == nil {
		return time.UTC
	}
	loc, err := c.Location()
	if err != nil {
		return time.UTC
	}
	return loc
}

// broadcastView is a broadcast as list and show print it in JSON.
type broadcastView struct {
	models.Broadcast
	Phase    string                    `json:"phase"` // the status as the clock reads it: "live (by the clock)"...
	Campaign string                    `json:"campaign"`
	TimeZone string                    `json:"time_zone"`
	Posts    map[models.PostStatus]int `json:"posts"`
}

func newBroadcastView(b models.Broadcast, c *models.Campaign, counts map[models.PostStatus]int, now time.Time) broadcastView {
	v := broadcastView{Broadcast: b, Phase: scheduler.Phase(&b, now), Posts: counts, TimeZone: "UTC"}
	if v.Posts == nil {
		v.Posts = map[models.PostStatus]int{}
	}
	if c != nil {
		v.Campaign, v.TimeZone = c.Name, c.TimeZone
	} else if b.CampaignName != nil {
		v.Campaign = *b.CampaignName
	}
	return v
}

func postSummary(counts map[models.PostStatus]int) string {
	var parts []string
	for _, st := range models.PostStatuses {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		return "no posts"
	}
	return strings.Join(parts, ", ")
}

func (a *app) broadcastListCmd() *cobra.Command {
	var (
		asJSON           bool
		campaign, status string
		limit, offset    int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List broadcasts by start time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			if status != "" && !slices.Contains(models.BroadcastStatuses, models.BroadcastStatus(status)) {
				return fmt.Errorf("status %q not known; use one of %s", status, models.Join(models.BroadcastStatuses, ", "))
			}
			if limit < 0 || offset < 0 {
				return errors.New("--limit and --offset count broadcasts: give 0 or more")
			}
			if _, err := a.planner.Reconcile(ctx); err != nil {
				return err
			}
			filter := models.BroadcastFilter{Status: models.BroadcastStatus(status), Limit: limit, Offset: offset}
			if campaign != "" {
				c, err := a.findCampaign(ctx, campaign)
				if err != nil {
					return err
				}
				filter.CampaignID = c.ID
			}
			views, err := a.broadcastViews(ctx, filter)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, views)
			}
			return a.printBroadcasts(ctx, views, filter)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&campaign, "campaign", "", "only this campaign's broadcasts")
	cmd.Flags().StringVar(&status, "status", "", "only broadcasts in this status (scheduled, live, ended, cancelled)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many (0: all)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many (the next page)")
	return cmd
}

// broadcastViews lists the broadcasts filter selects, each with its campaign (by id, or by the
// name a CMS wrote) and its posts counted by status.
func (a *app) broadcastViews(ctx context.Context, filter models.BroadcastFilter) ([]broadcastView, error) {
	list, err := a.store.ListBroadcasts(ctx, filter)
	if err != nil {
		return nil, err
	}
	camps, err := a.store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	byID, byName := map[int64]models.Campaign{}, map[string]models.Campaign{}
	for _, c := range camps {
		byID[c.ID], byName[strings.ToLower(c.Name)] = c, c
	}
	ids := make([]int64, len(list))
	for i, b := range list {
		ids[i] = b.ID
	}
	counts, err := a.store.CountPostsByStatus(ctx, ids)
	if err != nil {
		return nil, err
	}
	views := make([]broadcastView, 0, len(list))
	for _, b := range list {
		var c *models.Campaign
		if b.CampaignID != nil {
			if found, ok := byID[*b.CampaignID]; ok {
				c = &found
			}
		} else if b.CampaignName != nil {
			if found, ok := byName[strings.ToLower(strings.TrimSpace(*b.CampaignName))]; ok {
				c = &found
			}
		}
		views = append(views, newBroadcastView(b, c, counts[b.ID], a.now()))
	}
	return views, nil
}

// printBroadcasts prints views as a table, and where the next page starts when filter left some
// out.
func (a *app) printBroadcasts(ctx context.Context, views []broadcastView, filter models.BroadcastFilter) error {
	if len(views) == 0 {
		fmt.Fprintln(a.out, "No broadcast. Add one: onair broadcast add --campaign NAME --title \"...\" --at \"YYYY-MM-DD HH:MM\"")
		return nil
	}
	total, err := a.store.CountBroadcasts(ctx, filter)
	if err != nil {
		return err
	}
	tw := newTable(a.out)
	fmt.Fprintln(tw, "ID\tSTART\tTITLE\tCAMPAIGN\tSTATUS\tPOSTS")
	for _, v := range views {
		loc, _ := models.LoadLocation(v.TimeZone)
		posts := postSummary(v.Posts)
		if v.Error != "" {
			posts += "  ! " + short(v.Error, 60)
		}
		start := showTime(v.StartsAt.Time, loc)
		if v.StartsAt.Invalid != "" {
			start = fmt.Sprintf("%q?", v.StartsAt.Invalid)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.ID, start, short(v.Title, 40), v.Campaign, v.Phase, posts)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if shown := filter.Offset + len(views); int64(shown) < total {
		fmt.Fprintf(a.out, "\nShowing %d-%d of %d. Next page: --offset %d (or --limit 0 for all).\n", filter.Offset+1, shown, total, shown)
	}
	return nil
}

func (a *app) broadcastShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a broadcast",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, c, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			counts, err := a.store.CountPostsByStatus(ctx, []int64{b.ID})
			if err != nil {
				return err
			}
			v := newBroadcastView(*b, c, counts[b.ID], a.now())
			loc := campaignLoc(c)
			link, err := a.linkView(ctx, b, c, loc)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, broadcastSourceView{broadcastView: v, Link: link})
			}
			tw := newTable(a.out)
			fmt.Fprintf(tw, "Broadcast\t%d\n", b.ID)
			fmt.Fprintf(tw, "Title\t%s\n", b.Title)
			fmt.Fprintf(tw, "Campaign\t%s\n", v.Campaign)
			fmt.Fprintf(tw, "Starts\t%s (%s)\n", showTime(b.StartsAt.Time, loc), until(a.now(), b.StartsAt.Time))
			fmt.Fprintf(tw, "Ends\t%s (%d min)\n", showTime(b.EndsAt(), loc), int(b.Duration().Minutes()))
			fmt.Fprintf(tw, "Status\t%s\n", v.Phase)
			if !b.StartedAt.IsZero() {
				fmt.Fprintf(tw, "Went live\t%s\n", showTime(b.StartedAt.Time, loc))
			}
			if !b.EndedAt.IsZero() {
				fmt.Fprintf(tw, "Ended\t%s\n", showTime(b.EndedAt.Time, loc))
			}
			fmt.Fprintf(tw, "Watch URL\t%s\n", orDash(b.WatchURL))
			fmt.Fprintf(tw, "Replay URL\t%s\n", orDash(b.ReplayURL))
			if b.ExternalRef != nil {
				fmt.Fprintf(tw, "External ref\t%s\n", *b.ExternalRef)
			}
			a.printLink(tw, b, link, loc)
			fmt.Fprintf(tw, "Posts\t%s\n", postSummary(v.Posts))
			if b.Error != "" {
				fmt.Fprintf(tw, "Error\t%s\n", b.Error)
			}
			tw.Flush()
			fmt.Fprintf(a.out, "\nThe timeline: onair plan show %d\n", b.ID)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) broadcastEditCmd() *cobra.Command {
	var f broadcastFlags
	cmd := &cobra.Command{
		Use:     "edit ID [--title ...] [--at ...] [--duration ...] [--watch-url ...] [--replay-url ...]",
		Short:   "Change a broadcast; its pending posts are re-planned",
		Example: `  onair broadcast edit 1 --title "Lancement de la collection été" --watch-url https://x.com/i/broadcasts/1XYZ`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editBroadcast(cmd, args[0], &f)
		},
	}
	cmd.Flags().StringVar(&f.title, "title", "", "new title")
	cmd.Flags().StringVar(&f.description, "description", "", "new description")
	cmd.Flags().StringVar(&f.at, "at", "", "new start time")
	cmd.Flags().StringVar(&f.duration, "duration", "", "new expected length")
	cmd.Flags().StringVar(&f.watchURL, "watch-url", "", "new watch URL")
	cmd.Flags().StringVar(&f.replayURL, "replay-url", "", "the replay's URL")
	cmd.Flags().StringVar(&f.tz, "tz", "", "read --at in this zone instead of the campaign's")
	cmd.Flags().StringVar(&f.image, "image", "", `a picture for its teasers ("" to use the campaign's)`)
	cmd.Flags().StringVar(&f.imageAlt, "image-alt", "", "the picture's description")
	cmd.Flags().StringVar(&f.sourceRef, "source-ref", "", `tie it to a live platform's broadcast, e.g. youtube:VIDEO_ID: its start, end and replay then come from there ("none" to untie)`)
	return cmd
}

func (a *app) broadcastRescheduleCmd() *cobra.Command {
	var f broadcastFlags
	cmd := &cobra.Command{
		Use:     "reschedule ID --at TIME",
		Short:   "Move a broadcast; its pending posts follow",
		Example: `  onair broadcast reschedule 1 --at "2027-03-31 19:00"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.at == "" {
				return errors.New("to when? add --at \"2027-03-31 19:00\" (or \"+1d\")")
			}
			return a.editBroadcast(cmd, args[0], &f)
		},
	}
	cmd.Flags().StringVar(&f.at, "at", "", "new start time (required)")
	cmd.Flags().StringVar(&f.tz, "tz", "", "read --at in this zone instead of the campaign's")
	return cmd
}

// editBroadcast writes the flags that were set, re-plans and prints the plan.
func (a *app) editBroadcast(cmd *cobra.Command, arg string, f *broadcastFlags) error {
	ctx := cmd.Context()
	b, c, err := a.openBroadcast(ctx, arg)
	if err != nil {
		return err
	}
	var e models.BroadcastEdit
	changed := cmd.Flags().Changed
	str := func(v string) *string { return &v }
	if changed("title") {
		if strings.TrimSpace(f.title) == "" {
			return errors.New("the title cannot be empty")
		}
		e.Title = str(strings.TrimSpace(f.title))
	}
	if changed("description") {
		e.Description = str(f.description)
	}
	if changed("at") {
		if c == nil {
			return fmt.Errorf("broadcast %d has no campaign; fix its campaign first", b.ID)
		}
		start, _, err := a.start(f, c)
		if err != nil {
			return err
		}
		t := models.NewTime(start)
		e.StartsAt = &t
	}
	if changed("duration") {
		m, err := parseDuration(f.duration)
		if err != nil {
			return err
		}
		e.DurationMinutes = &m
	}
	for flag, field := range map[string]**string{"watch-url": &e.WatchURL, "replay-url": &e.ReplayURL} {
		if changed(flag) {
			v, _ := cmd.Flags().GetString(flag)
			if err := models.ValidWatchURL(v); err != nil {
				return err
			}
			*field = str(v)
		}
	}
	if changed("image") {
		image, err := imagePath(f.image)
		if err != nil {
			return err
		}
		if c != nil {
			if err := a.checkImage(ctx, image, channelNames(c)); err != nil {
				return err
			}
		}
		e.Image = str(image)
	}
	if changed("image-alt") {
		e.ImageAlt = str(strings.TrimSpace(f.imageAlt))
	}
	if changed("source-ref") {
		if err := a.tieBroadcast(ctx, b, c, f.sourceRef); err != nil {
			return err
		}
		if e.Empty() {
			return nil
		}
	}
	if e.Empty() {
		return errors.New("nothing to change; give at least one of --title, --at, --duration, --watch-url, --replay-url, --description, --image, --source-ref")
	}
	if b.Status == models.BroadcastCancelled {
		fmt.Fprintf(a.errOut, "note: broadcast %d is cancelled; its posts stay cancelled (undo: onair broadcast reopen %d).\n", b.ID, b.ID)
	}
	if e.StartsAt != nil && (b.Status == models.BroadcastLive || b.Status == models.BroadcastEnded) {
		fmt.Fprintf(a.errOut, "note: broadcast %d was %s; at its new time it is scheduled again.\n", b.ID, b.Status)
	}
	res, err := a.life.Edit(ctx, b.ID, e)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Broadcast %d updated.\n\n", b.ID)
	if err := a.printPlan(ctx, b.ID); err != nil {
		return err
	}
	if e.StartsAt != nil || e.Title != nil || e.WatchURL != nil {
		a.warnEdited(ctx, b.ID)
	}
	return planFailed(res)
}

// warnEdited tells the marketer which posts they rewrote by hand: a re-plan moves them but keeps
// their text, which may name the old date, time, title or link.
func (a *app) warnEdited(ctx context.Context, id int64) {
	posts, err := a.store.PostsOfBroadcast(ctx, id)
	if err != nil {
		return
	}
	var ids []string
	for _, p := range posts {
		if p.Edited && models.Pending(p.Status) {
			ids = append(ids, fmt.Sprint(p.ID))
		}
	}
	if len(ids) == 0 {
		return
	}
	its := "their"
	if len(ids) == 1 {
		its = "its"
	}
	fmt.Fprintf(a.errOut, "note: %s edited by hand kept %s text, which may name the old date, title or link: check %s (`onair post show ID`, then `onair post edit ID --text ...`).\n",
		plural(len(ids), "post", "posts"), its, strings.Join(ids, ", "))
}

func (a *app) broadcastCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a broadcast: its pending posts are cancelled (posts already sent stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			if b.Status == models.BroadcastCancelled {
				fmt.Fprintf(a.out, "Broadcast %d is already cancelled.\n", b.ID)
				return nil
			}
			res, err := a.life.Cancel(ctx, b.ID)
			if err != nil {
				return err
			}
			posts, _ := a.store.PostsOfBroadcast(ctx, b.ID)
			sent := 0
			for _, p := range posts {
				if p.Status == models.PostSent {
					sent++
				}
			}
			fmt.Fprintf(a.out, "Broadcast %d %q cancelled: %s cancelled", b.ID, b.Title, plural(res.Cancelled, "pending post", "pending posts"))
			if sent > 0 {
				fmt.Fprintf(a.out, " (%s already sent stay as they are)", plural(sent, "post", "posts"))
			}
			fmt.Fprintln(a.out, ".")
			fmt.Fprintln(a.out, "Undo: onair broadcast reopen", b.ID)
			return nil
		},
	}
}

func (a *app) broadcastDeleteCmd() *cobra.Command {
	var force, yes bool
	cmd := &cobra.Command{
		Use:   "delete ID [--yes] [--force]",
		Short: "Delete a broadcast and its posts (cancel keeps it; delete forgets it)",
		Long: `Deletes a broadcast with its posts and their attempts. It asks first, unless --yes.
A broadcast some of whose posts went out keeps them as its history: deleting it takes --force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, _, err := a.openBroadcast(ctx, args[0])
			if err != nil {
				return err
			}
			posts, err := a.store.PostsOfBroadcast(ctx, b.ID)
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(a.errOut, "Delete broadcast %d %q and its %s? This cannot be undone (`onair broadcast cancel %d` can). [y/N] ",
					b.ID, b.Title, plural(len(posts), "post", "posts"), b.ID)
				if !confirmed(a.in) {
					return errors.New("not deleted; to delete without this question, add --yes")
				}
			}
			res, err := a.life.Delete(ctx, b.ID, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Broadcast %d %q deleted, with %s", b.ID, b.Title, plural(res.Posts, "post", "posts"))
			if res.Sent > 0 {
				fmt.Fprintf(a.out, " (%d of them had gone out: they stay on their networks)", res.Sent)
			}
			fmt.Fprintln(a.out, ".")
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	cmd.Flags().BoolVar(&force, "force", false, "delete it even though some of its posts went out")
	return cmd
}

// confirmed reads a yes from a person; anything else, or no answer, is a no.
func confirmed(in io.Reader) bool {
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "o", "oui":
		return true
	}
	return false
}

// channelNames lists a campaign's channels by name.
func channelNames(c *models.Campaign) []string {
	names := make([]string, len(c.Channels))
	for i, ch := range c.Channels {
		names[i] = ch.Name
	}
	return names
}

// kindOrder is the order of kinds due at the same moment.
var kindOrder = map[models.Kind]int{models.KindTeaser: 0, models.KindReminder: 1, models.KindLive: 2, models.KindReplay: 3}

// sortPosts orders posts as the plan reads: by due time, then kind, step and channel.
func sortPosts(posts []models.Post, channelName func(int64) string) {
	sort.SliceStable(posts, func(i, j int) bool {
		a, b := posts[i], posts[j]
		if !a.DueAt.Equal(b.DueAt.Time) {
			return a.DueAt.Before(b.DueAt.Time)
		}
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		return channelName(a.ChannelID) < channelName(b.ChannelID)
	})
}
