package x

import "github.com/onairhq/onair/posting"

// Network is X's descriptor: 280 weighted characters (a URL counts 23), the characters X
// refuses, pictures up to 5 MB (GIFs 15 MB), threads, and OAuth 1.0a keys or an OAuth 2.0 client
// secret as credentials.
var Network = posting.Network{
	Name:  posting.X,
	Title: "X",
	Limit: posting.Limit{Max: 280, URLWeight: posting.XURLWeight, Unit: "weighted characters"},
	Count: posting.XCount, Refuse: posting.XRefuse,
	Image:   &posting.ImageRule{Types: posting.PictureTypes, MaxSize: map[string]int64{"": 5_000_000, "image/gif": 15_000_000}},
	Replies: true,
	Once: "X refuses a text the account already posted: a resend it refuses so counts as sent, " +
		"and the poster finds that post among the account's recent ones",
	Credentials: []posting.Credential{
		{Field: "consumer_key", Env: "CONSUMER_KEY"}, {Field: "consumer_secret", Env: "CONSUMER_SECRET"},
		{Field: "access_token", Env: "ACCESS_TOKEN"}, {Field: "access_secret", Env: "ACCESS_SECRET"},
		{Field: "client_secret", Env: "CLIENT_SECRET"},
	},
}

func init() { posting.Register(Network) }
