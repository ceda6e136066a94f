package posting

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads a Retry-After header: a number of seconds from now, or an HTTP date. ok is
// false when the header is absent or unreadable. Each adapter decides what a time already past
// means on its network.
func RetryAfter(h http.Header, now time.Time) (t time.Time, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return now.Add(time.Duration(s) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// ResetAt reads a rate-limit reset header's value as the networks write it: Unix seconds (a
// number above 10^9), seconds from now (a smaller one), or an RFC 3339 time (Mastodon's
// X-RateLimit-Reset). ok is false when it is none of these.
func ResetAt(v string, now time.Time) (t time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return time.Time{}, false
		}
		if s > 1e9 {
			return time.Unix(int64(s), 0), true
		}
		return now.Add(time.Duration(s * float64(time.Second))), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}
