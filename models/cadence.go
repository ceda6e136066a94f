package models

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Offset is one step of a cadence: a number of calendar days or weeks in the campaign's zone
// ("7d", "2w"), or an exact duration ("1h", "10m", "1h30m").
type Offset struct {
	Days     int           // calendar days (weeks are 7 days)
	Duration time.Duration // exact part
	Label    string        // as written, normalised ("7d", "1h30m")
}

// Before returns the moment this offset before t, in loc: calendar days keep the local wall-clock
// time across a daylight-saving change; hours and minutes are exact.
func (o Offset) Before(t time.Time, loc *time.Location) time.Time {
	return o.shift(t, loc, -1)
}

// After returns the moment this offset after t, in loc.
func (o Offset) After(t time.Time, loc *time.Location) time.Time {
	return o.shift(t, loc, 1)
}

func (o Offset) shift(t time.Time, loc *time.Location, sign int) time.Time {
	local := t.In(loc)
	if o.Days != 0 {
		local = time.Date(local.Year(), local.Month(), local.Day()+sign*o.Days,
			local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc)
	}
	return local.Add(time.Duration(sign) * o.Duration).UTC()
}

// ParseOffset reads "7d", "2w", "1h", "10m", "1h30m", "1d12h", and "0" (or "0m"): no offset.
func ParseOffset(s string) (Offset, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	bad := fmt.Errorf("offset %q not understood; use a number and a unit: 7d (days), 2w (weeks), 1h (hours), 10m (minutes), or 1h30m", s)
	if s == "" {
		return Offset{}, bad
	}
	if s == "0" {
		return Offset{Label: "0"}, nil // right at the moment (a replay post as the live ends)
	}
	var o Offset
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Offset{}, bad
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 10000 {
			return Offset{}, bad
		}
		switch rest[i] {
		case 'w':
			o.Days += 7 * n
		case 'd':
			o.Days += n
		case 'h':
			o.Duration += time.Duration(n) * time.Hour
		case 'm':
			o.Duration += time.Duration(n) * time.Minute
		case 's':
			o.Duration += time.Duration(n) * time.Second
		default:
			return Offset{}, bad
		}
		rest = rest[i+1:]
	}
	o.Label = o.String()
	return o, nil
}

// String writes the offset in its shortest form ("7d", "1h30m", "0").
func (o Offset) String() string {
	var b strings.Builder
	if o.Days != 0 {
		fmt.Fprintf(&b, "%dd", o.Days)
	}
	d := o.Duration
	if h := d / time.Hour; h != 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m != 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if s := d / time.Second; s != 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// ParseOffsets reads a comma-separated list ("7d,3d,1d"). An empty string is an empty list.
// Duplicates are refused: two posts at the same step would say the same thing twice.
func ParseOffsets(s string) ([]Offset, error) {
	var out []Offset
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		o, err := ParseOffset(f)
		if err != nil {
			return nil, err
		}
		if seen[o.Label] {
			return nil, fmt.Errorf("offset %q appears twice in %q", o.Label, s)
		}
		seen[o.Label] = true
		out = append(out, o)
	}
	return out, nil
}

// NormalizeOffsets parses and rewrites a cadence list in canonical form ("7d,3d,1d").
func NormalizeOffsets(s string) (string, error) {
	offs, err := ParseOffsets(s)
	if err != nil {
		return "", err
	}
	labels := make([]string, len(offs))
	for i, o := range offs {
		labels[i] = o.Label
	}
	return strings.Join(labels, ","), nil
}
