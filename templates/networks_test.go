package templates

// The networks the tests plan for and send to: each registers its descriptor when linked, as
// cmd/onair's networks table links them in the binary.
import (
	_ "github.com/onairhq/onair/posting/bluesky"
	_ "github.com/onairhq/onair/posting/console"
	_ "github.com/onairhq/onair/posting/mastodon"
	_ "github.com/onairhq/onair/posting/webhook"
	_ "github.com/onairhq/onair/posting/x"
)
