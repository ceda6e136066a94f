package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/onairhq/onair/models"
)

// Unplanned is a step of a broadcast's cadence that has no post, and why.
type Unplanned struct {
	Kind    models.Kind `json:"kind"`
	Step    string      `json:"step"`
	Channel string      `json:"channel"`
	DueAt   time.Time   `json:"due_at"`
	Reason  string      `json:"reason"`
}

// Unplanned lists the steps of a broadcast's cadence that the plan left out: their time had
// already passed when the broadcast was planned, or the broadcast went live first. A marketer
// who asked for a 7-day teaser on a broadcast three days away sees why it is missing instead of a
// silent gap. A broadcast whose row has an error, or that is cancelled, has none: its error or
// status already says why nothing goes out.
func (p *Planner) Unplanned(ctx context.Context, broadcastID int64) ([]Unplanned, error) {
	b, err := p.store.BroadcastByID(ctx, broadcastID)
	if err != nil {
		return nil, err
	}
	cache := newCampaignCache()
	_, steps, err := p.steps(ctx, b, cache)
	var rowError *RowError
	if errors.As(err, &rowError) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	posts, err := p.store.PostsOfBroadcast(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	have := make(map[stepKey]bool, len(posts))
	for _, post := range posts {
		have[postKey(post)] = true
	}
	now := p.now()
	var out []Unplanned
	for _, s := range steps {
		if have[s.key()] {
			continue
		}
		reason := overtaken(b, s.kind)
		if reason == "" {
			if !s.gone(now) {
				continue // not planned yet: the next plan creates it
			}
			reason = "its time had passed when the broadcast was planned"
		}
		out = append(out, Unplanned{Kind: s.kind, Step: s.label, Channel: s.channel.Name, DueAt: s.due.UTC(), Reason: reason})
	}
	return out, nil
}
