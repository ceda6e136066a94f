package scheduler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// ChannelSettings are the non-secret settings stored in channels.settings (JSON). Credentials
// are not here: they are sealed in channels.secrets (see Secrets), or read from the environment
// variables SecretsEnv names.
//
// A network's own settings that the CLI takes as flags (posting.Network's Settings: a webhook's
// url, a console's file) are not fields here: they are kept in Own, and each network's package
// decodes them into its own type.
type ChannelSettings struct {
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
	// MetricsDefault: off on X, which charges for reads). Where and how a network reads them is
	// its own setting (Bluesky's appview, the console's metrics_time_scale). See docs/results.md.
	Metrics *bool `json:"metrics,omitempty"`

	// SecretsEnv names environment variables to read credentials from where onair runs, instead
	// of sealing them in the database: {"access_token": "BRAND_MASTODON_TOKEN"}. The keys are
	// Secrets' JSON names.
	SecretsEnv map[string]string `json:"secrets_env,omitempty"`

	// Own are the settings that are not fields above, by key as stored: the network's own (a
	// webhook's url, a console's file; see posting.Network's Settings). They are written back as
	// they were read.
	Own map[string]json.RawMessage `json:"-"`
}

// channelSettings is ChannelSettings without its JSON methods.
type channelSettings ChannelSettings

// fieldKeys are the JSON keys of ChannelSettings' fields.
var fieldKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[channelSettings]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}()

// UnmarshalJSON reads the fields, and keeps every other key in Own.
func (s *ChannelSettings) UnmarshalJSON(raw []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, (*channelSettings)(s)); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		return err
	}
	for k, v := range all {
		if !fieldKeys[k] {
			if s.Own == nil {
				s.Own = map[string]json.RawMessage{}
			}
			s.Own[k] = v
		}
	}
	return nil
}

// MarshalJSON writes the fields in their order, then Own's keys in theirs.
func (s ChannelSettings) MarshalJSON() ([]byte, error) {
	raw, err := json.Marshal(channelSettings(s))
	if err != nil || len(s.Own) == 0 {
		return raw, err
	}
	keys := make([]string, 0, len(s.Own))
	for k := range s.Own {
		if !fieldKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.Write(raw[:len(raw)-1]) // without its }
	for _, k := range keys {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		b.Write(key)
		b.WriteByte(':')
		b.Write(s.Own[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// OwnString is the network's own setting key as a string ("" when unset or not a string).
func (s ChannelSettings) OwnString(key string) string {
	var v string
	if raw, ok := s.Own[key]; ok {
		json.Unmarshal(raw, &v)
	}
	return v
}

// SetOwn sets the network's own setting key; "" removes it.
func (s *ChannelSettings) SetOwn(key, value string) {
	if value == "" {
		delete(s.Own, key)
		return
	}
	if s.Own == nil {
		s.Own = map[string]json.RawMessage{}
	}
	s.Own[key], _ = json.Marshal(value)
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
