package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/onairhq/onair/models"
)

// DaemonConfig tunes the daemon.
type DaemonConfig struct {
	DBPath         string        // the SQLite file, watched for other writers (a CMS)
	PostgresDSN    string        // or the PostgreSQL database, listened to (LISTEN/NOTIFY)
	Elector        *Elector      // PostgreSQL: elects the one daemon that reconciles and housekeeps
	Exclusive      bool          // no other dispatcher runs (SQLite's dispatch lock is held)
	WatchEvery     time.Duration // how often PRAGMA data_version is read (cheap)
	ReconcileEvery time.Duration // safety-net reconcile even when nothing seems to have changed
	SweepEvery     time.Duration // safety-net dispatch (the database, not a timer, is the truth)
	RecoverEvery   time.Duration // expired leases
	HousekeepEvery time.Duration
	StopTimeout    time.Duration // how long a graceful stop waits for jobs
	Heartbeat      string        // write a Heartbeat to this file (SQLite: HeartbeatPath) while running
	Version        string        // this build's version, in the heartbeat
	Sync           *Syncer       // reads the live sources (sync.go); nil: none
	SyncEvery      time.Duration // how often the sources due a read are looked for (each has its own pace)
	Collector      *Collector    // reads sent posts' engagement (elected daemon only); nil: none
	CollectEvery   time.Duration
	// Clock drives the daemon's timers and its jobs (gocron.WithClock); the real clock when nil.
	// A test passes clockwork.NewFakeClock() and advances it instead of sleeping.
	Clock clockwork.Clock
}

func (c *DaemonConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.WatchEvery, 200*time.Millisecond)
	def(&c.ReconcileEvery, 30*time.Second)
	def(&c.SweepEvery, 15*time.Second)
	def(&c.RecoverEvery, 15*time.Second)
	def(&c.HousekeepEvery, time.Hour)
	def(&c.StopTimeout, 10*time.Second)
	def(&c.SyncEvery, 5*time.Second)
	def(&c.CollectEvery, time.Minute)
	if c.Clock == nil {
		c.Clock = clockwork.NewRealClock()
	}
}

// Daemon plans what changes and sends what is due, on time, until its context ends.
type Daemon struct {
	store   *models.Store
	planner *Planner
	disp    *Dispatcher
	metrics *Metrics
	cfg     DaemonConfig
	now     func() time.Time
	log     *slog.Logger
	kick    chan struct{}

	mu          sync.Mutex
	lastVersion int64

	beat     Heartbeat // what the heartbeat file last said
	beatAt   time.Time // when it was last written
	nextSeen int64     // the next post last logged
}

