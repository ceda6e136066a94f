package console

import (
	"os"

	"github.com/onairhq/onair/posting"
)

// Name is the network's name, as channels store it.
const Name = "console"

// Network is the console's descriptor: characters without a limit, any readable picture, no
// account, no threads.
var Network = posting.Network{
	Name:  Name,
	Title: "the console",
	Limit: posting.Limit{Unit: "characters"},
	Once: "the console prints again; with a file it first looks for the post's idempotency key " +
		"there, so the file never holds a post twice",
	New:      fromSetup,
	Settings: []posting.Setting{{Flag: "file", Usage: "also append each post as a JSON line to this file", File: true}},
	Metrics:  metricsFromSetup,
}

func init() { posting.Register(Network) }

// Settings are a console channel's settings.
type Settings struct {
	File string `json:"file,omitempty"` // also append posts to this JSON lines file
}

// metricsFromSetup reads made-up figures on a channel whose settings speed time up (the demo's
// metrics_time_scale); nil otherwise: the poster's own, in real time.
func metricsFromSetup(s posting.Setup) (posting.MetricsReader, error) {
	var set struct {
		Scale float64 `json:"metrics_time_scale"`
	}
	if err := s.Decode(&set, nil); err != nil || set.Scale <= 0 {
		return nil, err
	}
	return &Metrics{Now: s.Now, Scale: set.Scale}, nil
}

func fromSetup(s posting.Setup) (posting.Poster, error) {
	var set Settings
	if err := s.Decode(&set, nil); err != nil {
		return nil, err
	}
	out := s.Out
	if out == nil {
		out = os.Stdout
	}
	p := New(out, set.File)
	if s.Now != nil {
		p.Now = s.Now
	}
	return p, nil
}
