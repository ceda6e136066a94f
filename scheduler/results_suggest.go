package scheduler

import (
	"fmt"
	"sort"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/x"
)

// The rules that turn a report's figures into what the next broadcast could change. Each looks
// at one question, says nothing when the data are too thin to tell (fewer than minSignal
// interactions on the better side), and words its finding with the figures behind it.

// minSignal is the fewest interactions the better of two things compared must have drawn for a
// difference to be worth saying; strongRatio is how much more it must have drawn.
const (
	minSignal   = 5
	strongRatio = 2.0
)

// metric is one count a rule compares.
type metric struct {
	name string
	get  func(c Cell) int64
}

var metrics = []metric{
	{"interactions", func(c Cell) int64 { return c.Engagement }},
	{"replies", func(c Cell) int64 { return c.Replies }},
	{"likes", func(c Cell) int64 { return c.Likes }},
	{"reposts", func(c Cell) int64 { return c.Reposts }},
}

// perPost is a cell's metric per post read.
func perPost(c Cell, m metric) float64 {
	if c.Read == 0 {
		return 0
	}
	return float64(m.get(c)) / float64(c.Read)
}

// strongest finds the metric on which a beats b by the widest margin, per post read: its name,
// a's and b's values and the ratio (0 when no metric clears minSignal and strongRatio).
func strongest(a, b Cell) (name string, va, vb float64, r float64) {
	for _, m := range metrics {
		x, y := perPost(a, m), perPost(b, m)
		if m.get(a) < minSignal {
			continue
		}
		var q float64
		if y == 0 {
			q = 99
		} else {
			q = x / y
		}
		// Interactions (all of them) unless one kind of them stands out by far more.
		if q >= strongRatio && (name == "" || q > 1.25*r) {
			name, va, vb, r = m.name, x, y, q
		}
	}
	return name, va, vb, r
}

func times(r float64, vb float64) string {
	if vb == 0 {
		return "where the other drew none"
	}
	return fmt.Sprintf("%.1fx", r)
}

