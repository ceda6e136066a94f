package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"github.com/onairhq/onair/models"
)

var getenv = os.Getenv

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table aligns tab-separated cells in columns, two spaces apart, measuring what a terminal
// shows: an emoji or a CJK character takes two columns, a combining accent none (text/tabwriter
// counts runes, so a title with an emoji pushed the rest of its row out of line). Lines without
// a tab are written as they are. Nothing is written before Flush.
type table struct {
	w   io.Writer
	buf strings.Builder
}

func newTable(w io.Writer) *table { return &table{w: w} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the table.
func (t *table) Flush() error {
	text := t.buf.String()
	t.buf.Reset()
	lines := strings.SplitAfter(text, "\n")
	var widths []int
	for _, l := range lines {
		cells := strings.Split(strings.TrimSuffix(l, "\n"), "\t")
		for i, c := range cells[:len(cells)-1] { // the last cell is not aligned
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var out strings.Builder
	for _, l := range lines {
		body, nl := strings.CutSuffix(l, "\n")
		cells := strings.Split(body, "\t")
		for i, c := range cells {
			out.WriteString(c)
			if i < len(cells)-1 {
				out.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		if nl {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// displayWidth is how many terminal columns s takes.
func displayWidth(s string) int { return uniseg.StringWidth(s) }

// showTime writes t in loc with its zone: "Tue 2027-03-30 18:00 CEST".
func showTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}

// until says how far t is from now: "in 3d 4h", "in 25m", "2h ago".
func until(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now).Round(time.Minute)
	suffix, prefix := "", "in "
	if d < 0 {
		d, suffix, prefix = -d, " ago", ""
	}
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		s = fmt.Sprintf("%dh %02dm", h, m)
	case m > 0:
		s = fmt.Sprintf("%dm", m)
	default:
		return "now"
	}
	return prefix + s + suffix
}

// short cuts s to n terminal columns on one line, at a character boundary (an emoji or an
// accented letter is never cut in two).
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if displayWidth(s) <= n {
		return s
	}
	var b strings.Builder
	w := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if w+cw > n-1 {
			break
		}
		b.WriteString(g.Str())
		w += cw
	}
	return b.String() + "…"
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// rawJSON is a column that holds JSON (a channel's settings, a post's options), printed as the
// object it is rather than as a string of escaped JSON. A value that is not JSON (a hand edit)
// is printed as the string it is; "" is left out.
func rawJSON(s string) json.RawMessage {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	quoted, _ := json.Marshal(s)
	return quoted
}

// channelView is a channel as the CLI prints it in JSON.
type channelView struct {
	models.Channel
	Settings json.RawMessage `json:"settings"`
}

func newChannelView(ch models.Channel) channelView {
	v := channelView{Channel: ch, Settings: rawJSON(ch.Settings)}
	if v.Settings == nil {
		v.Settings = json.RawMessage("{}")
	}
	return v
}

func channelViews(chans []models.Channel) []channelView {
	out := make([]channelView, len(chans))
	for i, ch := range chans {
		out[i] = newChannelView(ch)
	}
	return out
}

// campaignView is a campaign as the CLI prints it in JSON.
type campaignView struct {
	models.Campaign
	Channels []channelView `json:"channels"`
}

func newCampaignView(c models.Campaign) campaignView {
	return campaignView{Campaign: c, Channels: channelViews(c.Channels)}
}
