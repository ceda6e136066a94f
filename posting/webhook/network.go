package webhook

import (
	"fmt"
	"os"

	"github.com/onairhq/onair/posting"
)

// Name is the network's name, as channels store it.
const Name = "webhook"

// Network is the webhook's descriptor: characters without a limit, any readable picture, a
// signing secret read from the environment (not a sealed credential).
var Network = posting.Network{
	Name:  Name,
	Title: "the webhook",
	Limit: posting.Limit{Unit: "characters"},
	Once: "the Idempotency-Key header: onair's JSON receivers deduplicate by it, so an interrupted " +
		"send goes again; Slack and Discord do not, so a person settles it",
	New: fromSetup,
	Settings: []posting.Setting{
		{Flag: "url", Usage: "the URL posts are POSTed to", Need: "https://..."},
		{Flag: "format", Usage: "json (default: signed, deduplicated by Idempotency-Key), slack or discord"},
		{Flag: "secret-env", Usage: "name of the environment variable holding the signing secret", Env: true},
	},
	NoMetrics: true, // a receiver says nothing of what a post drew (docs/results.md)
}

func init() { posting.Register(Network) }

// Settings are a webhook channel's settings.
type Settings struct {
	URL       string `json:"url,omitempty"`        // where to POST
	Format    string `json:"format,omitempty"`     // json, slack, discord
	SecretEnv string `json:"secret_env,omitempty"` // the environment variable holding the signing secret
	Timeout   string `json:"timeout,omitempty"`    // per request ("15s")
}

func fromSetup(s posting.Setup) (posting.Poster, error) {
	var set Settings
	if err := s.Decode(&set, nil); err != nil {
		return nil, err
	}
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Config{URL: set.URL, Format: set.Format}
	if set.SecretEnv != "" {
		if cfg.Secret = getenv(set.SecretEnv); cfg.Secret == "" {
			return nil, fmt.Errorf("the signing secret is read from $%s, which is empty; set it where onair runs", set.SecretEnv)
		}
	}
	var err error
	if cfg.Timeout, err = posting.Timeout(set.Timeout, "15s"); err != nil {
		return nil, err
	}
	p, err := New(cfg, s.Client)
	if err != nil {
		return nil, err
	}
	if s.Now != nil {
		p.Now = s.Now
	}
	return p, nil
}
