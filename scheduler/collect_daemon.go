package scheduler

import (
	"context"
	"log/slog"
	"time"
)

// collect is the daemon's engagement job: on the elected daemon only (it runs on the elected
// scheduler), apart from sending, its failures logged as its own.
func (d *Daemon) collect(ctx context.Context) {
	c := d.cfg.Collector
	if c == nil {
		return
	}
	if d.cfg.Elector != nil && d.cfg.Elector.IsLeader(ctx) != nil {
		return
	}
	st, err := c.Collect(ctx)
	if err != nil && ctx.Err() == nil {
		d.log.Warn("collect engagement (sending is not affected)", slog.String("error", err.Error()))
	}
	if n, err := c.CollectPlatform(ctx); err != nil && ctx.Err() == nil {
		d.log.Warn("collect the live platforms' audience figures", slog.String("error", err.Error()))
	} else if n > 0 {
		d.log.Debug("platform audience figures read", slog.Int("broadcasts", n))
	}
	if st.Read+st.Gone+st.Missed > 0 {
		d.log.Debug("engagement collected", slog.Int("read", st.Read), slog.Int("gone", st.Gone),
			slog.Int("missed", st.Missed), slog.Int("waiting", st.Waiting), slog.Float64("cost_usd", st.CostUSD))
	}
}

// CollectWith makes the daemon read sent posts' engagement with c (nil: the one it has), every
// period (0: as it was, a minute by default). Call it before Run.
func (d *Daemon) CollectWith(c *Collector, every time.Duration) {
	if c != nil {
		d.cfg.Collector = c
	}
	if every > 0 {
		d.cfg.CollectEvery = every
	}
}
