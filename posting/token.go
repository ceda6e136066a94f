package posting

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Token is a credential a network hands out and renews: an OAuth 2.0 access token and its
// refresh token (X), a session's access and refresh JWTs (Bluesky).
type Token struct {
	Access  string    `json:"access"`
	Refresh string    `json:"refresh,omitempty"`
	Expiry  time.Time `json:"expiry,omitzero"` // zero: does not expire (or unknown)
}

// Expired reports whether t is no longer usable at now, or will not be within margin.
func (t Token) Expired(now time.Time, margin time.Duration) bool {
	return !t.Expiry.IsZero() && !now.Add(margin).Before(t.Expiry)
}

// TokenStore keeps a channel's Token where every onair process sees it (sealed in the database).
// A network that rotates refresh tokens invalidates the old one as it hands out the new one, so a
// poster saves the new token before it uses it for anything else: a crash can then never leave
// the channel holding only a dead token.
type TokenStore interface {
	// Load returns the channel's current token.
	Load(ctx context.Context) (Token, error)
	// Save replaces prev by next, only if prev is still the stored token; otherwise it returns
	// ErrTokenChanged (another process refreshed first: Load its token and use that).
	Save(ctx context.Context, prev, next Token) error
}

// ErrTokenChanged is TokenStore.Save's answer when another process stored a token first.
var ErrTokenChanged = errors.New("the channel's token was changed by another onair process")

// MemoryTokens is a TokenStore in memory, for tests and one-off commands.
type MemoryTokens struct {
	mu sync.Mutex
	t  Token
}

// NewMemoryTokens returns a MemoryTokens holding t.
func NewMemoryTokens(t Token) *MemoryTokens { return &MemoryTokens{t: t} }

// Load returns the token.
func (m *MemoryTokens) Load(context.Context) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t, nil
}

// Save replaces the token when prev is current.
func (m *MemoryTokens) Save(_ context.Context, prev, next Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.t.Expiry.Equal(prev.Expiry) || m.t.Access != prev.Access || m.t.Refresh != prev.Refresh {
		return ErrTokenChanged
	}
	m.t = next
	return nil
}
