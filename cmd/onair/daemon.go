package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// runFlags are the settings daemon and run-due share.
type runFlags struct {
	logJSON  bool
	logLevel string
	listen   string
	standby  bool
	retries  int
	backoff  time.Duration
	lease    time.Duration
	daemon   bool // onair daemon, not one run-due pass
	// syncPace multiplies every interval of the source sync's schedule (scheduler.SyncConfig.Paced):
	// the hidden --sync-pace, for the end-to-end tests, whose fake platforms live in seconds.
	syncPace float64
	// cpuProfile is the hidden --cpuprofile: a CPU profile of the whole run, written at its end
	// (the benchmark profiles an idle daemon with it).
	cpuProfile string
}

func (f *runFlags) register(cmd *cobra.Command, daemon bool) {
	cmd.Flags().BoolVar(&f.logJSON, "log-json", false, "log JSON lines instead of text")
	cmd.Flags().StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().IntVar(&f.retries, "max-attempts", 8, "tries before a post fails for good")
	cmd.Flags().DurationVar(&f.backoff, "retry-base", 10*time.Second, "first retry delay (doubles each try, with jitter)")
	cmd.Flags().DurationVar(&f.lease, "lease", 2*time.Minute, "how long a claimed post is reserved; on PostgreSQL, how soon another daemon resends the posts of one that died")
	f.daemon = daemon
	if daemon {
		cmd.Flags().StringVar(&f.listen, "listen", "", "serve /healthz and Prometheus /metrics on this address (e.g. 127.0.0.1:9090)")
		cmd.Flags().BoolVar(&f.standby, "standby", false, "if another daemon sends from this database, wait and take over when it stops")
		cmd.Flags().Float64Var(&f.syncPace, "sync-pace", 1, "multiply every interval of the source sync by this (tests: 0.1 reads a source every 2 s near a live)")
		cmd.Flags().MarkHidden("sync-pace")
		cmd.Flags().StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
		cmd.Flags().MarkHidden("cpuprofile")
	}
}

func (f *runFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q not known; use debug, info, warn or error", f.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if f.logJSON {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// engine is what daemon, run-due and demo need: the lock, the dispatcher, the daemon.
// A daemon (not a run-due pass) writes a heartbeat file beside a SQLite database: `onair status`
// reads it.
func (a *app) engine(ctx context.Context, f *runFlags, log *slog.Logger, metrics *scheduler.Metrics, consoleOut io.Writer) (*scheduler.Daemon, *scheduler.DispatchLock, error) {
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano()%1e6)
	posters, err := a.posters(consoleOut)
	if err != nil {
		return nil, nil, err
	}
	disp := scheduler.NewDispatcher(a.store, posters.For, scheduler.DispatchConfig{
		Owner: owner, MaxAttempts: f.retries, BackoffBase: f.backoff, Lease: f.lease, Remedy: remedy,
	}, a.now, log, metrics)
	planner := scheduler.NewPlanner(a.store, a.now, log)
	planner.Remedy = remedy
	sync, err := a.daemonSyncer(planner, log)
	if err != nil {
		return nil, nil, err
	}
	if a.store.Engine() == models.EnginePostgres {
		// Several daemons may share a PostgreSQL database: claims skip each other's rows, and one
		// elected daemon reconciles.
		sqlDB, err := a.store.SQLDB()
		if err != nil {
			return nil, nil, err
		}
		elector := scheduler.NewElector(sqlDB)
		elector.OnElected = func() { log.Info("elected: this daemon now reconciles and housekeeps", slog.String("owner", owner)) }
		cfg := scheduler.DaemonConfig{PostgresDSN: a.cfg.DB, Elector: elector, Sync: sync, SyncEvery: sync.LookEvery()}
		return a.collecting(scheduler.NewDaemon(a.store, planner, disp, metrics, cfg, a.now, log), posters, log), nil, nil
	}
	lock, err := scheduler.LockDispatch(a.cfg.DB)
	for errors.Is(err, scheduler.ErrLocked) && f.standby {
		log.Info("standing by: another onair sends from this database", slog.String("holder", err.Error()))
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(time.Second):
		}
		lock, err = scheduler.LockDispatch(a.cfg.DB)
	}
	if errors.Is(err, scheduler.ErrLocked) {
		return nil, nil, fmt.Errorf("%v; only one onair may send from a SQLite file. Stop it first, or run this one with --standby to take over when it stops", err)
	}
	if err != nil {
		return nil, nil, err
	}
	heartbeat := ""
	if f.daemon {
		heartbeat = scheduler.HeartbeatPath(a.cfg.DB)
	}
	d := scheduler.NewDaemon(a.store, planner, disp, metrics, scheduler.DaemonConfig{DBPath: a.cfg.DB, Exclusive: true, Sync: sync,
		SyncEvery: sync.LookEvery(), Heartbeat: heartbeat, Version: buildVersion().String()}, a.now, log)
	return a.collecting(d, posters, log), lock, nil
}

