package scheduler

import (
	"encoding/json"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// MetricsReaderFor returns what reads a channel's posts' engagement: nil (and no error) when its
// network tells none (webhooks) or reading is off on it.
type MetricsReaderFor func(ch models.Channel) (posting.MetricsReader, error)

// MetricsDefault reports whether engagement is read on a network's channels unless their
// settings say otherwise: everywhere it can be read but where reads cost (X's pay-per-use
// pricing charges every read).
func MetricsDefault(network string) bool {
	n, _ := posting.NetworkOf(network)
	return !n.NoMetrics && !n.MetricsOff
}

// MetricsOn reports whether engagement is read on ch.
func MetricsOn(ch models.Channel) bool {
	s, err := ParseSettings(ch)
	if err != nil {
		return false
	}
	if n, _ := posting.NetworkOf(ch.Network); n.NoMetrics {
		return false
	}
	if s.Metrics != nil {
		return *s.Metrics
	}
	return MetricsDefault(ch.Network)
}

// MetricsFor returns ch's metrics reader (see MetricsReaderFor): the network's own reader when it
// needs no credentials (Bluesky's public AppView, the console's figures on the channel's time
// scale), else the channel's poster (X, Mastodon: their reads take the channel's credentials).
func (p *Posters) MetricsFor(ch models.Channel) (posting.MetricsReader, error) {
	if !MetricsOn(ch) {
		return nil, nil
	}
	if n, _ := posting.NetworkOf(ch.Network); n.Metrics != nil {
		s, err := ParseSettings(ch)
		if err != nil {
			return nil, err
		}
		if err := p.trust(ch, s); err != nil {
			return nil, err
		}
		r, err := n.Metrics(posting.Setup{Channel: ch.Name, Settings: json.RawMessage(ch.Settings), Client: p.httpClient(), Now: p.Now})
		if err != nil || r != nil {
			return r, err
		}
	}
	poster, err := p.For(ch)
	if err != nil {
		return nil, err
	}
	r, _ := poster.(posting.MetricsReader)
	return r, nil
}
