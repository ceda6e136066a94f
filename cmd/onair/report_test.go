package main

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

// resultsSession is a campaign on X, Mastodon and Bluesky with two broadcasts whose posts went
// out, their engagement read at 1h, 24h and 7d, the first one's viewers sampled every minute of
// its live, and its audience given by hand.
func resultsSession(t *testing.T) *session {
	t.Helper()
	s := newSession(t, time.Date(2027, 4, 20, 9, 0, 0, 0, time.UTC))
	s.ok("init")
	// X and Mastodon through the CLI (their settings bound to onair's key, so that `channel
	// metrics` may change them); Bluesky's login needs the network, so its row is written here.
	s.ok("channel", "add", "x", "--name", "brand-x", "--consumer-key", "k", "--consumer-secret", "s", "--access-token", "t", "--access-secret", "ts", "--no-check")
	s.ok("channel", "add", "mastodon", "--name", "brand-m", "--server", "https://mastodon.example", "--token", "t", "--no-check")
	ctx := context.Background()
	st, err := models.Open(ctx, s.db, models.Options{Now: func() time.Time { return s.now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	chans := []struct{ name, network string }{{"brand-x", "x"}, {"brand-m", "mastodon"}, {"brand-b", "bluesky"}}
	var names []string
	for _, ch := range chans {
		names = append(names, ch.name)
	}
	if err := st.CreateChannel(ctx, &models.Channel{Name: "brand-b", Network: "bluesky"}); err != nil {
		t.Fatal(err)
	}
	c := &models.Campaign{Name: "Spring launch", TimeZone: "Europe/Paris", Lang: "en", Teasers: "7d,1d", Reminders: "10m", ReplayAfter: "30m"}
	if err := st.CreateCampaign(ctx, c, names); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	steps := []struct {
		kind, step string
		before     time.Duration // before the start (negative: after the end)
		appeal     int64
	}{
		{"teaser", "7d", 7 * 24 * time.Hour, 1}, {"teaser", "1d", 24 * time.Hour, 3},
		{"reminder", "10m", 10 * time.Minute, 2}, {"live", "0", 0, 4}, {"replay", "30m", -90 * time.Minute, 2},
	}
	base := map[string]int64{"x": 10, "mastodon": 6, "bluesky": 8}
	for n, start := range []time.Time{time.Date(2027, 3, 30, 18, 0, 0, 0, paris), time.Date(2027, 4, 6, 18, 0, 0, 0, paris)} {
		b := &models.Broadcast{CampaignID: &c.ID, Title: []string{"Spring collection launch", "Spring collection, part 2"}[n],
			StartsAt: models.NewTime(start), DurationMinutes: 60, WatchURL: "https://x.com/i/broadcasts/1ABC",
			StartedAt: models.NewTime(start), EndedAt: models.NewTime(start.Add(time.Hour)), Status: models.BroadcastEnded}
		if err := st.CreateBroadcast(ctx, b); err != nil {
			t.Fatal(err)
		}
		var ms []models.PostMetric
		for i, ch := range chans {
			for j, sp := range steps {
				at := start.Add(-sp.before)
				text := "Spring launch " + sp.kind + " " + sp.step
				if sp.kind == "live" {
					text += " https://x.com/i/broadcasts/1ABC"
				}
				p := &models.Post{BroadcastID: b.ID, ChannelID: int64(i + 1), Kind: models.Kind(sp.kind), Step: sp.step, DueAt: models.NewTime(at),
					Text: text, Status: models.PostSent, SentAt: models.NewTime(at), RemoteID: ch.name + "-" + sp.step + "-" + string(rune('a'+n)),
					IdempotencyKey: models.NewIdempotencyKey()}
				if err := st.DB().Create(p).Error; err != nil {
					t.Fatal(err)
				}
				for k, cp := range []struct {
					label string
					after time.Duration
					grow  int64
				}{{"1h", time.Hour, 4}, {"24h", 24 * time.Hour, 9}, {"7d", 7 * 24 * time.Hour, 10}} {
					if n == 1 && k == 2 {
						continue // the second broadcast's week is not over
					}
					if at.Add(cp.after).After(s.now) {
						continue
					}
					v := base[ch.network] * sp.appeal * cp.grow * int64(2-n) / 2
					if ch.network == "mastodon" && sp.step == "1d" {
						v *= 2 // the day-before teaser works on Mastodon
					}
					m := models.PostMetric{PostID: p.ID, Checkpoint: cp.label, DueAt: models.NewTime(at.Add(cp.after)),
						CollectedAt: models.NewTime(at.Add(cp.after + 20*time.Second)), Status: models.MetricOK,
						Likes: ptr(v), Reposts: ptr(v / 4), Replies: ptr(v / 5), Quotes: ptr(v / 10)}
					if ch.network == "x" {
						m.Impressions, m.Bookmarks, m.CostUSD = ptr(v*45), ptr(v/8), 0.005
					}
					if ch.network == "bluesky" && sp.step == "10m" && n == 0 && k == 2 {
						m = models.PostMetric{PostID: p.ID, Checkpoint: cp.label, DueAt: m.DueAt, CollectedAt: m.CollectedAt,
							Status: models.MetricGone, Error: "the network no longer has this post (deleted?)"}
					}
					ms = append(ms, m)
				}
				_ = j
			}
		}
		if _, err := st.RecordPostMetrics(ctx, ms); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			for m := 0; m <= 60; m++ {
				v := 40 + 12*m
				if m > 30 {
					v = 400 + 150 - 5*m
				}
				if err := st.AddAudienceSample(ctx, b.ID, start.Add(time.Duration(m)*time.Minute+5*time.Second), v, "youtube"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	s.ok("broadcast", "stats", "1", "--viewers", "1200", "--watch-time", "340h", "--replay-views", "1,400")
	s.ok("broadcast", "stats", "2", "--viewers", "700", "--peak", "420", "--replay-views", "300")
	return s
}

func ptr(v int64) *int64 { return &v }

// TestReportGolden: the table, the JSON and the CSV of a broadcast's report, and of its campaign's.
func TestReportGolden(t *testing.T) {
	s := resultsSession(t)
	golden(t, "report.golden", s.ok("report", "1"))
	golden(t, "report.json.golden", s.ok("report", "1", "--json"))
	golden(t, "report.csv.golden", s.ok("report", "1", "--csv"))
	golden(t, "report-campaign.golden", s.ok("report", "--campaign", "Spring launch"))
	golden(t, "report-campaign.csv.golden", s.ok("report", "--campaign", "Spring launch", "--csv"))
	if out := s.ok("report", "--campaign", "Spring launch", "--from", "2027-04-01", "--to", "2027-04-30"); !strings.Contains(out, "1 broadcast") ||
		strings.Contains(out, "Spring collection launch") {
		t.Errorf("--from 2027-04-01: %s", out)
	}
	for _, args := range [][]string{{"report"}, {"report", "1", "--campaign", "Spring launch"}, {"report", "1", "--json", "--csv"},
		{"report", "1", "--chart", "x.gif"}, {"report", "--campaign", "Spring launch", "--from", "April"}} {
		s.fails(args...)
	}
}

// TestReportThroughTheBinary: the binary prints the same report.
func TestReportThroughTheBinary(t *testing.T) {
	needBinary(t)
	s := resultsSession(t)
	out, err := exec.Command(binary, "--db", s.db, "report", "1").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join("testdata", "report.golden"))
	if string(out) != string(want) {
		t.Errorf("the binary's report differs from testdata/report.golden:\n%s", out)
	}
}

// TestReportChart: the chart is an image of the size promised, with one mark per step that went
// out around the live (the reminder, the live posts and the replay: the teasers are days before)
// and one in the legend.
func TestReportChart(t *testing.T) {
	s := resultsSession(t)
	dir := t.TempDir()
	pngPath, svgPath := filepath.Join(dir, "launch.png"), filepath.Join(dir, "launch.svg")
	s.ok("report", "1", "--chart", pngPath)
	s.ok("report", "1", "--chart", svgPath)
	img := readPNG(t, pngPath)
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 720 {
		t.Fatalf("chart is %dx%d, want 960x720", b.Dx(), b.Dy())
	}
	if n := blobs(img, markColor); n != 3+1 {
		t.Errorf("%d marks on the chart, want 3 and the legend's", n)
	}
	if *update { // the README's picture
		data, _ := os.ReadFile(pngPath)
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "report-chart.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), `width="720pt" height="540pt"`) {
		t.Errorf("SVG size: %.200s", svg)
	}
	if n := strings.Count(string(svg), "fill:#E60028"); n != 3+1 {
		t.Errorf("%d marks in the SVG, want 3 and the legend's", n)
	}
	// The campaign's chart draws too.
	s.ok("report", "--campaign", "Spring launch", "--chart", filepath.Join(dir, "campaign.png"))
}

// blobs counts the connected areas of at least 12 pixels of exactly colour c.
func blobs(img image.Image, c color.RGBA) int {
	b := img.Bounds()
	seen := make([]bool, b.Dx()*b.Dy())
	is := func(x, y int) bool {
		r, g, bl, a := img.At(x, y).RGBA()
		return uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B && uint8(a>>8) == c.A
	}
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			i := (y-b.Min.Y)*b.Dx() + x - b.Min.X
			if seen[i] || !is(x, y) {
				continue
			}
			size, stack := 0, []image.Point{{x, y}}
			seen[i] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				size++
				for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					q := p.Add(d)
					if !q.In(b) {
						continue
					}
					j := (q.Y-b.Min.Y)*b.Dx() + q.X - b.Min.X
					if !seen[j] && is(q.X, q.Y) {
						seen[j] = true
						stack = append(stack, q)
					}
				}
			}
			if size >= 12 {
				n++
			}
		}
	}
	return n
}

// TestReportSettings: the checkpoints of a campaign, engagement reads on a channel, and their X
// cost in plan show.
func TestReportSettings(t *testing.T) {
	s := resultsSession(t)
	plan := s.ok("plan", "show", "1")
	if !strings.Contains(plan, "0 engagement reads to come at $0.005: $0.000; 15 made: $0.075") || !strings.Contains(plan, "sent     5 posts") {
		t.Errorf("plan show with reads off:\n%s", plan)
	}
	var pv planView
	s.json(&pv, "plan", "show", "1")
	if c := pv.XCost; c == nil || c.Read != 15 || c.ReadsToCome != 0 {
		t.Errorf("x_cost %+v, want the 15 reads made and none to come (reads are off)", c)
	}
	out := s.ok("channel", "metrics", "brand-x", "on")
	if !strings.Contains(out, "$0.005 a post read") {
		t.Errorf("channel metrics on: %s", out)
	}
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "Part 3", "--at", "2027-05-04 18:00", "--watch-url", "https://x.com/i/broadcasts/1ABC")
	s.json(&pv, "plan", "show", "3")
	if c := pv.XCost; c == nil || c.ReadsToCome != 5*3 || c.Prices.Read != 0.005 || c.ReadsToComeUSD < 0.075-1e-9 || c.ReadsToComeUSD > 0.075+1e-9 {
		t.Errorf("x_cost %+v, want 5 X posts read at 3 checkpoints: $0.075", c)
	}
	if plan := s.ok("plan", "show", "3"); !strings.Contains(plan, "reads    15 engagement reads to come at $0.005: $0.075") {
		t.Errorf("plan show:\n%s", plan)
	}
	s.ok("campaign", "edit", "Spring launch", "--metrics-after", "2h,3d")
	s.json(&pv, "plan", "show", "3")
	if c := pv.XCost; c == nil || c.ReadsToCome != 5*2 {
		t.Errorf("after --metrics-after 2h,3d: %+v, want 10 reads", c)
	}
	if show := s.ok("campaign", "show", "Spring launch"); !strings.Contains(show, "engagement read  2h,3d after each post") {
		t.Errorf("campaign show:\n%s", show)
	}
	if err := s.fails("campaign", "edit", "Spring launch", "--metrics-after", "0"); !strings.Contains(err, "--metrics-after") {
		t.Errorf("--metrics-after 0: %s", err)
	}
	if err := s.fails("channel", "metrics", "brand-x", "maybe"); !strings.Contains(err, "on or off") {
		t.Errorf("channel metrics maybe: %s", err)
	}
	s.ok("broadcast", "stats", "1", "--clear", "--peak", "900")
	var r struct {
		Audience struct {
			Peak    *struct{ Value int64 } `json:"peak_viewers"`
			Viewers *struct{ Value int64 } `json:"viewers"`
		} `json:"audience"`
	}
	s.json(&r, "report", "1")
	if r.Audience.Peak == nil || r.Audience.Peak.Value != 900 || r.Audience.Viewers != nil {
		t.Errorf("after --clear --peak 900: %+v", r.Audience)
	}
	if err := s.fails("broadcast", "stats", "1", "--viewers", "lots"); !strings.Contains(err, "not a count") {
		t.Errorf("--viewers lots: %s", err)
	}
}

