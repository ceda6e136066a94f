package mastodon

import "github.com/onairhq/onair/posting"

// Network is Mastodon's descriptor: 500 characters (a URL counts 23; an instance may configure
// more, read into the channel's settings), pictures up to 16 MB, threads, an access token.
var Network = posting.Network{
	Name:    posting.Mastodon,
	Title:   "Mastodon",
	Limit:   posting.Limit{Max: 500, URLWeight: posting.MastodonURLWeight, Unit: "characters"},
	Count:   posting.MastodonCount,
	Image:   &posting.ImageRule{Types: posting.PictureTypes, MaxSize: map[string]int64{"": 16_000_000}},
	Replies: true,
	Once: "the Idempotency-Key header (Mastodon deduplicates by it for an hour), and the poster " +
		"looks for the status among the account's recent ones before creating it again",
	Credentials: []posting.Credential{{Field: "access_token", Env: "TOKEN"}},
}

func init() { posting.Register(Network) }
