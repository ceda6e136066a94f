package scheduler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting"
)

// gatePoster records what it sends; while its gate is closed, each send waits for it.
type gatePoster struct {
	mu      sync.Mutex
	gate    chan struct{} // nil: never waits
	started chan string   // each send's broadcast title, as it starts (nil: not told)
	sent    []string      // broadcast titles, in the order sent
	onSend  func()
}

func (p *gatePoster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	if p.started != nil {
		p.started <- m.Broadcast
	}
	if p.gate != nil {
		<-p.gate
	}
	if p.onSend != nil {
		p.onSend()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, m.Broadcast)
	return posting.Receipt{RemoteID: m.IdempotencyKey}, nil
}

func (p *gatePoster) titles() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

// liveOnly makes a campaign of live posts only on channels, with n broadcasts starting at start,
// planned.
func liveOnly(e *env, n int, start time.Time, channels ...string) {
	e.t.Helper()
	for _, ch := range channels {
		e.channel(ch, "console")
	}
	c := e.campaign(models.Campaign{Name: "Live"}, channels...)
	for i := range n {
		b := e.broadcast(c, fmt.Sprintf("b%d", i+1), start)
		e.plan(b.ID)
	}
}

func titles(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("b%d", i+1))
	}
	return out
}

// A channel stuck on a slow send does not hold up the others: the dispatcher keeps claiming for
// them, and the slow channel's posts still go out in order once it moves again.
func TestSlowChannelDoesNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start)
		liveOnly(e, 8, start, "fast", "slow")
		slow := &gatePoster{gate: make(chan struct{})}
		fast := &gatePoster{}
		posters := func(ch models.Channel) (posting.Poster, error) {
			if ch.Name == "slow" {
				return slow, nil
			}
			return fast, nil
		}
		d := NewDispatcher(e.store, posters, DispatchConfig{Owner: "test", Batch: 4}, func() time.Time { return start }, nil, nil)
		done := make(chan DispatchStats)
		go func() {
			s, err := d.Dispatch(e.ctx)
			if err != nil {
				t.Error(err)
			}
			done <- s
		}()
		for deadline := time.Now().Add(10 * time.Second); len(fast.titles()) < 8; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("while the slow channel is stuck, the fast one sent %v", fast.titles())
			}
		}
		close(slow.gate)
		s := <-done
		if s.Sent != 16 || s.Claimed != 16 {
			t.Errorf("stats %+v, want 16 claimed and sent", s)
		}
		if got, want := fmt.Sprint(slow.titles()), fmt.Sprint(titles(8)); got != want {
			t.Errorf("slow channel sent %s, want %s (due order)", got, want)
		}
		if got, want := fmt.Sprint(fast.titles()), fmt.Sprint(titles(8)); got != want {
			t.Errorf("fast channel sent %s, want %s (due order)", got, want)
		}
	})
}

// A graceful stop lets the send under way finish and gives back what was claimed and not
// started: due again, no try counted, nothing left "sending".
func TestStopGivesBackClaimedPosts(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start)
		liveOnly(e, 6, start, "slow")
		slow := &gatePoster{gate: make(chan struct{}), started: make(chan string, 6)}
		posters := func(models.Channel) (posting.Poster, error) { return slow, nil }
		d := NewDispatcher(e.store, posters, DispatchConfig{Owner: "test", Batch: 4}, func() time.Time { return start }, nil, nil)
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan DispatchStats)
		go func() {
			s, err := d.Dispatch(ctx)
			if err != nil {
				t.Error(err)
			}
			done <- s
		}()
		<-slow.started
		cancel()
		close(slow.gate)
		s := <-done
		if s.Sent != 1 || s.Held != s.Claimed-1 {
			t.Errorf("stats %+v, want 1 sent and the rest of the claimed given back", s)
		}
		var posts []models.Post
		if err := e.store.DB().Order("id").Find(&posts).Error; err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			atts, _ := e.store.Attempts(e.ctx, p.ID)
			switch {
			case p.Status == models.PostSent:
				if len(atts) != 1 {
					t.Errorf("post %d sent with attempts %+v", p.ID, atts)
				}
			case p.Status != models.PostPlanned || p.Attempts != 0 || len(atts) != 0 || p.LeaseOwner != "":
				t.Errorf("post %d after the stop: %s, %d tries, attempts %+v, lease %q", p.ID, p.Status, p.Attempts, atts, p.LeaseOwner)
			}
		}
		if got := slow.titles(); len(got) != 1 || got[0] != "b1" {
			t.Errorf("sent %v, want only b1", got)
		}
	})
}

