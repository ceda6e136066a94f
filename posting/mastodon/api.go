package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// apiRequest is one call to the server's API.
type apiRequest struct {
	method, path   string
	query          url.Values
	body           []byte
	contentType    string
	idempotencyKey string
}

// maxAnswer bounds what is read of an answer: 40 statuses with their accounts fit many times.
const maxAnswer = 8 << 20

// call sends r with the token and decodes a 2xx answer into out (when not nil). Any other answer,
// or none, comes back as one of posting's errors, with the server's own words and what to do;
// m (may be empty) names the channel and the post in those words. It returns the status code.
func (p *Poster) call(ctx context.Context, m posting.Message, r apiRequest, out any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	u := p.base.JoinPath(r.path)
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	req, err := newRequest(ctx, r.method, u.String(), r.body)
	if err != nil {
		return 0, &posting.Rejected{Err: fmt.Errorf("build the request to %s: %w", p.base.Host, err)}
	}
	req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.idempotencyKey)
	}
	started := p.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, p.networkError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, p.networkError(ctx, fmt.Errorf("read the answer: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, p.answerError(resp, body, r, m, started)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return resp.StatusCode, &posting.Retryable{Err: fmt.Errorf("%s answered %s %s with something that is not the expected JSON (%v): %s",
				p.base.Host, r.method, r.path, err, snippet(body))}
		}
	}
	return resp.StatusCode, nil
}

// networkError explains a request that got no answer. Whether the server acted on it is
// unknown, so it is Retryable: the next try of a post looks for it before posting again.
func (p *Poster) networkError(ctx context.Context, err error) error {
	err = p.scrub(err)
	if mis := posting.Misconfiguration(err, p.base.String()); mis != nil {
		return mis
	}
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return &posting.Retryable{Err: fmt.Errorf("no answer from %s within %s (it may be slow or down): %w", p.base.Host, p.cfg.Timeout, err)}
	case errors.Is(err, context.Canceled):
		return &posting.Retryable{Err: fmt.Errorf("send cancelled: %w", err)}
	case errors.As(err, &op) && op.Op == "dial":
		return &posting.Retryable{Err: fmt.Errorf("cannot reach %s (check the server address and the network): %w", p.base.Host, err)}
	}
	return &posting.Retryable{Err: fmt.Errorf("the connection to %s broke before it answered: %w", p.base.Host, err)}
}

// answerError maps a non-2xx answer to r to posting's errors. now is when the request was sent:
// the base of a Retry-After given in seconds.
func (p *Poster) answerError(resp *http.Response, body []byte, r apiRequest, m posting.Message, now time.Time) error {
	host := p.base.Host
	msg := p.scrubString(serverMessage(body, resp.Status))
	switch code := resp.StatusCode; {
	case code >= 300 && code < 400:
		return &posting.Misconfigured{Err: fmt.Errorf("%s answered %s %s with %d, redirecting to %q: onair does not resend a post elsewhere; set the channel's server to the address it moved to",
			host, r.method, r.path, code, resp.Header.Get("Location"))}
	case code == http.StatusUnauthorized:
		return &posting.Auth{Err: posting.WithFix(posting.FixLoginResume,
			fmt.Errorf("%s refused the access token (%d %s): it is wrong, expired or was revoked", host, code, msg))}
	case code == http.StatusForbidden:
		return &posting.Auth{Err: posting.WithFix(posting.FixLoginResume, fmt.Errorf("%s refused the request (%d %s): the token lacks a permission onair needs (%s) "+
			"or the account is disabled or suspended; check the account on %s", host, code, msg, LoginScopes, host))}
	case code == http.StatusTooManyRequests:
		until := rateLimitEnd(resp.Header, now)
		note := ""
		if capped, cut := posting.Hold(until, now, posting.MaxHold); cut {
			until, note = capped, " ("+posting.HoldNote(until, now, posting.MaxHold)+")"
		}
		return &posting.RateLimited{Until: until, Err: fmt.Errorf("%s limits how many requests an account "+
			"makes (%d %s); nothing goes out on this channel until then%s", host, code, msg, note)}
	case code == http.StatusServiceUnavailable:
		if d, ok := retryAfter(resp.Header, now); ok {
			return &posting.Retryable{Err: fmt.Errorf("%s is busy (%d %s) and asked to try again in %s", host, code, msg, d.Round(time.Second))}
		}
		return &posting.Retryable{Err: fmt.Errorf("%s is unavailable (%d %s); onair tries again later", host, code, msg)}
	case code >= 500 || code == http.StatusRequestTimeout:
		return &posting.Retryable{Err: fmt.Errorf("%s failed (%d %s); onair tries again later", host, code, msg)}
	case r.method == http.MethodGet:
		return &posting.Rejected{Err: fmt.Errorf("%s refused to answer %s (%d %s)", host, r.path, code, msg)}
	case code == http.StatusUnprocessableEntity:
		return &posting.Rejected{Err: posting.WithFix(posting.FixResend, fmt.Errorf("%s refused the post (%d %s); nothing was published", host, code, msg))}
	case code == http.StatusNotFound && m.Thread != nil:
		return &posting.Rejected{Err: posting.WithFix(posting.FixResend, fmt.Errorf("%s refused the post (%d %s): the post it answers (%s) may have been deleted; nothing was published",
			host, code, msg, m.Thread.Parent.RemoteID))}
	default:
		return &posting.Rejected{Err: posting.WithFix(posting.FixResend, fmt.Errorf("%s refused the request (%d %s); nothing was published", host, code, msg))}
	}
}

