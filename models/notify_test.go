package models

import (
	"context"
	"testing"

	"github.com/onairhq/onair/models/modelstest"
)

// TestLeadershipPerSchema: the leader's lock is one per schema, so installations (and tests)
// sharing a PostgreSQL database each elect their own daemon, and within one schema only one leads.
func TestLeadershipPerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var dbs [2]*Store
	for i := range dbs {
		dsn := modelstest.Postgres(t)
		if dsn == "" {
			return
		}
		dbs[i], _ = openDB(t, dsn)
	}
	lead := func(s *Store) *Leadership {
		t.Helper()
		sqlDB, err := s.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		l, err := TryLead(ctx, sqlDB)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a := lead(dbs[0])
	if a == nil {
		t.Fatal("the first daemon of schema A is not elected")
	}
	b := lead(dbs[1])
	if b == nil {
		t.Fatal("schema B's daemon is not elected while schema A's leads: the lock is not per schema")
	}
	if again := lead(dbs[0]); again != nil {
		again.Resign()
		t.Fatal("a second daemon of schema A was elected beside the first")
	}
	a.Resign()
	if next := lead(dbs[0]); next == nil {
		t.Fatal("after A's leader resigned, nobody else of schema A could lead")
	} else {
		next.Resign()
	}
	b.Resign()
}
