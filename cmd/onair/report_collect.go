package main

import (
	"log/slog"

	"github.com/onairhq/onair/scheduler"
)

// collecting makes d read the engagement of sent posts (docs/results.md), on the elected daemon.
func (a *app) collecting(d *scheduler.Daemon, posters *scheduler.Posters, log *slog.Logger) *scheduler.Daemon {
	c := scheduler.NewCollector(a.store, posters.MetricsFor, a.now, log)
	if srcs, err := a.sources(); err == nil {
		c.WithSources(srcs.For) // ended broadcasts' audience from their campaign's live source
	}
	d.CollectWith(c, 0)
	return d
}