// TestDemoReport: the demo, through the binary, ends on a report with figures for every post and
// a viewer curve, and `onair report` then draws its chart.
func TestDemoReport(t *testing.T) {
	endToEnd(t)
	dir, text := demoFastRun(t)
	for _, want := range []string{"Posts: interactions (likes, reposts, replies, quotes) 2s, 4s, 8s after each went out",
		"peak viewers", "demo samples", "Interactions by step and network", "What the next broadcast could change", "report 1 --chart demo.png"} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, text)
		}
	}
	var r struct {
		Posts []struct {
			Label    string
			Readings []struct{ Status string }
		}
		Audience struct{ Samples int }
	}
	report := exec.Command(binary, "--db", "onair-demo.db", "report", "1", "--json")
	report.Dir = dir
	js, err := report.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Posts) != 5 || r.Audience.Samples < 3 {
		t.Fatalf("demo report: %d posts, %d samples", len(r.Posts), r.Audience.Samples)
	}
	for _, p := range r.Posts {
		if len(p.Readings) != 3 {
			t.Errorf("%s: %d readings, want the demo's 3 checkpoints", p.Label, len(p.Readings))
		}
		for _, rd := range p.Readings {
			if rd.Status != "ok" {
				t.Errorf("%s: reading %s", p.Label, rd.Status)
			}
		}
	}
	chart := exec.Command(binary, "--db", "onair-demo.db", "report", "1", "--chart", "demo.png")
	chart.Dir = dir
	if out, err := chart.CombinedOutput(); err != nil {
		t.Fatalf("report --chart: %v\n%s", err, out)
	}
	img := readPNG(t, filepath.Join(dir, "demo.png"))
	// Teaser, two reminders, live and replay: five moments, and the legend's mark.
	if n := blobs(img, markColor); n != 5+1 {
		t.Errorf("%d marks on the demo's chart, want 6", n)
	}
}

// readPNG decodes the PNG file at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
