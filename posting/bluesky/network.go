package bluesky

import "github.com/onairhq/onair/posting"

// Name is the network's name, as channels store it.
const Name = "bluesky"

// Network is Bluesky's descriptor: 300 graphemes and 3000 bytes, a link card's thumbnail up to
// 1,000,000 bytes on every post, threads, an app password (and the session it opens).
var Network = posting.Network{
	Name:         Name,
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
	New:         fromSetup,
	Metrics:     metricsFromSetup,
	Settings:    []posting.Setting{{Flag: "appview", Usage: "the AppView engagement is read from (default " + DefaultAppView + ")"}},
}

func init() { posting.Register(Network) }

// Settings are a Bluesky channel's settings.
type Settings struct {
	PDS     string `json:"pds,omitempty"`     // the PDS's URL (default https://bsky.social)
	Handle  string `json:"handle,omitempty"`  // the account's handle
	DID     string `json:"did,omitempty"`     // the account's DID
	Timeout string `json:"timeout,omitempty"` // per request ("30s")
}

// Secrets are a Bluesky channel's credentials: the app password (kept to open a new session
// when one ends) and the session.
type Secrets struct {
	AppPassword string         `json:"app_password,omitempty"`
	Token       *posting.Token `json:"token,omitempty"`
}

// metricsFromSetup reads the engagement of a channel's posts from the public AppView (its
// appview setting, default DefaultAppView): no credentials needed.
func metricsFromSetup(s posting.Setup) (posting.MetricsReader, error) {
	var set struct {
		AppView string `json:"appview"`
		Timeout string `json:"timeout"`
	}
	if err := s.Decode(&set, nil); err != nil {
		return nil, err
	}
	timeout, err := posting.Timeout(set.Timeout, "30s")
	if err != nil {
		return nil, err
	}
	m, err := NewMetrics(set.AppView, s.Client, timeout)
	if err != nil {
		return nil, err
	}
	if s.Now != nil {
		m.Now = s.Now
	}
	return m, nil
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
	if sec.Token == nil {
		return nil, &posting.NoCredentials{Fix: posting.CredLogin, Message: "has no session"}
	}
	p, err := New(Config{PDS: set.PDS, Handle: set.Handle, DID: set.DID, AppPassword: sec.AppPassword,
		Tokens: s.Tokens, Timeout: timeout}, s.Client)
	if err != nil {
		return nil, err
	}
	if s.Now != nil {
		p.Now = s.Now
	}
	return p, nil
}