// NewDaemon wires a daemon. The caller holds the dispatch lock (one dispatcher per SQLite file).
// now is the clock the daemon reads (cfg.Clock's when nil).
func NewDaemon(store *models.Store, planner *Planner, disp *Dispatcher, metrics *Metrics, cfg DaemonConfig, now func() time.Time, log *slog.Logger) *Daemon {
	cfg.defaults()
	if now == nil {
		now = cfg.Clock.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Daemon{store: store, planner: planner, disp: disp, metrics: metrics, cfg: cfg, now: now, log: log,
		kick: make(chan struct{}, 1), lastVersion: -1}
}

// Kick makes the dispatch loop look at the queue now.
func (d *Daemon) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// RunResult sums up one pass (onair run-due).
type RunResult struct {
	Planned    int           `json:"planned"`
	PlanErrors int           `json:"plan_errors"`
	Dispatch   DispatchStats `json:"dispatch"`
	DueLeft    int64         `json:"due_left"` // due posts still waiting (retry, rate limit)
}

// OK reports whether everything due went out.
func (r RunResult) OK() bool {
	return r.Dispatch.Failed == 0 && r.Dispatch.Unknown == 0 && r.DueLeft == 0
}

// RunOnce recovers interrupted sends, plans what changed and sends what is due, once.
func (d *Daemon) RunOnce(ctx context.Context) (RunResult, error) {
	var res RunResult
	rec, unk, err := d.disp.RecoverLeases(ctx, d.cfg.Exclusive)
	if err != nil {
		return res, err
	}
	d.syncSources(ctx)
	rr, err := d.planner.Reconcile(ctx)
	if err != nil {
		return res, err
	}
	res.Planned, res.PlanErrors = rr.Planned, rr.Errors
	res.Dispatch, err = d.disp.Dispatch(ctx)
	res.Dispatch.Recovered += rec
	res.Dispatch.Unknown += unk
	if err != nil {
		return res, err
	}
	d.collect(ctx) // engagement reads due (crontab users have no daemon); never fails the pass
	res.DueLeft, _, err = d.store.CountDue(ctx, d.now())
	return res, err
}

// Run works until ctx ends: it recovers what a previous run left "sending", then keeps planning
// changed broadcasts (noticing other writers through PRAGMA data_version) and sends each post at
// its due time, waking for the next due post rather than on a coarse tick. On stop it claims
// nothing new, lets sends under way finish, and gives back what it held.
func (d *Daemon) Run(ctx context.Context) error {
	// With the dispatch lock held, every post left "sending" was left by a dead process; with
	// several daemons on PostgreSQL, only expired leases are.
	if rec, unk, err := d.disp.RecoverLeases(ctx, d.cfg.Exclusive); err != nil {
		return err
	} else if rec+unk > 0 {
		d.log.Warn("recovered interrupted sends from a previous run", slog.Int("resent", rec), slog.Int("unknown", unk))
	}
	d.reconcile(ctx)
	d.housekeep(ctx)
	d.startSync(ctx)
	if d.cfg.PostgresDSN != "" {
		go listen(ctx, d.cfg.PostgresDSN, d.log, func(ctx context.Context) {
			d.reconcile(ctx)
			d.Kick()
		})
	}

	var watch *models.SQLiteWatcher
	if d.cfg.DBPath != "" {
		var err error
		if watch, err = models.WatchSQLite(d.cfg.DBPath); err != nil {
			return err
		}
		defer watch.Close()
	}

	// Jobs every daemon runs, and jobs only the elected one runs (all of them on SQLite).
	local, elected, err := d.schedulers()
	if err != nil {
		return err
	}
	jobs := []struct {
		name  string
		on    gocron.Scheduler
		every time.Duration
		fn    func(context.Context)
	}{
		{"watch", local, d.cfg.WatchEvery, func(ctx context.Context) { d.watch(ctx, watch) }},
		{"sweep", local, d.cfg.SweepEvery, func(context.Context) { d.Kick() }},
		{"recover", local, d.cfg.RecoverEvery, d.recover},
		{"reconcile", elected, d.cfg.ReconcileEvery, d.reconcile},
		{"housekeeping", elected, d.cfg.HousekeepEvery, d.housekeep},
		{"sources", elected, d.cfg.SyncEvery, d.syncSources},
		{"collect", elected, d.cfg.CollectEvery, d.collect},
	}
	for _, j := range jobs {
		if j.name == "watch" && watch == nil || j.name == "collect" && d.cfg.Collector == nil {
			continue
		}
		if _, err := j.on.NewJob(gocron.DurationJob(j.every), gocron.NewTask(j.fn),
			gocron.WithName(j.name), gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
			return fmt.Errorf("schedule %s: %w", j.name, err)
		}
	}
	local.Start()
	if elected != local {
		elected.Start()
	}
	d.log.Info("daemon started")
	d.startHeartbeat(ctx)
	if d.cfg.Heartbeat != "" {
		defer os.Remove(d.cfg.Heartbeat)
	}

	runErr := d.loop(ctx)
	d.stop(local, elected)
	return runErr
}

// schedulers makes the gocron schedulers of the daemon's jobs, on its clock: local runs on every
// daemon, elected on the elected one only (the same scheduler when there is no elector).
func (d *Daemon) schedulers() (local, elected gocron.Scheduler, err error) {
	local, err = gocron.NewScheduler(gocron.WithStopTimeout(d.cfg.StopTimeout), gocron.WithClock(d.cfg.Clock))
	if err != nil || d.cfg.Elector == nil {
		return local, local, err
	}
	elected, err = gocron.NewScheduler(gocron.WithStopTimeout(d.cfg.StopTimeout), gocron.WithClock(d.cfg.Clock),
		gocron.WithDistributedElector(d.cfg.Elector))
	return local, elected, err
}

// startHeartbeat says what this run is in the heartbeat, and logs the next post.
func (d *Daemon) startHeartbeat(ctx context.Context) {
	host, _ := os.Hostname()
	d.beat = Heartbeat{PID: os.Getpid(), Host: host, Version: d.cfg.Version, StartedAt: d.now().UTC()}
	d.nextSeen = -1
	d.afterPass(ctx, true)
}

// stop ends a run: the jobs (those under way finish, up to StopTimeout), leadership, and the
// claims not started, given back.
func (d *Daemon) stop(local, elected gocron.Scheduler) {
	for _, s := range []gocron.Scheduler{local, elected} {
		if err := s.Shutdown(); err != nil && !errors.Is(err, gocron.ErrStopSchedulerTimedOut) {
			d.log.Warn("stopping jobs", slog.String("error", err.Error()))
		}
		if elected == local {
			break
		}
	}
	if d.cfg.Elector != nil {
		d.cfg.Elector.Resign()
	}
	n, err := d.disp.Release(context.Background())
	if err != nil {
		d.log.Error("give back claimed posts", slog.String("error", err.Error()))
	} else if n > 0 {
		d.log.Info("gave back claimed posts", slog.Int64("posts", n))
	}
	d.log.Info("daemon stopped")
}

// loop dispatches, then sleeps until the next due time or a kick.
func (d *Daemon) loop(ctx context.Context) error {
	timer := d.cfg.Clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.Chan():
		case <-d.kick:
		}
		if !d.cfg.Exclusive {
			// The claims of a daemon that died are due again as their lease ends (NextWake
			// wakes for it), not at the next recover job.
			if _, _, err := d.disp.RecoverLeases(ctx, false); err != nil && ctx.Err() == nil {
				d.log.Error("recover leases", slog.String("error", err.Error()))
			}
		}
		stats, dispatchErr := d.disp.Dispatch(ctx)
		if dispatchErr != nil {
			if ctx.Err() != nil {
				return nil
			}
			d.log.Error("dispatch", slog.String("error", dispatchErr.Error()))
		}
		d.metrics.health("dispatch", dispatchErr)
		if stats.Claimed > 0 || stats.Skipped > 0 {
			d.log.Debug("dispatched", slog.Int("claimed", stats.Claimed), slog.Int("sent", stats.Sent),
				slog.Int("retry", stats.Retry), slog.Int("failed", stats.Failed), slog.Int("skipped", stats.Skipped))
		}
		if d.metrics != nil {
			// Only the due queue: counting every post planned for later on each wake made an
			// idle daemon's cost grow with them (the total is counted by housekeeping).
			if due, err := d.store.CountDueNow(ctx, d.now()); err == nil {
				d.metrics.dueNow(due)
			}
		}
		d.afterPass(ctx, stats.Claimed > 0)
		timer.Reset(d.nextWait(ctx, stats, dispatchErr))
	}
}