// A post that waited half its lease behind its channel's other posts is given back rather than
// sent: another daemon could otherwise take it for abandoned while it goes out.
func TestPostWhoseLeaseRunsOutIsGivenBack(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start)
		liveOnly(e, 3, start, "slow")
		var mu sync.Mutex
		now := start
		clock := func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		}
		slow := &gatePoster{onSend: func() { // each send takes 20 s of the clock
			mu.Lock()
			now = now.Add(20 * time.Second)
			mu.Unlock()
		}}
		posters := func(models.Channel) (posting.Poster, error) { return slow, nil }
		d := NewDispatcher(e.store, posters, DispatchConfig{Owner: "test", Lease: time.Minute}, clock, nil, nil)
		s, err := d.Dispatch(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		// b1 starts at 0 s, b2 at 20 s; b3's turn comes at 40 s, past half its lease (30 s).
		if got := fmt.Sprint(slow.titles()); got != "[b1 b2]" || s.Sent != 2 || s.Held != 1 {
			t.Fatalf("sent %s, stats %+v; want b1 and b2 sent, b3 given back", got, s)
		}
		var p models.Post
		if err := e.store.DB().Order("id DESC").Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if atts, _ := e.store.Attempts(e.ctx, p.ID); p.Status != models.PostPlanned || p.Attempts != 0 || len(atts) != 0 {
			t.Errorf("b3: %s, %d tries, attempts %+v; want planned and untouched", p.Status, p.Attempts, atts)
		}
	})
}

// dedupPoster is a gatePoster whose network deduplicates on the idempotency key: the dispatcher
// may have several of its channel's sends under way.
type dedupPoster struct{ *gatePoster }

func (dedupPoster) Recovery() posting.Recovery { return posting.Resend }

// On a network that deduplicates, a channel's posts for different broadcasts go side by side:
// every one of them is under way before the first is answered.
func TestChannelSendsBroadcastsSideBySide(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start)
		liveOnly(e, 4, start, "hook")
		gated := &gatePoster{gate: make(chan struct{}), started: make(chan string, 4)}
		posters := func(models.Channel) (posting.Poster, error) { return dedupPoster{gated}, nil }
		d := NewDispatcher(e.store, posters, DispatchConfig{Owner: "test"}, func() time.Time { return start }, nil, nil)
		done := make(chan DispatchStats)
		go func() {
			s, err := d.Dispatch(e.ctx)
			if err != nil {
				t.Error(err)
			}
			done <- s
		}()
		for range 4 {
			select {
			case <-gated.started:
			case <-time.After(10 * time.Second):
				t.Fatal("the channel's posts did not go side by side")
			}
		}
		close(gated.gate)
		if s := <-done; s.Sent != 4 {
			t.Errorf("stats %+v, want 4 sent", s)
		}
	})
}

// A broadcast's posts on one channel still go one after the other (a reply needs its parent's
// remote id), on a network that deduplicates too: the second is not under way before the first
// is answered.
func TestBroadcastPostsGoInOrder(t *testing.T) {
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		start := time.Date(2027, 3, 30, 18, 0, 0, 0, paris)
		e := newEnvOn(t, db.DSN, start.Add(-time.Hour))
		e.channel("hook", "console")
		c := e.campaign(models.Campaign{Name: "Two", Reminders: "20m,19m"}, "hook")
		e.plan(e.broadcast(c, "b1", start).ID)
		e.plan(e.broadcast(c, "b2", start).ID)
		now := start.Add(-19 * time.Minute) // both reminders of both broadcasts are due
		var mu sync.Mutex
		under := map[string]int{} // sends under way per broadcast
		order := map[string][]string{}
		gated := &gatePoster{}
		gated.onSend = func() { time.Sleep(20 * time.Millisecond) }
		posters := func(models.Channel) (posting.Poster, error) {
			return stepPoster{dedupPoster{gated}, &mu, under, order, t}, nil
		}
		d := NewDispatcher(e.store, posters, DispatchConfig{Owner: "test"}, func() time.Time { return now }, nil, nil)
		s, err := d.Dispatch(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Sent != 4 {
			t.Errorf("stats %+v, want 4 sent", s)
		}
		for _, b := range []string{"b1", "b2"} {
			if got := fmt.Sprint(order[b]); got != "[20m 19m]" {
				t.Errorf("%s's posts went out as %s, want [20m 19m]", b, got)
			}
		}
	})
}

// stepPoster records each broadcast's steps in the order sent and fails the test when two sends
// of one broadcast are under way at once.
type stepPoster struct {
	dedupPoster
	mu    *sync.Mutex
	under map[string]int
	order map[string][]string
	t     *testing.T
}

func (p stepPoster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	p.mu.Lock()
	p.under[m.Broadcast]++
	if p.under[m.Broadcast] > 1 {
		p.t.Errorf("two sends of %s under way at once", m.Broadcast)
	}
	p.order[m.Broadcast] = append(p.order[m.Broadcast], m.Step)
	p.mu.Unlock()
	r, err := p.dedupPoster.Post(ctx, m)
	p.mu.Lock()
	p.under[m.Broadcast]--
	p.mu.Unlock()
	return r, err
}
