package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestParseWhenErrors(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		loc      *time.Location
		want     string
	}{
		{"not a time", "next week", paris,
			`"next week" not understood; use "2027-03-30 18:00" (read in Europe/Paris), "2027-03-30T18:00:00+02:00", "tomorrow 18:00", "fri 18:00", "18:00", "30/03 18:00" or "+2h"`},
		{"example offset follows the zone", "soon", ny,
			`"soon" not understood; use "2027-03-30 18:00" (read in America/New_York), "2027-03-30T18:00:00-04:00"`},
		{"relative without unit", "+2", paris, `"+2" not understood; a time from now looks like "+2h", "+3d" or "+1h30m"`},
		{"relative in words", "+2 hours", paris, `"+2 hours" not understood; a time from now looks like`},
		{"spring forward gap", "2027-03-28 02:30", paris,
			`"2027-03-28 02:30" does not exist in Europe/Paris: clocks jump from 02:00 to 03:00 that night; use "2027-03-28 03:30"`},
		{"spring forward gap in New York", "2027-03-14T02:15", ny,
			`"2027-03-14T02:15" does not exist in America/New_York: clocks jump from 02:00 to 03:00 that night; use "2027-03-14 03:15"`},
		{"fall back twice", "2027-10-31 02:30", paris,
			`"2027-10-31 02:30" happens twice in Europe/Paris: clocks go back that night; say which with its offset: "2027-10-31T02:30:00+02:00" (the first) or "2027-10-31T02:30:00+01:00" (the second)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhen(tt.in, tt.loc, now)
			if err == nil {
				t.Fatalf("parseWhen(%q) accepted it", tt.in)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseWhen(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseWhenWallClock(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2027-03-30 9:00", time.Date(2027, 3, 30, 7, 0, 0, 0, time.UTC)},
		{"2027-03-28 01:59", time.Date(2027, 3, 28, 0, 59, 0, 0, time.UTC)},
		{"2027-03-28 03:00", time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC)},
		{"2027-10-31 01:59", time.Date(2027, 10, 30, 23, 59, 0, 0, time.UTC)},
		{"2027-10-31 03:00", time.Date(2027, 10, 31, 2, 0, 0, 0, time.UTC)},
		{"2027-10-31T02:30:00+01:00", time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseWhen(tt.in, paris, now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadZone(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"Europe/Paris", ""},
		{"UTC", ""},
		{"Local", "not usable"},
		{"", "not usable"},
		{"Paris", `"Paris" not known`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			loc, err := loadZone(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want == "" && loc.String() != tt.in:
				t.Errorf("loaded %s", loc)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestDurationsRoundTrip: every --duration the CLI accepts is stored and planned without a row
// error; every one it refuses says why.
func TestDurationsRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	rapid.Check(t, func(rt *rapid.T) {
		h, m := rapid.IntRange(-2, 200).Draw(rt, "hours"), rapid.IntRange(0, 59).Draw(rt, "minutes")
		arg := rapid.SampledFrom([]string{fmt.Sprintf("%dh%dm", h, m), fmt.Sprint(h*60 + m), fmt.Sprintf("%dm", h*60+m)}).Draw(rt, "form")
		n, err := parseDuration(arg)
		if err != nil {
			if !strings.Contains(err.Error(), "duration") {
				rt.Fatalf("%q refused without saying why: %v", arg, err)
			}
			return
		}
		out, errOut, code := s.run("broadcast", "edit", "1", "--duration", arg)
		if code != 0 {
			rt.Fatalf("--duration %q (%d min) accepted by the parser, refused by the command: %s%s", arg, n, out, errOut)
		}
		var bv broadcastView
		if err := json.Unmarshal([]byte(s.ok("broadcast", "show", "1", "--json")), &bv); err != nil || bv.DurationMinutes != n || bv.Error != "" {
			rt.Fatalf("--duration %q: stored %d, error %q (%v)", arg, bv.DurationMinutes, bv.Error, err)
		}
	})
}
