package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
)

// localLayouts are the wall-clock forms a marketer types, read in the campaign's zone.
var localLayouts = []string{
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
}

// parseWhen reads a time typed by a person: "2027-03-30 18:00" in loc, RFC 3339 with its own
// offset, or "+2h" / "+3d" / "+1h30m" from now (days are calendar days in loc).
func parseWhen(s string, loc *time.Location, now time.Time) (time.Time, error) {
	in := strings.TrimSpace(s)
	if strings.HasPrefix(in, "+") {
		o, err := models.ParseOffset(in[1:])
		if err == nil {
			return o.After(now, loc), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, in); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range localLayouts {
		t, err := time.ParseInLocation(layout, in, loc)
		if err != nil {
			continue
		}
		// A wall-clock time skipped by a daylight-saving jump does not exist: Go moves it, we say so.
		if t.Format(layout) != in {
			return time.Time{}, fmt.Errorf("%s does not exist in %s: clocks jump forward that night; use %s",
				in, loc, t.Format("2006-01-02 15:04"))
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %q not understood; use \"2027-03-30 18:00\" (read in %s), \"2027-03-30T18:00:00+02:00\" or \"+2h\"", s, loc)
}

// parseDuration reads a broadcast's length: "45m", "1h30m", or a plain number of minutes.
func parseDuration(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute || d%time.Minute != 0 {
		return 0, fmt.Errorf("duration %q not understood; use minutes, like 45m, 1h30m or 90", s)
	}
	return int(d / time.Minute), nil
}

// localZone is the machine's IANA zone name (from $TZ, or where /etc/localtime points), else UTC.
func localZone() string {
	if tz := strings.TrimSpace(strings.TrimPrefix(getenv("TZ"), ":")); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil {
			return tz
		}
	}
	if name := time.Local.String(); name != "Local" && name != "" {
		return name
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			if _, err := time.LoadLocation(name); err == nil {
				return name
			}
		}
	}
	return "UTC"
}
