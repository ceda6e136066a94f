package posting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Message is one post to send, as an adapter sees it: plain values, no database.
type Message struct {
	PostID         int64     `json:"post_id"`
	IdempotencyKey string    `json:"idempotency_key"`
	BroadcastID    int64     `json:"broadcast_id"`
	Broadcast      string    `json:"broadcast"` // its title
	Kind           string    `json:"kind"`
	Step           string    `json:"step"`
	Text           string    `json:"text"`
	WatchURL       string    `json:"watch_url,omitempty"`
	ReplayURL      string    `json:"replay_url,omitempty"`
	DueAt          time.Time `json:"due_at"`
	Channel        string    `json:"channel"`

	// Attempt is 1 on a post's first try. Above 1, an earlier try may have reached the network
	// (a timeout, a crash mid-send): an adapter whose network can tell looks for the post before
	// creating it again, and reports *Already when it finds it.
	Attempt int `json:"attempt,omitempty"`
	// FirstTriedAt is when the post's first try started (zero: unknown). A network that is
	// searched for an earlier try's post is searched back to it (less a margin for clocks);
	// without it, back to DueAt less that margin.
	FirstTriedAt time.Time `json:"first_tried_at,omitzero"`
	// RemoteKey is the identity the network deduplicates this post on, fixed at its first try
	// and stored (see Keyer): an adapter that chooses one uses it when set, even if the post was
	// moved since (a reschedule changes DueAt, never the identity of a post that may be out).
	RemoteKey string `json:"remote_key,omitempty"`
	// Description is the broadcast's description (a link card's text).
	Description string `json:"description,omitempty"`
	// Lang is the campaign's language ("en", "fr"), for networks that tag posts with one.
	Lang string `json:"lang,omitempty"`
	// Visibility is the campaign's audience on networks that have one (Mastodon: public,
	// unlisted, private); empty means the network's default.
	Visibility string `json:"visibility,omitempty"`
	// Image goes with the post: attached to teasers on X and Mastodon, the link card's picture on
	// Bluesky. nil: none.
	Image *Image `json:"image,omitempty"`
	// Thread, when set, makes the post a reply in the broadcast's thread on this channel.
	Thread *Thread `json:"thread,omitempty"`
}

// Image is a picture file to upload with a post. Its type and size were checked against the
// network's limits when the post was planned (CheckImage).
type Image struct {
	Path string `json:"path"`
	Alt  string `json:"alt,omitempty"` // alternative text, for networks that take it
}

// Thread places a post under earlier posts of the same broadcast on the same channel: Root is the
// first post of the thread (the first teaser), Parent the post it answers (the latest one sent).
type Thread struct {
	Root   Receipt `json:"root"`
	Parent Receipt `json:"parent"`
}

// Receipt is what the network says about a post it accepted.
type Receipt struct {
	RemoteID  string `json:"remote_id"`            // the network's id: X post id, Mastodon status id, Bluesky at:// URI
	RemoteURL string `json:"remote_url,omitempty"` // where a person sees it
	// Ref is whatever else the network needs to reply to the post (Bluesky: the record's CID).
	Ref string `json:"ref,omitempty"`
}

// Poster sends one message to one channel. It returns one of the errors below so the dispatcher
// knows what to do; any other error is treated as Retryable.
type Poster interface {
	Post(ctx context.Context, m Message) (Receipt, error)
}

// Recovery says what to do with a post whose send was interrupted (the sender crashed between
// claiming it and recording the outcome): the network may or may not have it.
type Recovery int

const (
	// Resend: the network deduplicates by the idempotency key, so sending again is safe.
	Resend Recovery = iota
	// AskPerson: the network cannot tell; mark the post "unknown" for a person to check.
	AskPerson
)

// Recoverer is implemented by posters that know their network's rule for interrupted sends.
// Posters that do not implement it are treated as AskPerson: never sent twice blindly.
type Recoverer interface {
	Recovery() Recovery
}

