package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// localLayouts are the wall-clock forms a marketer types, read in the campaign's zone.
var localLayouts = []string{
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
}

// parseWhen reads a time typed by a person in English: see parseWhenIn.
func parseWhen(s string, loc *time.Location, now time.Time) (time.Time, error) {
	return parseWhenIn(s, loc, "en", now)
}

// parseWhenIn reads a time typed by a person: "2027-03-30 18:00" in loc, RFC 3339 with its own
// offset, "+2h" / "+3d" / "+1h30m" from now (days are calendar days in loc), or the words of a
// marketer's day: "tomorrow 18:00", "fri 18:00", "18:00" (the next such time), "30/03 18:00", and
// for a French campaign (lang "fr") "demain 18h", "vendredi 18h", "18h30". Its errors start with
// the quoted input, so that callers name the field: `start time "30/03 18h" not understood...`.
func parseWhenIn(s string, loc *time.Location, lang string, now time.Time) (time.Time, error) {
	in := strings.TrimSpace(s)
	if rel, ok := strings.CutPrefix(in, "+"); ok {
		o, err := models.ParseOffset(rel)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q not understood; a time from now looks like \"+2h\", \"+3d\" or \"+1h30m\"", s)
		}
		return o.After(now, loc), nil
	}
	if t, err := time.Parse(time.RFC3339, in); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range localLayouts {
		wall, err := time.Parse(layout, in) // the digits typed, as if in UTC
		if err != nil {
			continue
		}
		return wallIn(in, wall, loc)
	}
	wall, ok, err := spokenWall(in, loc, lang, now)
	if err != nil {
		return time.Time{}, err
	}
	if ok {
		return wallIn(in, wall, loc)
	}
	return time.Time{}, fmt.Errorf("%q not understood; use \"2027-03-30 18:00\" (read in %s), %q, %s or \"+2h\"",
		s, loc, time.Date(2027, 3, 30, 18, 0, 0, 0, loc).Format(time.RFC3339), spokenExamples(lang))
}

// wallIn is the instant a wall-clock time (its digits held in a UTC time) names in loc. A time
// that clocks skip, or show twice, is refused with the way out.
func wallIn(in string, wall time.Time, loc *time.Location) (time.Time, error) {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	if t.Format(time.DateTime) != wall.Format(time.DateTime) {
		return time.Time{}, dstGap(in, wall, loc)
	}
	if other, twice := repeated(t, loc); twice {
		first, second := t, other
		if second.Before(first) {
			first, second = second, first
		}
		at := t.Format("2006-01-02T15:04:05")
		return time.Time{}, fmt.Errorf("%q happens twice in %s: clocks go back that night; say which with its offset: \"%s%s\" (the first) or \"%s%s\" (the second)",
			in, loc, at, first.Format("-07:00"), at, second.Format("-07:00"))
	}
	return t.UTC(), nil
}

// dstGap explains a wall-clock time skipped by a daylight-saving jump. Go moves such a time
// forward or backward depending on the zone; we refuse it, and suggest the wall-clock time as
// read on the old clock: 02:30 in a jump from 02:00 to 03:00 is 03:30.
func dstGap(in string, wall time.Time, loc *time.Location) error {
	_, before := wall.Add(-12 * time.Hour).In(loc).Zone() // the offset in force before the jump
	moved := wall.Add(-time.Duration(before) * time.Second).In(loc)
	jump, _ := moved.ZoneBounds()
	from := jump.In(time.FixedZone("", before))
	return fmt.Errorf("%q does not exist in %s: clocks jump from %s to %s that night; use %q",
		in, loc, from.Format("15:04"), jump.In(loc).Format("15:04"), moved.Format("2006-01-02 15:04"))
}

// repeated reports whether the wall-clock time of t happens twice in loc (clocks going back), and
// the other instant it names.
func repeated(t time.Time, loc *time.Location) (time.Time, bool) {
	for _, d := range []time.Duration{-time.Hour, time.Hour, -30 * time.Minute, 30 * time.Minute, -2 * time.Hour, 2 * time.Hour} {
		o := t.Add(d).In(loc)
		if o.Format("2006-01-02 15:04:05") == t.In(loc).Format("2006-01-02 15:04:05") {
			return o, true
		}
	}
	return time.Time{}, false
}

// parseDuration reads a broadcast's length: "45m", "1h30m", or a plain number of minutes.
func parseDuration(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil {
		d, derr := time.ParseDuration(s)
		if derr != nil || d%time.Minute != 0 {
			return 0, fmt.Errorf("duration %q not understood; use minutes, like 45m, 1h30m or 90", s)
		}
		n = int(d / time.Minute)
	}
	// The bounds the planner holds every row to: what the CLI takes, it plans.
	switch {
	case n <= 0:
		return 0, fmt.Errorf("duration %q must be positive; use minutes, like 45m, 1h30m or 90", s)
	case n < scheduler.MinDurationMinutes || n > scheduler.MaxDurationMinutes:
		return 0, fmt.Errorf("duration %q is longer than onair plans for (7 days at most); give the live's expected length, like 2h", s)
	}
	return n, nil
}

// loadZone reads a --tz value. "Local" is refused: stored in a campaign, it would mean the zone of
// whichever machine reads the database, not one the marketer chose.
func loadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("time zone %q not usable; give an IANA name such as %s, Europe/Paris or UTC", name, localZone())
	}
	loc, err := models.LoadLocation(name)
	if err != nil {
		if hint := zoneSuggestion(name); hint != "" {
			return nil, fmt.Errorf("time zone %q not known%s; give an IANA name (Area/City)", name, hint)
		}
		return nil, err
	}
	return loc, nil
}

// localZone is the machine's IANA zone name (from $TZ, or where /etc/localtime points), else UTC.
func localZone() string {
	if tz := strings.TrimSpace(strings.TrimPrefix(getenv("TZ"), ":")); tz != "" && tz != "Local" {
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
