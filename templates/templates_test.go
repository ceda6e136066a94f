package templates

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models/post"
	"github.com/onairhq/onair/posting"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

func sample(lang string, kind post.Kind, step string, due time.Time, index int) Data {
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	return Data{Kind: kind, Step: step, Index: index, Title: "Lancement de la collection", Campaign: "Spring launch",
		Start: start, End: start.Add(45 * time.Minute), Due: due, Location: paris, Lang: lang,
		WatchURL: "https://x.com/i/broadcasts/1ABC", Hashtags: []string{"#SpringLaunch"}, Network: "x"}
}

func TestGolden(t *testing.T) {
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	end := start.Add(45 * time.Minute)
	cases := []struct {
		name  string
		kind  post.Kind
		step  string
		due   time.Time
		index int
	}{
		{"teaser-7d", post.Teaser, "7d", start.AddDate(0, 0, -7), 0},
		{"teaser-3d", post.Teaser, "3d", start.AddDate(0, 0, -3), 1},
		{"teaser-1d", post.Teaser, "1d", start.AddDate(0, 0, -1), 2},
		{"reminder-1h", post.Reminder, "1h", start.Add(-time.Hour), 0},
		{"reminder-10m", post.Reminder, "10m", start.Add(-10 * time.Minute), 1},
		{"live", post.Live, "0", start, 0},
		{"replay-30m", post.Replay, "30m", end.Add(30 * time.Minute), 0},
		{"replay-1d", post.Replay, "1d", end.AddDate(0, 0, 1), 1},
	}
	for _, lang := range Languages {
		set, err := Load(lang, "")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, c := range cases {
			t.Run(lang+"/"+c.name, func(t *testing.T) {
				d := sample(lang, c.kind, c.step, c.due, c.index)
				if c.kind == post.Replay {
					d.ReplayURL = "https://x.com/i/broadcasts/1ABC/replay"
				}
				got, err := set.Render(d)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", lang, c.name+".txt")
				if *update {
					os.MkdirAll(filepath.Dir(path), 0o755)
					if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("golden file missing (go test ./templates -update): %v", err)
				}
				if got+"\n" != string(want) {
					t.Errorf("%s:\n--- got\n%s\n--- want\n%s", path, got, want)
				}
				if other, dup := seen[got]; dup {
					t.Errorf("same text as %s: X refuses duplicate content", other)
				}
				seen[got] = c.name
				// The defaults must fit X with a long title and two hashtags.
				d.Title = strings.Repeat("T", 60)
				d.Hashtags = []string{"#SpringLaunch", "#ParisFashionWeek"}
				long, _ := set.Render(d)
				if n := posting.XLength(long); n > 280 {
					t.Errorf("with a 60-character title the text weighs %d on X, over 280:\n%s", n, long)
				}
			})
		}
	}
}

func TestRelative(t *testing.T) {
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	dstStart := time.Date(2027, 3, 28, 18, 0, 0, 0, paris) // the day summer time begins
	tests := []struct {
		name       string
		start, due time.Time
		en, fr     string
	}{
		{"7 days", start, start.AddDate(0, 0, -7), "in 7 days", "dans 7 jours"},
		{"tomorrow", start, start.AddDate(0, 0, -1), "tomorrow", "demain"},
		{"tomorrow across DST (23h)", dstStart, time.Date(2027, 3, 27, 18, 0, 0, 0, paris), "tomorrow", "demain"},
		{"tomorrow the day after DST", start.AddDate(0, 0, -1), time.Date(2027, 3, 28, 18, 0, 0, 0, paris), "tomorrow", "demain"},
		{"1 hour", start, start.Add(-time.Hour), "in 1 hour", "dans 1 heure"},
		{"2 hours", start, start.Add(-2 * time.Hour), "in 2 hours", "dans 2 heures"},
		{"1h30", start, start.Add(-90 * time.Minute), "in 1 hour 30 minutes", "dans 1 h 30"},
		{"10 minutes", start, start.Add(-10 * time.Minute), "in 10 minutes", "dans 10 minutes"},
		{"1 minute", start, start.Add(-time.Minute), "in 1 minute", "dans 1 minute"},
		{"now", start, start, "now", "maintenant"},
		{"seconds", start, start.Add(-20 * time.Second), "in 20 seconds", "dans 20 secondes"},
		{"late evening before an early start", time.Date(2027, 3, 31, 1, 0, 0, 0, paris), time.Date(2027, 3, 30, 23, 0, 0, 0, paris), "in 2 hours", "dans 2 heures"},
		{"30 minutes after", start, start.Add(30 * time.Minute), "30 minutes ago", "il y a 30 minutes"},
		{"the day after", start, start.AddDate(0, 0, 1), "yesterday", "hier"},
		{"three days after", start, start.AddDate(0, 0, 3), "3 days ago", "il y a 3 jours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Data{Start: tt.start, Due: tt.due, Location: paris, Lang: "en"}
			if got := d.Relative(); got != tt.en {
				t.Errorf("en: %q, want %q", got, tt.en)
			}
			d.Lang = "fr"
			if got := d.Relative(); got != tt.fr {
				t.Errorf("fr: %q, want %q", got, tt.fr)
			}
		})
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		name       string
		start, due time.Time
		lang, want string
	}{
		{"fr", time.Date(2027, 3, 30, 18, 0, 0, 0, paris), time.Date(2027, 3, 23, 18, 0, 0, 0, paris), "fr", "mardi 30 mars à 18:00"},
		{"en", time.Date(2027, 3, 30, 18, 0, 0, 0, paris), time.Date(2027, 3, 23, 18, 0, 0, 0, paris), "en", "Tuesday, March 30 at 6:00 PM"},
		{"fr first of the month", time.Date(2027, 4, 1, 9, 30, 0, 0, paris), time.Date(2027, 3, 30, 9, 30, 0, 0, paris), "fr", "jeudi 1er avril à 09:30"},
		{"fr across years", time.Date(2028, 1, 4, 20, 0, 0, 0, paris), time.Date(2027, 12, 28, 20, 0, 0, 0, paris), "fr", "mardi 4 janvier 2028 à 20:00"},
		{"en across years", time.Date(2028, 1, 4, 20, 0, 0, 0, paris), time.Date(2027, 12, 28, 20, 0, 0, 0, paris), "en", "Tuesday, January 4, 2028 at 8:00 PM"},
		{"in the zone, not UTC", time.Date(2027, 8, 15, 22, 30, 0, 0, time.UTC), time.Date(2027, 8, 14, 0, 0, 0, 0, time.UTC), "fr", "lundi 16 août à 00:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Data{Start: tt.start, Due: tt.due, Location: paris, Lang: tt.lang}
			if got := d.When(); got != tt.want {
				t.Errorf("When = %q, want %q", got, tt.want)
			}
		})
	}
	d := Data{Start: time.Date(2027, 3, 30, 18, 0, 0, 0, paris), Location: paris}
	if d.Zone() != "CEST" {
		t.Errorf("Zone = %q", d.Zone())
	}
}

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "teaser.tmpl", "Custom teaser: {{.Title}} {{upper .Step}}")
	writeFile(t, dir, "teaser.x.tmpl", "X teaser: {{.Title}}")
	writeFile(t, dir, "README.md", "notes for the team")
	set, err := Load("en", dir)
	if err != nil {
		t.Fatal(err)
	}
	d := sample("en", post.Teaser, "7d", time.Date(2027, 3, 23, 18, 0, 0, 0, paris), 0)
	for network, want := range map[string]string{"x": "X teaser: Lancement de la collection", "mastodon": "Custom teaser: Lancement de la collection 7D"} {
		d.Network = network
		if got, err := set.Render(d); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", network, got, err, want)
		}
	}
	d.Kind = post.Live
	if got, _ := set.Render(d); !strings.HasPrefix(got, "🔴 We're live!") {
		t.Errorf("live kept the default: %q", got)
	}

	t.Run("language sub-directory", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "fr/live.tmpl", "En direct : {{.Title}}")
		writeFile(t, dir, "en/live.tmpl", "Live: {{.Title}}")
		set, err := Load("fr", dir)
		if err != nil {
			t.Fatal(err)
		}
		d := sample("fr", post.Live, "0", time.Date(2027, 3, 30, 18, 0, 0, 0, paris), 0)
		if got, _ := set.Render(d); got != "En direct : Lancement de la collection" {
			t.Errorf("fr live: %q", got)
		}
	})
}

