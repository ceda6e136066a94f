package scheduler

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// ErrSettingsChanged is what a channel whose settings were written by anything but onair (a CMS,
// a hand edit) fails with: none of its credentials is used until a person binds them again.
var ErrSettingsChanged = errors.New("its settings were changed outside onair")

// forbiddenEnv are the variables a channel may never read its credentials from, whatever its
// settings say: onair's own key and where it is kept.
var forbiddenEnv = map[string]bool{"ONAIR_SECRET_KEY": true, "ONAIR_KEY_FILE": true, "ONAIR_DB": true}

// CheckSecretsEnv checks the environment variables a channel reads its credentials from: only
// ONAIR_* variables, never onair's key, so that settings cannot turn another secret of the
// machine (AWS_SECRET_ACCESS_KEY, the key itself) into a bearer token sent to the network.
func CheckSecretsEnv(env map[string]string) error {
	fields := make([]string, 0, len(env))
	for f := range env {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		if err := checkEnvName(env[f]); err != nil {
			return fmt.Errorf("secrets_env %s: %w", f, err)
		}
	}
	return nil
}

func checkEnvName(name string) error {
	if !strings.HasPrefix(name, "ONAIR_") || len(name) == len("ONAIR_") {
		return fmt.Errorf("$%s: credentials are read only from ONAIR_* variables (--env-prefix ONAIR_BRAND)", name)
	}
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Errorf("$%s: a variable name is upper-case letters, digits and _", name)
		}
	}
	if forbiddenEnv[name] {
		return fmt.Errorf("$%s is onair's own; a channel cannot read its credentials from it", name)
	}
	return nil
}

// trust refuses a channel whose settings onair did not write, before its poster (and so any of
// its credentials, or its file) is used. With a key, every channel's network and settings must
// carry the seal the CLI made when it wrote them (models.Sealer.BindSettings). Without a key
// nothing can be checked, so only a channel with nothing to protect is let through: no sealed
// or environment credentials, no file.
func (p *Posters) trust(ch models.Channel, s ChannelSettings) error {
	if err := p.trustSeal(ch, s); err != nil {
		return err
	}
	if err := CheckSecretsEnv(s.SecretsEnv); err != nil {
		return fmt.Errorf("channel %s: %w", ch.Name, err)
	}
	n, _ := posting.NetworkOf(ch.Network)
	own := s.ownByFlag(n)
	for _, set := range n.Settings {
		if v := own[set.Flag]; set.Env && forbiddenEnv[v] {
			return fmt.Errorf("channel %s: %s $%s is onair's own; use another variable", ch.Name, set.JSONKey(), v)
		}
	}
	return nil
}

// ownByFlag reads the values of the settings network n takes as flags (its Settings), by flag
// name; those not set are absent.
func (s ChannelSettings) ownByFlag(n posting.Network) map[string]string {
	own := map[string]string{}
	for _, set := range n.Settings {
		if v := s.OwnString(set.JSONKey()); v != "" {
			own[set.Flag] = v
		}
	}
	return own
}

// hasFile reports whether the settings of a channel of network n name a file it writes.
func (s ChannelSettings) hasFile(n posting.Network) bool {
	for _, set := range n.Settings {
		if set.File && s.OwnString(set.JSONKey()) != "" {
			return true
		}
	}
	return false
}

// trustSeal checks the seal of the channel's settings (see trust).
func (p *Posters) trustSeal(ch models.Channel, s ChannelSettings) error {
	if p.Unstored {
		return nil
	}
	if ch.Secrets != "" {
		// Sealed credentials that do not open (no key, another key) say so first: that is
		// what to fix. Nothing is sent either way.
		if _, err := p.Vault.Open(ch.ID, ch.Secrets); err != nil {
			return fmt.Errorf("channel %s: %w", ch.Name, err)
		}
	}
	if p.Vault != nil && p.Vault.Sealer != nil {
		if !p.Vault.Sealer.SettingsBound(ch) {
			return &models.Error{Code: models.ECredentials, Fix: models.FixRebind, Channel: ch.Name,
				Message: "channel " + ch.Name, Err: ErrSettingsChanged}
		}
		return nil
	}
	if n, _ := posting.NetworkOf(ch.Network); ch.Secrets != "" || len(s.SecretsEnv) > 0 || s.hasFile(n) {
		hint := "set ONAIR_SECRET_KEY or the key file"
		if p.Vault != nil && p.Vault.KeyHint != "" {
			hint = p.Vault.KeyHint
		}
		return fmt.Errorf("channel %s: onair has no secret key to check that its settings are the ones onair wrote: %s", ch.Name, hint)
	}
	return nil
}
