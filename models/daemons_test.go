package models

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models/modelstest"
)

// TestDaemonsOnPostgres: a daemon's sessions carry who it is, and Daemons finds it while its
// store is open, and no longer once it is closed.
func TestDaemonsOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := modelstest.Postgres(t)
	if dsn == "" {
		return
	}
	ctx := context.Background()
	me := DaemonInfo{PID: 424242, Host: "a-rather-long-host-name.example.com", Version: "v1.2.3", StartedAt: time.Unix(1806422400, 0).UTC()}
	d, err := Open(ctx, dsn, Options{Daemon: &me})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	find := func() *DaemonInfo {
		ds, err := cli.Daemons(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ds {
			if x.PID == me.PID {
				return &x
			}
		}
		return nil
	}
	got := find()
	if got == nil || got.Version != "v1.2.3" || !got.StartedAt.Equal(me.StartedAt) || !strings.HasPrefix(me.Host, got.Host) || len(got.Host) < 20 {
		t.Fatalf("the daemon as listed: %+v", got)
	}
	d.Close()
	for deadline := time.Now().Add(5 * time.Second); find() != nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if find() != nil {
		t.Errorf("a closed daemon is still listed")
	}
}
