package twitch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/scheduler/source"
)

// helixError is Twitch's error body.
type helixError struct {
	Error   string `json:"error"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// appToken returns the app access token, asking for one (client credentials) when there is
// none, it expired, or it is stale (Helix refused it).
func (s *Source) appToken(ctx context.Context, stale string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.token != stale && s.now().Before(s.tokenExpiry) {
		return s.token, nil
	}
	form := url.Values{"client_id": {s.cfg.ClientID}, "client_secret": {s.cfg.ClientSecret}, "grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", unreachable("get an app access token", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var he helixError
		json.Unmarshal(body, &he)
		e := &source.Error{Status: resp.StatusCode, Err: fmt.Errorf("Twitch's token endpoint answered %d %s", resp.StatusCode, words(he, resp.StatusCode))}
		switch {
		case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			e.Kind = source.ErrAuth
			e.Err = fmt.Errorf("Twitch refused the app's credentials (%s): check the client ID and secret in the Twitch developer console", words(he, resp.StatusCode))
		case resp.StatusCode == http.StatusTooManyRequests:
			e.Kind, e.Until = source.ErrQuota, resetTime(resp.Header)
		case resp.StatusCode >= 500:
			e.Kind = source.ErrUnavailable
		}
		return "", e
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return "", &source.Error{Status: resp.StatusCode, Err: fmt.Errorf("Twitch's token endpoint gave no access token: %.200s", body)}
	}
	s.token = t.AccessToken
	// Renew a minute early, so that a token does not expire between the check and the call.
	s.tokenExpiry = s.now().Add(time.Duration(t.ExpiresIn)*time.Second - time.Minute)
	return s.token, nil
}

// get calls a Helix endpoint (path such as "/helix/streams") and decodes its JSON into out.
// notFound reports a 404 instead of failing (the schedule's "no segments").
func (s *Source) get(ctx context.Context, what, path string, q url.Values, out any) (notFound bool, err error) {
	stale := ""
	for try := 0; ; try++ {
		tok, err := s.appToken(ctx, stale)
		if err != nil {
			return false, wrap(what, err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+path+"?"+q.Encode(), nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("Client-Id", s.cfg.ClientID)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.client.Do(req)
		if err != nil {
			return false, unreachable(what, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if err != nil {
			return false, unreachable(what, err)
		}
		if n, err := strconv.Atoi(resp.Header.Get("Ratelimit-Limit")); err == nil {
			s.mu.Lock()
			s.rateLimit = n
			s.mu.Unlock()
		}
		switch code := resp.StatusCode; {
		case code == http.StatusOK:
			if err := json.Unmarshal(body, out); err != nil {
				return false, &source.Error{Status: code, Err: fmt.Errorf("%s: Twitch's answer is not the JSON expected: %w", what, err)}
			}
			return false, nil
		case code == http.StatusNotFound:
			return true, nil
		case code == http.StatusUnauthorized && try == 0:
			// The app token was revoked or expired early: get a new one, once.
			stale = tok
			continue
		default:
			var he helixError
			json.Unmarshal(body, &he)
			e := &source.Error{Status: code, Err: fmt.Errorf("%s: Twitch answered %d %s", what, code, words(he, code))}
			switch {
			case code == http.StatusUnauthorized || code == http.StatusForbidden:
				e.Kind = source.ErrAuth
			case code == http.StatusTooManyRequests:
				e.Kind, e.Until = source.ErrQuota, resetTime(resp.Header)
				if e.Until.IsZero() {
					e.Until = s.now().Add(time.Minute)
				}
			case code >= 500:
				e.Kind = source.ErrUnavailable
			}
			return false, e
		}
	}
}

// resetTime reads Ratelimit-Reset: when the bucket is full again, in Unix seconds.
func resetTime(h http.Header) time.Time {
	n, err := strconv.ParseInt(h.Get("Ratelimit-Reset"), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func words(he helixError, code int) string {
	switch {
	case he.Message != "" && he.Error != "":
		return he.Error + ": " + he.Message
	case he.Message != "":
		return he.Message
	case he.Error != "":
		return he.Error
	}
	return http.StatusText(code)
}

func unreachable(what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &source.Error{Kind: source.ErrUnavailable, Err: fmt.Errorf("%s: %w", what, err)}
}

func wrap(what string, err error) error {
	var se *source.Error
	if errors.As(err, &se) {
		return &source.Error{Kind: se.Kind, Until: se.Until, Status: se.Status, Err: fmt.Errorf("%s: %w", what, se.Err)}
	}
	return fmt.Errorf("%s: %w", what, err)
}
