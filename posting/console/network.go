package console

import "github.com/onairhq/onair/posting"

// Network is the console's descriptor: characters without a limit, any readable picture, no
// account, no threads.
var Network = posting.Network{
	Name:  posting.Console,
	Title: "console",
	Limit: posting.Limit{Unit: "characters"},
	Once: "the console prints again; with a file it first looks for the post's idempotency key " +
		"there, so the file never holds a post twice",
}

func init() { posting.Register(Network) }
