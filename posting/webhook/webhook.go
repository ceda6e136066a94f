// Package webhook posts to an HTTP endpoint: onair's own JSON payload, signed, with the post's
// idempotency key in a header, or the payload shapes Slack and Discord incoming webhooks take.
//
// A receiver verifies a request by computing HMAC-SHA256 over the timestamp header, a dot and the
// raw body, with the channel's secret, and comparing it in constant time with the signature
// header (see docs/channels.md). It should answer 2xx once it has the post, and deduplicate by
// the Idempotency-Key header: onair sends the same key again when it cannot know whether an
// earlier try arrived.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// Payload formats.
const (
	FormatJSON    = "json"
	FormatSlack   = "slack"
	FormatDiscord = "discord"
)

// Headers onair sets.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderTimestamp      = "X-Onair-Timestamp"
	HeaderSignature      = "X-Onair-Signature"
)

// Config is one webhook channel's settings.
type Config struct {
	URL     string
	Secret  string // signs each request; empty: unsigned
	Format  string // json (default), slack, discord
	Timeout time.Duration
}

// Poster posts to one webhook.
type Poster struct {
	cfg    Config
	client *http.Client
	Now    func() time.Time
}

// New checks cfg and returns a poster. client may be nil.
func New(cfg Config, client *http.Client) (*Poster, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook URL %q is not a full http(s) address", cfg.URL)
	}
	switch cfg.Format {
	case "":
		cfg.Format = FormatJSON
	case FormatJSON, FormatSlack, FormatDiscord:
	default:
		return nil, fmt.Errorf("webhook format %q not known; use json, slack or discord", cfg.Format)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if client == nil {
		client = &http.Client{}
	}
	return &Poster{cfg: cfg, client: client, Now: time.Now}, nil
}

// Recovery: onair's JSON receivers deduplicate by Idempotency-Key, so an interrupted send is sent
// again; Slack and Discord do not, so a person checks.
func (p *Poster) Recovery() posting.Recovery {
	if p.cfg.Format == FormatJSON {
		return posting.Resend
	}
	return posting.AskPerson
}

// Payload is the body of a json-format request.
type Payload struct {
	ID string `json:"id"` // the idempotency key
	posting.Message
	SentAt time.Time `json:"sent_at"`
}

// Sign returns the signature header value for body sent at timestamp ts (Unix seconds).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// DefaultTolerance is how far a request's timestamp may be from the receiver's clock: a captured
// request replayed later than this is refused (docs/channels.md tells receivers in other
// languages the same).
const DefaultTolerance = 5 * time.Minute

// Verify checks a request's signature and that it was signed within DefaultTolerance of now
// (for receivers written in Go).
func Verify(secret, tsHeader, sigHeader string, body []byte) bool {
	return VerifyAt(secret, tsHeader, sigHeader, body, time.Now(), DefaultTolerance)
}

// VerifyAt is Verify with the receiver's clock and tolerance given. A tolerance of zero or less
// checks the signature only (a receiver that checks freshness itself, or a test on a fake clock).
func VerifyAt(secret, tsHeader, sigHeader string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return false
	}
	if tolerance > 0 {
		age := now.Sub(time.Unix(ts, 0))
		if age > tolerance || age < -tolerance {
			return false
		}
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sigHeader))
}

func (p *Poster) body(m posting.Message, now time.Time) ([]byte, error) {
	switch p.cfg.Format {
	case FormatSlack:
		return json.Marshal(map[string]string{"text": m.Text})
	case FormatDiscord:
		return json.Marshal(map[string]any{"content": m.Text, "allowed_mentions": map[string]any{"parse": []string{}}})
	}
	return json.Marshal(Payload{ID: m.IdempotencyKey, Message: m, SentAt: now.UTC()})
}

// Post sends m and maps the answer to posting's errors.
func (p *Poster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	now := p.Now()
	body, err := p.body(m, now)
	if err != nil {
		return posting.Receipt{}, &posting.Rejected{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return posting.Receipt{}, &posting.Rejected{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "onair")
	req.Header.Set(HeaderIdempotencyKey, m.IdempotencyKey)
	if p.cfg.Secret != "" {
		ts := now.Unix()
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(HeaderSignature, Sign(p.cfg.Secret, ts, body))
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return posting.Receipt{}, &posting.Retryable{Err: fmt.Errorf("send cancelled: %w", err)}
		}
		return posting.Receipt{}, &posting.Retryable{Err: err}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	receipt := posting.Receipt{RemoteID: m.IdempotencyKey}
	var answer struct {
		ID  any    `json:"id"`
		URL string `json:"url"`
	}
	if json.Unmarshal(snippet, &answer) == nil {
		if answer.ID != nil {
			receipt.RemoteID = fmt.Sprint(answer.ID)
		}
		receipt.RemoteURL = answer.URL
	}
	what := fmt.Errorf("%s answered %s: %s", p.host(), resp.Status, strings.TrimSpace(string(snippet)))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return receipt, nil
	case code == http.StatusConflict:
		return receipt, &posting.Already{Receipt: receipt}
	case code == http.StatusTooManyRequests:
		return receipt, &posting.RateLimited{Until: resetTime(resp.Header, now), Err: what}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return receipt, &posting.Auth{Err: what}
	case code == http.StatusRequestTimeout || code >= 500:
		return receipt, &posting.Retryable{Err: what}
	default:
		return receipt, &posting.Rejected{Err: what}
	}
}

func (p *Poster) host() string {
	if u, err := url.Parse(p.cfg.URL); err == nil {
		return u.Host
	}
	return "the webhook"
}

// resetTime reads when a 429 ends: Retry-After (seconds or an HTTP date), X-RateLimit-Reset or
// RateLimit-Reset (Unix seconds, seconds from now when small, or RFC 3339), else a minute.
func resetTime(h http.Header, now time.Time) time.Time {
	if t, ok := posting.RetryAfter(h, now); ok {
		return t
	}
	for _, name := range []string{"X-RateLimit-Reset", "RateLimit-Reset", "X-Rate-Limit-Reset"} {
		if t, ok := posting.ResetAt(h.Get(name), now); ok {
			return t
		}
	}
	return now.Add(time.Minute)
}
