package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/onairhq/onair/models"
)

// listen calls onNotify each time the broadcasts trigger notifies, until ctx ends; it reconnects
// with backoff when the connection drops (the periodic reconcile covers the gap).
func listen(ctx context.Context, dsn string, log *slog.Logger, onNotify func(context.Context)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		l, err := models.ListenBroadcasts(ctx, dsn)
		if err == nil {
			backoff = 100 * time.Millisecond
			onNotify(ctx) // anything written while we were not listening
			for ctx.Err() == nil {
				if err = l.Wait(ctx); err != nil {
					break
				}
				onNotify(ctx)
			}
			l.Close()
		}
		if ctx.Err() != nil {
			return
		}
		log.Warn("listening for broadcast changes failed; retrying", slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}
