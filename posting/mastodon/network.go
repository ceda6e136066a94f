package mastodon

import "github.com/onairhq/onair/posting"

// Name is the network's name, as channels store it.
const Name = "mastodon"

// Network is Mastodon's descriptor: 500 characters (a URL counts 23; an instance may configure
// more, read into the channel's settings), pictures up to 16 MB, threads, an access token.
var Network = posting.Network{
	Name:    Name,
	Title:   "Mastodon",
	Limit:   posting.Limit{Max: 500, URLWeight: posting.MastodonURLWeight, Unit: "characters"},
	Count:   posting.MastodonCount,
	Image:   &posting.ImageRule{Types: posting.PictureTypes, MaxSize: map[string]int64{"": 16_000_000}},
	Replies: true,
	Once: "the Idempotency-Key header (Mastodon deduplicates by it for an hour), and the poster " +
		"looks for the status among the account's recent ones before creating it again",
	Credentials: []posting.Credential{{Field: "access_token", Env: "TOKEN"}},
	New:         fromSetup,
}

func init() { posting.Register(Network) }

// Settings are a Mastodon channel's settings.
type Settings struct {
	Server  string `json:"server,omitempty"`  // the server's URL
	Timeout string `json:"timeout,omitempty"` // per request ("30s")
}

// Secrets are a Mastodon channel's credentials.
type Secrets struct {
	AccessToken string `json:"access_token,omitempty"`
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
	if sec.AccessToken == "" {
		return nil, &posting.NoCredentials{Fix: posting.CredLoginToken, Message: "has no access token"}
	}
	p, err := New(Config{Server: set.Server, Token: sec.AccessToken, Timeout: timeout}, s.Client)
	if err != nil {
		return nil, err
	}
	if s.Now != nil {
		p.Now = s.Now
	}
	return p, nil
}
