package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
)

// binary is the onair binary for the subprocess tests, built once, by the first test that
// needs it (see needBinary): a run under -short builds none.
var (
	binary      string
	binaryOnce  sync.Once
	binaryError string
)

// cleanups run when every test is done (what tests share: demoFastRun's directory).
var cleanups []func()

func TestMain(m *testing.M) {
	flag.Parse()
	modelstest.TellIfNoPostgres()
	modelstest.ShortTempDirInMemory()
	// The end-to-end tests mostly wait on the real clock, not on a core: more of them at once than
	// GOMAXPROCS (go test's default) keeps the package's run near its longest test (with 8, the
	// last ones to start waited 20 s for a slot).
	if f := flag.Lookup("test.parallel"); f != nil && !flagSet("test.parallel") {
		f.Value.Set(fmt.Sprint(max(16, runtime.GOMAXPROCS(0))))
	}
	// A whole run (not -short, no -run) needs the binary: it is built while the tests that do not
	// run it go, rather than by the first test that does.
	if f := flag.Lookup("test.run"); !testing.Short() && f != nil && f.Value.String() == "" {
		go binaryOnce.Do(buildBinary)
	}
	code := m.Run()
	binaryOnce.Do(func() {}) // a build under way ends before its directory is removed
	for _, f := range cleanups {
		f()
	}
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// flagSet says whether the command line set the flag name.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// needBinary builds the onair binary if no test did yet, and skips the test under -short: a
// test that runs onair as a process is not for the quick loop.
func needBinary(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the onair binary: skipped under -short")
	}
	binaryOnce.Do(buildBinary)
	if binaryError != "" {
		t.Fatal(binaryError)
	}
}

// buildBinary builds the onair binary into a temp directory (once: through binaryOnce).
func buildBinary() {
	dir, err := os.MkdirTemp("", "onair-bin")
	if err != nil {
		binaryError = err.Error()
		return
	}
	path := filepath.Join(dir, "onair")
	if out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		binaryError = fmt.Sprintf("build onair: %v\n%s", err, out)
		os.RemoveAll(dir)
		return
	}
	binary = path
}

// endToEnd marks a test that runs onair processes on the real clock for seconds: it runs beside
// the other such tests, and not under -short.
func endToEnd(t *testing.T) {
	t.Helper()
	t.Parallel()
	needBinary(t)
}

// session runs CLI commands in-process against one database, at a time the test sets.
type session struct {
	t   *testing.T
	db  string
	now time.Time
}

func newSession(t *testing.T, now time.Time) *session {
	return &session{t: t, db: filepath.Join(t.TempDir(), "onair.db"), now: now}
}

func (s *session) run(args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append(append([]string{"--db", s.db}, keyFileArgs(s.db)...), args...), &out, &errOut, func() time.Time { return s.now })
	return out.String(), errOut.String(), code
}

