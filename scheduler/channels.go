package scheduler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// ChannelSettings are the non-secret settings stored in channels.settings (JSON). Credentials
// are not here: they are sealed in channels.secrets (see Secrets), or read from the environment
// variables SecretsEnv names.
type ChannelSettings struct {
	File      string `json:"file,omitempty"`       // console: also append posts to this JSON lines file
	URL       string `json:"url,omitempty"`        // webhook: where to POST
	Format    string `json:"format,omitempty"`     // webhook: json, slack, discord
	SecretEnv string `json:"secret_env,omitempty"` // webhook: the environment variable holding the signing secret
	Timeout   string `json:"timeout,omitempty"`    // per-request timeout ("15s")
	MaxLength int    `json:"max_length,omitempty"` // overrides the network's text limit
	URLWeight int    `json:"url_weight,omitempty"`

	APIURL   string `json:"api_url,omitempty"`   // x: the API's base URL (default https://api.x.com)
	Auth     string `json:"auth,omitempty"`      // x: "oauth1" (default) or "oauth2"
	ClientID string `json:"client_id,omitempty"` // x OAuth 2.0: the app's client id; mastodon: the app registered by `channel login`
	Server   string `json:"server,omitempty"`    // mastodon: the server's URL
	PDS      string `json:"pds,omitempty"`       // bluesky: the PDS's URL (default https://bsky.social)
	Handle   string `json:"handle,omitempty"`    // bluesky: the account's handle
	DID      string `json:"did,omitempty"`       // bluesky: the account's DID
	Account  string `json:"account,omitempty"`   // the account the credentials belong to, as last checked (@brand)

	// Metrics turns the reading of sent posts' engagement on or off (nil: the network's default,
	// MetricsDefault: off on X, which charges for reads). AppView is where Bluesky's counts are
	// read (default https://public.api.bsky.app); MetricsTimeScale speeds a console channel's
	// made-up figures up (the demo). See docs/results.md.
	Metrics          *bool   `json:"metrics,omitempty"`
	AppView          string  `json:"appview,omitempty"`
	MetricsTimeScale float64 `json:"metrics_time_scale,omitempty"`

	// SecretsEnv names environment variables to read credentials from where onair runs, instead
	// of sealing them in the database: {"access_token": "BRAND_MASTODON_TOKEN"}. The keys are
	// Secrets' JSON names.
	SecretsEnv map[string]string `json:"secrets_env,omitempty"`
}

// X's OAuth modes.
const (
	AuthOAuth1 = "oauth1"
	AuthOAuth2 = "oauth2"
)

// ParseSettings reads a channel's settings.
func ParseSettings(ch models.Channel) (ChannelSettings, error) {
	var s ChannelSettings
	if ch.Settings == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(ch.Settings), &s); err != nil {
		return s, fmt.Errorf("channel %s settings are not valid JSON: %v", ch.Name, err)
	}
	return s, nil
}

// Posters builds the poster of each channel from its settings and credentials, once per version
// of them.
type Posters struct {
	Out    io.Writer    // where console channels print
	Client *http.Client // for every network; nil: a shared client with a roomy connection pool
	Getenv func(string) string
	Now    func() time.Time // the clock (time.Now when nil)
	// Store and Vault give posters the channel's credentials, and keep the tokens a network
	// renews (X OAuth 2.0, Bluesky sessions) where every onair process sees them.
	Store *models.Store
	Vault *Vault
	// Unstored builds posters for settings typed on the command line and not stored yet (the
	// CLI's checks): there is no seal to check.
	Unstored bool

	mu    sync.Mutex
	cache map[int64]cachedPoster
}

type cachedPoster struct {
	settings string
	poster   posting.Poster
}

// For returns the poster for ch.
func (p *Posters) For(ch models.Channel) (posting.Poster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	version := ch.Network + "\x00" + ch.Settings + "\x00" + ch.SettingsSeal + "\x00" + ch.Secrets
	if c, ok := p.cache[ch.ID]; ok && c.settings == version {
		return c.poster, nil
	}
	poster, err := p.build(ch)
	if err != nil {
		return nil, err
	}
	if p.cache == nil {
		p.cache = map[int64]cachedPoster{}
	}
	p.cache[ch.ID] = cachedPoster{settings: version, poster: poster}
	return poster, nil
}

// httpClient is the client every channel shares: its transport keeps enough idle connections for
// many channels posting to one host at once (Go's default keeps 2, and churns TCP connections).
func (p *Posters) httpClient() *http.Client {
	if p.Client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 512
		t.MaxIdleConnsPerHost = 256
		p.Client = &http.Client{Transport: t}
	}
	return p.Client
}

func (p *Posters) build(ch models.Channel) (posting.Poster, error) {
	s, err := ParseSettings(ch)
	if err != nil {
		return nil, err
	}
	if err := p.trust(ch, s); err != nil {
		return nil, err
	}
	n, ok := posting.NetworkOf(ch.Network)
	if !ok || n.New == nil {
		return nil, fmt.Errorf("network %q cannot send in this version of onair", ch.Network)
	}
	getenv := p.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	setup := posting.Setup{Channel: ch.Name, Settings: json.RawMessage(ch.Settings), Client: p.httpClient(),
		Out: p.Out, Getenv: getenv, Now: p.Now}
	if len(n.Credentials) > 0 {
		sec, err := p.secrets(ch, s)
		if err != nil {
			return nil, err
		}
		setup.Secrets, _ = json.Marshal(sec)
		setup.Tokens = &channelTokens{store: p.Store, vault: p.Vault, id: ch.ID}
	}
	poster, err := n.New(setup)
	if nc, ok := errors.AsType[*posting.NoCredentials](err); ok {
		msg := "channel " + ch.Name
		if nc.Message != "" {
			msg += " " + nc.Message
		}
		fix := map[posting.CredentialFix]models.Fix{posting.CredLogin: models.FixLogin, posting.CredLoginKeys: models.FixLoginKeys,
			posting.CredLoginToken: models.FixLoginToken}[nc.Fix]
		return nil, &models.Error{Code: models.ECredentials, Fix: fix, Channel: ch.Name, Message: msg, Err: nc.Err}
	}
	if err != nil {
		return nil, err
	}
	return poster, nil
}
