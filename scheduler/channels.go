package scheduler

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/console"
	"github.com/onairhq/onair/posting/webhook"
)

// ChannelSettings are the non-secret settings stored in channels.settings (JSON).
type ChannelSettings struct {
	File      string `json:"file,omitempty"`       // console: also append posts to this JSON lines file
	URL       string `json:"url,omitempty"`        // webhook: where to POST
	Format    string `json:"format,omitempty"`     // webhook: json, slack, discord
	SecretEnv string `json:"secret_env,omitempty"` // webhook: the environment variable holding the signing secret
	Timeout   string `json:"timeout,omitempty"`    // webhook: per-request timeout ("15s")
	MaxLength int    `json:"max_length,omitempty"` // overrides the network's text limit
	URLWeight int    `json:"url_weight,omitempty"`
}

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

// Posters builds the poster of each channel from its settings, once per version of the settings.
type Posters struct {
	Out    io.Writer    // where console channels print
	Client *http.Client // for webhooks; nil: a default client
	Getenv func(string) string
	Now    func() time.Time // the clock (time.Now when nil)

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
	if c, ok := p.cache[ch.ID]; ok && c.settings == ch.Settings {
		return c.poster, nil
	}
	poster, err := p.build(ch)
	if err != nil {
		return nil, err
	}
	if p.cache == nil {
		p.cache = map[int64]cachedPoster{}
	}
	p.cache[ch.ID] = cachedPoster{settings: ch.Settings, poster: poster}
	return poster, nil
}

// httpClient is the client webhooks share: its transport keeps enough idle connections for many
// channels posting to one host at once (Go's default keeps 2, and churns TCP connections).
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
	switch ch.Network {
	case posting.Console:
		out := p.Out
		if out == nil {
			out = os.Stdout
		}
		cp := console.New(out, s.File)
		if p.Now != nil {
			cp.Now = p.Now
		}
		return cp, nil
	case posting.Webhook:
		getenv := p.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		cfg := webhook.Config{URL: s.URL, Format: s.Format}
		if s.SecretEnv != "" {
			if cfg.Secret = getenv(s.SecretEnv); cfg.Secret == "" {
				return nil, fmt.Errorf("the signing secret is read from $%s, which is empty; set it where onair runs", s.SecretEnv)
			}
		}
		if s.Timeout != "" {
			if cfg.Timeout, err = time.ParseDuration(s.Timeout); err != nil {
				return nil, fmt.Errorf("timeout %q not understood; use 15s", s.Timeout)
			}
		}
		wp, err := webhook.New(cfg, p.httpClient())
		if err == nil && p.Now != nil {
			wp.Now = p.Now
		}
		return wp, err
	}
	return nil, fmt.Errorf("network %q cannot send in this version of onair", ch.Network)
}
