package templates

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onairhq/onair/models/post"
)

// Data is what a template sees. Its methods are the helpers templates call ({{.When}}).
type Data struct {
	Kind        post.Kind
	Step        string // the cadence step that made this post: "7d", "1h", "0" for live, "30m" for replay
	Index       int    // 0 for the first post of its kind for this broadcast, 1 for the second...
	Title       string
	Description string
	Campaign    string
	Start, End  time.Time      // the broadcast's start and expected end
	Due         time.Time      // when this post goes out
	Location    *time.Location // the campaign's zone; nil is UTC
	Lang        string         // "en" or "fr"
	WatchURL    string
	ReplayURL   string
	Hashtags    []string // each with its leading '#'
	Network     string   // "x", "mastodon", "bluesky", "console", "webhook"
}

// Same reports whether d and o render the same text with any template: every field equal, times
// the same instant in the same zone. A planner rendering one step for several channels on the
// same network renders it once. (TestSameComparesEveryField keeps it in step with Data.)
func (d Data) Same(o Data) bool {
	return d.Kind == o.Kind && d.Step == o.Step && d.Index == o.Index && d.Title == o.Title &&
		d.Description == o.Description && d.Campaign == o.Campaign && d.Start == o.Start && d.End == o.End &&
		d.Due == o.Due && d.Location == o.Location && d.Lang == o.Lang && d.WatchURL == o.WatchURL &&
		d.ReplayURL == o.ReplayURL && slices.Equal(d.Hashtags, o.Hashtags) && d.Network == o.Network
}

func (d Data) loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

func (d Data) fr() bool { return d.Lang == "fr" }

var (
	frDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}
)

// Date is the start's date: "mardi 30 mars" / "Tuesday, March 30", with the year when the post
// goes out in another year.
func (d Data) Date() string {
	t := d.Start.In(d.loc())
	withYear := t.Year() != d.Due.In(d.loc()).Year() && !d.Due.IsZero()
	if d.fr() {
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		s := frDays[t.Weekday()] + " " + day + " " + frMonths[t.Month()-1]
		if withYear {
			s += fmt.Sprintf(" %d", t.Year())
		}
		return s
	}
	if withYear {
		return t.Format("Monday, January 2, 2006")
	}
	return t.Format("Monday, January 2")
}

// Clock is the start's time of day: "18:00" / "6:00 PM".
func (d Data) Clock() string {
	t := d.Start.In(d.loc())
	if d.fr() {
		return t.Format("15:04")
	}
	return t.Format("3:04 PM")
}

// When is the start's date and time: "mardi 30 mars à 18:00" / "Tuesday, March 30 at 6:00 PM".
func (d Data) When() string {
	if d.fr() {
		return d.Date() + " à " + d.Clock()
	}
	return d.Date() + " at " + d.Clock()
}

// Zone is the zone's abbreviation at the start ("CEST").
func (d Data) Zone() string {
	return d.Start.In(d.loc()).Format("MST")
}

// Tags is the hashtags joined by spaces.
func (d Data) Tags() string {
	return strings.Join(d.Hashtags, " ")
}

// URL is the link a post carries: the replay for replay posts once it is known, else the live.
func (d Data) URL() string {
	if d.Kind == post.Replay && d.ReplayURL != "" {
		return d.ReplayURL
	}
	return d.WatchURL
}

// Relative says when the broadcast starts, seen from the post's due time: "in 3 days",
// "tomorrow", "in 1 hour", "in 10 minutes", "now"; after the start (replays) "30 minutes ago",
// "yesterday". Days are calendar days in the campaign's zone, so a 1-day teaser at 18:00 for an
// 18:00 broadcast says "tomorrow" even across a daylight-saving change.
func (d Data) Relative() string {
	diff := d.Start.Sub(d.Due).Round(time.Second)
	past := diff < 0
	if past {
		diff = -diff
	}
	if diff < time.Second {
		return d.pick("now", "maintenant")
	}
	if diff < time.Minute {
		n := int(diff / time.Second)
		if past {
			return d.pick(plural(n, "second")+" ago", "il y a "+plural(n, "seconde"))
		}
		return d.pick("in "+plural(n, "second"), "dans "+plural(n, "seconde"))
	}
	diff = diff.Round(time.Minute)
	days := calendarDays(d.Due.In(d.loc()), d.Start.In(d.loc()))
	if past {
		days = -days
	}
	if diff < 12*time.Hour || days == 0 {
		return d.exact(diff, past)
	}
	switch {
	case days == 1 && !past:
		return d.pick("tomorrow", "demain")
	case days == 1 && past:
		return d.pick("yesterday", "hier")
	case past:
		return d.pick(fmt.Sprintf("%d days ago", days), fmt.Sprintf("il y a %d jours", days))
	}
	return d.pick(fmt.Sprintf("in %d days", days), fmt.Sprintf("dans %d jours", days))
}

func (d Data) exact(diff time.Duration, past bool) string {
	h := int(diff / time.Hour)
	m := int((diff % time.Hour) / time.Minute)
	var en, fr string
	switch {
	case h == 0:
		en = plural(m, "minute")
		fr = plural(m, "minute")
	case m == 0:
		en = plural(h, "hour")
		fr = plural(h, "heure")
	default:
		en = plural(h, "hour") + " " + plural(m, "minute")
		fr = fmt.Sprintf("%d h %02d", h, m)
	}
	if past {
		return d.pick(en+" ago", "il y a "+fr)
	}
	return d.pick("in "+en, "dans "+fr)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func (d Data) pick(en, fr string) string {
	if d.fr() {
		return fr
	}
	return en
}

// calendarDays counts the midnights between a and b (both in the same zone).
func calendarDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}
