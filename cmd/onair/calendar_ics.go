package main

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/onairhq/onair/models"
)

// icsBroadcast is one broadcast of the feed, with its campaign's name.
type icsBroadcast struct {
	models.Broadcast
	Campaign string
}

// writeICS writes broadcasts as an iCalendar feed (RFC 5545): one event per broadcast, with a UID
// that stays the same for its life and a SEQUENCE that grows with each change, so that a calendar
// subscribed to the feed moves or cancels the event it already has instead of adding another.
func writeICS(w io.Writer, name string, list []icsBroadcast) error {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, "-//onair//onair "+buildVersion().Version+"//EN")
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	calName := ical.NewProp("X-WR-CALNAME") // the name calendar apps show for a subscription
	calName.SetText(name)
	calName.Params.Del(ical.ParamValue)
	cal.Props.Set(calName)
	for _, b := range list {
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, fmt.Sprintf("broadcast-%d@onair", b.ID))
		// DTSTAMP is when the event last changed, not when the feed was read: the same broadcast
		// gives the same bytes, which calendars (and caches) like.
		stamp := b.UpdatedAt.Time
		if stamp.IsZero() {
			stamp = b.CreatedAt.Time
		}
		ev.Props.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
		ev.Props.SetDateTime(ical.PropLastModified, stamp.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeStart, b.Start().UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, b.EndsAt().UTC())
		ev.Props.SetText(ical.PropSummary, b.Title)
		seq := ical.NewProp(ical.PropSequence)
		seq.SetValueType(ical.ValueInt)
		seq.Value = fmt.Sprint(max(b.Revision, 0))
		ev.Props.Set(seq)
		status := ical.EventConfirmed
		if b.Status == models.BroadcastCancelled {
			status = ical.EventCancelled
		}
		ev.SetStatus(status)
		if u, err := url.Parse(b.WatchURL); err == nil && b.WatchURL != "" {
			ev.Props.SetURI(ical.PropURL, u)
		}
		var desc []string
		if d := strings.TrimSpace(b.Description); d != "" {
			desc = append(desc, d)
		}
		if b.WatchURL != "" {
			desc = append(desc, "Watch: "+b.WatchURL)
		}
		if b.ReplayURL != "" {
			desc = append(desc, "Replay: "+b.ReplayURL)
		}
		if b.Campaign != "" {
			desc = append(desc, "Campaign: "+b.Campaign)
			ev.Props.SetText(ical.PropCategories, b.Campaign)
		}
		if len(desc) > 0 {
			ev.Props.SetText(ical.PropDescription, strings.Join(desc, "\n"))
		}
		cal.Children = append(cal.Children, ev.Component)
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return fmt.Errorf("write the calendar: %w", err)
	}
	_, err := w.Write(foldICS(buf.Bytes()))
	return err
}

// foldICS folds every content line longer than 75 octets (RFC 5545 section 3.1): CRLF and a
// space before each further 74 octets, never inside a UTF-8 character.
func foldICS(in []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(in, []byte("\r\n")) {
		body := bytes.TrimSuffix(line, []byte("\r\n"))
		limit := 75
		for len(body) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(body[cut]) {
				cut--
			}
			out.Write(body[:cut])
			out.WriteString("\r\n ")
			body = body[cut:]
			limit = 74 // the leading space counts
		}
		out.Write(body)
		if bytes.HasSuffix(line, []byte("\r\n")) {
			out.WriteString("\r\n")
		}
	}
	return out.Bytes()
}