// suggest applies the broadcast rules.
func suggest(r *Report) []string {
	out := []string{}
	// 1. Steps of one kind on one network: which of them worked.
	byNet := map[string][]Cell{}
	for _, c := range r.ByStep {
		if c.Read > 0 && c.Kind != string(models.KindLive) {
			byNet[c.Network+"\x00"+c.Kind] = append(byNet[c.Network+"\x00"+c.Kind], c)
		}
	}
	type finding struct {
		best, worst Cell
		metric      string
		va, vb, q   float64
	}
	var found []finding
	for _, k := range sortedKeys(byNet) {
		cells := byNet[k]
		if len(cells) < 2 {
			continue
		}
		best, worst := cells[0], cells[0]
		for _, c := range cells[1:] {
			if c.Engagement*int64(best.Read) > best.Engagement*int64(c.Read) {
				best = c
			}
			if c.Engagement*int64(worst.Read) < worst.Engagement*int64(c.Read) {
				worst = c
			}
		}
		if best.Label == worst.Label {
			continue
		}
		if name, va, vb, q := strongest(best, worst); name != "" {
			found = append(found, finding{best, worst, name, va, vb, q})
		}
	}
	// The same finding on several networks is said once.
	said := map[int]bool{}
	for i, f := range found {
		if said[i] {
			continue
		}
		same := []finding{f}
		for j := i + 1; j < len(found); j++ {
			g := found[j]
			if !said[j] && g.best.Label == f.best.Label && g.worst.Label == f.worst.Label && g.metric == f.metric {
				same, said[j] = append(same, g), true
			}
		}
		hint := stepHint(f.best, f.worst)
		if len(same) == 1 {
			if f.vb == 0 {
				out = append(out, fmt.Sprintf("The %s on %s drew %.0f %s a post where the %s drew none%s.",
					stepName(f.best.Label), NetworkTitle(f.best.Network), f.va, f.metric, stepName(f.worst.Label), hint))
			} else {
				out = append(out, fmt.Sprintf("The %s on %s drew %.1fx the %s of the %s%s.",
					stepName(f.best.Label), NetworkTitle(f.best.Network), f.q, f.metric, stepName(f.worst.Label), hint))
			}
			continue
		}
		parts := networksOf(same, func(g finding) string {
			if g.vb == 0 {
				return NetworkTitle(g.best.Network) + " (the other: none)"
			}
			return fmt.Sprintf("%s (%.1fx)", NetworkTitle(g.best.Network), g.q)
		})
		out = append(out, fmt.Sprintf("The %s drew more %s than the %s on %s%s.", stepName(f.best.Label), f.metric,
			stepName(f.worst.Label), andList(parts), hint))
	}
	// 2. Networks: where the audience answers.
	nets := map[string]*Cell{}
	for _, c := range r.ByStep {
		n := nets[c.Network]
		if n == nil {
			n = &Cell{Network: c.Network}
			nets[c.Network] = n
		}
		n.Posts += c.Posts
		n.Read += c.Read
		n.Likes += c.Likes
		n.Reposts += c.Reposts
		n.Replies += c.Replies
		n.Quotes += c.Quotes
		n.Engagement += c.Engagement
	}
	out = append(out, compareNetworks(nets)...)
	// 3. A step that drew nothing anywhere.
	steps := map[string]*Cell{}
	var labels []string
	for _, c := range r.ByStep {
		s := steps[c.Label]
		if s == nil {
			s = &Cell{Label: c.Label}
			steps[c.Label] = s
			labels = append(labels, c.Label)
		}
		s.Read += c.Read
		s.Engagement += c.Engagement
	}
	for _, l := range labels {
		if s := steps[l]; s.Read >= 2 && s.Engagement == 0 && l != "live" {
			out = append(out, fmt.Sprintf("The %s drew no interaction on any network (%d posts read): drop it, or move it.", stepName(l), s.Read))
		}
	}
	// 4. What X cost for what it drew.
	if r.Spend.TotalUSD > 0 {
		if xn := nets[x.Name]; xn != nil && xn.Read > 0 {
			if xn.Engagement == 0 {
				out = append(out, fmt.Sprintf("X cost $%.3f and its posts drew no interaction.", r.Spend.TotalUSD))
			} else {
				out = append(out, fmt.Sprintf("X cost $%.3f for %d interactions (%s).", r.Spend.TotalUSD, xn.Engagement, perInteraction(r.Spend.TotalUSD, xn.Engagement)))
			}
		}
	}
	// 5. The viewers around the "we are live" posts.
	if s := liveLift(r); s != "" {
		out = append(out, s)
	}
	// 6. The replay against the live.
	a := r.Audience
	if a.ReplayViews != nil && a.Viewers != nil && a.Viewers.Value > 0 && a.ReplayViews.Value > a.Viewers.Value {
		out = append(out, fmt.Sprintf("The replay drew more views (%d) than the live had viewers (%d): keep announcing it.", a.ReplayViews.Value, a.Viewers.Value))
	}
	if a.Empty() {
		out = append(out, "No audience figures yet: the live platform's samples, or figures given by hand or by a CMS (broadcast_stats), show what the posts brought.")
	}
	return out
}

// compareNetworks says where the audience answers most, per post read.
func compareNetworks(nets map[string]*Cell) []string {
	var list []Cell
	for _, n := range nets {
		if n.Read > 0 {
			list = append(list, *n)
		}
	}
	if len(list) < 2 {
		return nil
	}
	sort.Slice(list, func(i, j int) bool {
		x, y := perPost(list[i], metrics[0]), perPost(list[j], metrics[0])
		if x != y {
			return x > y
		}
		return list[i].Network < list[j].Network
	})
	best, worst := list[0], list[len(list)-1]
	name, va, vb, q := strongest(best, worst)
	if name == "" {
		return nil
	}
	if vb == 0 {
		return []string{fmt.Sprintf("Posts on %s drew %.1f %s each; those on %s none.", NetworkTitle(best.Network), va, name, NetworkTitle(worst.Network))}
	}
	return []string{fmt.Sprintf("Posts on %s drew %.1fx the %s of those on %s (%.1f against %.1f a post).",
		NetworkTitle(best.Network), q, name, NetworkTitle(worst.Network), va, vb)}
}