// serverMessage is what the server said: Mastodon answers {"error": "..."} (OAuth errors add
// "error_description"); anything else is quoted, shortened.
func serverMessage(body []byte, status string) string {
	var e struct {
		Error       any    `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != nil {
		msg := fmt.Sprint(e.Error)
		if s, ok := e.Error.(string); ok {
			msg = s
		}
		if e.Description != "" {
			msg += ": " + e.Description
		}
		return strconv.Quote(msg)
	}
	if s := snippet(body); s != "" {
		return strconv.Quote(s)
	}
	_, reason, _ := strings.Cut(status, " ")
	return strconv.Quote(reason)
}

// snippet is the start of an answer, on one line, for an error message.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// scrub removes the token from err's text, should a server or a proxy echo it; err stays in
// the chain.
func (p *Poster) scrub(err error) error {
	if err == nil || !p.tokenIn(err.Error()) {
		return err
	}
	return &scrubbed{msg: p.scrubString(err.Error()), err: err}
}

func (p *Poster) scrubString(s string) string {
	if !p.tokenIn(s) {
		return s
	}
	return strings.ReplaceAll(s, p.cfg.Token, "[token]")
}

// tokenIn reports whether s shows the token. Tokens are long (Mastodon's have 43 characters); a
// short one, as in tests, is not hunted for in every word.
func (p *Poster) tokenIn(s string) bool {
	return len(p.cfg.Token) >= 8 && strings.Contains(s, p.cfg.Token)
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// defaultRateLimitWait is how long a channel waits after a 429 that says nothing of when it ends.
const defaultRateLimitWait = 5 * time.Minute

// rateLimitEnd reads when a 429 ends: Retry-After (seconds or an HTTP date), else
// X-RateLimit-Reset, an ISO 8601 time on Mastodon and GoToSocial (a Unix time or a number of
// seconds is accepted too), else five minutes from now. An end already past (clocks differ)
// waits a minute.
func rateLimitEnd(h http.Header, now time.Time) time.Time {
	if d, ok := retryAfter(h, now); ok {
		return now.Add(d)
	}
	if t, ok := posting.ResetAt(h.Get("X-RateLimit-Reset"), now); ok {
		if !t.After(now) {
			return now.Add(time.Minute)
		}
		return t
	}
	return now.Add(defaultRateLimitWait)
}

// retryAfter reads a Retry-After header as a wait from now (none when its date has passed).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	t, ok := posting.RetryAfter(h, now)
	return max(t.Sub(now), 0), ok
}