// nextWait is how long the loop sleeps after a pass: until the next due post or lease end, at
// most a sweep, and never so short that a pass that could claim nothing (or failed) spins.
func (d *Daemon) nextWait(ctx context.Context, stats DispatchStats, dispatchErr error) time.Duration {
	wait := d.cfg.SweepEvery
	next, ok, wakeErr := d.store.NextWake(ctx, d.now())
	if wakeErr == nil && ok {
		wait = min(wait, next.Sub(d.now()))
	}
	if dispatchErr != nil || wait < 5*time.Millisecond && stats.Claimed == 0 {
		wait = max(wait, 50*time.Millisecond) // nothing claimable yet: do not spin
	}
	return max(wait, 0)
}

// bigPlan is how many broadcasts one reconcile must plan for the daemon to refresh the
// database's statistics right after.
const bigPlan = 500

// heartbeatEvery is how often an idle daemon rewrites its heartbeat.
const heartbeatEvery = 10 * time.Second

// afterPass logs the next post when it changed (or when sent says a pass did something) and
// refreshes the heartbeat file.
func (d *Daemon) afterPass(ctx context.Context, sent bool) {
	next, err := d.store.NextPlanned(ctx)
	if err != nil {
		return
	}
	now := d.now()
	var id int64
	var due time.Time
	if len(next) > 0 {
		id, due = next[0].ID, next[0].DueAt.Time
	}
	if id != d.nextSeen || sent {
		d.nextSeen = id
		if id == 0 {
			d.log.Info("next post: none planned")
		} else {
			in := "now"
			if due.After(now) {
				in = "in " + lead(due.Sub(now))
			}
			p := next[0]
			d.log.Info(fmt.Sprintf("next post: %s %s of broadcast %d %s", p.Kind, p.Step, p.BroadcastID, in),
				slog.Int64("post", id), slog.Time("due", due))
		}
	}
	if d.cfg.Heartbeat == "" {
		return
	}
	if !sent && id == d.beat.NextID && now.Sub(d.beatAt) < heartbeatEvery {
		return
	}
	d.beat.LastPass, d.beat.NextID, d.beat.NextPost = now.UTC(), id, due.UTC()
	if err := WriteHeartbeat(d.cfg.Heartbeat, d.beat); err != nil {
		d.log.Warn("heartbeat", slog.String("error", err.Error()))
		return
	}
	d.beatAt = now
}

