package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/onairhq/onair/posting/webhook"
)

func TestWebhookPing(t *testing.T) {
	t.Setenv("HOOK_SECRET", "s3cret")
	var got webhook.Payload
	var signed bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		signed = webhook.Verify("s3cret", r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body)
		json.Unmarshal(body, &got)
	}))
	defer srv.Close()
	s := newSession(t, time.Now())
	s.ok("init")
	s.ok("channel", "add", "webhook", "--name", "cms", "--url", srv.URL, "--secret-env", "HOOK_SECRET")
	if out := s.ok("channel", "test", "cms"); !strings.Contains(out, "--ping") || got.Kind != "" {
		t.Errorf("test without --ping sent %+v, said:\n%s", got, out)
	}
	out := s.ok("channel", "test", "cms", "--ping")
	if !signed || got.Kind != webhook.KindPing || got.ID == "" || !strings.Contains(out, "accepted the test request, signed with $HOOK_SECRET") {
		t.Errorf("ping: signed %v, payload %+v, said:\n%s", signed, got, out)
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "nope", http.StatusUnauthorized) })
	if msg := s.fails("channel", "test", "cms", "--ping"); !strings.Contains(msg, "the test request to "+srv.URL+" failed") {
		t.Errorf("refused ping: %s", msg)
	}
	s.ok("channel", "add", "console", "--name", "preview")
	if msg := s.fails("channel", "test", "preview", "--ping"); !strings.Contains(msg, "--ping is for webhook channels") {
		t.Errorf("--ping on console: %s", msg)
	}
}

// TestFlagUsageHasNoBackquotes: pflag takes a `quoted` word of a flag's usage for its value's
// name, so "then `onair channel login NAME`" showed as --oauth2 onair channel login NAME.
func TestFlagUsageHasNoBackquotes(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: usage %q has a backquote", c.CommandPath(), f.Name, f.Usage)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk((&app{}).rootCmd())
}

// TestTableWidth: columns stay aligned after a cell with an emoji or an accent.
func TestTableWidth(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	tw := newTable(&b)
	fmt.Fprintln(tw, "ID\tTITLE\tSTATUS")
	fmt.Fprintln(tw, "1\t🚀 Lancement\tplanned")
	fmt.Fprintln(tw, "2\tÉté\tsent")
	tw.Flush()
	want := "ID  TITLE         STATUS\n1   🚀 Lancement  planned\n2   Été           sent\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	if got := short("🚀🚀🚀 abc", 6); got != "🚀🚀…" {
		t.Errorf("short = %q", got)
	}
}

func TestRescheduleWarnsOfEditedPosts(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	p := s.posts("1")["teaser 1d preview"]
	s.ok("post", "edit", fmt.Sprint(p.ID), "--text", "Demain mardi 30 mars, 18:00 !")
	_, errOut, code := s.run("broadcast", "reschedule", "1", "--at", "2027-03-31 19:00")
	if code != 0 || !strings.Contains(errOut, fmt.Sprintf("1 post edited by hand kept its text, which may name the old date, title or link: check %d", p.ID)) {
		t.Errorf("reschedule with an edited post: exit %d, %s", code, errOut)
	}
	if _, errOut, _ := s.run("broadcast", "edit", "1", "--description", "x"); strings.Contains(errOut, "edited by hand") {
		t.Errorf("a description change warns: %s", errOut)
	}
}

// TestNamesThroughTheBinary: a broadcast by its external ref, campaigns and channels by a
// prefix, and "did you mean" for commands, flags, names and zones.
func TestNamesThroughTheBinary(t *testing.T) {
	t.Parallel()
	s := newBinSession(t)
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview")
	s.ok("channel", "add", "console", "--name", "press")
	s.ok("campaign", "add", "Spring launch", "--channels", "preview", "--tz", "Europe/Paris")
	s.ok("campaign", "add", "Summer sale", "--channels", "press", "--tz", "Europe/Paris")
	s.ok("broadcast", "add", "--campaign", "spr", "--title", "Lancement", "--at", "+3d", "--ref", "cms-101")

	var b broadcastView
	if err := json.Unmarshal([]byte(s.ok("broadcast", "show", "cms-101", "--json")), &b); err != nil || b.ID != 1 || b.Campaign != "Spring launch" {
		t.Errorf("broadcast show cms-101: %+v %v", b, err)
	}
	if out := s.ok("plan", "show", "cms-101"); !strings.Contains(out, "Broadcast 1 · Lancement") {
		t.Errorf("plan show cms-101:\n%s", out)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"ambiguous campaign", []string{"campaign", "show", "S"}, `campaign "S" could be "Spring launch" or "Summer sale"; type more of its name`},
		{"mistyped campaign", []string{"campaign", "show", "Sprung launch"}, `campaign "Sprung launch" does not exist (did you mean "Spring launch"?)`},
		{"ambiguous channel", []string{"channel", "show", "pr"}, `channel "pr" could be "press" or "preview"`},
		{"mistyped channel", []string{"channel", "show", "preveiw"}, `channel "preveiw" does not exist (did you mean "preview"?)`},
		{"mistyped command", []string{"stauts"}, "Did you mean this?\n\tstatus"},
		{"mistyped subcommand", []string{"broadcast", "lst"}, "(did you mean list?)"},
		{"mistyped flag", []string{"broadcast", "list", "--campain", "x"}, "unknown flag --campain (did you mean --campaign?); see `onair broadcast list --help`"},
		{"city for a zone", []string{"campaign", "edit", "Summer", "--tz", "Paris"}, `time zone "Paris" not known (did you mean Europe/Paris?)`},
		{"city with a space", []string{"campaign", "edit", "Summer", "--tz", "new york"}, `(did you mean America/New_York?)`},
		{"mistyped zone", []string{"campaign", "edit", "Summer", "--tz", "Europe/Pariss"}, `(did you mean Europe/Paris?)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msg := s.fails(tt.args...)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("onair %s:\n%s\nwant %q", strings.Join(tt.args, " "), msg, tt.want)
			}
			if strings.Contains(msg, "Usage:") && strings.Contains(tt.name, "flag") {
				t.Errorf("a flag error prints the whole usage:\n%s", msg)
			}
		})
	}
	if out := s.ok("channel", "show", "prev"); !strings.Contains(out, "preview") {
		t.Errorf("channel show prev:\n%s", out)
	}
}
