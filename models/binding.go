package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// settingsSealPrefix marks a settings seal and its format version.
const settingsSealPrefix = "bound:v1:"

// macKey derives the key that binds settings from onair's secret key, so that the AES key itself
// never keys another algorithm.
func (s *Sealer) macKey() []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("onair channel settings binding v1"))
	return m.Sum(nil)
}

// BindSettings returns the seal that binds a channel's network and settings (its destination:
// server, API address, PDS, file, URL, and which environment variables hold its credentials) to
// onair's key. Only onair, which holds the key, can make it; a CMS that changes the settings,
// the network or the row's id leaves a seal that no longer matches, and onair stops the channel
// before any credential is used.
func (s *Sealer) BindSettings(channelID int64, network, settings string) string {
	return s.bind(strconv.FormatInt(channelID, 10), network, settings)
}

// SettingsBound reports whether seal is BindSettings of this channel's network and settings.
func (s *Sealer) SettingsBound(ch Channel) bool {
	return sealMatches(ch.SettingsSeal, s.BindSettings(ch.ID, ch.Network, ch.Settings))
}

// bind is the settings seal of parts: an HMAC of them, each followed by a zero byte but the last.
func (s *Sealer) bind(parts ...string) string {
	m := hmac.New(sha256.New, s.macKey())
	for i, p := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write([]byte(p))
	}
	return settingsSealPrefix + base64.RawStdEncoding.EncodeToString(m.Sum(nil))
}

// sealMatches reports whether a stored settings seal is want.
func sealMatches(seal, want string) bool {
	return strings.HasPrefix(seal, settingsSealPrefix) && hmac.Equal([]byte(want), []byte(seal))
}

// UseSealer makes the store bind every channel's settings it writes (CreateChannel,
// UpdateChannelSettings) with s.
func (s *Store) UseSealer(sl *Sealer) { s.sealer = sl }

// bindSettings writes the seal of a channel's settings as stored now, when the store has a key.
func (s *Store) bindSettings(ctx context.Context, id int64) (string, error) {
	if s.sealer == nil {
		return "", nil
	}
	var ch Channel
	if err := s.db.WithContext(ctx).Select("id", "network", "settings").Take(&ch, id).Error; err != nil {
		return "", fmt.Errorf("bind settings of channel %d: %w", id, err)
	}
	seal := s.sealer.BindSettings(ch.ID, ch.Network, ch.Settings)
	if err := s.db.WithContext(ctx).Model(&Channel{}).Where("id = ?", id).Update("settings_seal", seal).Error; err != nil {
		return "", fmt.Errorf("bind settings of channel %d: %w", id, err)
	}
	return seal, nil
}

// BindChannel binds a channel's settings as they are now to the store's key (`onair channel
// login` does it, after showing them, for a channel whose settings were changed outside onair or
// that an older onair made).
func (s *Store) BindChannel(ctx context.Context, id int64) error {
	if s.sealer == nil {
		return fmt.Errorf("no secret key to bind channel %d's settings with", id)
	}
	_, err := s.bindSettings(ctx, id)
	return err
}
