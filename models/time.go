package models

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeFormat is how onair writes every time: RFC 3339 in UTC with milliseconds, fixed width, so
// that text comparison in SQL orders times correctly.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Time is an instant stored in a text column. It reads every format the CMS contract accepts
// (RFC 3339 text, "YYYY-MM-DD HH:MM:SS" UTC text, Unix seconds) and writes TimeFormat.
// The zero Time is SQL NULL. A value that cannot be read does not fail the query: it leaves a
// zero Time with Invalid holding the raw text, so one bad row written by a CMS never breaks a
// listing, and the planner can say what is wrong with it.
type Time struct {
	time.Time
	Invalid string `json:"-"`
}

// NewTime wraps t, converted to UTC.
func NewTime(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{Time: t.UTC()}
}

// Value writes the time as TimeFormat text, or NULL when zero.
func (t Time) Value() (driver.Value, error) {
	if t.Time.IsZero() {
		return nil, nil
	}
	return t.Time.UTC().Format(TimeFormat), nil
}

// Scan reads any accepted representation.
func (t *Time) Scan(v any) error {
	*t = Time{}
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if x.IsZero() { // 0001-01-01 is a value, not "no time"
			t.Invalid = x.Format(time.RFC3339)
			return nil
		}
		t.Time = x.UTC()
	case int64:
		t.Time = unixAuto(x)
	case float64:
		t.Invalid = strconv.FormatFloat(x, 'f', -1, 64)
	case []byte:
		return t.Scan(string(x))
	case string:
		parsed, err := ParseTime(x)
		if err != nil || parsed.IsZero() {
			t.Invalid = x // 0001-01-01 is a value, not "no time"
			return nil
		}
		t.Time = parsed
	default:
		t.Invalid = fmt.Sprint(v)
	}
	return nil
}

// MarshalJSON writes RFC 3339 in UTC, or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.Time.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.Time.UTC().Format(time.RFC3339) + `"`), nil
}

// unixAuto reads Unix seconds, or milliseconds when the number is too large to be seconds (as
// JavaScript's Date.now() gives).
func unixAuto(n int64) time.Time {
	if n > 1e12 || n < -1e12 {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// layouts without a zone are read as UTC.
var utcLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
}

// ParseTime reads a time written by a CMS: RFC 3339 (with "T" or a space, "Z" or an offset),
// "YYYY-MM-DD HH:MM[:SS]" in UTC, or Unix seconds as digits.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return unixAuto(n), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if len(s) > 10 && s[10] == ' ' {
		if t, err := time.Parse(time.RFC3339Nano, s[:10]+"T"+s[11:]); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range utcLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q not understood; write RFC 3339 text (2027-03-30T18:00:00+02:00), UTC text (2027-03-30 16:00:00) or Unix seconds (1806422400)", s)
}
