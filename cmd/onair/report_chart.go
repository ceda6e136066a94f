package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/onairhq/onair/scheduler"
)

// The chart's size: 960 x 720 pixels in PNG (96 dpi), the same in points in SVG.
const (
	chartW   = 10 * vg.Inch
	chartH   = 7.5 * vg.Inch
	chartDPI = 96
)

// markColor is the colour of the marks where posts went out on the viewer curve, and nowhere
// else on the chart (tests count the marks by it).
var markColor = color.RGBA{R: 230, G: 0, B: 40, A: 255}

// Mark is one moment posts went out, drawn on the viewer curve.
type Mark struct {
	At    time.Time
	Label string
}

// chartMargin is how far before the live and after its end the viewer curve's span reaches: twice
// the live's length, between a minute and an hour (the reminders and the first replay posts of a
// one-hour live; the whole of the demo's compressed cadence).
func chartMargin(r *scheduler.Report) time.Duration {
	return min(max(2*r.End.Sub(r.Start), time.Minute), time.Hour)
}

// chartMarks are the moments posts went out during the span the viewer curve shows (chartMargin
// around the live, or the samples' span when wider): one mark per step and minute, however many
// channels it went out on.
func chartMarks(r *scheduler.Report) (marks []Mark, from, to time.Time) {
	m := chartMargin(r)
	from, to = r.Start.Add(-m), r.End.Add(m)
	if n := len(r.Viewers); n > 0 {
		from, to = minTime(from, r.Viewers[0].At), maxTime(to, r.Viewers[n-1].At)
	}
	seen := map[string]bool{}
	for _, p := range r.Posts {
		if p.SentAt.Before(from) || p.SentAt.After(to) {
			continue
		}
		key := p.Label + p.SentAt.Truncate(time.Minute).String()
		if seen[key] {
			continue
		}
		seen[key] = true
		marks = append(marks, Mark{At: p.SentAt, Label: p.Label})
	}
	return marks, from, to
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// viewersAt is the viewer count the curve shows at t (the last sample before it; 0 before any,
// and after the live).
func viewersAt(samples []scheduler.Sample, end, t time.Time) float64 {
	if t.After(end) {
		return 0
	}
	v := 0
	for _, s := range samples {
		if s.At.After(t) {
			break
		}
		v = s.Viewers
	}
	return float64(v)
}

func viewerPlot(r *scheduler.Report, loc *time.Location) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: viewers during the live, and when posts went out", r.Title)
	p.Y.Label.Text = "concurrent viewers"
	p.Add(plotter.NewGrid())
	marks, from, to := chartMarks(r)
	format := "15:04"
	if to.Sub(from) < 10*time.Minute {
		format = "15:04:05"
	}
	p.X.Tick.Marker = clockTicks{loc: loc, format: format}
	xy := plotter.XYs{}
	if len(r.Viewers) == 0 {
		xy = append(xy, plotter.XY{X: float64(from.Unix()), Y: 0}, plotter.XY{X: float64(to.Unix()), Y: 0})
		p.Title.Text += " (no viewer samples)"
	}
	for _, s := range r.Viewers {
		xy = append(xy, plotter.XY{X: float64(s.At.Unix()), Y: float64(s.Viewers)})
	}
	line, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	line.Color = color.RGBA{R: 30, G: 90, B: 200, A: 255}
	line.Width = vg.Points(2)
	p.Add(line)
	p.Legend.Add("viewers", line)
	if len(marks) > 0 {
		pts := make(plotter.XYs, len(marks))
		labels := make([]string, len(marks))
		for i, m := range marks {
			pts[i] = plotter.XY{X: float64(m.At.Unix()), Y: viewersAt(r.Viewers, r.End, m.At)}
			labels[i] = m.Label
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: markColor, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add("posts went out", sc)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
		if err != nil {
			return nil, err
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font.Size = vg.Points(8)
			lb.TextStyle[i].YAlign = draw.YBottom
			lb.TextStyle[i].Rotation = 0.6 // marks close together keep their labels apart
		}
		lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(6)}
		p.Add(lb)
	}
	p.X.Min, p.X.Max = float64(from.Unix()), float64(to.Unix())
	p.Y.Min = 0
	p.Legend.Top = true
	return p, nil
}

