package models

import (
	"strings"
	"testing"
)

func TestDSNs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		dsn      string
		postgres bool
		shown    string
	}{
		{"onair.db", false, "onair.db"},
		{"/srv/onair/onair.db", false, "/srv/onair/onair.db"},
		{"postgres://onair:hunter2@db/onair", true, "postgres://onair:xxxxx@db/onair"},
		{"host=db user=onair password=hunter2 dbname=onair", true, "host=db user=onair password=xxxxx dbname=onair"},
		{"host=db password='hun ter2' dbname=onair", true, "host=db password=xxxxx dbname=onair"},
		{"dbname=onair sslmode=disable", true, "dbname=onair sslmode=disable"},
	} {
		if got := IsPostgres(c.dsn); got != c.postgres {
			t.Errorf("IsPostgres(%q) = %v", c.dsn, got)
		}
		if got := Redact(c.dsn); got != c.shown || strings.Contains(got, "hunter2") {
			t.Errorf("Redact(%q) = %q, want %q", c.dsn, got, c.shown)
		}
	}
	// A keyword DSN is never opened as a file named after it.
	_, err := open("host=127.0.0.1 port=1 user=onair password=hunter2 dbname=onair connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("open keyword DSN: %v", err)
	}
}
