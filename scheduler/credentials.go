package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// Secrets are a channel's credentials, as sealed in channels.secrets. Which fields a channel
// uses depends on its network (docs/channels.md).
type Secrets struct {
	ConsumerKey    string         `json:"consumer_key,omitempty"`    // X OAuth 1.0a
	ConsumerSecret string         `json:"consumer_secret,omitempty"` // X OAuth 1.0a
	AccessToken    string         `json:"access_token,omitempty"`    // X OAuth 1.0a token; Mastodon's access token
	AccessSecret   string         `json:"access_secret,omitempty"`   // X OAuth 1.0a token secret
	ClientSecret   string         `json:"client_secret,omitempty"`   // X OAuth 2.0 confidential client; Mastodon app
	AppPassword    string         `json:"app_password,omitempty"`    // Bluesky
	Token          *posting.Token `json:"token,omitempty"`           // X OAuth 2.0 tokens; Bluesky session
}

// Vault seals and opens channel credentials with onair's secret key. A nil *Vault has no key:
// channels without credentials work, the others say which key is missing.
type Vault struct {
	Sealer *models.Sealer
	// KeyHint says where the key is looked for, for error messages.
	KeyHint string
}

func (v *Vault) sealer() (*models.Sealer, error) {
	if v == nil || v.Sealer == nil {
		const msg = "this channel's credentials are sealed and onair has no secret key to open them"
		if v != nil && v.KeyHint != "" {
			return nil, fmt.Errorf("%s: %s", msg, v.KeyHint)
		}
		return nil, models.Errorf(models.ENoKey, msg)
	}
	return v.Sealer, nil
}

// Open reads the credentials sealed for channel id (none when sealed is empty).
func (v *Vault) Open(id int64, sealed string) (Secrets, error) {
	return openJSON[Secrets](v, sealed, "the stored credentials are damaged",
		func(sl *models.Sealer) ([]byte, error) { return sl.Open(id, sealed) })
}

// Seal seals s for channel id.
func (v *Vault) Seal(id int64, s Secrets) (string, error) {
	return sealJSON(v, s, func(sl *models.Sealer, plain []byte) string { return sl.Seal(id, plain) })
}

// openJSON opens a sealed value with open and decodes it as a T (the zero T when sealed is
// empty); damaged words a value that opens but does not decode.
func openJSON[T any](v *Vault, sealed, damaged string, open func(*models.Sealer) ([]byte, error)) (T, error) {
	var out T
	if sealed == "" {
		return out, nil
	}
	sl, err := v.sealer()
	if err != nil {
		return out, err
	}
	plain, err := open(sl)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		return out, fmt.Errorf("%s: %v", damaged, err)
	}
	return out, nil
}

// sealJSON encodes s and seals it with seal.
func sealJSON(v *Vault, s any, seal func(sl *models.Sealer, plain []byte) string) (string, error) {
	sl, err := v.sealer()
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return seal(sl, plain), nil
}

// SaveSecrets seals s and stores it as channel id's credentials, whatever was there.
func (v *Vault) SaveSecrets(ctx context.Context, store *models.Store, id int64, s Secrets) error {
	for range 5 {
		prev, err := store.ChannelSecrets(ctx, id)
		if err != nil {
			return err
		}
		next, err := v.Seal(id, s)
		if err != nil {
			return err
		}
		if ok, err := store.SetChannelSecrets(ctx, id, prev, next); err != nil || ok {
			return err
		}
	}
	return errors.New("the channel's credentials kept changing under us; try again")
}

// channelTokens is a posting.TokenStore over one channel's sealed credentials: every onair
// process sharing the database sees a renewed token as soon as it is saved.
type channelTokens struct {
	store *models.Store
	vault *Vault
	id    int64
}

// Load returns the token stored now.
func (t *channelTokens) Load(ctx context.Context) (posting.Token, error) {
	sealed, err := t.store.ChannelSecrets(ctx, t.id)
	if err != nil {
		return posting.Token{}, err
	}
	s, err := t.vault.Open(t.id, sealed)
	if err != nil {
		return posting.Token{}, err
	}
	if s.Token == nil {
		return posting.Token{}, &posting.Auth{Err: &models.Error{Code: models.ECredentials, Fix: models.FixLogin, Message: "the channel has no token"}}
	}
	return *s.Token, nil
}

// Save replaces prev by next, with a compare-and-swap on the sealed value: if another process
// stored a token since prev was loaded, it returns posting.ErrTokenChanged.
func (t *channelTokens) Save(ctx context.Context, prev, next posting.Token) error {
	for range 5 {
		sealed, err := t.store.ChannelSecrets(ctx, t.id)
		if err != nil {
			return err
		}
		s, err := t.vault.Open(t.id, sealed)
		if err != nil {
			return err
		}
		if s.Token == nil || !sameToken(*s.Token, prev) {
			return posting.ErrTokenChanged
		}
		s.Token = &next
		resealed, err := t.vault.Seal(t.id, s)
		if err != nil {
			return err
		}
		ok, err := t.store.SetChannelSecrets(ctx, t.id, sealed, resealed)
		if err != nil || ok {
			return err
		}
		// Something else in the credentials changed meanwhile: look again.
	}
	return posting.ErrTokenChanged
}

func sameToken(a, b posting.Token) bool {
	return a.Access == b.Access && a.Refresh == b.Refresh && a.Expiry.Equal(b.Expiry)
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
		if v == "" && field == "app_password" && sec.Token != nil { // Bluesky
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
