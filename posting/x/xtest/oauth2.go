package xtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// Client is an OAuth 2.0 client: an X app's client id, and its secret when it is confidential.
type Client struct {
	ID, Secret   string
	RedirectURIs []string // the callback URLs its settings list
}

// Authorization is one visit to /i/oauth2/authorize, as the fake saw it.
type Authorization struct {
	ClientID, RedirectURI, State string
	Scopes                       []string
	Challenge, ChallengeMethod   string
}

type bearerToken struct {
	user    User
	client  string
	scopes  []string
	expiry  time.Time
	revoked bool
}

type refreshToken struct {
	user    User
	client  string
	scopes  []string
	expiry  time.Time
	spent   bool // used once: X rotates refresh tokens
	revoked bool
}

type authCode struct {
	client, redirect, challenge string
	user                        User
	scopes                      []string
	expiry                      time.Time
	used                        bool
}

// NewClient registers an OAuth 2.0 client: confidential (with a secret) or public, with the
// callback URLs its settings allow.
func (s *Server) NewClient(confidential bool, redirectURIs ...string) Client {
	c := &Client{ID: randomString(34), RedirectURIs: slices.Clone(redirectURIs)}
	if confidential {
		c.Secret = randomString(50)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = c
	return *c
}

// IssueToken gives u a token as if they had logged in through c granting scopes: an access
// token, and a refresh token when the scopes hold offline.access.
func (s *Server) IssueToken(c Client, u User, scopes ...string) posting.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	return s.issue(c.ID, u, scopes)
}

func (s *Server) issue(client string, u User, scopes []string) posting.Token {
	now := s.Now()
	t := posting.Token{Access: randomString(91), Expiry: now.Add(s.AccessTTL).Round(0).UTC()}
	s.bearers[t.Access] = &bearerToken{user: u, client: client, scopes: slices.Clone(scopes), expiry: t.Expiry}
	if slices.Contains(scopes, "offline.access") {
		t.Refresh = randomString(91)
		s.refreshes[t.Refresh] = &refreshToken{user: u, client: client, scopes: slices.Clone(scopes), expiry: now.Add(s.RefreshTTL)}
	}
	return t
}

// Revoke makes a token's access token (and its refresh token, if any) refused from now on,
// as when the person revokes the app.
func (s *Server) Revoke(t posting.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bearers[t.Access]; b != nil {
		b.revoked = true
	}
	if r := s.refreshes[t.Refresh]; r != nil {
		r.revoked = true
	}
}

// RefreshUsable reports whether X would still take refresh as a refresh token.
func (s *Server) RefreshUsable(refresh string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refreshes[refresh]
	return r != nil && !r.spent && !r.revoked && s.Now().Before(r.expiry)
}

// Authorizations returns the visits to the authorize page, in order.
func (s *Server) Authorizations() []Authorization {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.logins)
}

// oauthError is an RFC 6749 error answer of the token endpoint.
func oauthError(status int, code, description string) reply {
	return undocumented(status, "application/json", "the token endpoint is not in X's document",
		map[string]string{"error": code, "error_description": description})
}