// reconcile plans changed broadcasts, on the elected daemon only when there are several.
func (d *Daemon) reconcile(ctx context.Context) {
	if d.cfg.Elector != nil && d.cfg.Elector.IsLeader(ctx) != nil {
		return
	}
	res, err := d.planner.Reconcile(ctx)
	if ctx.Err() == nil {
		d.metrics.health("reconcile", err)
	}
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("reconcile", slog.String("error", err.Error()))
		}
		return
	}
	if res.Planned >= bigPlan {
		// Many new posts: fresh statistics before the dispatcher's next claims.
		if err := d.store.Optimize(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("optimize", slog.String("error", err.Error()))
		}
	}
	if res.Planned > 0 {
		d.Kick()
	}
}

// watch reconciles when another connection (a CMS, the CLI) committed since the last look.
func (d *Daemon) watch(ctx context.Context, w *models.SQLiteWatcher) {
	v, err := w.Version(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("watch database", slog.String("error", err.Error()))
		}
		return
	}
	d.mu.Lock()
	changed := v != d.lastVersion
	d.lastVersion = v
	d.mu.Unlock()
	if changed {
		d.reconcile(ctx)
		// The writer may have planned or moved posts itself (the CLI plans what it changes, a CMS
		// may edit due times): the next wake-up, computed before, may be too late.
		d.Kick()
	}
}

func (d *Daemon) recover(ctx context.Context) {
	rec, unk, err := d.disp.RecoverLeases(ctx, false)
	if err != nil && ctx.Err() == nil {
		d.log.Error("recover leases", slog.String("error", err.Error()))
	}
	if rec > 0 {
		d.Kick()
	}
	_ = unk
}

// countQueue sets the queue gauges: due now, and planned in all. Counting every planned post
// walks them all (about 50 ms over a million on SQLite: most of an idle daemon's CPU when it was
// done every minute), so it is done at start and with the hourly housekeeping; the due gauge is
// set on every wake as well (dueNow).
func (d *Daemon) countQueue(ctx context.Context) {
	if d.metrics == nil {
		return
	}
	if due, planned, err := d.store.CountDue(ctx, d.now()); err == nil {
		d.metrics.queue(due, planned)
	}
}

func (d *Daemon) housekeep(ctx context.Context) {
	d.countQueue(ctx)
	if err := d.store.Optimize(ctx); err != nil && ctx.Err() == nil {
		d.log.Warn("optimize", slog.String("error", err.Error()))
	}
	if err := d.store.Checkpoint(ctx); err != nil && ctx.Err() == nil {
		d.log.Warn("checkpoint", slog.String("error", err.Error()))
	}
}
