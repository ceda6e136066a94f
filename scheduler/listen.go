package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is where the broadcasts trigger notifies (see the PostgreSQL migrations).
const notifyChannel = "onair_broadcasts"

// listen calls onNotify each time the broadcasts trigger notifies, until ctx ends; it reconnects
// with backoff when the connection drops (the periodic reconcile covers the gap).
func listen(ctx context.Context, dsn string, log *slog.Logger, onNotify func(context.Context)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+notifyChannel)
		}
		if err == nil {
			backoff = 100 * time.Millisecond
			onNotify(ctx) // anything written while we were not listening
			for ctx.Err() == nil {
				if _, err = conn.WaitForNotification(ctx); err != nil {
					break
				}
				onNotify(ctx)
			}
		}
		if conn != nil {
			conn.Close(context.Background())
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
