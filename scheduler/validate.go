package scheduler

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/onairhq/onair/models"
)

// The bounds a broadcast row's values must lie within (docs/cms-integration.md): outside them a
// value is a CMS's mistake (milliseconds taken for seconds, a zero, a typo), never a plan.
var (
	// EarliestTime and LatestTime bound every time a row holds: onair writes times as fixed-width
	// text, which sorts only for years 1970 to 9999.
	EarliestTime = time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)
	LatestTime   = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Duration bounds, in minutes.
const (
	MinDurationMinutes = 1
	MaxDurationMinutes = 7 * 24 * 60
)

// checkRow refuses a broadcast row a CMS wrote with values onair cannot plan from safely: values
// of the wrong type, times out of range, durations out of bounds, text that is not UTF-8 or holds
// control characters. The error is the row's, with what to write instead.
func checkRow(b *models.Broadcast) error {
	if len(b.Problems) > 0 {
		return rowErr("%s", strings.Join(b.Problems, "; "))
	}
	if err := checkText("title", b.Title, false); err != nil {
		return err
	}
	if err := checkText("description", b.Description, true); err != nil {
		return err
	}
	if err := checkText("image_alt", b.ImageAlt, true); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		t    models.Time
	}{{"starts_at", b.StartsAt}, {"started_at", b.StartedAt}, {"ended_at", b.EndedAt}} {
		if c.t.Invalid != "" {
			if _, err := models.ParseTime(c.t.Invalid); err != nil {
				return rowErr("%s: %v", c.name, err)
			}
			return rowErr("%s %q is out of range; write a time between 1970 and 9999", c.name, c.t.Invalid)
		}
		if !c.t.IsZero() && (c.t.Before(EarliestTime) || c.t.After(LatestTime)) {
			return rowErr("%s %s is out of range (Unix seconds written as milliseconds, or a zero?); write a time between 1970 and 9999",
				c.name, c.t.Time.Format(time.RFC3339))
		}
	}
	if b.DurationMinutes < MinDurationMinutes || b.DurationMinutes > MaxDurationMinutes {
		return rowErr("duration_minutes %d is out of bounds; write a whole number of minutes from %d to %d (7 days)",
			b.DurationMinutes, MinDurationMinutes, MaxDurationMinutes)
	}
	return nil
}

// checkText refuses text that is not UTF-8 or holds control characters (a NUL cuts a post short
// on some networks); multiline text may hold line breaks and tabs.
func checkText(col, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return rowErr("%s is not valid UTF-8 text; write it as UTF-8", col)
	}
	for i, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return rowErr("%s holds a control character (%U at byte %d); remove it", col, r, i)
		}
	}
	return nil
}
