package console

import (
	"os"

	"github.com/onairhq/onair/posting"
)

// Network is the console's descriptor: characters without a limit, any readable picture, no
// account, no threads.
var Network = posting.Network{
	Name:  posting.Console,
	Title: "console",
	Limit: posting.Limit{Unit: "characters"},
	Once: "the console prints again; with a file it first looks for the post's idempotency key " +
		"there, so the file never holds a post twice",
	New: fromSetup,
}

func init() { posting.Register(Network) }

// Settings are a console channel's settings.
type Settings struct {
	File string `json:"file,omitempty"` // also append posts to this JSON lines file
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
