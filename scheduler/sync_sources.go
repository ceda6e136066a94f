package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler/source"
)

// ErrSourceUntrusted is what a source whose settings were written by anything but onair (a CMS, a
// hand edit), or whose credentials do not open, fails with before any credential is used: it is
// paused until a person binds it again (`onair source login`).
var ErrSourceUntrusted = errors.New("its settings or credentials are not the ones onair stored")

// Sources builds the platform client of a stored source, from the platforms' descriptors (the CLI
// lists them) and the source's sealed credentials.
type Sources struct {
	Descriptors []source.Descriptor
	Vault       *Vault
	Store       *models.Store
	HTTPClient  *http.Client // nil: the platform package's default
	Now         func() time.Time
}

// Descriptor returns the descriptor of platform.
func (s *Sources) Descriptor(platform string) (source.Descriptor, bool) {
	for _, d := range s.Descriptors {
		if d.Platform == platform {
			return d, true
		}
	}
	return source.Descriptor{}, false
}

// Platforms lists the platforms known, sorted.
func (s *Sources) Platforms() []string {
	var out []string
	for _, d := range s.Descriptors {
		out = append(out, d.Platform)
	}
	sort.Strings(out)
	return out
}

// For builds the client of src. A source whose settings onair did not bind, or whose credentials
// do not open with onair's key, is refused (ErrSourceUntrusted) before anything is sent.
func (s *Sources) For(ctx context.Context, src models.Source) (source.Source, error) {
	d, ok := s.Descriptor(src.Platform)
	if !ok {
		return nil, fmt.Errorf("source %s: platform %q is not known to this onair", src.Name, src.Platform)
	}
	if s.Vault == nil || s.Vault.Sealer == nil {
		hint := "set ONAIR_SECRET_KEY or the key file"
		if s.Vault != nil && s.Vault.KeyHint != "" {
			hint = s.Vault.KeyHint
		}
		return nil, fmt.Errorf("source %s: onair has no secret key to open its credentials: %s", src.Name, hint)
	}
	if !s.Vault.Sealer.SourceBound(src) {
		return nil, fmt.Errorf("source %s: %w (its settings were changed outside onair)", src.Name, ErrSourceUntrusted)
	}
	sec, err := s.Vault.OpenSource(src.ID, src.Secrets)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w (%v)", src.Name, ErrSourceUntrusted, err)
	}
	set, err := src.ParseSettings()
	if err != nil {
		return nil, err
	}
	cfg := source.Config{APIURL: set.APIURL, TokenURL: set.TokenURL, Channel: set.Channel, ClientID: set.ClientID,
		ClientSecret: sec.ClientSecret, RefreshToken: sec.RefreshToken, HTTPClient: s.HTTPClient, Now: s.Now}
	if s.Store != nil {
		id := src.ID
		cfg.OnRefreshToken = func(token string) {
			// The platform rotated the refresh token: keep the new one (the old one may stop
			// working). A failure here only means the next start logs in with the old one.
			_ = s.Vault.UpdateSourceSecrets(context.WithoutCancel(ctx), s.Store, id, func(sec *models.SourceSecrets) { sec.RefreshToken = token })
		}
	}
	return d.New(cfg)
}

// OpenSource reads the credentials sealed for source id (none when sealed is empty).
func (v *Vault) OpenSource(id int64, sealed string) (models.SourceSecrets, error) {
	return openJSON[models.SourceSecrets](v, sealed, "the stored source credentials are damaged",
		func(sl *models.Sealer) ([]byte, error) { return sl.OpenSource(id, sealed) })
}

// SealSource seals s for source id.
func (v *Vault) SealSource(id int64, s models.SourceSecrets) (string, error) {
	return sealJSON(v, s, func(sl *models.Sealer, plain []byte) string { return sl.SealSource(id, plain) })
}

// UpdateSourceSecrets changes source id's credentials with change, and stores them sealed, with a
// compare-and-swap on the sealed value (another process may rotate them at the same time).
func (v *Vault) UpdateSourceSecrets(ctx context.Context, store *models.Store, id int64, change func(*models.SourceSecrets)) error {
	for range 5 {
		prev, err := store.SourceSecretsSealed(ctx, id)
		if err != nil {
			return err
		}
		sec, err := v.OpenSource(id, prev)
		if err != nil {
			sec = models.SourceSecrets{} // unreadable: replaced whole
		}
		change(&sec)
		next, err := v.SealSource(id, sec)
		if err != nil {
			return err
		}
		if ok, err := store.SetSourceSecrets(ctx, id, prev, next); err != nil || ok {
			return err
		}
	}
	return errors.New("the source's credentials kept changing under us; try again")
}
