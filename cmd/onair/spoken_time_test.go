package main

import (
	"strings"
	"testing"
	"time"
)

// TestParseWhenSpoken: the times a marketer types, in English and (for a French campaign) French,
// read in Europe/Paris, across both clock changes of 2027 (28 March and 31 October).
func TestParseWhenSpoken(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	monday := time.Date(2027, 3, 29, 9, 0, 0, 0, time.UTC)   // Mon 11:00 CEST
	evening := time.Date(2027, 3, 29, 17, 0, 0, 0, time.UTC) // Mon 19:00 CEST
	beforeSpring := time.Date(2027, 3, 27, 10, 0, 0, 0, time.UTC)
	beforeFall := time.Date(2027, 10, 30, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in, lang string
		now            time.Time
		want           string // the time read, as showTime prints it
	}{
		{"tomorrow", "tomorrow 18:00", "en", monday, "Tue 2027-03-30 18:00 CEST"},
		{"weekday", "fri 18:00", "en", monday, "Fri 2027-04-02 18:00 CEST"},
		{"weekday in full", "Friday 6pm", "en", monday, "Fri 2027-04-02 18:00 CEST"},
		{"today's weekday still ahead", "mon 18:00", "en", monday, "Mon 2027-03-29 18:00 CEST"},
		{"today's weekday passed", "mon 18:00", "en", evening, "Mon 2027-04-05 18:00 CEST"},
		{"a time later today", "18:00", "en", monday, "Mon 2027-03-29 18:00 CEST"},
		{"a time already passed today", "18:00", "en", evening, "Tue 2027-03-30 18:00 CEST"},
		{"day/month", "30/03 18:00", "en", monday, "Tue 2027-03-30 18:00 CEST"},
		{"day/month passed is next year", "28/03 18:00", "en", monday, "Tue 2028-03-28 18:00 CEST"},
		{"day/month/year", "02/04/2027 9:30", "en", monday, "Fri 2027-04-02 09:30 CEST"},
		{"with at", "tomorrow at 18:00", "en", monday, "Tue 2027-03-30 18:00 CEST"},
		{"after spring forward", "sun 03:30", "en", beforeSpring, "Sun 2027-03-28 03:30 CEST"},
		{"before fall back", "tomorrow 01:30", "en", beforeFall, "Sun 2027-10-31 01:30 CEST"},
		{"after fall back", "tomorrow 03:00", "en", beforeFall, "Sun 2027-10-31 03:00 CET"},

		{"demain", "demain 18h", "fr", monday, "Tue 2027-03-30 18:00 CEST"},
		{"demain à", "demain à 18h30", "fr", monday, "Tue 2027-03-30 18:30 CEST"},
		{"vendredi", "vendredi 18h", "fr", monday, "Fri 2027-04-02 18:00 CEST"},
		{"ven", "ven 18h", "fr", monday, "Fri 2027-04-02 18:00 CEST"},
		{"vendredi prochain", "vendredi prochain 18h", "fr", monday, "Fri 2027-04-02 18:00 CEST"},
		{"18h30", "18h30", "fr", monday, "Mon 2027-03-29 18:30 CEST"},
		{"18h30 passed", "18h30", "fr", evening, "Tue 2027-03-30 18:30 CEST"},
		{"après-demain", "après-demain 9h", "fr", monday, "Wed 2027-03-31 09:00 CEST"},
		{"jour/mois", "30/03 18h", "fr", monday, "Tue 2027-03-30 18:00 CEST"},
		{"English in a French campaign", "tomorrow 18:00", "fr", monday, "Tue 2027-03-30 18:00 CEST"},
		{"dimanche after spring forward", "dimanche 3h30", "fr", beforeSpring, "Sun 2027-03-28 03:30 CEST"},
		{"demain after fall back", "demain 3h", "fr", beforeFall, "Sun 2027-10-31 03:00 CET"},

		{"kept: wall clock", "2027-03-30 18:00", "en", monday, "Tue 2027-03-30 18:00 CEST"},
		{"kept: RFC 3339", "2027-03-30T16:00:00Z", "en", monday, "Tue 2027-03-30 18:00 CEST"},
		{"kept: from now", "+2h", "fr", monday, "Mon 2027-03-29 13:00 CEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWhenIn(tt.in, paris, tt.lang, tt.now)
			if err != nil {
				t.Fatalf("parseWhenIn(%q, %s): %v", tt.in, tt.lang, err)
			}
			if s := showTime(got, paris); s != tt.want {
				t.Errorf("parseWhenIn(%q, %s) = %s, want %s", tt.in, tt.lang, s, tt.want)
			}
		})
	}
}

