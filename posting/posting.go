// Package posting sends one message to one social network. It owns the networks' names, their
// text limits and how each counts a text (here), and, as adapters arrive, the Poster interface,
// the error taxonomy the dispatcher acts on, and one sub-package per network.
//
// It knows nothing of the database or the scheduler: it takes plain values.
package posting

// Networks onair can post to.
const (
	Console  = "console"
	Webhook  = "webhook"
	X        = "x"
	Mastodon = "mastodon"
	Bluesky  = "bluesky"
)

// Networks lists every network name.
var Networks = []string{Console, Webhook, X, Mastodon, Bluesky}

// KnownNetwork reports whether name is a network onair knows.
func KnownNetwork(name string) bool {
	for _, n := range Networks {
		if n == name {
			return true
		}
	}
	return false
}
