package scheduler

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked means another onair process is already dispatching from this database.
var ErrLocked = errors.New("another onair is already sending from this database")

// DispatchLock is held by the one process allowed to dispatch from a SQLite file. It is an OS file
// lock beside the database, so it is released when the process dies, however it dies.
type DispatchLock struct {
	f *os.File
}

// LockDispatch takes the dispatch lock of the SQLite database at dbPath, or returns ErrLocked
// (with the holder's pid when known).
func LockDispatch(dbPath string) (*DispatchLock, error) {
	f, err := os.OpenFile(dbPath+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dispatch lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(dbPath + ".lock")
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid := strings.TrimSpace(string(holder)); pid != "" {
				return nil, fmt.Errorf("%w (pid %s)", ErrLocked, pid)
			}
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("dispatch lock: %w", err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &DispatchLock{f: f}, nil
}

// Release gives the lock up.
func (l *DispatchLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}