func TestParseWhenSpokenRefused(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	monday := time.Date(2027, 3, 29, 9, 0, 0, 0, time.UTC)
	beforeSpring := time.Date(2027, 3, 27, 10, 0, 0, 0, time.UTC)
	beforeFall := time.Date(2027, 10, 30, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in, lang string
		now            time.Time
		want           string
	}{
		{"February 30th", "2027-02-30 18:00", "en", monday, `"2027-02-30 18:00": February 2027 has 28 days`},
		{"February 29th, not a leap year", "29/02/2027 18:00", "en", monday, `February 2027 has 28 days`},
		{"April 31st", "31/04 18h", "fr", monday, `April 2027 has 30 days`},
		{"month 13", "12/13 18:00", "en", monday, `there is no month 13`},
		{"no time of day", "tomorrow", "en", monday, `"tomorrow" needs a time of day: "tomorrow 18:00"`},
		{"no time of day, French", "demain", "fr", monday, `"demain" needs a time of day: "demain 18:00"`},
		{"hour 25", "tomorrow 25:00", "en", monday, `"25:00" is not a time of day`},
		{"French words in an English campaign", "demain 18h", "en", monday, `not understood`},
		{"French examples for a French campaign", "bientôt", "fr", monday, `"demain 18h", "vendredi 18h", "18h30"`},
		{"spring gap", "sun 02:30", "en", beforeSpring,
			`"sun 02:30" does not exist in Europe/Paris: clocks jump from 02:00 to 03:00 that night; use "2027-03-28 03:30"`},
		{"spring gap, French", "demain 2h30", "fr", beforeSpring,
			`"demain 2h30" does not exist in Europe/Paris: clocks jump from 02:00 to 03:00 that night; use "2027-03-28 03:30"`},
		{"fall back twice", "tomorrow 02:30", "en", beforeFall,
			`"tomorrow 02:30" happens twice in Europe/Paris: clocks go back that night; say which with its offset: "2027-10-31T02:30:00+02:00" (the first) or "2027-10-31T02:30:00+01:00" (the second)`},
		{"fall back twice, French", "31/10 2h30", "fr", beforeFall, `happens twice in Europe/Paris`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWhenIn(tt.in, paris, tt.lang, tt.now)
			if err == nil {
				t.Fatalf("parseWhenIn(%q, %s) accepted it: %s", tt.in, tt.lang, showTime(got, paris))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseWhenIn(%q, %s) error\n got: %s\nwant: %s", tt.in, tt.lang, err, tt.want)
			}
		})
	}
}

// TestAtEchoed: the CLI says how it read --at, with the date and zone.
func TestAtEchoed(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 29, 9, 0, 0, 0, time.UTC))
	s.setup()
	out := s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Vendredi", "--at", "vendredi 18h")
	if !strings.Contains(out, `Start "vendredi 18h" read as Fri 2027-04-02 18:00 CEST (in 4d 7h).`) {
		t.Errorf("broadcast add does not echo the time read:\n%s", out)
	}
	out = s.ok("broadcast", "reschedule", "2", "--at", "fri 19:00")
	if !strings.Contains(out, `read as Fri 2027-04-02 19:00 CEST`) {
		t.Errorf("reschedule does not echo the time read:\n%s", out)
	}
	errOut := s.fails("broadcast", "reschedule", "2", "--at", "2027-02-30 18:00")
	if !strings.Contains(errOut, "February 2027 has 28 days") {
		t.Errorf("impossible date: %s", errOut)
	}
}
