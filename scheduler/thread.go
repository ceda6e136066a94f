package scheduler

import (
	"context"
	"sort"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// maxThreadWait bounds how long a reply waits for an earlier post of its thread that is being
// sent or retried. Past it, the reply goes under the latest post of the thread that is out: a
// reminder on time matters more than a perfect thread.
const maxThreadWait = 2 * time.Minute

// holdForThread says a reply must wait until until for an earlier post of its thread.
type holdForThread struct{ until time.Time }

func (h *holdForThread) Error() string { return "waits for an earlier post of its thread" }

// threadCache holds, for one channel's send, the posts of each broadcast a reply's thread depends
// on: those sent, and those still on their way. Posts sent during this send are marked as they
// go, since their outcomes reach the database in batches.
type threadCache map[int64][]models.Post

// thread returns where a reply goes: under the broadcast's first teaser on this channel (the
// root), answering the latest post of the thread that went out. nil when no teaser went out: the
// post stands alone. When an earlier post of the thread is still being sent or retried, so that
// answering now would leave it out of the thread, it returns when to try again instead.
func (c threadCache) thread(ctx context.Context, store *models.Store, p models.Post, now time.Time) (*posting.Thread, time.Time, error) {
	posts, ok := c[p.BroadcastID]
	if !ok {
		var err error
		if posts, err = store.ThreadPosts(ctx, p.BroadcastID, p.ChannelID); err != nil {
			return nil, time.Time{}, err
		}
		c[p.BroadcastID] = posts
	}
	var sent, waiting []*models.Post
	for i := range posts {
		switch q := &posts[i]; {
		case q.ID == p.ID:
		case q.Status == models.PostSent:
			if q.RemoteID != "" { // else the network did not say where it is
				sent = append(sent, q)
			}
		case q.DueAt.Before(p.DueAt.Time):
			waiting = append(waiting, q)
		}
	}
	sort.SliceStable(sent, func(i, j int) bool { return sent[i].SentAt.Before(sent[j].SentAt.Time) })
	var root, parent *models.Post
	for _, q := range sent {
		if q.Kind == models.KindTeaser {
			if root == nil || q.DueAt.Before(root.DueAt.Time) {
				root = q
			}
		} else if inThread(q) {
			parent = q
		}
	}
	if hold := threadHold(waiting, root, p, now); !hold.IsZero() {
		return nil, hold, nil
	}
	if root == nil {
		return nil, time.Time{}, nil
	}
	if parent == nil {
		parent = root
	}
	ref := func(q *models.Post) posting.Receipt {
		return posting.Receipt{RemoteID: q.RemoteID, RemoteURL: q.RemoteURL, Ref: q.RemoteRef}
	}
	return &posting.Thread{Root: ref(root), Parent: ref(parent)}, time.Time{}, nil
}

// threadHold says until when p waits for the earlier posts of its thread still on their way: a
// teaser due before the root found so far (it would be the root), or a post of the thread. Zero:
// it does not wait (nothing is on its way, or not soon enough, or p's own window would close).
func threadHold(waiting []*models.Post, root *models.Post, p models.Post, now time.Time) time.Time {
	var until time.Time
	for _, q := range waiting {
		wouldBeRoot := q.Kind == models.KindTeaser && (root == nil || q.DueAt.Before(root.DueAt.Time))
		if !wouldBeRoot && (q.Kind == models.KindTeaser || !inThread(q)) {
			continue
		}
		var next time.Time
		switch q.Status {
		case models.PostSending:
			next = now.Add(time.Second) // in flight: settled within its send (or its lease)
		case models.PostPlanned:
			next = now.Add(time.Second)
			if q.NextAttemptAt.After(next) {
				next = q.NextAttemptAt.Add(time.Second) // waiting for a retry
			}
		default:
			continue
		}
		if next.After(until) {
			until = next
		}
	}
	if until.IsZero() || until.Sub(now) > maxThreadWait || !p.ExpiresAt.IsZero() && !until.Before(p.ExpiresAt.Time) {
		return time.Time{}
	}
	return until
}

func inThread(q *models.Post) bool {
	o, _ := q.ParseOptions()
	return o.Thread
}

// sent marks a post that just went out as sent, in its broadcast's thread.
func (c threadCache) sent(p models.Post, r posting.Receipt, at time.Time) {
	posts, ok := c[p.BroadcastID]
	if !ok {
		return // not loaded: the database will have it when a reply needs it
	}
	p.Status, p.RemoteID, p.RemoteURL, p.RemoteRef, p.SentAt = models.PostSent, r.RemoteID, r.RemoteURL, r.Ref, models.NewTime(at)
	for i := range posts {
		if posts[i].ID == p.ID {
			posts[i] = p
			return
		}
	}
	c[p.BroadcastID] = append(posts, p)
}