func TestBadTemplates(t *testing.T) {
	tests := []struct {
		name, file, body string
		want             []string
	}{
		{"parse error names file and line", "teaser.tmpl", "Hello\n{{.Title", []string{"teaser.tmpl:2", "fix the file"}},
		{"unknown file name", "teasr.tmpl", "x", []string{"teasr.tmpl", "teaser.tmpl"}},
		{"unknown network", "teaser.myspace.tmpl", "x", []string{"teaser.myspace.tmpl"}},
		{"unknown field", "reminder.tmpl", "{{.Titel}}", []string{"reminder.tmpl", "Titel"}},
		{"unknown function", "live.tmpl", "{{shout .Title}}", []string{"live.tmpl", "shout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, tt.file, tt.body)
			err := Validate("en", dir)
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if err := Validate("de", ""); err == nil || !strings.Contains(err.Error(), "en, fr") {
		t.Errorf("unknown language: %v", err)
	}
	if err := Validate("en", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing directory accepted")
	}
	for _, lang := range Languages {
		if err := Validate(lang, ""); err != nil {
			t.Errorf("defaults %s: %v", lang, err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	set, err := Load("fr", "")
	if err != nil {
		b.Fatal(err)
	}
	d := sample("fr", post.Teaser, "7d", time.Date(2027, 3, 23, 18, 0, 0, 0, paris), 0)
	for b.Loop() {
		if _, err := set.Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSameComparesEveryField changes each field of Data in turn: Same must see it.
func TestSameComparesEveryField(t *testing.T) {
	base := sample("en", post.Teaser, "7d", time.Date(2027, 3, 23, 18, 0, 0, 0, paris), 0)
	if !base.Same(base) {
		t.Fatal("Same(itself) = false")
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		other := base
		other.Hashtags = slices.Clone(base.Hashtags)
		f := reflect.ValueOf(&other).Elem().Field(i)
		switch v := f.Addr().Interface().(type) {
		case *string:
			*v += "!"
		case *post.Kind:
			*v += "!"
		case *int:
			*v++
		case *time.Time:
			*v = v.Add(time.Second)
		case **time.Location:
			*v = time.UTC
		case *[]string:
			*v = append(*v, "#More")
		default:
			t.Fatalf("field %s: type %s not handled here; teach Same and this test about it", typ.Field(i).Name, f.Type())
		}
		if base.Same(other) {
			t.Errorf("Same does not compare %s", typ.Field(i).Name)
		}
	}
}

// TestNoWatchURL: a broadcast without a watch URL leaves no empty line where the link would be.
func TestNoWatchURL(t *testing.T) {
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
	for _, lang := range Languages {
		set, err := Load(lang, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range post.Kinds {
			d := sample(lang, kind, "1d", start.AddDate(0, 0, -1), 0)
			d.WatchURL = ""
			out, err := set.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, "\n\n") || !strings.HasSuffix(out, "\n#SpringLaunch") {
				t.Errorf("%s %s without a watch URL:\n%q", lang, kind, out)
			}
		}
	}
}