func (a *app) daemonCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run: plan what changes and send every post at its time, until stopped",
		Long: `daemon plans broadcasts as they are added or changed (from the CLI or a CMS writing the
database) and sends each post at its due time. Stop it with Ctrl-C or SIGTERM: it claims nothing
new, lets sends under way finish and gives back the rest. Only one daemon sends from a SQLite file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := f.logger(a.errOut)
			if err != nil {
				return err
			}
			if f.syncPace <= 0 {
				return fmt.Errorf("--sync-pace %v: give a factor above 0 (1 is the normal schedule)", f.syncPace)
			}
			a.syncCfg = a.syncCfg.Paced(f.syncPace)
			if f.cpuProfile != "" {
				out, err := os.Create(f.cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				if err := pprof.StartCPUProfile(out); err != nil {
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				defer func() { pprof.StopCPUProfile(); out.Close() }()
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			host, _ := os.Hostname()
			a.daemon = &models.DaemonInfo{PID: os.Getpid(), Host: host, Version: buildVersion().Version, StartedAt: a.now().UTC()}
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			metrics := scheduler.NewMetrics()
			if f.listen != "" {
				srv, err := serveOps(f.listen, metrics, log, a.calendarHandler(log))
				if err != nil {
					return err
				}
				defer srv.Shutdown(context.Background())
			}
			d, lock, err := a.engine(ctx, &f, log, metrics, a.out)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			defer lock.Release()
			return d.Run(ctx)
		},
	}
	f.register(cmd, true)
	return cmd
}

// signalContext ends on SIGINT or SIGTERM: the graceful stop.
func signalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// serveOps serves /healthz, /metrics and /calendar.ics.
func serveOps(addr string, m *scheduler.Metrics, log *slog.Logger, calendar http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if ok, reason := m.Health.Check(); !ok {
			http.Error(w, "unhealthy: "+reason, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	mux.Handle("/calendar.ics", calendar)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	log.Info("serving health and metrics", slog.String("addr", ln.Addr().String()))
	return srv, nil
}

// calendarHandler serves `onair calendar --ics` (every broadcast; ?campaign=NAME for one
// campaign's), for a calendar app to subscribe to.
func (a *app) calendarHandler(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var camp *models.Campaign
		if name := r.URL.Query().Get("campaign"); name != "" {
			c, err := a.findCampaign(r.Context(), name)
			if err != nil {
				http.Error(w, err.Error(), http.StatusNotFound)
				return
			}
			camp = c
		}
		var buf bytes.Buffer
		if err := a.calendarICS(r.Context(), &buf, time.Time{}, time.Time{}, camp); err != nil {
			log.Error("calendar feed", slog.String("err", err.Error()))
			http.Error(w, "the calendar could not be read; see onair's log", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Write(buf.Bytes())
	})
}

func (a *app) runDueCmd() *cobra.Command {
	var (
		f      runFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "run-due",
		Short: "One pass for a crontab line: plan what changed, send what is due, exit",
		Long: `run-due plans broadcasts added or changed since the last pass, sends every post that is due,
and exits. The exit code is 0 when everything due went out, 2 when some post is waiting for a
retry or failed, 1 on an error. Example crontab line (every minute):

  * * * * *  ONAIR_DB=/var/lib/onair/onair.db /usr/local/bin/onair run-due --log-json >> /var/log/onair/run-due.log 2>&1

as the user that owns the database (see deploy/crontab.example).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := f.logger(a.errOut)
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			// With --json, standard output is the JSON alone: console channels print on stderr.
			consoleOut := a.out
			if asJSON {
				consoleOut = a.errOut
			}
			d, lock, err := a.engine(ctx, &f, log, nil, consoleOut)
			if err != nil {
				return err
			}
			defer lock.Release()
			res, err := d.RunOnce(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(a.out, res); err != nil {
					return err
				}
			} else {
				s := res.Dispatch
				fmt.Fprintf(a.errOut, "run-due: planned %d broadcast(s); sent %d, retry later %d, held by their channel %d, failed %d, skipped %d, recovered %d, unknown %d; %d due post(s) still waiting.\n",
					res.Planned, s.Sent, s.Retry, s.Held, s.Failed, s.Skipped, s.Recovered, s.Unknown, res.DueLeft)
			}
			if !res.OK() {
				return exitCode{code: 2, msg: "not everything due went out; see `onair post list --status failed` and `--status planned`"}
			}
			return nil
		},
	}
	f.register(cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the pass's result as JSON")
	return cmd
}

// exitCode is an error that sets the process's exit code.
type exitCode struct {
	code int
	msg  string
}

func (e exitCode) Error() string { return e.msg }
