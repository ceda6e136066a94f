package posting

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Setup is what a network's constructor (Network.New) gets to build the Poster of one channel:
// the channel's settings and credentials as stored, each network decoding the fields it reads
// into its own type, and what every poster shares.
type Setup struct {
	Channel  string          // its name, for errors
	Settings json.RawMessage // channels.settings (JSON); empty: none
	Secrets  json.RawMessage // the opened credentials (JSON, environment overlays applied); empty: none
	Tokens   TokenStore      // where a network keeps the tokens it renews (X OAuth 2.0, Bluesky sessions)
	Client   *http.Client    // shared by every channel
	Out      io.Writer       // where a console prints
	Getenv   func(string) string
	Now      func() time.Time // the clock; nil: the poster's own (time.Now)
}

// Decode reads the setup's settings and secrets into the network's own types (either may be nil).
func (s Setup) Decode(settings, secrets any) error {
	if settings != nil && len(s.Settings) > 0 {
		if err := json.Unmarshal(s.Settings, settings); err != nil {
			return fmt.Errorf("channel %s settings are not valid JSON: %v", s.Channel, err)
		}
	}
	if secrets != nil && len(s.Secrets) > 0 {
		if err := json.Unmarshal(s.Secrets, secrets); err != nil {
			return fmt.Errorf("channel %s secrets: %v", s.Channel, err)
		}
	}
	return nil
}

// Timeout reads a channel's per-request timeout setting ("" is 0: the adapter's default);
// example is one to suggest when it is not understood.
func Timeout(setting, example string) (time.Duration, error) {
	if setting == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(setting)
	if err != nil {
		return 0, fmt.Errorf("timeout %q not understood; use %s", setting, example)
	}
	return d, nil
}

// NoCredentials says a channel lacks the credentials its poster needs, or holds ones its network's
// client refuses before any request: the channel needs a person (the CLI words Fix as the command
// to type).
type NoCredentials struct {
	Fix     CredentialFix
	Message string // what is missing, without the channel's name: "has no access token"
	Err     error  // the cause, when there is one
}

// CredentialFix names how a channel gets the credentials it lacks.
type CredentialFix string

const (
	CredLogin      CredentialFix = "login"       // log the channel in
	CredLoginKeys  CredentialFix = "login-keys"  // new OAuth 1.0a keys
	CredLoginToken CredentialFix = "login-token" // log in, or add the channel again with its token
)

func (e *NoCredentials) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *NoCredentials) Unwrap() error { return e.Err }
