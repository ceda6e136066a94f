package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	var s Secrets
	if sealed == "" {
		return s, nil
	}
	sl, err := v.sealer()
	if err != nil {
		return s, err
	}
	plain, err := sl.Open(id, sealed)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(plain, &s); err != nil {
		return s, fmt.Errorf("the stored credentials are damaged: %v", err)
	}
	return s, nil
}

// Seal seals s for channel id.
func (v *Vault) Seal(id int64, s Secrets) (string, error) {
	sl, err := v.sealer()
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return sl.Seal(id, plain), nil
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