// RecoveryOf returns p's rule for interrupted sends.
func RecoveryOf(p Poster) Recovery {
	if r, ok := p.(Recoverer); ok {
		return r.Recovery()
	}
	return AskPerson
}

// Keyer is implemented by posters whose network deduplicates on an identity onair chooses
// (Bluesky's record key) rather than on the post's idempotency key alone. RemoteKey returns the
// identity m's first try goes out under; the dispatcher stores it before the request leaves and
// passes it back in Message.RemoteKey on every later try.
type Keyer interface {
	RemoteKey(m Message) string
}

// RemoteKeyOf returns the identity p's network will deduplicate m on, "" when p derives none
// (its network deduplicates on m.IdempotencyKey, which never changes, or cannot at all).
func RemoteKeyOf(p Poster, m Message) string {
	if k, ok := p.(Keyer); ok {
		return k.RemoteKey(m)
	}
	return ""
}

// Retryable is a passing fault (network error, timeout, 5xx): try again later.
type Retryable struct{ Err error }

func (e *Retryable) Error() string { return "temporary failure: " + e.Err.Error() }
func (e *Retryable) Unwrap() error { return e.Err }

// RateLimited means the network refuses more posts on this channel until Until.
type RateLimited struct {
	Until time.Time
	Err   error
}

func (e *RateLimited) Error() string {
	return fmt.Sprintf("rate limited until %s: %v", e.Until.UTC().Format(time.RFC3339), e.Err)
}
func (e *RateLimited) Unwrap() error { return e.Err }

// Auth means the channel's credentials were refused: nothing goes out on it until a person
// renews them.
type Auth struct{ Err error }

func (e *Auth) Error() string { return "credentials refused: " + e.Err.Error() }
func (e *Auth) Unwrap() error { return e.Err }

// Rejected means the network refused this content for good: the post fails, the channel goes on.
type Rejected struct{ Err error }

func (e *Rejected) Error() string { return "refused by the network: " + e.Err.Error() }
func (e *Rejected) Unwrap() error { return e.Err }

// Uncertain means the network may have acted on the request and onair cannot tell, nor can the
// network deduplicate a second try (a Slack or Discord webhook that timed out after the request
// was written, a connection dropped after sending, a 5xx from a receiver that may have acted):
// sending again could post twice. The post needs a person to check the channel.
type Uncertain struct{ Err error }

func (e *Uncertain) Error() string { return "outcome unknown: " + e.Err.Error() }
func (e *Uncertain) Unwrap() error { return e.Err }

// Misconfigured means the channel's settings cannot work as they are (a certificate the system
// does not trust, a host name the certificate does not cover, a redirect loop, an address that
// moved): every try would fail the same way until a person fixes them. Nothing was sent.
type Misconfigured struct{ Err error }

func (e *Misconfigured) Error() string { return "channel misconfigured: " + e.Err.Error() }
func (e *Misconfigured) Unwrap() error { return e.Err }

// Already means the network already has this post (a resend after a crash found it): it counts
// as sent.
type Already struct{ Receipt Receipt }

func (e *Already) Error() string { return "already posted" }

// Classify returns the kind of err: "retry", "rate-limited", "auth", "rejected", "already",
// "unknown" (*Uncertain: do not resend, a person checks) or "misconfigured" (*Misconfigured:
// stop the channel until its settings are fixed; the post was not sent).
func Classify(err error) string {
	var (
		rl *RateLimited
		au *Auth
		rj *Rejected
		al *Already
		un *Uncertain
		mc *Misconfigured
	)
	switch {
	case errors.As(err, &al):
		return "already"
	case errors.As(err, &un):
		return "unknown"
	case errors.As(err, &mc):
		return "misconfigured"
	case errors.As(err, &rl):
		return "rate-limited"
	case errors.As(err, &au):
		return "auth"
	case errors.As(err, &rj):
		return "rejected"
	}
	return "retry"
}

// NeverSent reports whether err shows that a request never left (the address could not be
// resolved or reached): the network cannot have the post. Any other failure to get an answer
// may have come after the network acted on it.
func NeverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}
