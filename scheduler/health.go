package scheduler

import (
	"sort"
	"strings"
	"sync"
)

// Health is what /healthz reports: the daemon is healthy while its last reconcile and its last
// dispatch (claims and outcomes are writes) went through. A database that cannot be written (disk
// full, read-only, gone) or planning that fails makes it unhealthy until the next pass that works.
// A nil *Health records nothing and is healthy.
type Health struct {
	mu     sync.Mutex
	failed map[string]string // part -> its last error
}

// NewHealth returns a healthy Health.
func NewHealth() *Health { return &Health{failed: map[string]string{}} }

// Report records the outcome of one pass of part ("reconcile", "dispatch").
func (h *Health) Report(part string, err error) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		delete(h.failed, part)
		return
	}
	h.failed[part] = err.Error()
}

// Check reports whether the daemon is healthy, and if not why.
func (h *Health) Check() (bool, string) {
	if h == nil {
		return true, ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.failed) == 0 {
		return true, ""
	}
	parts := make([]string, 0, len(h.failed))
	for p, e := range h.failed {
		parts = append(parts, p+" failed: "+e)
	}
	sort.Strings(parts)
	return false, strings.Join(parts, "; ")
}
