package scheduler

import (
	"fmt"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/console"
)

// MetricsReaderFor returns what reads a channel's posts' engagement: nil (and no error) when its
// network tells none (webhooks) or reading is off on it.
type MetricsReaderFor func(ch models.Channel) (posting.MetricsReader, error)

// MetricsDefault reports whether engagement is read on a network's channels unless their
// settings say otherwise: everywhere but on X, whose pay-per-use pricing charges every read.
func MetricsDefault(network string) bool { return network != posting.X }

// MetricsOn reports whether engagement is read on ch.
func MetricsOn(ch models.Channel) bool {
	s, err := ParseSettings(ch)
	if err != nil {
		return false
	}
	if s.Metrics != nil {
		return *s.Metrics
	}
	return MetricsDefault(ch.Network)
}

// MetricsFor returns ch's metrics reader (see MetricsReaderFor): its poster on X and Mastodon,
// whose reads take the channel's credentials; a reader of the public AppView on Bluesky; the
// console's figures, on the channel's time scale.
func (p *Posters) MetricsFor(ch models.Channel) (posting.MetricsReader, error) {
	if !MetricsOn(ch) {
		return nil, nil
	}
	s, err := ParseSettings(ch)
	if err != nil {
		return nil, err
	}
	switch ch.Network {
	case posting.Webhook:
		return nil, nil // a receiver says nothing of what a post drew (docs/results.md)
	case posting.Bluesky:
		if err := p.trust(ch, s); err != nil {
			return nil, err
		}
		var timeout time.Duration
		if s.Timeout != "" {
			if timeout, err = time.ParseDuration(s.Timeout); err != nil {
				return nil, fmt.Errorf("timeout %q not understood; use 30s", s.Timeout)
			}
		}
		m, err := bluesky.NewMetrics(s.AppView, p.httpClient(), timeout)
		if err == nil && p.Now != nil {
			m.Now = p.Now
		}
		return m, err
	case posting.Console:
		if s.MetricsTimeScale > 0 {
			if err := p.trust(ch, s); err != nil {
				return nil, err
			}
			return &console.Metrics{Now: p.Now, Scale: s.MetricsTimeScale}, nil
		}
	}
	poster, err := p.For(ch)
	if err != nil {
		return nil, err
	}
	r, _ := poster.(posting.MetricsReader)
	return r, nil
}
