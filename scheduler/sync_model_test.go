package scheduler

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler/source"
)

// go test runs 30 sequences (10 with -short); -sync.checks=N runs N.
var syncChecks = flag.Int("sync.checks", 0, "sequences the sync model test runs (default 30, 10 with -short)")

// TestSyncModel runs random sequences of what a platform does (reschedule, start, end, record,
// delete), how it fails (quota, credentials, 5xx) and recovers, and of onair restarting (its
// memory lost, or killed between storing what it learnt and acting on it), with the clock moving,
// and checks after each step: the live post never waits for a platform onair cannot read, and
// never goes before the real start of one it follows; the real start and end are the platform's,
// recorded once; nothing is cancelled that the platform did not cancel; a replay is only the
// platform's; audience samples are a minute apart. A failure prints the shortest sequence.
func TestSyncModel(t *testing.T) {
	t.Parallel()
	checks := 30
	switch {
	case *syncChecks > 0:
		checks = *syncChecks
	case testing.Short():
		checks = 10
	}
	if f := flag.Lookup("rapid.checks"); f != nil {
		old := f.Value.String()
		f.Value.Set(fmt.Sprint(checks))
		t.Cleanup(func() { f.Value.Set(old) })
	}
	root := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp(root, "model")
		if err != nil {
			rt.Fatal(err)
		}
		e := newSyncEnv(t, filepath.Join(dir, "onair.db"), syncStart.Add(-10*time.Minute))
		e.platform.set(upcoming("youtube:m1", syncStart))
		e.pass()
		b := e.byRef("youtube:m1")
		var (
			startedAt time.Time // the real start onair recorded, once set
			deleted   bool
			recorded  bool
		)
		step := func(rt *rapid.T) {
			e.pass()
			got, err := e.store.BroadcastByID(e.ctx, b.ID)
			if err != nil {
				rt.Fatal(err)
			}
			e.platform.mu.Lock()
			p, exists := e.platform.bs["youtube:m1"]
			var pb source.Broadcast
			if exists {
				pb = *p
			}
			e.platform.mu.Unlock()
			src, _ := e.store.SourceByID(e.ctx, e.src.ID)
			live := e.live(b.ID)
			if !got.StartedAt.IsZero() {
				if !startedAt.IsZero() && !got.StartedAt.Equal(startedAt) {
					rt.Fatalf("the real start moved from %v to %v", startedAt, got.StartedAt)
				}
				if startedAt.IsZero() && exists && !pb.ActualStart.IsZero() && !got.StartedAt.Equal(pb.ActualStart) && got.EndedAt.IsZero() {
					rt.Fatalf("started_at %v, the platform says %v", got.StartedAt, pb.ActualStart)
				}
				startedAt = got.StartedAt.Time
				if models.Pending(live.Status) && !live.DueAt.Equal(got.StartedAt.Time) {
					rt.Fatalf("live post due %v, the real start is %v", live.DueAt, got.StartedAt)
				}
			}
			if got.StartedAt.IsZero() && src.Following(e.now) && live.Status == models.PostPlanned && (!exists || pb.State != source.StateLive) {
				rt.Fatalf("the live post is planned (due %v) with no real start while onair follows the platform (%s)", live.DueAt, pb.State)
			}
			if got.StartedAt.IsZero() && !src.Following(e.now) && live.Status == models.PostHeld {
				rt.Fatalf("the live post waits for a platform onair cannot read (%s %s): %q", src.Status, src.ErrorKind, live.Error)
			}
			if got.Status == models.BroadcastCancelled && !deleted {
				rt.Fatalf("cancelled, the platform did not cancel it")
			}
			if got.ReplayURL != "" && !recorded {
				rt.Fatalf("replay URL %q before the platform had the recording", got.ReplayURL)
			}
			samples, _ := e.store.AudienceSamples(e.ctx, b.ID)
			for i := 1; i < len(samples); i++ {
				if d := samples[i].SampledAt.Sub(samples[i-1].SampledAt.Time); d < 55*time.Second {
					rt.Fatalf("two samples %v apart", d)
				}
			}
		}
		edit := func(fn func(p *source.Broadcast) bool) bool {
			e.platform.mu.Lock()
			defer e.platform.mu.Unlock()
			p, ok := e.platform.bs["youtube:m1"]
			return ok && fn(p)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"tick": func(rt *rapid.T) {
				e.now = e.now.Add(rapid.SampledFrom([]time.Duration{20 * time.Second, time.Minute, 5 * time.Minute, 31 * time.Minute}).Draw(rt, "by"))
				step(rt)
			},
			"reschedule": func(rt *rapid.T) {
				edit(func(p *source.Broadcast) bool {
					if p.State != source.StateUpcoming {
						return false
					}
					p.ScheduledStart = p.ScheduledStart.Add(time.Hour)
					p.ScheduledEnd = p.ScheduledEnd.Add(time.Hour)
					return true
				})
				step(rt)
			},
			"start": func(rt *rapid.T) {
				edit(func(p *source.Broadcast) bool {
					if p.State != source.StateUpcoming && p.State != source.StateTesting {
						return false
					}
					p.State, p.ActualStart, p.Viewers = source.StateLive, e.now.Truncate(time.Second), 10
					return true
				})
				step(rt)
			},
			"end": func(rt *rapid.T) {
				edit(func(p *source.Broadcast) bool {
					if p.State != source.StateLive {
						return false
					}
					p.State, p.ActualEnd, p.Viewers = source.StateEnded, e.now.Truncate(time.Second), -1
					return true
				})
				step(rt)
			},
			"record": func(rt *rapid.T) {
				if edit(func(p *source.Broadcast) bool {
					if p.State != source.StateEnded {
						return false
					}
					p.ReplayURL = "https://www.youtube.com/watch?v=m1"
					return true
				}) {
					recorded = true
				}
				step(rt)
			},
			"delete": func(rt *rapid.T) {
				if edit(func(p *source.Broadcast) bool { return p.State == source.StateUpcoming }) {
					e.platform.mu.Lock()
					delete(e.platform.bs, "youtube:m1")
					e.platform.mu.Unlock()
					deleted = true
				}
				step(rt)
			},
			"fail": func(rt *rapid.T) {
				kind := rapid.SampledFrom([]error{source.ErrQuota, source.ErrAuth, source.ErrUnavailable}).Draw(rt, "kind")
				e.platform.fail(&source.Error{Kind: kind, Err: fmt.Errorf("scripted")})
				step(rt)
			},
			"recover": func(rt *rapid.T) {
				e.platform.fail(nil)
				src, _ := e.store.SourceByID(e.ctx, e.src.ID)
				if src.Status != models.SourceActive { // a person logs in again
					if err := e.store.SetSourceStatus(e.ctx, src.ID, models.SourceActive, ""); err != nil {
						rt.Fatal(err)
					}
					fs, _ := e.store.FollowedBroadcasts(e.ctx, src.ID, src.Platform, time.Time{})
					for _, f := range fs {
						e.store.Replan(e.ctx, []int64{f.Broadcast.ID})
					}
				}
				if err := e.store.PollSourceNow(e.ctx, e.src.ID); err != nil {
					rt.Fatal(err)
				}
				step(rt)
			},
			"restart": func(rt *rapid.T) {
				if rapid.Bool().Draw(rt, "killed between storing and acting") {
					// What the next look would teach is stored, and the process dies.
					e.platform.mu.Lock()
					p, ok := e.platform.bs["youtube:m1"]
					o := models.Observation{State: models.PlatformCancelled, Viewers: -1}
					if ok {
						o = models.Observation{State: string(p.State), StartedAt: models.NewTime(p.ActualStart), EndedAt: models.NewTime(p.ActualEnd),
							ReplayURL: p.ReplayURL, Viewers: -1}
					}
					e.platform.mu.Unlock()
					if l, _ := e.store.BroadcastLink(e.ctx, b.ID); l != nil {
						e.store.SaveObservation(e.ctx, b.ID, o)
					}
				}
				e.sync = NewSyncer(e.store, e.life, e.sync.build, SyncConfig{}, func() time.Time { return e.now }, nil)
				step(rt)
			},
		})
	})
}
