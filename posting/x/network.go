package x

import (
	"fmt"

	"github.com/onairhq/onair/posting"
)

// Name is the network's name, as channels store it.
const Name = "x"

// Network is X's descriptor: 280 weighted characters (a URL counts 23), the characters X
// refuses, pictures up to 5 MB (GIFs 15 MB), threads, and OAuth 1.0a keys or an OAuth 2.0 client
// secret as credentials.
var Network = posting.Network{
	Name:  Name,
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
	New:        fromSetup,
	MetricsOff: true, // pay-per-use pricing charges every read
}

func init() { posting.Register(Network) }

// Settings are an X channel's settings.
type Settings struct {
	APIURL   string `json:"api_url,omitempty"`   // the API's base URL (default https://api.x.com)
	Auth     string `json:"auth,omitempty"`      // "oauth1" (default) or "oauth2"
	ClientID string `json:"client_id,omitempty"` // OAuth 2.0: the app's client id
	Timeout  string `json:"timeout,omitempty"`   // per request ("30s")
}

// Secrets are an X channel's credentials: OAuth 1.0a keys, or an OAuth 2.0 client secret (a
// confidential client) and the account's tokens.
type Secrets struct {
	ConsumerKey    string         `json:"consumer_key,omitempty"`
	ConsumerSecret string         `json:"consumer_secret,omitempty"`
	AccessToken    string         `json:"access_token,omitempty"`
	AccessSecret   string         `json:"access_secret,omitempty"`
	ClientSecret   string         `json:"client_secret,omitempty"`
	Token          *posting.Token `json:"token,omitempty"`
}

func fromSetup(s posting.Setup) (posting.Poster, error) {
	var (
		set Settings
		sec Secrets
	)
	if err := s.Decode(&set, &sec); err != nil {
		return nil, err
	}
	timeout, err := posting.Timeout(set.Timeout, "30s")
	if err != nil {
		return nil, err
	}
	cfg := Config{APIURL: set.APIURL, Timeout: timeout}
	if set.Auth == "oauth2" {
		if sec.Token == nil {
			return nil, &posting.NoCredentials{Fix: posting.CredLogin, Message: "has no OAuth 2.0 token yet"}
		}
		cfg.OAuth2 = &OAuth2{ClientID: set.ClientID, ClientSecret: sec.ClientSecret, Tokens: s.Tokens}
	} else {
		cfg.OAuth1 = &OAuth1{ConsumerKey: sec.ConsumerKey, ConsumerSecret: sec.ConsumerSecret,
			Token: sec.AccessToken, TokenSecret: sec.AccessSecret}
	}
	p, err := New(cfg, s.Client)
	if err != nil && cfg.OAuth1 != nil {
		return nil, &posting.NoCredentials{Fix: posting.CredLoginKeys, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("channel %s: %w", s.Channel, err)
	}
	if s.Now != nil {
		p.Now = s.Now
	}
	return p, nil
}