// ok runs a command that must succeed and returns its output.
func (s *session) ok(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code != 0 {
		s.t.Fatalf("onair %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// saved runs a command that saves a broadcast whose plan has posts that cannot go out: it exits 1
// and says so, and prints the plan. It returns the plan.
func (s *session) saved(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code != 1 || !strings.Contains(errOut, "is saved, but not every post can go out") {
		s.t.Fatalf("onair %s: exit %d, want 1 and a word on the posts that cannot go out\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fails runs a command that must fail and returns its error output.
func (s *session) fails(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code == 0 {
		s.t.Fatalf("onair %s succeeded, want an error\n%s", strings.Join(args, " "), out)
	}
	return errOut
}

func (s *session) json(v any, args ...string) {
	s.t.Helper()
	out := s.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		s.t.Fatalf("onair %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (s *session) posts(broadcast string) map[string]postView {
	s.t.Helper()
	var list []postView
	s.json(&list, "post", "list", "--broadcast", broadcast)
	out := map[string]postView{}
	for _, p := range list {
		out[string(p.Kind)+" "+p.Step+" "+p.Channel] = p
	}
	return out
}

func (s *session) setup() {
	s.t.Helper()
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview")
	s.ok("campaign", "add", "Spring launch", "--tz", "Europe/Paris", "--lang", "fr", "--channels", "preview",
		"--teasers", "7d,3d,1d", "--reminders", "1h,10m", "--replay-after", "30m", "--hashtags", "#SpringLaunch")
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Lancement de la collection",
		"--at", "2027-03-30 18:00", "--duration", "45m", "--watch-url", "https://x.com/i/broadcasts/1ABC")
}

func TestMarketerScript(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()

	var list []broadcastView
	s.json(&list, "broadcast", "list")
	if len(list) != 1 || list[0].Title != "Lancement de la collection" || list[0].Campaign != "Spring launch" ||
		!list[0].StartsAt.Equal(time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)) || list[0].Posts["planned"] != 6 || list[0].Posts["held"] != 1 {
		t.Fatalf("broadcast list --json = %+v", list)
	}
	table := s.ok("broadcast", "list")
	for _, want := range []string{"ID", "Tue 2027-03-30 18:00 CEST", "Spring launch", "6 planned, 1 held"} {
		if !strings.Contains(table, want) {
			t.Errorf("broadcast list does not show %q:\n%s", want, table)
		}
	}

	plan := s.ok("plan", "show", "1")
	for _, want := range []string{
		"Tue 2027-03-23 18:00 CET · teaser 7d",
		"Mon 2027-03-29 18:00 CEST · teaser 1d",
		"À vos agendas : Lancement de la collection, en direct dans 7 jours, mardi 30 mars à 18:00.",
		"C’est demain",
		"HELD",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan show does not show %q:\n%s", want, plan)
		}
	}
	var pv planView
	s.json(&pv, "plan", "show", "1")
	if len(pv.Posts) != 7 || pv.Posts[0].DueLocal != "2027-03-23T18:00:00+01:00" {
		t.Errorf("plan show --json: %d posts, first due %q", len(pv.Posts), pv.Posts[0].DueLocal)
	}

	posts := s.posts("1")
	teaser1d := posts["teaser 1d preview"]
	s.ok("post", "edit", fmt.Sprint(teaser1d.ID), "--text", "Demain 18:00, la collection. Soyez là !")
	var shown postView
	s.json(&shown, "post", "show", fmt.Sprint(teaser1d.ID))
	if !shown.Edited || shown.Text != "Demain 18:00, la collection. Soyez là !" || shown.Length != 39 {
		t.Errorf("after edit: %+v", shown)
	}

	out := s.ok("broadcast", "reschedule", "1", "--at", "2027-03-31 19:00")
	if !strings.Contains(out, "Wed 2027-03-31 19:00 CEST · live") {
		t.Errorf("reschedule does not print the new plan:\n%s", out)
	}
	after := s.posts("1")
	if p := after["teaser 1d preview"]; p.Text != shown.Text || p.DueLocal != "2027-03-30T19:00:00+02:00" {
		t.Errorf("edited teaser after reschedule: %q due %s", p.Text, p.DueLocal)
	}
	if p := after["teaser 7d preview"]; p.ID != posts["teaser 7d preview"].ID || p.DueLocal != "2027-03-24T19:00:00+01:00" {
		t.Errorf("teaser 7d after reschedule: id %d due %s", p.ID, p.DueLocal)
	}

	s.ok("post", "skip", fmt.Sprint(after["reminder 10m preview"].ID))
	if msg := s.fails("post", "edit", fmt.Sprint(after["reminder 10m preview"].ID), "--text", "x"); !strings.Contains(msg, "is skipped") {
		t.Errorf("editing a skipped post: %s", msg)
	}

	out = s.ok("broadcast", "cancel", "1")
	if !strings.Contains(out, "6 pending posts cancelled") {
		t.Errorf("cancel says: %s", out)
	}
	for k, p := range s.posts("1") {
		want := models.PostCancelled
		if k == "reminder 10m preview" {
			want = models.PostSkipped
		}
		if p.Status != want {
			t.Errorf("%s after cancel: %s, want %s", k, p.Status, want)
		}
	}
	var bv broadcastView
	s.json(&bv, "broadcast", "show", "1")
	if bv.Status != models.BroadcastCancelled || bv.Posts["cancelled"] != 6 {
		t.Errorf("broadcast show --json after cancel: %+v", bv)
	}
}

func TestCLIErrors(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	if msg := s.fails("broadcast", "list"); !strings.Contains(msg, "onair init") {
		t.Errorf("no database: %s", msg)
	}
	s.setup()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"bad time", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "fin mars"},
			[]string{`onair: start time "fin mars" not understood; use "2027-03-30 18:00" (read in Europe/Paris), "2027-03-30T18:00:00+02:00", "demain 18h", "vendredi 18h", "18h30", "30/03 18h" or "+2h"`}},
		{"time without its hour", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "demain"},
			[]string{`onair: start time "demain" needs a time of day: "demain 18:00"`}},
		{"bad time read in --tz", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "bientôt", "--tz", "America/New_York"},
			[]string{`(read in America/New_York)`, `"2027-03-30T18:00:00-04:00"`}},
		{"bad --tz", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "+2d", "--tz", "Mars/Olympus"},
			[]string{`time zone "Mars/Olympus" not known`, "Europe/Paris"}},
		{"relative time in words", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "+2 days"},
			[]string{`start time "+2 days" not understood`, `"+3d"`}},
		{"bad duration", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "+2d", "--duration", "an hour"},
			[]string{`duration "an hour" not understood`, "45m, 1h30m or 90"}},
		{"past time", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "2027-02-01 18:00"},
			[]string{"in the past", "ago"}},
		{"DST gap", []string{"broadcast", "add", "--campaign", "Spring launch", "--title", "T", "--at", "2027-03-28 02:30"},
			[]string{`start time "2027-03-28 02:30" does not exist in Europe/Paris: clocks jump from 02:00 to 03:00 that night; use "2027-03-28 03:30"`}},
		{"reschedule into the past", []string{"broadcast", "reschedule", "1", "--at", "2027-02-28 10:00"},
			[]string{"in the past", "ago"}},
		{"unknown campaign", []string{"broadcast", "add", "--campaign", "Sprung", "--title", "T", "--at", "+2d"},
			[]string{`campaign "Sprung" does not exist (did you mean "Spring launch"?); see ` + "`onair campaign list`"}},
		{"far from any campaign", []string{"broadcast", "add", "--campaign", "Autumn", "--title", "T", "--at", "+2d"},
			[]string{`campaign "Autumn" does not exist; known campaigns: Spring launch`}},
		{"unknown channel", []string{"campaign", "add", "Other", "--channels", "nope"},
			[]string{`channel "nope" does not exist`, "onair channel list"}},
		{"bad cadence", []string{"campaign", "add", "Other", "--channels", "preview", "--teasers", "7days"},
			[]string{"--teasers", `"7days" not understood`, "7d"}},
		{"bad zone", []string{"campaign", "add", "Other", "--channels", "preview", "--tz", "Paris"},
			[]string{`"Paris" not known`, "Europe/Paris"}},
		{"x without keys", []string{"channel", "add", "x", "--name", "brand"},
			[]string{"--consumer-key (or $ONAIR_X_CONSUMER_KEY)", "--access-secret (or $ONAIR_X_ACCESS_SECRET)", "--oauth2 --client-id ID", "onair channel login brand"}},
		{"unknown network", []string{"channel", "add", "myspace", "--name", "brand"},
			[]string{`network "myspace" not known`, "x, mastodon, bluesky, webhook or console"}},
		{"bluesky without handle", []string{"channel", "add", "bluesky", "--name", "b"}, []string{"--handle brand.bsky.social", "--app-password"}},
		{"mastodon without server", []string{"channel", "add", "mastodon", "--name", "m"}, []string{"which server? add --server https://mastodon.social"}},
		{"visibility", []string{"campaign", "add", "Other", "--channels", "preview", "--visibility", "secret"},
			[]string{`visibility "secret" not known; use public, unlisted, private`}},
		{"missing image", []string{"campaign", "add", "Other", "--channels", "preview", "--image", "nope.jpg"},
			[]string{"image", "nope.jpg cannot be read"}},
		{"missing broadcast", []string{"plan", "show", "42"}, []string{"broadcast 42 does not exist", "onair broadcast list"}},
		{"not an id", []string{"post", "show", "abc"}, []string{`"abc" is not a number`}},
		{"bad flag says where the help is", []string{"broadcast", "list", "--colour"}, []string{"unknown flag --colour; see `onair broadcast list --help`"}},
		{"mistyped flag", []string{"broadcast", "add", "--campain", "Spring launch"}, []string{"unknown flag --campain (did you mean --campaign?)"}},
		{"mistyped zone", []string{"campaign", "add", "Other", "--channels", "preview", "--tz", "Paris"}, []string{`time zone "Paris" not known (did you mean Europe/Paris?)`}},
		{"unknown broadcast ref", []string{"broadcast", "show", "cms-999"}, []string{`no broadcast has the id or external ref "cms-999"`}},
		{"missing argument", []string{"broadcast", "show"}, []string{"missing ID: type `onair broadcast show ID`", "Usage:"}},
		{"name with spaces not quoted", []string{"campaign", "add", "Spring", "launch", "--channels", "preview"},
			[]string{`too many arguments ("Spring" "launch")`, "in quotes"}},
		{"stray argument", []string{"broadcast", "list", "1"}, []string{"takes no argument", `"1"`}},
		{"unknown subcommand", []string{"channel", "ad"}, []string{`"ad" is not a command of ` + "`onair channel`", "add, edit, list", "did you mean add?"}},
		{"unknown broadcast status", []string{"broadcast", "list", "--status", "done"},
			[]string{`status "done" not known`, "scheduled, live, ended, cancelled"}},
		{"unknown post status", []string{"post", "list", "--status", "done"}, []string{`status "done" not known`, "planned"}},
		{"unknown channel filter", []string{"post", "list", "--channel", "nope"}, []string{`channel "nope" does not exist`}},
		{"machine-dependent zone", []string{"campaign", "add", "Other", "--channels", "preview", "--tz", "Local"},
			[]string{`time zone "Local" not usable`}},
		{"unknown language", []string{"campaign", "add", "Other", "--channels", "preview", "--lang", "de"},
			[]string{`language "de" has no templates`, "en, fr"}},
		{"missing post", []string{"post", "skip", "99"}, []string{"post 99 does not exist; see `onair post list`"}},
		{"edit a campaign that does not exist", []string{"campaign", "edit", "Autumn", "--lang", "en"},
			[]string{`campaign "Autumn" does not exist; known campaigns: Spring launch`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := s.fails(tt.args...)
			if !strings.HasPrefix(msg, "onair: ") {
				t.Errorf("error not prefixed: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
		})
	}
}

