package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/onairhq/onair/scheduler/source"
)

// RateLimitPause is how long onair waits after a per-user rate limit (rateLimitExceeded,
// userRateLimitExceeded): Google does not say, and these limits are per 100 seconds.
const RateLimitPause = 2 * time.Minute

// pacific is where YouTube's daily quota resets, at midnight. Without the zone database the
// standard time offset is used: the retry is then an hour late in summer, never early.
var pacific = func() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	return time.FixedZone("PST", -8*3600)
}()

// QuotaReset returns when YouTube's daily quota is next renewed after t: midnight Pacific time.
func QuotaReset(t time.Time) time.Time {
	p := t.In(pacific)
	return time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, pacific).UTC()
}

// wrap turns a failed call into a *source.Error of the right kind; what names the call.
func (s *Source) wrap(what string, err error) error {
	var se *source.Error
	if errors.As(err, &se) { // from the token transport
		return &source.Error{Kind: se.Kind, Until: se.Until, Status: se.Status, Err: fmt.Errorf("%s: %w", what, se.Err)}
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		e := &source.Error{Status: ge.Code, Err: fmt.Errorf("%s: YouTube answered %d: %s", what, ge.Code, googleWords(ge))}
		reasons := map[string]bool{}
		for _, it := range ge.Errors {
			reasons[it.Reason] = true
		}
		switch {
		case reasons["quotaExceeded"] || reasons["dailyLimitExceeded"]:
			e.Kind, e.Until = source.ErrQuota, QuotaReset(s.now())
		case reasons["rateLimitExceeded"] || reasons["userRateLimitExceeded"] || ge.Code == http.StatusTooManyRequests:
			e.Kind, e.Until = source.ErrQuota, s.now().Add(RateLimitPause)
		case ge.Code == http.StatusUnauthorized:
			e.Kind = source.ErrAuth
		case ge.Code == http.StatusForbidden && (reasons["insufficientPermissions"] || reasons["forbidden"] || reasons["accessNotConfigured"]):
			// The token lacks a scope (an old login), or the API is not enabled in the project.
			e.Kind = source.ErrAuth
		case ge.Code >= 500:
			e.Kind = source.ErrUnavailable
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, err)
	}
	// No answer: a refused connection, a reset, a timeout.
	return &source.Error{Kind: source.ErrUnavailable, Err: fmt.Errorf("%s: %w", what, err)}
}

func googleWords(ge *googleapi.Error) string {
	msg := ge.Message
	for _, it := range ge.Errors {
		if it.Reason != "" {
			return fmt.Sprintf("%s (%s)", msg, it.Reason)
		}
	}
	return msg
}

// tokens holds the access token and refreshes it with the refresh token.
type tokens struct {
	conf     *oauth2.Config
	base     *http.Client
	onRotate func(string)

	mu      sync.Mutex
	refresh string
	access  *oauth2.Token
}

// token returns a valid access token, refreshing it when it expired or when stale (the API
// refused it).
func (t *tokens) token(ctx context.Context, stale string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.access != nil && t.access.Valid() && t.access.AccessToken != stale {
		return t.access.AccessToken, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.base)
	tok, err := t.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: t.refresh}).Token()
	if err != nil {
		return "", tokenError(err)
	}
	t.access = tok
	if tok.RefreshToken != "" && tok.RefreshToken != t.refresh {
		t.refresh = tok.RefreshToken
		if t.onRotate != nil {
			t.onRotate(tok.RefreshToken)
		}
	}
	return tok.AccessToken, nil
}

func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		e := &source.Error{Status: code, Err: fmt.Errorf("Google's token endpoint answered %d %s", code, oauthWords(re))}
		switch {
		case re.ErrorCode == "invalid_grant":
			e.Err = fmt.Errorf("the refresh token was revoked or expired (Google: %s): log in to the channel again", oauthWords(re))
			e.Kind = source.ErrAuth
		case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" || code == http.StatusUnauthorized:
			e.Err = fmt.Errorf("Google refused the OAuth client (%s): check its client ID and secret", oauthWords(re))
			e.Kind = source.ErrAuth
		case code >= 500 || code == http.StatusTooManyRequests:
			e.Kind = source.ErrUnavailable
		case code == http.StatusBadRequest || code == http.StatusForbidden:
			e.Kind = source.ErrAuth
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &source.Error{Kind: source.ErrUnavailable, Err: fmt.Errorf("Google's token endpoint did not answer: %w", err)}
}

func oauthWords(re *oauth2.RetrieveError) string {
	switch {
	case re.ErrorCode != "" && re.ErrorDescription != "":
		return re.ErrorCode + ": " + re.ErrorDescription
	case re.ErrorCode != "":
		return re.ErrorCode
	}
	return http.StatusText(re.Response.StatusCode)
}

// transport adds the access token to each request and, when the API answers 401, refreshes it
// and tries once more: an access token can be revoked (or our clock be off) before its expiry.
type transport struct {
	tokens *tokens
	base   http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	stale := ""
	for try := 0; ; try++ {
		tok, err := t.tokens.token(req.Context(), stale)
		if err != nil {
			return nil, err
		}
		r := req.Clone(req.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
		resp, err := base.RoundTrip(r)
		if err != nil || resp.StatusCode != http.StatusUnauthorized || try > 0 || req.Body != nil && req.GetBody == nil {
			return resp, err
		}
		resp.Body.Close()
		stale = tok
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}
