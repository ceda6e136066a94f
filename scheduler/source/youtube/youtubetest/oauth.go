package youtubetest

import (
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

type grant struct {
	client string
	scopes []string
}

type access struct {
	grant   *grant
	expires time.Time
}

type authCode struct {
	Authorization
	offline bool
	expires time.Time
}

// Authorization is one consent request the authorization endpoint received.
type Authorization struct {
	ClientID, RedirectURI, State string
	Scopes                       []string
	ResponseType                 string
	Challenge, ChallengeMethod   string
	AccessType, Prompt           string
}

// Logins returns the consent requests received, in order.
func (s *Server) Logins() []Authorization {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.logins)
}

// caller returns the grant behind an access token, or the status and reason to refuse it.
func (s *Server) caller(tok string, now time.Time) (*grant, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accesses[tok]
	if tok == "" || a == nil || !now.Before(a.expires) {
		return nil, http.StatusUnauthorized, "authError"
	}
	return a.grant, 0, ""
}

// loopback reports whether u is a redirect Google allows a Desktop app: http on a loopback
// address, any port.
func loopback(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" {
		return false
	}
	host := p.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// authorize plays Google's consent screen: it checks the request, records it and, as if the
// person allowed access (or declined, DenyLogin), redirects to redirect_uri.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, now time.Time) {
	q := r.URL.Query()
	a := Authorization{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), State: q.Get("state"),
		Scopes: strings.Fields(q.Get("scope")), ResponseType: q.Get("response_type"),
		Challenge: q.Get("code_challenge"), ChallengeMethod: q.Get("code_challenge_method"),
		AccessType: q.Get("access_type"), Prompt: q.Get("prompt")}
	s.mu.Lock()
	s.logins = append(s.logins, a)
	_, known := s.clients[a.ClientID]
	deny := s.DenyLogin
	s.mu.Unlock()
	refuse := func(why string) {
		s.violation("authorization request: %s", why)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("<!doctype html><title>Error 400</title><p>Access blocked: " + why + "</p>"))
	}
	switch {
	case !known:
		refuse("invalid_client: The OAuth client was not found.")
		return
	case !loopback(a.RedirectURI):
		refuse("redirect_uri_mismatch: a Desktop app's redirect must be http://127.0.0.1:PORT")
		return
	case a.ResponseType != "code":
		refuse("unsupported_response_type")
		return
	case len(a.Scopes) == 0:
		refuse("invalid_request: Missing required parameter: scope")
		return
	case a.ChallengeMethod != "S256" || len(a.Challenge) < 43:
		// Google accepts plain too; onair must use S256.
		refuse("invalid_request: code_challenge_method must be S256 with a code_challenge")
		return
	}
	back, _ := url.Parse(a.RedirectURI)
	bq := back.Query()
	if deny {
		bq.Set("error", "access_denied")
	} else {
		code := "4/0A" + randomString(60)
		s.mu.Lock()
		s.codes[code] = &authCode{Authorization: a, offline: a.AccessType == "offline", expires: now.Add(s.CodeTTL)}
		s.mu.Unlock()
		bq.Set("code", code)
		bq.Set("scope", strings.Join(a.Scopes, " "))
	}
	if a.State != "" {
		bq.Set("state", a.State)
	}
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token is Google's token endpoint: authorization_code (with PKCE) and refresh_token grants.
func (s *Server) token(w http.ResponseWriter, r *http.Request, now time.Time) {
	f := r.PostForm
	id, secret := f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if want, ok := s.clients[id]; !ok || want != secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	var g *grant
	refresh := ""
	switch f.Get("grant_type") {
	case "refresh_token":
		rt := f.Get("refresh_token")
		if g = s.refreshes[rt]; g == nil || g.client != id {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		if s.RotateRefreshTokens {
			delete(s.refreshes, rt)
			refresh = "1//0g" + randomString(40)
			s.refreshes[refresh] = g
		}
	case "authorization_code":
		c := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code")) // a code works once
		switch {
		case c == nil || c.ClientID != id || !now.Before(c.expires):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
			return
		case f.Get("redirect_uri") != c.RedirectURI:
			oauthError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
			return
		case challenge(f.Get("code_verifier")) != c.Challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
			return
		}
		g = &grant{client: id, scopes: c.Scopes}
		if c.offline {
			refresh = "1//0g" + randomString(40)
			s.refreshes[refresh] = g
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+f.Get("grant_type"))
		return
	}
	at := "ya29.a0" + randomString(80)
	s.accesses[at] = &access{grant: g, expires: now.Add(s.AccessTTL)}
	body := map[string]any{"access_token": at, "expires_in": int(s.AccessTTL / time.Second),
		"scope": strings.Join(g.scopes, " "), "token_type": "Bearer"}
	if refresh != "" {
		body["refresh_token"] = refresh
	}
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	writeJSON(w, http.StatusOK, body)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
