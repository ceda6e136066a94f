package scheduler

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/mastodon"
	"github.com/onairhq/onair/posting/x"
)

// buildNetwork builds the poster of an X, Mastodon or Bluesky channel from its settings and its
// credentials.
func (p *Posters) buildNetwork(ch models.Channel, s ChannelSettings) (posting.Poster, error) {
	sec, err := p.secrets(ch, s)
	if err != nil {
		return nil, err
	}
	timeout, err := s.timeout("30s")
	if err != nil {
		return nil, err
	}
	tokens := &channelTokens{store: p.Store, vault: p.Vault, id: ch.ID}
	switch ch.Network {
	case posting.X:
		cfg := x.Config{APIURL: s.APIURL, Timeout: timeout}
		if s.Auth == AuthOAuth2 {
			if sec.Token == nil {
				return nil, &models.Error{Code: models.ECredentials, Fix: models.FixLogin, Channel: ch.Name,
					Message: "channel " + ch.Name + " has no OAuth 2.0 token yet"}
			}
			cfg.OAuth2 = &x.OAuth2{ClientID: s.ClientID, ClientSecret: sec.ClientSecret, Tokens: tokens}
		} else {
			cfg.OAuth1 = &x.OAuth1{ConsumerKey: sec.ConsumerKey, ConsumerSecret: sec.ConsumerSecret,
				Token: sec.AccessToken, TokenSecret: sec.AccessSecret}
		}
		xp, err := x.New(cfg, p.httpClient())
		if err != nil && cfg.OAuth1 != nil {
			return nil, &models.Error{Code: models.ECredentials, Fix: models.FixLoginKeys, Channel: ch.Name, Message: "channel " + ch.Name, Err: err}
		}
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", ch.Name, err)
		}
		if p.Now != nil {
			xp.Now = p.Now
		}
		return xp, nil
	case posting.Mastodon:
		if sec.AccessToken == "" {
			return nil, &models.Error{Code: models.ECredentials, Fix: models.FixLoginToken, Channel: ch.Name,
				Message: "channel " + ch.Name + " has no access token"}
		}
		mp, err := mastodon.New(mastodon.Config{Server: s.Server, Token: sec.AccessToken, Timeout: timeout}, p.httpClient())
		if err == nil && p.Now != nil {
			mp.Now = p.Now
		}
		return mp, err
	default: // posting.Bluesky
		if sec.Token == nil {
			return nil, &models.Error{Code: models.ECredentials, Fix: models.FixLogin, Channel: ch.Name,
				Message: "channel " + ch.Name + " has no session"}
		}
		bp, err := bluesky.New(bluesky.Config{PDS: s.PDS, Handle: s.Handle, DID: s.DID, AppPassword: sec.AppPassword,
			Tokens: tokens, Timeout: timeout}, p.httpClient())
		if err == nil && p.Now != nil {
			bp.Now = p.Now
		}
		return bp, err
	}
}

// secrets opens a channel's sealed credentials and overlays those its settings read from the
// environment.
func (p *Posters) secrets(ch models.Channel, s ChannelSettings) (Secrets, error) {
	sec, err := p.Vault.Open(ch.ID, ch.Secrets)
	if err != nil {
		return sec, fmt.Errorf("channel %s: %w", ch.Name, err)
	}
	if len(s.SecretsEnv) == 0 {
		return sec, nil
	}
	getenv := p.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	fields := map[string]any{}
	raw, _ := json.Marshal(sec)
	json.Unmarshal(raw, &fields)
	names := make([]string, 0, len(s.SecretsEnv))
	for k := range s.SecretsEnv {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, field := range names {
		env := s.SecretsEnv[field]
		v := getenv(env)
		if v == "" && field == "app_password" && ch.Network == posting.Bluesky && sec.Token != nil {
			continue // only needed to open a new session when the sealed one has ended
		}
		if v == "" {
			return sec, fmt.Errorf("channel %s reads its %s from $%s, which is empty; set it where onair runs", ch.Name, strings.ReplaceAll(field, "_", " "), env)
		}
		fields[field] = v
	}
	raw, _ = json.Marshal(fields)
	var out Secrets
	if err := json.Unmarshal(raw, &out); err != nil {
		return sec, fmt.Errorf("channel %s secrets_env: %v", ch.Name, err)
	}
	return out, nil
}
