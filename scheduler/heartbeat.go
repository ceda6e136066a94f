package scheduler

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Heartbeat is what a running daemon says about itself, in a small file beside its SQLite
// database (see HeartbeatPath): who it is, since when, and how its last pass went. The dispatch
// lock says whether it is alive; the heartbeat says the rest.
type Heartbeat struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
	LastPass  time.Time `json:"last_pass"`
	NextPost  time.Time `json:"next_post,omitzero"` // the next planned post's due time
	NextID    int64     `json:"next_post_id,omitempty"`
}

// HeartbeatPath is the daemon's heartbeat file for the SQLite database at dbPath.
func HeartbeatPath(dbPath string) string { return dbPath + ".daemon" }

// WriteHeartbeat replaces the heartbeat file at path in one step (a reader never sees half).
func WriteHeartbeat(path string, h Heartbeat) error {
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// ReadHeartbeat reads the heartbeat file at path; os.ErrNotExist when no daemon ever wrote one.
func ReadHeartbeat(path string) (Heartbeat, error) {
	var h Heartbeat
	raw, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("heartbeat %s: %w", path, err)
	}
	return h, nil
}

// LockHolder reports whether a process holds the dispatch lock of the SQLite database at dbPath
// (a daemon, or a run-due pass), and its pid when the lock file names it. It takes nothing: a
// shared, non-blocking probe released at once.
func LockHolder(dbPath string) (held bool, pid int, err error) {
	f, err := os.Open(dbPath + ".lock")
	if errors.Is(err, os.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("dispatch lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return false, 0, fmt.Errorf("dispatch lock: %w", err)
		}
		raw, _ := os.ReadFile(dbPath + ".lock")
		pid, _ = strconv.Atoi(strings.TrimSpace(string(raw)))
		return true, pid, nil
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, 0, nil
}
