package main

// The networks the bench plans for (planning runs X, Mastodon and Bluesky channels) and sends to
// (webhooks): each registers its descriptor when linked, as in onair's own binary.
import (
	_ "github.com/onairhq/onair/posting/bluesky"
	_ "github.com/onairhq/onair/posting/console"
	_ "github.com/onairhq/onair/posting/mastodon"
	_ "github.com/onairhq/onair/posting/x"
)