// liveLift compares the viewers when the first "we are live" post went out with the most in the
// 15 minutes after.
func liveLift(r *Report) string {
	var at time.Time
	for _, p := range r.Posts {
		if p.Kind == string(models.KindLive) && (at.IsZero() || p.SentAt.Before(at)) {
			at = p.SentAt
		}
	}
	if at.IsZero() || len(r.Viewers) < 3 {
		return ""
	}
	before, after := -1, -1
	for _, s := range r.Viewers {
		if !s.At.After(at) {
			before = s.Viewers
		} else if s.At.Before(at.Add(15*time.Minute)) && s.Viewers > after {
			after = s.Viewers
		}
	}
	if before < 0 {
		// No sample before the post: the curve's first reading is the baseline.
		before = r.Viewers[0].Viewers
	}
	if after < 0 || after < before*3/2 || after-before < 10 {
		return ""
	}
	return fmt.Sprintf("Viewers went from %d to %d in the 15 minutes after the \"we are live\" posts went out.", before, after)
}

// suggestCampaign applies the campaign rules: steps and networks across broadcasts.
func suggestCampaign(cr *CampaignReport) []string {
	out := []string{}
	byKind := map[string][]Cell{}
	for _, c := range cr.ByStep {
		if c.Read > 0 && c.Kind != string(models.KindLive) {
			byKind[c.Kind] = append(byKind[c.Kind], c)
		}
	}
	for _, k := range sortedKeys(byKind) {
		cells := byKind[k]
		if len(cells) < 2 {
			continue
		}
		sort.SliceStable(cells, func(i, j int) bool { return perPost(cells[i], metrics[0]) > perPost(cells[j], metrics[0]) })
		best, worst := cells[0], cells[len(cells)-1]
		if name, va, vb, q := strongest(best, worst); name != "" {
			if vb == 0 {
				out = append(out, fmt.Sprintf("Across %d broadcasts, the %s drew %.1f %s a post; the %s none%s.", len(cr.Broadcasts), stepName(best.Label), va, name, stepName(worst.Label), stepHint(best, worst)))
			} else {
				out = append(out, fmt.Sprintf("Across %d broadcasts, the %s drew %.1fx the %s of the %s, per post%s.", len(cr.Broadcasts), stepName(best.Label), q, name, stepName(worst.Label), stepHint(best, worst)))
			}
		}
	}
	nets := map[string]*Cell{}
	for i := range cr.ByNetwork {
		nets[cr.ByNetwork[i].Network] = &cr.ByNetwork[i]
	}
	out = append(out, compareNetworks(nets)...)
	// The broadcast that drew the most viewers, and what went out for it.
	var best, worst *BroadcastResult
	for i := range cr.Broadcasts {
		b := &cr.Broadcasts[i]
		if b.Audience.PeakViewers == nil {
			continue
		}
		if best == nil || b.Audience.PeakViewers.Value > best.Audience.PeakViewers.Value {
			best = b
		}
		if worst == nil || b.Audience.PeakViewers.Value < worst.Audience.PeakViewers.Value {
			worst = b
		}
	}
	if best != nil && worst != nil && best != worst && worst.Audience.PeakViewers.Value > 0 &&
		float64(best.Audience.PeakViewers.Value) >= 1.5*float64(worst.Audience.PeakViewers.Value) {
		out = append(out, fmt.Sprintf("%q peaked at %d viewers, %q at %d; its posts drew %d interactions against %d.",
			best.Title, best.Audience.PeakViewers.Value, worst.Title, worst.Audience.PeakViewers.Value, best.Engagement, worst.Engagement))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stepHint says what a difference between two steps of one kind suggests.
func stepHint(best, worst Cell) string {
	switch {
	case best.Kind == string(models.KindTeaser) && stepDuration(best.Step) < stepDuration(worst.Step):
		return ": teasers closer to the live work better here"
	case best.Kind == string(models.KindTeaser):
		return ": the earlier teaser did better; announce sooner"
	case best.Kind == string(models.KindReminder) && stepDuration(best.Step) > stepDuration(worst.Step):
		return ": people answer a reminder that leaves them time"
	case best.Kind == string(models.KindReplay) && stepDuration(best.Step) > stepDuration(worst.Step):
		return ": the later replay post found more people"
	}
	return ""
}

func networksOf[T any](list []T, name func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = name(x)
	}
	return out
}

// andList writes "a, b and c".
func andList(items []string) string { return models.Sentence(items, "and") }

// perInteraction writes a cost per interaction readably: "$0.12 each", "$0.18 per 100".
func perInteraction(usd float64, n int64) string {
	each := usd / float64(n)
	if each >= 0.01 {
		return fmt.Sprintf("$%.2f each", each)
	}
	return fmt.Sprintf("$%.2f per 100", each*100)
}
