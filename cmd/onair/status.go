package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// daemonState is what `onair status` found of a daemon.
type daemonState struct {
	Running bool   `json:"running"`
	Checked bool   `json:"checked"`          // whether onair could tell (false when the lock or the sessions could not be read)
	Note    string `json:"note,omitempty"`   // what the lock and the heartbeat say, in words
	PID     int    `json:"pid,omitempty"`    // the process holding the dispatch lock
	Source  string `json:"source,omitempty"` // "daemon", or "run-due" (a pass holds the lock, no heartbeat)
	// Daemons are every daemon with a session on a PostgreSQL database (several may share one).
	Daemons []models.DaemonInfo `json:"daemons,omitempty"`
	*scheduler.Heartbeat
}

// channelState is a channel that cannot send right now.
type channelState struct {
	Name   string    `json:"name"`
	Status string    `json:"status"` // needs-auth, paused, or held (a rate limit)
	Reason string    `json:"reason,omitempty"`
	Until  time.Time `json:"until,omitzero"`
}

// statusView is `onair status --json`.
type statusView struct {
	OK       bool           `json:"ok"`
	Problems []string       `json:"problems"`
	Daemon   daemonState    `json:"daemon"`
	Next     []postView     `json:"next_posts"`
	Failed   []postView     `json:"failed_last_24h"` // failed or unknown
	Channels []channelState `json:"channels_not_sending"`
	Invalid  []postView     `json:"invalid_posts"`
}

