package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dayWords are the words a marketer types for a day, in one language.
type dayWords struct {
	days     map[string]int // days from today: "tomorrow" is 1
	weekdays map[string]time.Weekday
	skip     map[string]bool // words that add nothing: "at", "à", "next"
	examples string
}

var spokenWords = map[string]dayWords{
	"en": {
		days: map[string]int{"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1},
		weekdays: map[string]time.Weekday{
			"sun": time.Sunday, "sunday": time.Sunday, "mon": time.Monday, "monday": time.Monday,
			"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
			"wed": time.Wednesday, "wednesday": time.Wednesday,
			"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
			"fri": time.Friday, "friday": time.Friday, "sat": time.Saturday, "saturday": time.Saturday,
		},
		skip:     map[string]bool{"at": true, "next": true, "on": true},
		examples: `"tomorrow 18:00", "fri 18:00", "18:00", "30/03 18:00"`,
	},
	"fr": {
		days: map[string]int{"aujourd'hui": 0, "aujourdhui": 0, "soir": 0, "demain": 1,
			"après-demain": 2, "apres-demain": 2},
		weekdays: map[string]time.Weekday{
			"dim": time.Sunday, "dimanche": time.Sunday, "lun": time.Monday, "lundi": time.Monday,
			"mar": time.Tuesday, "mardi": time.Tuesday, "mer": time.Wednesday, "mercredi": time.Wednesday,
			"jeu": time.Thursday, "jeudi": time.Thursday, "ven": time.Friday, "vendredi": time.Friday,
			"sam": time.Saturday, "samedi": time.Saturday,
		},
		skip:     map[string]bool{"à": true, "a": true, "prochain": true, "le": true, "ce": true},
		examples: `"demain 18h", "vendredi 18h", "18h30", "30/03 18h"`,
	},
}

// spokenLangs are the word lists read for a campaign's language: English always (the CLI's own
// language), and the campaign's.
func spokenLangs(lang string) []dayWords {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	out := []dayWords{spokenWords["en"]}
	if w, ok := spokenWords[lang]; ok && lang != "en" {
		out = append(out, w)
	}
	return out
}

func spokenExamples(lang string) string {
	ls := spokenLangs(lang)
	return ls[len(ls)-1].examples
}

var (
	clockRe   = regexp.MustCompile(`^(\d{1,2})(?::(\d{2})|h(\d{2})?)$`)
	ampmRe    = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm)$`)
	dayMonRe  = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}))?$`)
	isoDateRe = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// spokenWall reads the spoken forms and returns the wall-clock time they name (its digits in a
// UTC time, for wallIn). ok is false when s is none of them; err says what is wrong with one
// that is nearly right (an impossible date, a missing time of day).
func spokenWall(s string, loc *time.Location, lang string, now time.Time) (wall time.Time, ok bool, err error) {
	langs := spokenLangs(lang)
	var words []string
	for _, w := range strings.Fields(strings.ToLower(strings.ReplaceAll(s, "’", "'"))) {
		skipped := false
		for _, l := range langs {
			skipped = skipped || l.skip[w]
		}
		if !skipped {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return time.Time{}, false, nil
	}
	hour, minute, hasClock := clock(words[len(words)-1])
	if hasClock {
		words = words[:len(words)-1]
	} else if hour < 0 {
		return time.Time{}, false, fmt.Errorf("%q: %q is not a time of day; hours go from 0 to 23 and minutes from 0 to 59", s, words[len(words)-1])
	}
	today := now.In(loc)
	y, m, d := today.Date()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, hour, minute, 0, 0, time.UTC) }
	nowWall := time.Date(y, m, d, today.Hour(), today.Minute(), today.Second(), 0, time.UTC)
	switch len(words) {
	case 0: // "18:00": the next such time
		wall = at(y, m, d)
		if !wall.After(nowWall) {
			wall = wall.AddDate(0, 0, 1)
		}
	case 1:
		w := words[0]
		known := false
		for _, l := range langs {
			if n, found := l.days[w]; found {
				wall, known = at(y, m, d+n), true
				break
			}
			if wd, found := l.weekdays[w]; found {
				ahead := (int(wd) - int(today.Weekday()) + 7) % 7
				wall, known = at(y, m, d+ahead), true
				if !wall.After(nowWall) {
					wall = wall.AddDate(0, 0, 7)
				}
				break
			}
		}
		if !known {
			var dated bool
			if wall, dated, err = spokenDate(s, w, at, nowWall, y); err != nil || !dated {
				return time.Time{}, false, err
			}
		}
	default:
		return time.Time{}, false, nil
	}
	if !hasClock {
		return time.Time{}, false, fmt.Errorf("%q needs a time of day: %q", s, strings.TrimSpace(s)+" 18:00")
	}
	return wall, true, nil
}

// clock reads "18:00", "18h", "18h30", "6pm". hour is -1 when w looks like a time but is not one.
func clock(w string) (hour, minute int, ok bool) {
	var h, mm string
	pm, am := false, false
	if g := clockRe.FindStringSubmatch(w); g != nil {
		h, mm = g[1], g[2]+g[3]
	} else if g := ampmRe.FindStringSubmatch(w); g != nil {
		h, mm, pm, am = g[1], g[2], g[3] == "pm", g[3] == "am"
	} else {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(h)
	if mm != "" {
		minute, _ = strconv.Atoi(mm)
	}
	if (pm || am) && (hour < 1 || hour > 12) {
		return -1, 0, false
	}
	switch {
	case pm && hour < 12:
		hour += 12
	case am && hour == 12:
		hour = 0
	}
	if hour > 23 || minute > 59 {
		return -1, 0, false
	}
	return hour, minute, true
}

// spokenDate reads "30/03", "30/03/2027" (day first) and "2027-03-30". Without a year it is the
// next such day: this year's, or next year's once this year's has passed.
func spokenDate(s, w string, at func(int, time.Month, int) time.Time, nowWall time.Time, thisYear int) (time.Time, bool, error) {
	var y, m, d int
	if g := dayMonRe.FindStringSubmatch(w); g != nil {
		d, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		y = thisYear
		if g[3] != "" {
			y, _ = strconv.Atoi(g[3])
		}
		if err := validDate(s, y, m, d); err != nil {
			return time.Time{}, false, err
		}
		t := at(y, time.Month(m), d)
		if g[3] == "" && !t.After(nowWall) {
			if err := validDate(s, y+1, m, d); err != nil { // 29/02 next year
				return time.Time{}, false, err
			}
			t = at(y+1, time.Month(m), d)
		}
		return t, true, nil
	}
	if g := isoDateRe.FindStringSubmatch(w); g != nil {
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
		if err := validDate(s, y, m, d); err != nil {
			return time.Time{}, false, err
		}
		return at(y, time.Month(m), d), true, nil
	}
	return time.Time{}, false, nil
}

// validDate says why a day does not exist: "February 2027 has 28 days".
func validDate(s string, y, m, d int) error {
	if m < 1 || m > 12 {
		return fmt.Errorf("%q: there is no month %d; a date is day/month (30/03) or year-month-day (2027-03-30)", s, m)
	}
	last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d < 1 || d > last {
		return fmt.Errorf("%q: %s %d has %d days", s, time.Month(m), y, last)
	}
	return nil
}
