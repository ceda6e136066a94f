package posting

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How long one rate-limit answer may hold a channel. A network's own windows are short
// (Mastodon: 5 and 30 minutes; a webhook receiver's, whatever it says) or daily (X's
// x-user-limit-24hour-reset and x-app-limit-24hour-reset, Bluesky's 35,000 points and 300 logins
// a day): a reset further away than the network's longest window is not a rate limit but a bug
// or a misconfiguration on the other side (Retry-After: 315360000 would hold the channel for ten
// years). Such a reset is cut to the cap: the channel is held that long, then tried again, and
// holds again if the network still refuses.
const (
	// MaxHold caps a hold on networks whose windows last at most an hour (Mastodon and its
	// compatible servers, webhooks).
	MaxHold = time.Hour
	// MaxDailyHold caps a hold on networks with daily caps (X, Bluesky): a whole day's window,
	// plus an hour for clocks that differ.
	MaxDailyHold = 25 * time.Hour
	// ResetMargin is added to a reset time written to the whole second (Unix seconds, an HTTP
	// date, an RFC 3339 time without a fraction): the window ends somewhere in the second after
	// it, and a retry on the dot would land just before the end and cost a whole new wait.
	ResetMargin = time.Second
)

// Hold bounds a rate limit's end: until, or now+limit when until is further away than that
// (capped then says so, for the error's text).
func Hold(until, now time.Time, limit time.Duration) (t time.Time, capped bool) {
	if end := now.Add(limit); until.After(end) {
		return end, true
	}
	return until, false
}

// HoldNote is what an error says of a reset that Hold cut.
func HoldNote(asked, now time.Time, limit time.Duration) string {
	return fmt.Sprintf("the network asked to wait until %s, which no rate limit of its needs: onair waits %s, then tries again",
		asked.UTC().Format(time.RFC3339), limit)
}

// RetryAfter reads a Retry-After header: a number of seconds from now, or an HTTP date (plus
// ResetMargin, since it is written to the second). ok is false when the header is absent or
// unreadable. Each adapter decides what a time already past means on its network.
func RetryAfter(h http.Header, now time.Time) (t time.Time, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return now.Add(seconds(s)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Add(ResetMargin), true
	}
	return time.Time{}, false
}

// ResetAt reads a rate-limit reset header's value as the networks write it: Unix seconds (a
// number above 10^9), seconds from now (a smaller one), or an RFC 3339 time (Mastodon's
// X-RateLimit-Reset). A time written to the whole second (Unix seconds without a fraction, as
// GoToSocial, X and Bluesky write it; RFC 3339 without one) gets ResetMargin. ok is false when
// it is none of these.
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
			whole, frac, found := strings.Cut(v, ".")
			sec, _ := strconv.ParseInt(whole, 10, 64)
			if !found {
				return time.Unix(sec, 0).Add(ResetMargin), true
			}
			ns, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
			return time.Unix(sec, ns), true
		}
		if s > maxSeconds {
			s = maxSeconds
		}
		return now.Add(time.Duration(s * float64(time.Second))), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		if !strings.Contains(v, ".") {
			t = t.Add(ResetMargin)
		}
		return t, true
	}
	return time.Time{}, false
}

// maxSeconds keeps a number of seconds from overflowing a time.Duration (about 292 years); Hold
// cuts it to something sensible.
const maxSeconds = 100 * 365 * 24 * 3600

func seconds(s int64) time.Duration {
	return time.Duration(min(s, maxSeconds)) * time.Second
}