func (a *app) statusCmd() *cobra.Command {
	var (
		asJSON, cron bool
		next         int
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Where things stand: the daemon, the next posts, what failed, channels that cannot send",
		Long: `status says whether a daemon sends from this database (pid, since when, its version), lists the
next posts, the posts that failed or are unknown in the last 24 hours, the channels held by a rate
limit or needing new credentials, and the posts that cannot go out as they are (invalid).

It exits 0 when all is well and 1 when something needs a person: no daemon running (unless
--cron: posts go out through run-due), a failed or unknown post in the last 24 hours, a channel
needing auth or paused, an invalid post still to come. A monitoring check can run it as it is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			v, err := a.status(ctx, next, cron)
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(a.out, v); err != nil {
					return err
				}
			} else {
				a.printStatus(v)
			}
			if !v.OK {
				return exitCode{code: 1, msg: "status: " + strings.Join(v.Problems, "; ")}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&cron, "cron", false, "posts go out through run-due from cron: no daemon is expected")
	cmd.Flags().IntVar(&next, "next", 5, "how many of the next posts to list")
	return cmd
}

func (a *app) status(ctx context.Context, nextN int, cron bool) (statusView, error) {
	now := a.now()
	v := statusView{Problems: []string{}, Next: []postView{}, Failed: []postView{}, Channels: []channelState{}, Invalid: []postView{}}
	v.Daemon = a.daemonState(now)
	if v.Daemon.Checked && !v.Daemon.Running && !cron {
		v.Problems = append(v.Problems, "no daemon is running: posts do not go out")
	}

	views := func(f models.PostFilter) ([]postView, error) {
		posts, err := a.store.ListPosts(ctx, f)
		if err != nil {
			return nil, err
		}
		pv, _, err := a.postViews(ctx, posts, nil)
		if pv == nil {
			pv = []postView{}
		}
		return pv, err
	}
	var err error
	if nextN > 0 {
		if v.Next, err = views(models.PostFilter{Status: models.PostPlanned, Limit: nextN}); err != nil {
			return v, err
		}
	}
	if v.Failed, err = views(models.PostFilter{Statuses: []models.PostStatus{models.PostFailed, models.PostUnknown}, Since: now.Add(-24 * time.Hour)}); err != nil {
		return v, err
	}
	if n := len(v.Failed); n > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%s failed or unknown in the last 24 hours", plural(n, "post", "posts")))
	}
	invalid, err := views(models.PostFilter{Status: models.PostInvalid})
	if err != nil {
		return v, err
	}
	for _, p := range invalid {
		if p.DueAt.After(now) {
			v.Invalid = append(v.Invalid, p)
		}
	}
	if n := len(v.Invalid); n > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%s cannot go out as written (invalid)", plural(n, "post", "posts")))
	}
	chans, err := a.store.Channels(ctx)
	if err != nil {
		return v, err
	}
	for _, ch := range chans {
		switch {
		case ch.Status != models.ChannelActive:
			v.Channels = append(v.Channels, channelState{Name: ch.Name, Status: string(ch.Status), Reason: ch.StatusReason})
			v.Problems = append(v.Problems, fmt.Sprintf("channel %s is %s", ch.Name, ch.Status))
		case ch.PausedUntil.After(now):
			v.Channels = append(v.Channels, channelState{Name: ch.Name, Status: "held", Reason: ch.StatusReason, Until: ch.PausedUntil.Time})
		}
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}

// daemonState reads the dispatch lock and the heartbeat beside a SQLite database.
func (a *app) daemonState(now time.Time) daemonState {
	if models.IsPostgres(a.cfg.DB) {
		return a.postgresDaemons()
	}
	st := daemonState{Checked: true}
	held, pid, err := scheduler.LockHolder(a.cfg.DB)
	if err != nil {
		st.Note = err.Error()
		return st
	}
	hb, hbErr := scheduler.ReadHeartbeat(scheduler.HeartbeatPath(a.cfg.DB))
	switch {
	case held && hbErr == nil && (pid == 0 || hb.PID == pid):
		st.Running, st.PID, st.Source, st.Heartbeat = true, hb.PID, "daemon", &hb
	case held:
		st.PID, st.Source = pid, "run-due"
		st.Note = fmt.Sprintf("process %d holds the dispatch lock but writes no heartbeat: a run-due pass, or a daemon older than this version", pid)
	case hbErr == nil:
		st.Note = fmt.Sprintf("the last daemon (pid %d) stopped without cleaning up; it was last seen %s", hb.PID, until(now, hb.LastPass))
	case errors.Is(hbErr, os.ErrNotExist):
		st.Note = "no onair holds the dispatch lock"
	default:
		st.Note = hbErr.Error()
	}
	return st
}

// postgresDaemons finds the daemons by their sessions on the database (models.Daemons): each
// daemon names its sessions, so one that died is gone from the list.
func (a *app) postgresDaemons() daemonState {
	st := daemonState{Checked: true}
	ds, err := a.store.Daemons(context.Background())
	if err != nil {
		st.Note = err.Error()
		return st
	}
	if len(ds) == 0 {
		st.Note = "no onair daemon has a session on this database"
		return st
	}
	st.Running, st.Source, st.Daemons = true, "daemon", ds
	d := ds[0]
	st.PID = d.PID
	st.Heartbeat = &scheduler.Heartbeat{PID: d.PID, Host: d.Host, Version: d.Version, StartedAt: d.StartedAt}
	return st
}

func (a *app) printStatus(v statusView) {
	now := a.now()
	d := v.Daemon
	switch {
	case d.Running && len(d.Daemons) > 0: // PostgreSQL: every daemon on the database
		for _, x := range d.Daemons {
			fmt.Fprintf(a.out, "Daemon: running, pid %d on %s, since %s (%s), version %s.\n", x.PID, x.Host,
				showTime(x.StartedAt, time.Local), until(now, x.StartedAt), x.Version)
		}
	case d.Running:
		fmt.Fprintf(a.out, "Daemon: running, pid %d on %s, since %s (%s), version %s; last pass %s.\n", d.PID, d.Host,
			showTime(d.StartedAt, time.Local), until(now, d.StartedAt), d.Version, until(now, d.LastPass))
	case d.Checked:
		fmt.Fprintf(a.out, "Daemon: not running (%s).\n", d.Note)
	default:
		fmt.Fprintf(a.out, "Daemon: %s.\n", d.Note)
	}
	section := func(title string, posts []postView, none string) {
		fmt.Fprintf(a.out, "\n%s\n", title)
		if len(posts) == 0 {
			fmt.Fprintf(a.out, "  %s\n", none)
			return
		}
		tw := newTable(a.out)
		for _, p := range posts {
			note := short(p.Text, 50)
			if p.Error != "" {
				note = short(p.Error, 60)
			}
			fmt.Fprintf(tw, "  [%d]\t%s\t%s\tbroadcast %d\t%s %s\t%s\t%s\t%s\n", p.ID, showTime(p.DueAt.Time, p.loc), until(now, p.DueAt.Time),
				p.BroadcastID, p.Kind, p.Step, p.Channel, p.State, note)
		}
		tw.Flush()
	}
	section("Next posts", v.Next, "none planned")
	section("Failed or unknown in the last 24 hours", v.Failed, "none")
	fmt.Fprintln(a.out, "\nChannels not sending")
	if len(v.Channels) == 0 {
		fmt.Fprintln(a.out, "  none: every channel is active")
	}
	for _, c := range v.Channels {
		line := "  " + c.Name + ": " + c.Status
		if !c.Until.IsZero() {
			line += " until " + showTime(c.Until, time.Local)
		}
		if c.Reason != "" {
			line += " (" + short(c.Reason, 80) + ")"
		}
		fmt.Fprintln(a.out, line)
	}
	section("Invalid posts still to come", v.Invalid, "none")
	fmt.Fprintln(a.out)
	if v.OK {
		fmt.Fprintln(a.out, "All is well.")
		return
	}
	for _, p := range v.Problems {
		fmt.Fprintln(a.out, "! "+p)
	}
}
