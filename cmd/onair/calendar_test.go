package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", t.Name(), path, got)
	}
}

// TestCalendar: two campaigns, two channels, over the night Paris moves its clocks (28 March).
func TestCalendar(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC))
	s.setup() // Spring launch, Europe/Paris, fr, preview; broadcast 1 on Tue 30 March 18:00
	s.ok("channel", "add", "console", "--name", "press")
	s.ok("campaign", "add", "Summer sale", "--tz", "Europe/Paris", "--channels", "press,preview", "--teasers", "2d", "--reminders", "15m", "--replay-after", "")
	s.ok("broadcast", "add", "--campaign", "summer", "--title", "Les soldes 🎉", "--at", "2027-03-28 03:30", "--duration", "30m", "--ref", "cms-7")
	s.ok("broadcast", "add", "--campaign", "summer", "--title", "Later", "--at", "2027-04-20 10:00")

	golden(t, "calendar.golden", s.ok("calendar", "--from", "2027-03-22", "--to", "2027-03-31", "--tz", "Europe/Paris"))
	golden(t, "calendar-campaign-channel.golden", s.ok("calendar", "--from", "2027-03-22", "--to", "2027-03-31", "--campaign", "Summer", "--channel", "press"))
	golden(t, "calendar-week.golden", s.ok("calendar", "--week", "--tz", "UTC"))

	var v calendarView
	s.json(&v, "calendar", "--month", "--campaign", "spring")
	if v.TimeZone != "Europe/Paris" || len(v.Days) == 0 || v.Days[0].Items[0].Kind != "teaser" || v.Days[0].Date != "2027-03-23" {
		t.Errorf("calendar --json: %+v", v)
	}
	raw, _ := json.Marshal(v)
	if len(raw) == 0 {
		t.Fatal("empty JSON")
	}
	if msg := s.fails("calendar", "--from", "2027-03-30", "--to", "2027-03-29"); !strings.Contains(msg, "--to 2027-03-29 is before --from 2027-03-30") {
		t.Errorf("--to before --from: %s", msg)
	}
}
