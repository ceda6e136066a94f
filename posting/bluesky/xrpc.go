package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// XRPC methods onair calls.
const (
	nsidCreateSession  = "com.atproto.server.createSession"
	nsidRefreshSession = "com.atproto.server.refreshSession"
	nsidGetSession     = "com.atproto.server.getSession"
	nsidCreateRecord   = "com.atproto.repo.createRecord"
	nsidGetRecord      = "com.atproto.repo.getRecord"
	nsidUploadBlob     = "com.atproto.repo.uploadBlob"
)

// xrpcClient calls one PDS.
type xrpcClient struct {
	pds     string // base URL, no trailing slash
	http    *http.Client
	timeout time.Duration
}

// request is one XRPC call.
type request struct {
	nsid        string
	query       url.Values // GET
	body        []byte     // POST; JSON unless contentType says otherwise
	contentType string
	bearer      string // the JWT to send, if any
}

// XRPCError is a PDS's answer other than 2xx: its HTTP status and XRPC error body
// ({"error": "...", "message": "..."}).
type XRPCError struct {
	Method  string
	Status  int
	Name    string // "InvalidRequest", "ExpiredToken", "RateLimitExceeded"...
	Message string
	Header  http.Header
}

func (e *XRPCError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered %d", e.Method, e.Status)
	if e.Name != "" {
		b.WriteString(" " + e.Name)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// call sends r and decodes a 2xx answer's JSON into out (which may be nil). Any other answer is
// an *XRPCError; a network failure or timeout is returned wrapped, as it came.
func (c *xrpcClient) call(ctx context.Context, r request, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.pds + "/xrpc/" + r.nsid
	method := http.MethodGet
	var body io.Reader
	if r.body != nil {
		method, body = http.MethodPost, bytes.NewReader(r.body)
	}
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", r.nsid, err)
	}
	req.Header.Set("User-Agent", "onair")
	req.Header.Set("Accept", "application/json")
	if len(r.body) > 0 {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", r.nsid, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", r.nsid, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &XRPCError{Method: r.nsid, Status: resp.StatusCode, Header: resp.Header}
		var body struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &body) == nil {
			e.Name, e.Message = body.Error, body.Message
		} else {
			e.Message = snippet(data)
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: the answer is not the JSON expected: %w", r.nsid, err)
	}
	return nil
}

// snippet is the start of a body that is not XRPC JSON (a proxy's HTML page), for an error.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// asXRPC returns err's *XRPCError, or nil.
func asXRPC(err error) *XRPCError {
	var e *XRPCError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// isTokenFailure reports whether err says the JWT sent was refused: missing, expired, revoked
// or not verifiable. The reference PDS answers 400 ExpiredToken or InvalidToken, and 401 when
// the header is missing.
func isTokenFailure(err error) bool {
	e := asXRPC(err)
	if e == nil {
		return false
	}
	switch e.Name {
	case "ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired", "AuthenticationRequired":
		return true
	}
	return e.Status == http.StatusUnauthorized && !isAccountFailure(err)
}

// isAccountFailure reports answers that no new token cures: the account is taken down or
// deactivated.
func isAccountFailure(err error) bool {
	e := asXRPC(err)
	return e != nil && (e.Name == "AccountTakedown" || e.Name == "AccountDeactivated" || e.Name == "AccountSuspended")
}

// isUncertain reports whether a write that failed with err may have reached the PDS anyway: a
// 5xx (the reference PDS answers a record key collision with 500), a 409 (other PDSes answer a
// collision so), or no answer at all (timeout, dropped connection). A redirect onair refused
// (the PDS answered without acting) or a certificate it does not trust (nothing was sent) is
// not: it is the channel's settings to fix.
func isUncertain(err error) bool {
	if e := asXRPC(err); e != nil {
		return e.Status >= 500 || e.Status == http.StatusConflict || e.Status == http.StatusRequestTimeout
	}
	return err != nil && posting.Misconfiguration(err, "") == nil
}

// classify maps a failed call to the error the dispatcher acts on. what says what onair was
// doing, for the marketer ("post to Bluesky").
func classify(err error, now time.Time, what string) error {
	if isPostingError(err) {
		return err
	}
	e := asXRPC(err)
	if e == nil {
		if mis := posting.Misconfiguration(err, pdsOf(err)); mis != nil {
			return mis
		}
		return &posting.Retryable{Err: fmt.Errorf("%s: %w", what, err)}
	}
	switch {
	case e.Status == http.StatusTooManyRequests || e.Name == "RateLimitExceeded":
		return &posting.RateLimited{Until: resetTime(e.Header, now), Err: fmt.Errorf("%s: %w", what, err)}
	case isAccountFailure(err):
		return &posting.Auth{Err: fmt.Errorf("%s: %w; the Bluesky account cannot post: check it at bsky.app", what, err)}
	case isTokenFailure(err):
		return &posting.Auth{Err: posting.WithFix(posting.FixLogin, fmt.Errorf("%s: %w; log the channel in again with a new app password", what, err))}
	case e.Status >= 500 || e.Status == http.StatusRequestTimeout:
		return &posting.Retryable{Err: fmt.Errorf("%s: %w", what, err)}
	case e.Status == http.StatusForbidden:
		return &posting.Auth{Err: fmt.Errorf("%s: %w; the app password may lack a permission: create a new one", what, err)}
	}
	return &posting.Rejected{Err: fmt.Errorf("%s: %w", what, err)}
}

// resetTime reads when a 429 ends: RateLimit-Reset (Unix seconds, as Bluesky sends it, or
// seconds from now when small), else Retry-After (seconds or an HTTP date), else a minute. A
// reset already past (clocks differ) waits a second; one further than posting.MaxDailyHold (a
// day's window and an hour) past the answer's Date (the PDS's clock; else now) is cut to it.
func resetTime(h http.Header, now time.Time) time.Time {
	until := now.Add(time.Minute)
	if t, ok := posting.ResetAt(h.Get("RateLimit-Reset"), now); ok {
		until = t
		if !t.After(now) {
			until = now.Add(time.Second)
		}
	} else if t, ok := posting.RetryAfter(h, now); ok {
		until = t
	}
	base := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		base = d
	}
	if _, cut := posting.Hold(until, base, posting.MaxDailyHold); cut {
		until = now.Add(posting.MaxDailyHold)
	}
	return until
}

// pdsOf names the address a failed request went to, for a message.
func pdsOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Scheme + "://" + u.Host
		}
	}
	return "the PDS"
}
