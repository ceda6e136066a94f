package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// The demo's own database file, and the names it gives its campaign and channel (by which it
// knows a database it may replace).
const (
	demoDB       = "onair-demo.db"
	demoCampaign = "Demo"
	demoChannel  = "preview"
)

// demoCadence is a campaign compressed into minutes (or seconds with --fast).
type demoCadence struct {
	startIn, duration                 time.Duration
	teasers, reminders, replay, label string
}

var (
	// The 1d teaser is in the past already: the plan shows that onair leaves it out rather than
	// sending a "tomorrow" teaser minutes before the start.
	demoNormal = demoCadence{startIn: 3 * time.Minute, duration: 2 * time.Minute,
		teasers: "1d,2m,90s", reminders: "1m,20s", replay: "30s", label: "about 6 minutes"}
	demoFast = demoCadence{startIn: 14 * time.Second, duration: 6 * time.Second,
		teasers: "1d,12s", reminders: "8s,4s", replay: "3s", label: "about 25 seconds"}
)

func (a *app) demoCmd() *cobra.Command {
	var fast, planOnly, withSource bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch a whole campaign go out in a few minutes, on the console, with no account",
		Long: `demo creates ./onair-demo.db afresh (ONAIR_DB is not used; --db may name a new file, never one
that holds anything but an earlier demo) with a console channel, a campaign whose
cadence is compressed into minutes (plus a 1-day teaser whose time has already passed, to show that
onair leaves it out), and a broadcast starting 3 minutes from now. Then it runs the daemon: watch
the teasers, the reminders, the "we are live" post and the replay go out on this terminal.
--fast compresses it all into under a minute; --plan-only prints the plan and stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			// The demo starts afresh on a file of its own, whatever --db or ONAIR_DB say: an
			// operator who exported ONAIR_DB for the daemon must not lose that database to it.
			if !cmd.Flags().Changed("db") {
				if env := os.Getenv("ONAIR_DB"); env != "" {
					fmt.Fprintf(a.errOut, "note: the demo uses its own file, %s; ONAIR_DB (%s) is left alone.\n", demoDB, models.Redact(env))
				}
				a.cfg.DB = demoDB
			}
			if models.IsPostgres(a.cfg.DB) {
				return errors.New("the demo runs on a SQLite file of its own; drop --db (or give a new file's path)")
			}
			if err := a.demoMayReplace(ctx); err != nil {
				return err
			}
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(a.cfg.DB + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("start the demo afresh: %w", err)
				}
			}
			if err := a.open(ctx); err != nil {
				return err
			}
			cad := demoNormal
			if fast {
				cad = demoFast
			}
			if withSource {
				// The source's credentials are sealed: the key comes first, so that the channel's
				// settings are bound with it too.
				if _, err := a.vault(true); err != nil {
					return err
				}
			}
			ch := &models.Channel{Name: demoChannel, Network: "console", Settings: demoConsoleSettings(fast)}
			if err := a.store.CreateChannel(ctx, ch); err != nil {
				return err
			}
			c := &models.Campaign{Name: demoCampaign, TimeZone: localZone(), Lang: "en",
				Teasers: mustNormalize(cad.teasers), Reminders: mustNormalize(cad.reminders), ReplayAfter: mustNormalize(cad.replay),
				Hashtags: "#SpringLaunch #onair"}
			if err := a.store.CreateCampaign(ctx, c, []string{ch.Name}); err != nil {
				return err
			}
			if err := a.demoResultsSetup(ctx, c, fast); err != nil {
				return err
			}
			start := a.now().Add(cad.startIn).Truncate(time.Second)
			end := start.Add(cad.duration)
			var b *models.Broadcast
			if withSource {
				// The broadcast comes from a fake YouTube on loopback, which says when it starts
				// (late), ends and has its replay: nobody ends it by hand.
				imported, stopYT, err := a.demoSource(ctx, c, cad, start)
				if err != nil {
					return err
				}
				defer stopYT()
				b, end = imported, time.Time{}
			} else {
				// A demo broadcast lasts seconds or minutes, which duration_minutes cannot say: it
				// is ended by hand (runDemo), as a host would.
				b = &models.Broadcast{CampaignID: &c.ID, Title: "Spring collection launch",
					DurationMinutes: max(1, int(cad.duration/time.Minute)),
					StartsAt:        models.NewTime(start), WatchURL: "https://x.com/i/broadcasts/1DEMO",
					ReplayURL: "https://x.com/i/broadcasts/1DEMO"}
				if err := a.store.CreateBroadcast(ctx, b); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.out, "Demo database %s: a console channel, a campaign with its cadence compressed\n", a.cfg.DB)
			fmt.Fprintf(a.out, "(teasers %s, reminders %s before; replay %s after), and a broadcast starting in %s.\n",
				c.Teasers, c.Reminders, c.ReplayAfter, models.Offset{Duration: cad.startIn})
			fmt.Fprintf(a.out, "The 1d teaser's time has passed: onair does not create it.\n\n")
			if err := a.replanAndShow(ctx, b.ID); err != nil {
				return err
			}
			if planOnly {
				fmt.Fprintf(a.out, "\nTry next:\n")
				a.demoHints(b.ID, fmt.Sprintf("  onair demo%s\t# send it for real, on this terminal", map[bool]string{true: " --fast", false: ""}[fast]))
				return nil
			}
			fmt.Fprintf(a.out, "\nSending, %s. Ctrl-C stops the demo.\n\n", cad.label)
			return a.runDemo(ctx, b.ID, end)
		},
	}
	cmd.Flags().BoolVar(&fast, "fast", false, "compress the whole campaign into under a minute")
	cmd.Flags().BoolVar(&planOnly, "plan-only", false, "print the plan and stop")
	cmd.Flags().BoolVar(&withSource, "source", false, "the broadcast comes from a fake YouTube channel on this machine (no account): it starts late, and onair waits for it")
	return cmd
}

// demoMayReplace refuses to start the demo over a database that holds anything but an earlier
// demo: starting afresh deletes the file.
func (a *app) demoMayReplace(ctx context.Context) error {
	if _, err := os.Stat(a.cfg.DB); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	s, err := models.Open(ctx, a.cfg.DB, models.Options{Now: a.now})
	if err != nil {
		return fmt.Errorf("%s is not a demo database (%v); the demo only replaces its own: give a new file with --db", a.cfg.DB, err)
	}
	defer s.Close()
	camps, err := s.CampaignNames(ctx)
	if err != nil {
		return err
	}
	chans, err := s.Channels(ctx)
	if err != nil {
		return err
	}
	if len(camps) > 1 || len(camps) == 1 && camps[0] != demoCampaign || len(chans) > 1 || len(chans) == 1 && chans[0].Name != demoChannel {
		return fmt.Errorf("%s holds your data (%s, %s), not an earlier demo; the demo never replaces it: drop --db, or give a new file",
			a.cfg.DB, plural(len(camps), "campaign", "campaigns"), plural(len(chans), "channel", "channels"))
	}
	return nil
}

func mustNormalize(s string) string {
	n, err := models.NormalizeOffsets(s)
	if err != nil {
		panic(err)
	}
	return n
}

// runDemo runs the daemon until every post went out, playing the host: it marks the broadcast
// ended at end, so the replay posts follow.
func (a *app) runDemo(ctx context.Context, id int64, end time.Time) error {
	f := runFlags{logLevel: "warn", retries: 3, backoff: time.Second}
	log, err := f.logger(a.errOut)
	if err != nil {
		return err
	}
	d, lock, err := a.engine(ctx, &f, log, nil, a.out)
	if err != nil {
		return err
	}
	defer lock.Release()
	a.demoCollect(d)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	ended := end.IsZero() // a broadcast a source follows ends when its platform says so
	var story demoStory
	var sampled time.Time
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			cancel()
			return err
		case <-tick.C:
		}
		a.demoNarrate(ctx, id, &story)
		a.demoAudience(ctx, id, end, &sampled)
		if !ended && !a.now().Before(end) {
			ended = true
			if _, err := a.life.End(ctx, id, a.now(), "", false); err != nil {
				cancel()
				return err
			}
			fmt.Fprintf(a.out, "(the broadcast has ended: replay posts follow)\n\n")
			d.Kick()
		}
		if n, err := a.store.Pending(ctx); err == nil && n == 0 && ended && a.demoResultsDone(ctx, id) {
			cancel()
			<-done
			posts, _ := a.store.PostsOfBroadcast(context.Background(), id)
			sent := 0
			for _, p := range posts {
				if p.Status == models.PostSent {
					sent++
				}
			}
			a.demoReport(context.Background(), id)
			fmt.Fprintf(a.out, "Done: %d posts went out. Look at them again with:\n", sent)
			a.demoHints(id)
			log.Debug("demo finished", slog.Int("sent", sent))
			return nil
		}
	}
}

// demoHints prints the commands to look at the demo's broadcast, and more if given.
func (a *app) demoHints(id int64, more ...string) {
	db := a.cfg.DB
	if strings.ContainsAny(db, " '\"") {
		db = fmt.Sprintf("%q", db)
	}
	tw := newTable(a.out)
	fmt.Fprintf(tw, "  onair --db %s plan show %d\t# the timeline, with every post's text\n", db, id)
	fmt.Fprintf(tw, "  onair --db %s post list --broadcast %d\t# the posts and their status\n", db, id)
	fmt.Fprintf(tw, "  onair --db %s broadcast reschedule %d --at +10m\t# move it: the posts follow\n", db, id)
	fmt.Fprintf(tw, "  onair --db %s report %d --chart demo.png\t# what it achieved, and a chart\n", db, id)
	for _, m := range more {
		fmt.Fprintln(tw, m)
	}
	tw.Flush()
}
