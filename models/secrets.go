package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// sealedPrefix marks a sealed value and its format version.
const sealedPrefix = "sealed:v1:"

// KeySize is the length of onair's secret key: AES-256.
const KeySize = 32

// Sealer seals channel credentials with AES-256-GCM before they reach the database, so that the
// database (which a CMS reads) holds no usable secret. The key lives outside the database:
// ONAIR_SECRET_KEY, or a key file only onair's user can read.
type Sealer struct {
	aead cipher.AEAD
	key  []byte
}

// NewSealer returns a sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the secret key is %d bytes; it must be %d (make one with `openssl rand -base64 32`)", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, key: append([]byte(nil), key...)}, nil
}

// NewKey returns a fresh random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(err) // the system's randomness is gone: nothing can be sealed safely
	}
	return k
}

// ParseKey reads a key written as base64 (standard or URL alphabet, padded or not) or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	if len(s) == 2*KeySize {
		k := make([]byte, KeySize)
		ok := true
		for i := range k {
			v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
			if err != nil {
				ok = false
				break
			}
			k[i] = byte(v)
		}
		if ok {
			return k, nil
		}
	}
	return nil, errors.New("the secret key must be 32 bytes written in base64 (44 characters) or hex (64); make one with `openssl rand -base64 32`")
}

// Seal encrypts plaintext for the channel with id channelID: the id is authenticated with it, so
// a sealed value copied onto another channel's row does not open.
func (s *Sealer) Seal(channelID int64, plaintext []byte) string {
	return s.sealAAD(channelAAD(channelID), plaintext)
}

// Open decrypts a value Seal made for the same channel.
func (s *Sealer) Open(channelID int64, sealed string) ([]byte, error) {
	plain, err := s.openAAD(channelAAD(channelID), sealed)
	switch {
	case errors.Is(err, errNotSealed):
		return nil, &Error{Code: ECredentials, Fix: FixReadd, Message: "the stored credentials are not sealed by onair (were they edited by hand?)"}
	case errors.Is(err, errDamaged):
		return nil, &Error{Code: ECredentials, Fix: FixLogin, Message: "the stored credentials are damaged"}
	case err != nil:
		return nil, errors.New("the stored credentials do not open with this secret key: onair runs with another key than the one that sealed them (check ONAIR_SECRET_KEY or the key file)")
	}
	return plain, nil
}

func channelAAD(id int64) []byte { return []byte("onair channel " + strconv.FormatInt(id, 10)) }

// SetChannelSecrets replaces a channel's sealed credentials, only if they are still prev (a
// compare-and-swap: two processes renewing a token at once cannot overwrite each other). It
// reports whether it wrote.
func (s *Store) SetChannelSecrets(ctx context.Context, id int64, prev, next string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Channel{}).Where("id = ? AND secrets = ?", id, prev).
		Updates(map[string]any{"secrets": next, "updated_at": NewTime(s.now())})
	if res.Error != nil {
		return false, fmt.Errorf("store credentials of channel %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ChannelSecrets reads a channel's sealed credentials as stored now.
func (s *Store) ChannelSecrets(ctx context.Context, id int64) (string, error) {
	var sealed []string
	if err := s.db.WithContext(ctx).Model(&Channel{}).Where("id = ?", id).Pluck("secrets", &sealed).Error; err != nil {
		return "", fmt.Errorf("read credentials of channel %d: %w", id, err)
	}
	if len(sealed) == 0 {
		return "", fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	return sealed[0], nil
}
