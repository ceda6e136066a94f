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
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
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
	// Redirects are followed by Post itself, which keeps the method, the body and the signature.
	client = posting.HTTPClient(client, 0)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
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
//
// A json receiver deduplicates by Idempotency-Key, so a try whose outcome is unknown (a timeout
// after the request was written, a connection dropped before the answer, a 5xx) is Retryable.
// Slack and Discord cannot deduplicate: the same outcomes are *posting.Uncertain, never resent
// blindly. An error before the request was written (no connection, a DNS failure) is Retryable
// for every format: nothing reached the receiver.
//
// A 307 or 308 redirect is followed (at most posting.MaxRedirects hops, the same method, body
// and signature); a 301, 302 or 303, which Go's client would turn into a GET without the post,
// is refused as *posting.Misconfigured naming the address the receiver gave.
func (p *Poster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	now := p.Now()
	body, err := p.body(m, now)
	if err != nil {
		return posting.Receipt{}, &posting.Rejected{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	target := p.cfg.URL
	seen := map[string]bool{target: true}
	for hop := 0; ; hop++ {
		resp, wrote, err := p.send(ctx, target, m, body, now)
		if err != nil {
			return posting.Receipt{}, p.sendError(ctx, target, err, wrote)
		}
		if !isRedirect(resp.StatusCode) {
			defer resp.Body.Close()
			return p.answer(resp, m, now)
		}
		resp.Body.Close()
		next, err := resp.Location()
		if err != nil {
			return posting.Receipt{}, &posting.Misconfigured{Err: fmt.Errorf("the webhook %s answered %s without a usable Location; fix the receiver or the channel's URL", redact(target), resp.Status)}
		}
		to := next.String()
		redirect := &posting.RedirectError{Status: resp.StatusCode, From: redact(target), To: next.Redacted()}
		switch {
		case resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusPermanentRedirect:
			redirect.Reason = "the post would go on as a GET without its body; set the channel's URL to that address"
		case seen[to]:
			redirect.Reason = "a redirect loop"
		case hop >= posting.MaxRedirects:
			redirect.Reason = fmt.Sprintf("more than %d redirects; set the channel's URL to the final address", posting.MaxRedirects)
		case next.Scheme != "http" && next.Scheme != "https":
			redirect.Reason = "not an http(s) address"
		}
		if redirect.Reason != "" {
			return posting.Receipt{}, &posting.Misconfigured{Err: redirect}
		}
		seen[to], target = true, to
	}
}

// KindPing is the kind of the test request Ping sends: a receiver answers it like a post, and
// should not publish it.
const KindPing = "ping"

// Ping sends one signed test request, as a post would go (same signature, headers and
// redirects), with kind "ping" and a fresh idempotency key. On Slack and Discord it shows in
// the channel: that is what checks them.
func (p *Poster) Ping(ctx context.Context, channel string) error {
	now := p.Now()
	_, err := p.Post(ctx, posting.Message{
		IdempotencyKey: fmt.Sprintf("ping-%d", now.UnixNano()),
		Kind:           KindPing,
		Text:           "onair: a test from channel " + channel + "; nothing to publish.",
		DueAt:          now.UTC(),
		Channel:        channel,
		Attempt:        1,
	})
	return err
}

// Signed reports whether requests carry a signature.
func (p *Poster) Signed() bool { return p.cfg.Secret != "" }

// isRedirect reports whether code is a redirect with a Location to go to.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// send POSTs body to target once, without following redirects; wrote reports whether the whole
// request went out (from then on, the receiver may have acted on it).
func (p *Poster) send(ctx context.Context, target string, m posting.Message, body []byte, now time.Time) (*http.Response, bool, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, false, &posting.Misconfigured{Err: fmt.Errorf("the webhook URL %s: %w", redact(target), err)}
	}
	if !p.deduplicates() {
		// Go's transport sends a request with an Idempotency-Key again by itself when a reused
		// connection breaks; Slack and Discord would then post twice.
		req.GetBody = nil
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
	return resp, wrote.Load(), err
}

// deduplicates reports whether the receiver deduplicates by Idempotency-Key (json: onair's
// contract), so that a try whose outcome is unknown may be sent again.
func (p *Poster) deduplicates() bool { return p.cfg.Format == FormatJSON }

// sendError maps a request that got no answer.
func (p *Poster) sendError(ctx context.Context, target string, err error, wrote bool) error {
	var mc *posting.Misconfigured
	if errors.As(err, &mc) {
		return err
	}
	if mis := posting.Misconfiguration(err, redact(target)); mis != nil {
		return mis
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) && !wrote {
		return &posting.Retryable{Err: fmt.Errorf("send cancelled: %w", err)}
	}
	if wrote && !p.deduplicates() {
		return &posting.Uncertain{Err: fmt.Errorf("%s got the post but did not answer (%w); a %s webhook cannot tell a resend from a new post, so onair does not send it again: check the channel",
			p.host(), err, p.cfg.Format)}
	}
	if wrote {
		return &posting.Retryable{Err: fmt.Errorf("%s got the post but did not answer; it is sent again with the same Idempotency-Key: %w", p.host(), err)}
	}
	return &posting.Retryable{Err: err}
}

// answer maps the receiver's answer to posting's errors.
func (p *Poster) answer(resp *http.Response, m posting.Message, now time.Time) (posting.Receipt, error) {
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
		until, note := resetTime(resp.Header, now)
		if note != "" {
			what = fmt.Errorf("%w (%s)", what, note)
		}
		return receipt, &posting.RateLimited{Until: until, Err: what}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return receipt, &posting.Auth{Err: what}
	case code >= 500 && code != http.StatusServiceUnavailable && !p.deduplicates():
		// A 500, 502 or 504 may come after the receiver (or the service behind a gateway) acted.
		return receipt, &posting.Uncertain{Err: fmt.Errorf("%w; it may have posted before failing, and a %s webhook cannot tell a resend from a new post, so onair does not send it again: check the channel", what, p.cfg.Format)}
	case code == http.StatusRequestTimeout || code >= 500:
		return receipt, &posting.Retryable{Err: what}
	default:
		return receipt, &posting.Rejected{Err: what}
	}
}

// redact is target without its password, for messages.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "the webhook"
	}
	return u.Redacted()
}

func (p *Poster) host() string {
	if u, err := url.Parse(p.cfg.URL); err == nil {
		return u.Host
	}
	return "the webhook"
}

// resetTime reads when a 429 ends: Retry-After (seconds or an HTTP date), X-RateLimit-Reset or
// RateLimit-Reset (Unix seconds, seconds from now when small, or RFC 3339), else a minute; at
// most posting.MaxHold from now (note then says so).
func resetTime(h http.Header, now time.Time) (until time.Time, note string) {
	until = now.Add(time.Minute)
	if t, ok := posting.RetryAfter(h, now); ok {
		until = t
	} else {
		for _, name := range []string{"X-RateLimit-Reset", "RateLimit-Reset", "X-Rate-Limit-Reset"} {
			if t, ok := posting.ResetAt(h.Get(name), now); ok {
				until = t
				break
			}
		}
	}
	if capped, cut := posting.Hold(until, now, posting.MaxHold); cut {
		return capped, posting.HoldNote(until, now, posting.MaxHold)
	}
	return until, ""
}
