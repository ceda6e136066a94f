package scheduler

import (
	"context"
	"log/slog"
)

// startSync reads every live source once as the daemon starts (on the elected daemon only when
// there are several), and makes the sync kick the dispatcher when it makes posts due.
func (d *Daemon) startSync(ctx context.Context) {
	if d.cfg.Sync == nil {
		return
	}
	d.cfg.Sync.OnChange = d.Kick
	go func() {
		if d.cfg.Elector != nil && d.cfg.Elector.IsLeader(ctx) != nil {
			return
		}
		if _, err := d.cfg.Sync.SyncAll(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("source sync", slog.String("error", err.Error()))
		}
	}()
}

// syncSources reads the live sources whose next read has come (the elected daemon only).
func (d *Daemon) syncSources(ctx context.Context) {
	if d.cfg.Sync == nil {
		return
	}
	if d.cfg.Elector != nil && d.cfg.Elector.IsLeader(ctx) != nil {
		return
	}
	_, err := d.cfg.Sync.SyncDue(ctx)
	if ctx.Err() == nil {
		d.metrics.health("sources", err)
	}
	if err != nil && ctx.Err() == nil {
		d.log.Error("source sync", slog.String("error", err.Error()))
	}
}