func TestTooLongForX(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	// X channels come with a later issue; the store takes one already, which is what plan time checks.
	store, err := models.Open(context.Background(), s.db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateChannel(context.Background(), &models.Channel{Name: "brand-x", Network: "x"}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	s.ok("campaign", "edit", "Spring launch", "--channels", "preview,brand-x")
	long := strings.Repeat("Une collection incroyable, ", 12)
	out := s.saved("broadcast", "edit", "1", "--title", long)
	for _, want := range []string{"post(s) too long", "on brand-x: too long for x", "✗", "over", "INVALID"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan after a long title does not show %q:\n%s", want, out)
		}
	}
	posts := s.posts("1")
	p := posts["teaser 7d brand-x"]
	if p.Status != models.PostInvalid {
		t.Fatalf("teaser on X: %s", p.Status)
	}
	msg := s.fails("post", "edit", fmt.Sprint(p.ID), "--text", strings.Repeat("é", 281))
	if !strings.Contains(msg, "too long for x: 281 of 280 weighted characters (1 over); shorten it") {
		t.Errorf("too-long edit: %s", msg)
	}
	s.ok("post", "edit", fmt.Sprint(p.ID), "--text", "La collection arrive dans 7 jours : https://x.com/i/broadcasts/1ABC")
	if got := s.posts("1")["teaser 7d brand-x"]; got.Status != models.PostPlanned || got.Length != 59 {
		t.Errorf("after a fitting edit: %s, length %d", got.Status, got.Length)
	}
}

func TestCMSRowsShowUpInTheCLI(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	store, err := models.Open(context.Background(), s.db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Exec(`INSERT INTO broadcasts (campaign, title, starts_at) VALUES ('Spring launch', 'Depuis le CMS', 1806422400),
		('Spring launch', 'Cassé', 'demain')`).Error; err != nil {
		t.Fatal(err)
	}
	store.Close()
	out := s.ok("broadcast", "list")
	if !strings.Contains(out, "Depuis le CMS") || !strings.Contains(out, `! starts_at: time "demain" not understood`) {
		t.Errorf("CMS rows in broadcast list:\n%s", out)
	}
	var res struct{ Planned int }
	s.json(&res, "reconcile")
	if res.Planned != 0 {
		t.Errorf("reconcile after list planned %d again", res.Planned)
	}
}

func TestParseWhen(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2027, 3, 27, 12, 0, 0, 0, time.UTC) // 13:00 in Paris, the day before summer time
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2027-03-30 18:00", paris, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)},
		{"2027-03-30 18:00:00", paris, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)},
		{"2027-03-30T18:00", paris, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)},
		{"2027-03-30 18:00", ny, time.Date(2027, 3, 30, 22, 0, 0, 0, time.UTC)},
		{"2027-03-30T18:00:00+02:00", ny, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)},
		{"2027-03-30T16:00:00Z", paris, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)},
		{"+2h", paris, now.Add(2 * time.Hour)},
		{"+1h30m", paris, now.Add(90 * time.Minute)},
		{"+1d", paris, now.Add(23 * time.Hour)}, // a calendar day: 13:00 local tomorrow, after the clocks jump
		{" +3d ", paris, time.Date(2027, 3, 30, 11, 0, 0, 0, time.UTC)},
		{"30/03/2027 18:00", paris, time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in+" in "+tt.loc.String(), func(t *testing.T) {
			got, err := parseWhen(tt.in, tt.loc, now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "tomorrow", "30/02/2027 18:00", "2027-03-30", "+2", "+2 hours", "2027-03-28 02:30"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			if _, err := parseWhen(bad, paris, now); err == nil {
				t.Errorf("accepted %q", bad)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"45m": 45, "1h30m": 90, "90": 90, "2h": 120} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "45s", "forever"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

// TestBinary runs the real binary: init, demo, and a bad command.
func TestBinary(t *testing.T) {
	t.Parallel()
	needBinary(t)
	dir := t.TempDir()
	run := func(args ...string) (string, string, error) {
		cmd := exec.Command(binary, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ONAIR_DB=")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
	if out, errOut, err := run("init"); err != nil || !strings.Contains(out, fmt.Sprintf("Created onair.db (schema version %d)", models.LatestVersion())) ||
		!strings.Contains(errOut, "onair.db.key (mode 0600)") {
		t.Fatalf("init: %v %s %s", err, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "onair.db")); err != nil {
		t.Errorf("init made no ./onair.db: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, "onair.db.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("init made no key file readable by its owner only: %v %v", st, err)
	}
	if _, errOut, err := run("init"); err != nil || strings.Contains(errOut, "Made the secret key") {
		t.Errorf("a second init made another key: %v %s", err, errOut)
	}
	out, errOut, err := run("demo", "--plan-only")
	if err != nil || !strings.Contains(out, "Spring collection launch") || !strings.Contains(out, "· live ·") {
		t.Fatalf("demo --plan-only: %v\n%s\n%s", err, out, errOut)
	}
	if out, _, err := run("--db", "onair-demo.db", "post", "list"); err != nil || strings.Count(out, "\n") != 7 {
		t.Errorf("demo database post list: %v\n%s", err, out)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"broadcast", "show", "7"}, "onair: broadcast 7 does not exist"},
		{[]string{"channel", "ad"}, `onair: "ad" is not a command of ` + "`onair channel`"},
		{[]string{"brodcast", "list"}, `onair: unknown command "brodcast"`},
	} {
		out, errOut, err := run(bad.args...)
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.HasPrefix(errOut, bad.want) || out != "" {
			t.Errorf("onair %s: %v, stdout %q, stderr %q", strings.Join(bad.args, " "), err, out, errOut)
		}
	}
}

func TestLocalZone(t *testing.T) {
	t.Setenv("TZ", "America/New_York")
	if got := localZone(); got != "America/New_York" {
		t.Errorf("with TZ set: %q", got)
	}
	t.Setenv("TZ", "Not/AZone")
	if got := localZone(); got == "Not/AZone" {
		t.Errorf("an unknown TZ was used: %q", got)
	}
	if _, err := time.LoadLocation(localZone()); err != nil {
		t.Errorf("localZone() = %q is not loadable", localZone())
	}
}

func TestBroadcastListPages(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	for i := 0; i < 4; i++ {
		s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", fmt.Sprintf("Live %d", i), "--at", fmt.Sprintf("2027-04-0%d 18:00", i+1))
	}
	out := s.ok("broadcast", "list", "--limit", "2")
	if !strings.Contains(out, "Showing 1-2 of 5. Next page: --offset 2") || strings.Contains(out, "Live 1") {
		t.Errorf("first page:\n%s", out)
	}
	out = s.ok("broadcast", "list", "--limit", "2", "--offset", "2")
	if !strings.Contains(out, "Live 1") || !strings.Contains(out, "Showing 3-4 of 5") {
		t.Errorf("second page:\n%s", out)
	}
	if out := s.ok("broadcast", "list"); strings.Contains(out, "Showing") {
		t.Errorf("everything fits the default page:\n%s", out)
	}
}

// TestZones: --tz reads a start time in another zone; every list shows times in the campaign's zone.
func TestZones(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	out := s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Depuis New York",
		"--at", "2027-04-02 12:00", "--tz", "America/New_York")
	if !strings.Contains(out, "Fri 2027-04-02 18:00 CEST") {
		t.Errorf("a noon New York start is not shown as 18:00 in Paris:\n%s", out)
	}
	var b broadcastView
	s.json(&b, "broadcast", "show", "2")
	if want := time.Date(2027, 4, 2, 16, 0, 0, 0, time.UTC); !b.StartsAt.Equal(want) || b.TimeZone != "Europe/Paris" {
		t.Errorf("stored start %v in %s, want %v in Europe/Paris", b.StartsAt.Time, b.TimeZone, want)
	}

	var posts []postView
	s.json(&posts, "post", "list")
	if len(posts) != 14 {
		t.Fatalf("post list: %d posts, want 14", len(posts))
	}
	for _, p := range posts {
		if p.TimeZone != "Europe/Paris" || !strings.HasSuffix(p.DueLocal, "+01:00") && !strings.HasSuffix(p.DueLocal, "+02:00") {
			t.Errorf("post %d due %s in %s, want Paris time", p.ID, p.DueLocal, p.TimeZone)
		}
	}
	table := s.ok("post", "list", "--status", "planned")
	for _, want := range []string{"Tue 2027-03-23 18:00 CET", "Tue 2027-03-30 18:00 CEST"} {
		if !strings.Contains(table, want) {
			t.Errorf("post list without --broadcast does not show %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "UTC") {
		t.Errorf("post list shows UTC times:\n%s", table)
	}
}

// TestUnplannedSteps: steps whose time has passed are not created, and the plan says so.
func TestUnplannedSteps(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC)) // two days before the launch
	s.setup()
	plan := s.ok("plan", "show", "1")
	for _, want := range []string{
		"Tue 2027-03-23 18:00 CET · teaser 7d · 4d 16h ago\n  – not planned on preview: its time had passed when the broadcast was planned",
		"Sat 2027-03-27 18:00 CET · teaser 3d",
		"Mon 2027-03-29 18:00 CEST · teaser 1d · in 1d 7h\n  [1] preview (console) · PLANNED",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan show does not show %q:\n%s", want, plan)
		}
	}
	var pv planView
	s.json(&pv, "plan", "show", "1")
	if len(pv.Unplanned) != 2 || pv.Unplanned[0].Step != "7d" || pv.Unplanned[1].Step != "3d" || len(pv.Posts) != 5 {
		t.Errorf("plan show --json: %d posts, unplanned %+v", len(pv.Posts), pv.Unplanned)
	}
	s.ok("broadcast", "cancel", "1")
	s.json(&pv, "plan", "show", "1")
	if pv.Unplanned == nil || len(pv.Unplanned) != 0 {
		t.Errorf("a cancelled broadcast lists unplanned steps: %+v", pv.Unplanned)
	}
}

func TestConsoleFile(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.ok("init")
	out := s.ok("channel", "add", "console", "--name", "preview", "--file", "posts.jsonl")
	var chans []channelView
	s.json(&chans, "channel", "list")
	var settings struct{ File string }
	if len(chans) != 1 || json.Unmarshal([]byte(chans[0].Settings), &settings) != nil || !filepath.IsAbs(settings.File) ||
		filepath.Base(settings.File) != "posts.jsonl" || !strings.Contains(out, settings.File) {
		t.Errorf("channel settings %+v; add said:\n%s", chans, out)
	}
}

// TestDemo runs the demo in-process, as far as its plan.
func TestDemo(t *testing.T) {
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	t.Setenv("TZ", "Europe/Paris")
	out := s.ok("demo", "--plan-only")
	for _, want := range []string{
		"Broadcast 1 · Spring collection launch",
		"Starts Mon 2027-03-01 10:03 CET (in 3m)",
		"teaser 1d · 23h 57m ago\n  – not planned on preview: its time had passed",
		"teaser 2m", "reminder 20s", "· live ·", "replay 30s",
		"We're live! Spring collection launch",
		"plan show 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo does not show %q:\n%s", want, out)
		}
	}
	var list []broadcastView
	s.json(&list, "broadcast", "list")
	if len(list) != 1 || list[0].Posts["planned"] != 6 {
		t.Errorf("demo broadcast: %+v", list)
	}
}
