package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DaemonInfo is who a daemon is: on PostgreSQL it names the daemon's sessions
// (application_name), which is how `onair status` finds the daemons sharing a database without a
// table of their own (a daemon that died leaves no session behind).
type DaemonInfo struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
}

// daemonPrefix begins the application_name of a daemon's sessions.
const daemonPrefix = "onaird "

// applicationName packs the daemon into PostgreSQL's 63 bytes: "onaird PID SINCE VERSION HOST",
// the start in base-36 Unix seconds, the version cut to 16 bytes, the host last (what is cut when
// it is too long).
func (d DaemonInfo) applicationName() string {
	v := strings.ReplaceAll(d.Version, " ", "_")
	if len(v) > 16 {
		v = v[:16]
	}
	s := fmt.Sprintf("%s%d %s %s %s", daemonPrefix, d.PID, strconv.FormatInt(d.StartedAt.Unix(), 36), v, d.Host)
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

func parseApplicationName(s string) (DaemonInfo, bool) {
	f := strings.Fields(strings.TrimPrefix(s, daemonPrefix))
	if !strings.HasPrefix(s, daemonPrefix) || len(f) < 3 {
		return DaemonInfo{}, false
	}
	var d DaemonInfo
	d.PID, _ = strconv.Atoi(f[0])
	if n, err := strconv.ParseInt(f[1], 36, 64); err == nil {
		d.StartedAt = time.Unix(n, 0).UTC()
	}
	d.Version = f[2]
	if len(f) > 3 {
		d.Host = f[3]
	}
	return d, d.PID != 0
}

// Daemons lists the daemons that have a session open on this PostgreSQL database now, one entry
// each. On SQLite it returns nothing (the dispatch lock and the heartbeat file say it there).
func (s *Store) Daemons(ctx context.Context) ([]DaemonInfo, error) {
	if s.engine != EnginePostgres {
		return nil, nil
	}
	var names []string
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT application_name FROM pg_stat_activity
		WHERE datname = current_database() AND application_name LIKE 'onaird %'`).Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("list the daemons: %w", err)
	}
	var out []DaemonInfo
	for _, n := range names {
		if d, ok := parseApplicationName(n); ok {
			out = append(out, d)
		}
	}
	return out, nil
}