// token is POST /2/oauth2/token: the authorization_code grant (with PKCE) and the refresh_token
// grant (with rotation).
func (s *Server) token(r *http.Request, body []byte) reply {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		s.contractError("%s: Content-Type %q; X takes a form", EndpointToken, ct)
		return oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter [grant_type].")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "The request body is not a form.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	client, rep, ok := s.tokenClient(r, form)
	if !ok {
		return rep
	}
	now := s.Now()
	switch form.Get("grant_type") {
	case "authorization_code":
		code := s.codes[form.Get("code")]
		switch {
		case code == nil || code.used || code.client != client.ID || !now.Before(code.expiry):
			return oauthError(http.StatusBadRequest, "invalid_request", "Value passed for the authorization code was invalid.")
		case form.Get("redirect_uri") != code.redirect:
			return oauthError(http.StatusBadRequest, "invalid_request", "Value passed for the redirect uri did not match the uri of the authorization code.")
		case form.Get("code_verifier") == "" || s256(form.Get("code_verifier")) != code.challenge:
			return oauthError(http.StatusBadRequest, "invalid_request", "Value passed for the code verifier did not match the code challenge.")
		}
		code.used = true
		return tokenReply(s.issue(client.ID, code.user, code.scopes), code.scopes, s.AccessTTL)
	case "refresh_token":
		old := s.refreshes[form.Get("refresh_token")]
		switch {
		case old == nil || old.spent || old.revoked || old.client != client.ID:
			// X's answer to a spent or unknown refresh token.
			return oauthError(http.StatusBadRequest, "invalid_request", "Value passed for the token was invalid.")
		case !now.Before(old.expiry):
			return oauthError(http.StatusBadRequest, "invalid_grant", "The refresh token has expired.")
		}
		old.spent = true
		return tokenReply(s.issue(client.ID, old.user, old.scopes), old.scopes, s.AccessTTL)
	}
	return oauthError(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported.", form.Get("grant_type")))
}

// tokenClient authenticates the client: Basic auth for a confidential client, client_id in the
// form for a public one.
func (s *Server) tokenClient(r *http.Request, form url.Values) (*Client, reply, bool) {
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		c := s.clients[id]
		if c == nil || c.Secret == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
			return nil, oauthError(http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header"), false
		}
		return c, reply{}, true
	}
	c := s.clients[form.Get("client_id")]
	switch {
	case c == nil:
		return nil, oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter [client_id]."), false
	case c.Secret != "":
		return nil, oauthError(http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header"), false
	}
	return c, reply{}, true
}

func tokenReply(t posting.Token, scopes []string, ttl time.Duration) reply {
	v := map[string]any{"token_type": "bearer", "expires_in": int(ttl / time.Second), "access_token": t.Access, "scope": strings.Join(scopes, " ")}
	if t.Refresh != "" {
		v["refresh_token"] = t.Refresh
	}
	return jsonReply(http.StatusOK, v)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize is GET /i/oauth2/authorize: the page where the person authorizes the app. The fake
// authorizes at once as LoginAs (or declines, with DenyLogin) and redirects to the callback.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a := Authorization{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), State: q.Get("state"),
		Scopes: strings.Fields(q.Get("scope")), Challenge: q.Get("code_challenge"), ChallengeMethod: q.Get("code_challenge_method")}
	s.mu.Lock()
	s.logins = append(s.logins, a)
	c := s.clients[a.ClientID]
	s.mu.Unlock()
	fail := func(why string) {
		s.contractError("%s: %s", EndpointAuthorize, why)
		http.Error(w, "Something went wrong: "+why, http.StatusBadRequest)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("response_type must be code")
		return
	case c == nil:
		fail("unknown client_id")
		return
	case !slices.Contains(c.RedirectURIs, a.RedirectURI):
		fail(fmt.Sprintf("redirect_uri %q is not one of the app's callback URLs", a.RedirectURI))
		return
	case a.State == "":
		fail("no state")
		return
	case a.ChallengeMethod != "S256" || len(a.Challenge) != 43:
		fail("PKCE needs code_challenge_method=S256 and a code_challenge")
		return
	case len(a.Scopes) == 0:
		fail("no scope")
		return
	}
	d, _ := Document()
	known := d.Components.SecuritySchemes["OAuth2UserToken"].Value.Flows.AuthorizationCode.Scopes
	for _, sc := range a.Scopes {
		if _, ok := known[sc]; !ok {
			fail(fmt.Sprintf("scope %q is not one of X's", sc))
			return
		}
	}
	back, _ := url.Parse(a.RedirectURI)
	v := back.Query()
	v.Set("state", a.State)
	s.mu.Lock()
	if s.DenyLogin {
		v.Set("error", "access_denied")
	} else {
		code := randomString(80)
		s.codes[code] = &authCode{client: c.ID, redirect: a.RedirectURI, challenge: a.Challenge, user: s.LoginAs,
			scopes: a.Scopes, expiry: s.Now().Add(s.CodeTTL)}
		s.users[s.LoginAs.ID] = s.LoginAs
		v.Set("code", code)
	}
	s.mu.Unlock()
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}