// barsPlot draws grouped bars: one group per category, one bar per series.
func barsPlot(title, ylabel string, categories, series []string, value func(cat, ser string) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	if len(categories) == 0 {
		p.Title.Text += " (nothing read yet)"
		return p, nil
	}
	w := vg.Points(min(40, 520/float64(max(1, len(categories)*len(series)))))
	for i, s := range series {
		vals := make(plotter.Values, len(categories))
		for j, c := range categories {
			vals[j] = value(c, s)
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(i + 1) // never the marks' colour
		bars.Offset = w * vg.Length(float64(i)-float64(len(series)-1)/2)
		p.Add(bars)
		p.Legend.Add(s, bars)
	}
	p.Legend.Top = true
	p.NominalX(categories...)
	p.X.Min, p.X.Max = -0.6, float64(len(categories))-0.4
	p.Y.Min = 0
	return p, nil
}

func engagementPlot(cells []scheduler.Cell) (*plot.Plot, error) {
	var steps, nets []string
	val := map[string]float64{}
	for _, c := range cells {
		if !contains(steps, c.Label) {
			steps = append(steps, c.Label)
		}
		if !contains(nets, c.Network) {
			nets = append(nets, c.Network)
		}
		val[c.Label+"\x00"+c.Network] = float64(c.Engagement)
	}
	sort.Strings(nets)
	return barsPlot("Interactions by step and network (likes, reposts, replies, quotes; latest reading)", "interactions",
		steps, nets, func(cat, ser string) float64 { return val[cat+"\x00"+ser] })
}

// writeChart draws the broadcast's chart into path (.png or .svg).
func writeChart(path string, r *scheduler.Report) error {
	loc := r.Start.Location()
	top, err := viewerPlot(r, loc)
	if err != nil {
		return err
	}
	bottom, err := engagementPlot(r.ByStep)
	if err != nil {
		return err
	}
	return drawPlots(path, top, bottom)
}

// writeCampaignChart draws the campaign's broadcasts side by side: peak viewers and interactions
// per broadcast, then interactions per step.
func writeCampaignChart(path string, cr *scheduler.CampaignReport) error {
	var names []string
	peak, inter := map[string]float64{}, map[string]float64{}
	for _, b := range cr.Broadcasts {
		n := fmt.Sprintf("%d %s", b.BroadcastID, b.Start.Format("01-02"))
		names = append(names, n)
		if b.Audience.PeakViewers != nil {
			peak[n] = float64(b.Audience.PeakViewers.Value)
		}
		inter[n] = float64(b.Engagement)
	}
	top, err := barsPlot(fmt.Sprintf("Campaign %s: peak viewers and interactions per broadcast", cr.Campaign), "",
		names, []string{"peak viewers", "interactions"}, func(cat, ser string) float64 {
			if ser == "peak viewers" {
				return peak[cat]
			}
			return inter[cat]
		})
	if err != nil {
		return err
	}
	var steps []string
	per := map[string]float64{}
	for _, c := range cr.ByStep {
		steps = append(steps, c.Label)
		if c.Read > 0 {
			per[c.Label] = float64(c.Engagement) / float64(c.Read)
		}
	}
	bottom, err := barsPlot("Interactions per post, by step, across broadcasts", "per post", steps, []string{"all networks"},
		func(cat, _ string) float64 { return per[cat] })
	if err != nil {
		return err
	}
	return drawPlots(path, top, bottom)
}

// drawPlots stacks plots into one picture.
func drawPlots(path string, plots ...*plot.Plot) error {
	ext := strings.ToLower(filepath.Ext(path))
	var (
		c  vg.CanvasWriterTo
		dc draw.Canvas
	)
	switch ext {
	case ".png":
		img := vgimg.NewWith(vgimg.UseWH(chartW, chartH), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
		c, dc = vgimg.PngCanvas{Canvas: img}, draw.New(img)
	case ".svg":
		s := vgsvg.New(chartW, chartH)
		c, dc = s, draw.New(s)
	default:
		return fmt.Errorf("--chart %s: draw a .png or an .svg", path)
	}
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8),
		PadLeft: vg.Points(8), PadRight: vg.Points(16), PadY: vg.Points(16)}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--chart: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("--chart %s: %w", path, err)
	}
	return f.Close()
}

// clockTicks marks a time axis at round moments of the local clock (every 5, 15 or 30 minutes,
// every hour...), labelled with the time of day.
type clockTicks struct {
	loc    *time.Location
	format string
}

var tickSteps = []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// Ticks implements plot.Ticker.
func (c clockTicks) Ticks(lo, hi float64) []plot.Tick {
	from, to := time.Unix(int64(lo), 0).In(c.loc), time.Unix(int64(hi), 0).In(c.loc)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if to.Sub(from)/s <= 8 {
			step = s
			break
		}
	}
	_, offset := from.Zone()
	zone := time.Duration(offset) * time.Second
	t := from.Add(zone).Truncate(step).Add(-zone)
	var ticks []plot.Tick
	for ; !t.After(to); t = t.Add(step) {
		if t.Before(from) {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: float64(t.Unix()), Label: t.Format(c.format)})
	}
	return ticks
}
