package bluesky

import "github.com/onairhq/onair/posting"

// Network is Bluesky's descriptor: 300 graphemes and 3000 bytes, a link card's thumbnail up to
// 1,000,000 bytes on every post, threads, an app password (and the session it opens).
var Network = posting.Network{
	Name:         posting.Bluesky,
	Title:        "Bluesky",
	Limit:        posting.Limit{Max: 300, Unit: "graphemes"},
	Count:        posting.BlueskyCount,
	MaxBytes:     posting.BlueskyMaxBytes,
	Image:        &posting.ImageRule{Types: posting.PictureTypes, MaxSize: map[string]int64{"": 1_000_000}},
	PictureOnAll: true,
	Replies:      true,
	Once: "the record key onair chooses (posting.Keyer): a second create collides with the first, " +
		"and the poster looks the record up before creating it again",
	Credentials: []posting.Credential{{Field: "app_password", Env: "APP_PASSWORD"}},
}

func init() { posting.Register(Network) }
