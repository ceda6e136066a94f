package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// TestCalendarICS reads `calendar --ics` back with an iCalendar parser: one event per broadcast,
// stable UIDs, SEQUENCE following each change, a cancelled broadcast cancelled, lines folded.
func TestCalendarICS(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup() // broadcast 1: "Lancement de la collection", 2027-03-30 18:00 Paris, 45m
	long := strings.Repeat("Une présentation de la collection été, pièce par pièce, avec l'équipe ; ", 3)
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Questions et réponses", "--at", "2027-04-02 18:00",
		"--description", long, "--watch-url", "https://www.youtube.com/watch?v=abcdefghijk")
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Annulé", "--at", "2027-04-03 18:00")
	s.ok("broadcast", "cancel", "3")
	s.ok("broadcast", "reschedule", "1", "--at", "2027-03-31 19:00")

	raw := s.ok("calendar", "--ics")
	if !strings.HasPrefix(raw, "BEGIN:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Fatalf("not CRLF lines:\n%q", raw)
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) {
			t.Errorf("line of %d octets (or cut inside a character): %q", len(line), line)
		}
	}
	if !strings.Contains(raw, "\r\n ") {
		t.Errorf("the long description is not folded:\n%s", raw)
	}
	cal, err := ical.NewDecoder(strings.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, raw)
	}
	events := map[string]ical.Event{}
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		events[uid] = ev
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want 3: %v", len(events), events)
	}
	text := func(ev ical.Event, name string) string {
		if p := ev.Props.Get(name); p != nil && p.ValueType() != ical.ValueText {
			return p.Value
		}
		v, _ := ev.Props.Text(name)
		return v
	}
	one := events["broadcast-1@onair"]
	start, _ := one.DateTimeStart(nil)
	end, _ := one.DateTimeEnd(nil)
	if !start.Equal(time.Date(2027, 3, 31, 17, 0, 0, 0, time.UTC)) || end.Sub(start) != 45*time.Minute ||
		!strings.HasSuffix(one.Props.Get(ical.PropDateTimeStart).Value, "Z") {
		t.Errorf("broadcast 1: DTSTART %v (%s), DTEND %v", start, one.Props.Get(ical.PropDateTimeStart).Value, end)
	}
	if text(one, ical.PropSummary) != "Lancement de la collection" || text(one, ical.PropURL) != "https://x.com/i/broadcasts/1ABC" ||
		text(one, ical.PropSequence) != "2" || text(one, ical.PropStatus) != "CONFIRMED" {
		t.Errorf("broadcast 1: summary %q, url %q, sequence %q, status %q", text(one, ical.PropSummary), text(one, ical.PropURL),
			text(one, ical.PropSequence), text(one, ical.PropStatus))
	}
	two := events["broadcast-2@onair"]
	if d := text(two, ical.PropDescription); !strings.HasPrefix(d, strings.TrimSpace(long)) || !strings.Contains(d, "\nWatch: https://www.youtube.com/watch?v=abcdefghijk") {
		t.Errorf("broadcast 2 description, unfolded and unescaped: %q", d)
	}
	if st := text(events["broadcast-3@onair"], ical.PropStatus); st != "CANCELLED" {
		t.Errorf("cancelled broadcast: STATUS %q", st)
	}

	// The same database gives the same bytes: a subscribed calendar sees no change.
	if again := s.ok("calendar", "--ics"); again != raw {
		t.Errorf("a second read differs")
	}
	// --campaign keeps its broadcasts only; --ics goes with neither --json nor --channel.
	s.ok("campaign", "add", "Autre", "--tz", "UTC", "--channels", "preview")
	s.ok("broadcast", "add", "--campaign", "Autre", "--title", "Ailleurs", "--at", "2027-04-05 18:00")
	if n := strings.Count(s.ok("calendar", "--ics", "--campaign", "Spring launch"), "BEGIN:VEVENT"); n != 3 {
		t.Errorf("--campaign: %d events", n)
	}
	if n := strings.Count(s.ok("calendar", "--ics"), "BEGIN:VEVENT"); n != 4 {
		t.Errorf("every campaign: %d events", n)
	}
	if msg := s.fails("calendar", "--ics", "--json"); !strings.Contains(msg, "--ics") {
		t.Errorf("--ics --json: %s", msg)
	}
}

func TestFoldICS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, in string }{
		{"short", "SUMMARY:Lancement\r\n"},
		{"75 octets", "SUMMARY:" + strings.Repeat("a", 67) + "\r\n"},
		{"76 octets", "SUMMARY:" + strings.Repeat("a", 68) + "\r\n"},
		{"accents across the fold", "DESCRIPTION:" + strings.Repeat("é", 100) + "\r\n"},
		{"emoji", "SUMMARY:" + strings.Repeat("🎥", 50) + "\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := foldICS([]byte(tt.in))
			for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\r\n")), []byte("\r\n")) {
				if len(line) > 75 || !utf8.Valid(line) {
					t.Errorf("line %q: %d octets", line, len(line))
				}
			}
			if unfolded := strings.ReplaceAll(string(out), "\r\n ", ""); unfolded != tt.in {
				t.Errorf("unfolds to %q", unfolded)
			}
		})
	}
}
