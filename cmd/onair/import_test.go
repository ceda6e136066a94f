package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportThroughTheBinary imports a CSV file as a marketer would: a dry run, the import, a
// second file that updates by ref, and a file with bad rows that writes nothing unless --skip-bad.
func TestImportThroughTheBinary(t *testing.T) {
	t.Parallel()
	s := newBinSession(t)
	s.ok("init")
	s.ok("channel", "add", "console", "--name", "preview", "--file", "posts.jsonl")
	s.ok("campaign", "add", "Spring", "--tz", "Europe/Paris", "--lang", "fr", "--channels", "preview",
		"--teasers", "1d", "--reminders", "10m", "--replay-after", "")
	write := func(name, text string) string {
		t.Helper()
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	count := func() int {
		t.Helper()
		var list []broadcastView
		if err := json.Unmarshal([]byte(s.ok("broadcast", "list", "--json")), &list); err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	show := func(ref string) broadcastView {
		t.Helper()
		var bv broadcastView
		if err := json.Unmarshal([]byte(s.ok("broadcast", "show", ref, "--json")), &bv); err != nil {
			t.Fatal(err)
		}
		return bv
	}

	good := write("lives.csv", `Title,Start,Duration,Watch_URL,Ref
Lancement,2030-03-30 18:00,45m,https://x.com/i/broadcasts/1ABC,cms-101
"Questions, réponses",demain 18h,1h,,cms-102
Sans ref,30/03/2030 20h,,,
`)
	out := s.ok("broadcast", "import", good, "--campaign", "Spring", "--dry-run")
	if !strings.Contains(out, "would import lives.csv: 3 created, 0 updated, 0 unchanged, 0 bad.") || count() != 0 {
		t.Fatalf("dry run wrote, or says:\n%s", out)
	}
	out = s.ok("broadcast", "import", good, "--campaign", "Spring")
	if !strings.Contains(out, "Imported lives.csv: 3 created, 0 updated, 0 unchanged, 0 bad.") ||
		!strings.Contains(out, `line 3: added broadcast 2 "Questions, réponses"`) {
		t.Fatalf("import says:\n%s", out)
	}
	b := show("cms-101")
	if b.Title != "Lancement" || b.DurationMinutes != 45 || !b.StartsAt.Equal(time.Date(2030, 3, 30, 17, 0, 0, 0, time.UTC)) ||
		b.Campaign != "Spring" || b.Posts["planned"] == 0 {
		t.Errorf("cms-101 after import: %+v", b)
	}
	tomorrow := time.Now().In(mustZone(t, "Europe/Paris")).AddDate(0, 0, 1)
	if b := show("cms-102"); b.StartsAt.In(mustZone(t, "Europe/Paris")).Format("2006-01-02 15:04") != tomorrow.Format("2006-01-02")+" 18:00" {
		t.Errorf("cms-102 (demain 18h) starts %v", b.StartsAt)
	}

	// A second file: cms-101 moves, cms-102 is named with empty cells (unchanged), one is new.
	update := write("update.csv", `ref,title,start,campaign
cms-101,Lancement,2030-03-31 19:00,Spring
cms-102,,,
cms-103,Nouveau,2030-04-02 18:00,Spring
`)
	out = s.ok("broadcast", "import", update)
	if !strings.Contains(out, "1 created, 1 updated, 1 unchanged, 0 bad.") || !strings.Contains(out, `line 2: updated broadcast 1 "Lancement": start`) {
		t.Fatalf("update import says:\n%s", out)
	}
	if b := show("cms-101"); !b.StartsAt.Equal(time.Date(2030, 3, 31, 17, 0, 0, 0, time.UTC)) || b.Revision < 2 {
		t.Errorf("cms-101 after the update: starts %v, revision %d", b.StartsAt, b.Revision)
	}
	if out := s.ok("broadcast", "import", update); !strings.Contains(out, "0 created, 0 updated, 3 unchanged, 0 bad.") {
		t.Errorf("importing the same file again:\n%s", out)
	}

	bad := write("bad.csv", `title,start,duration,campaign,ref
Février,2030-02-30 18:00,,Spring,
,2030-04-03 18:00,,Spring,
Trop long,2030-04-04 18:00,forever,Spring,
Bon,2030-04-05 18:00,30m,Spring,cms-200
Ailleurs,2030-04-06 18:00,,Autumn,
Encore,2030-04-07 18:00,,Spring,cms-200
Passé,2020-01-01 18:00,,Spring,
`)
	before := count()
	errOut := s.fails("broadcast", "import", bad)
	for _, want := range []string{
		"line 2: start \"2030-02-30 18:00\": February 2030 has 28 days",
		"line 3: no title",
		"line 4: duration \"forever\" not understood",
		"line 6: ", "Autumn",
		`line 7: ref "cms-200" is also on line 5`,
		"line 8: start Wed 2020-01-01 18:00 CET is in the past",
		"nothing imported: 6 bad rows to fix",
		"--skip-bad",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("bad import does not say %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "line 5:") {
		t.Errorf("the good row is reported bad:\n%s", errOut)
	}
	if count() != before {
		t.Fatalf("a file with bad rows wrote broadcasts")
	}
	out, errOut, code := s.run("broadcast", "import", bad, "--skip-bad")
	if code != 0 || !strings.Contains(out, "1 created, 0 updated, 0 unchanged, 6 bad.") || !strings.Contains(errOut, "line 2:") || count() != before+1 {
		t.Errorf("--skip-bad: exit %d\n%s\n%s", code, out, errOut)
	}

	if msg := s.fails("broadcast", "import", write("typo.csv", "titel,start\nA,2030-04-01 18:00\n"), "--campaign", "Spring"); !strings.Contains(msg, `column "titel" not known (did you mean "title"?)`) {
		t.Errorf("unknown column: %s", msg)
	}
	if msg := s.fails("broadcast", "import", write("nocamp.csv", "title,start\nA,2030-04-01 18:00\n")); !strings.Contains(msg, "line 2: which campaign?") {
		t.Errorf("no campaign: %s", msg)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
