package twitch

import (
	"net/http"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/onairhq/onair/scheduler/source"
	"github.com/onairhq/onair/scheduler/source/twitch/twitchtest"
)

// TestTiesModel scripts random schedules and streams (early, late, missing, overlapping
// windows), walks the clock forward and checks, at each step, what Look says against the
// fake's truth: a segment goes upcoming -> live -> ended and never back; a live segment's stream
// is live on Twitch and started in its window; no stream is two segments; and a source started
// afresh (a restarted daemon) says the same as the one that watched, since every stream here is
// archived.
func TestTiesModel(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		fake := twitchtest.NewServer()
		defer fake.Close()
		c := &clock{t: start}
		fake.Now = c.Now
		cfg := source.Config{APIURL: fake.URL, TokenURL: fake.TokenURL(), Channel: twitchtest.DefaultUser.Login,
			ClientID: twitchtest.DefaultClient.ID, ClientSecret: twitchtest.DefaultClient.Secret, Now: c.Now,
			HTTPClient: &http.Client{Timeout: 2 * time.Second}}
		watcher, _ := New(cfg)

		type streamT struct {
			id       string
			from, to time.Time
		}
		var ids []string
		var streams []streamT
		segStart := map[string]time.Time{}
		segEnd := map[string]time.Time{}
		next := start.Add(time.Hour)
		for i := range rapid.IntRange(1, 4).Draw(rt, "segments") {
			g := twitchtest.Segment{Title: "S", Start: next.Add(time.Duration(rapid.IntRange(0, 90).Draw(rt, "gap")) * time.Minute)}
			if rapid.Bool().Draw(rt, "has end") {
				g.End = g.Start.Add(time.Duration(rapid.IntRange(30, 120).Draw(rt, "length")) * time.Minute)
			}
			id := fake.AddSegment(g)
			ids = append(ids, id)
			segStart[id], segEnd[id] = g.Start, g.End
			next = g.Start
			if rapid.IntRange(0, 3).Draw(rt, "streamed") > 0 {
				from := g.Start.Add(time.Duration(rapid.IntRange(-40, 60).Draw(rt, "offset")) * time.Minute)
				if len(streams) > 0 && !from.After(streams[len(streams)-1].to) {
					from = streams[len(streams)-1].to.Add(time.Minute) // one stream at a time
				}
				to := from.Add(time.Duration(rapid.IntRange(5, 150).Draw(rt, "duration")) * time.Minute)
				sid := fake.AddStream(twitchtest.Stream{ID: "st" + string(rune('a'+i)), Start: from, End: to})
				streams = append(streams, streamT{sid, from, to})
			}
			next = next.Add(time.Duration(rapid.IntRange(20, 180).Draw(rt, "spacing")) * time.Minute)
		}
		refs := make([]string, len(ids))
		for i, id := range ids {
			refs[i] = "twitch:" + id
		}
		rank := map[source.State]int{source.StateUpcoming: 0, source.StateLive: 1, source.StateEnded: 2}
		last := map[string]source.State{}
		for step := 0; c.Now().Before(next.Add(4 * time.Hour)); step++ {
			c.Set(c.Now().Add(time.Duration(rapid.IntRange(2, 45).Draw(rt, "tick")) * time.Minute))
			now := c.Now()
			got, err := watcher.Look(t.Context(), refs)
			if err != nil {
				rt.Fatal(err)
			}
			var again []source.Broadcast
			if step%2 == 1 { // every other step, to keep the test fast
				fresh, _ := New(cfg)
				if again, err = fresh.Look(t.Context(), refs); err != nil {
					rt.Fatal(err)
				}
			}
			usedBy := map[string]string{}
			for i, b := range got {
				id := ids[i]
				if rank[b.State] < rank[last[id]] {
					rt.Fatalf("%s at %v: %s after %s", id, now, b.State, last[id])
				}
				last[id] = b.State
				if b.StreamID != "" {
					if other, ok := usedBy[b.StreamID]; ok {
						rt.Fatalf("stream %s is both %s and %s", b.StreamID, other, id)
					}
					usedBy[b.StreamID] = id
				}
				if b.State == source.StateLive {
					var st *streamT
					for j := range streams {
						if streams[j].id == b.StreamID {
							st = &streams[j]
						}
					}
					to := segEnd[id]
					if to.IsZero() {
						to = segStart[id].Add(OpenWindow)
					}
					if st == nil || now.Before(st.from) || !now.Before(st.to) || st.from.Before(segStart[id].Add(-LeadWindow)) || !st.from.Before(to) {
						rt.Fatalf("%s live at %v on stream %+v (segment %v-%v)", id, now, st, segStart[id], segEnd[id])
					}
				}
				if again == nil {
					continue
				}
				if a := again[i]; a.State != b.State || a.StreamID != b.StreamID || a.ReplayURL != b.ReplayURL {
					rt.Fatalf("at %v the restarted source says %+v, the watcher %+v", now, a, b)
				}
			}
		}
	})
}
