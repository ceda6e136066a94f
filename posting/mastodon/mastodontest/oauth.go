package mastodontest

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// oob is the redirect URI of apps without a web page: the server shows the code.
const oob = "urn:ietf:wg:oauth:2.0:oob"

// UserHeader names, on a request to /oauth/authorize, the account logged in in the browser (the
// fake has no sign-in page). Approve sets it.
const UserHeader = "X-Mastodontest-User"

// knownScopes are Mastodon's OAuth scopes (admin scopes aside).
var knownScopes = strings.Fields(`read write follow push profile
	read:accounts read:blocks read:bookmarks read:favourites read:filters read:follows read:lists
	read:mutes read:notifications read:search read:statuses
	write:accounts write:blocks write:bookmarks write:conversations write:favourites write:filters
	write:follows write:lists write:media write:mutes write:notifications write:reports write:statuses`)

type app struct {
	name, clientID, secret string
	redirectURIs           []string
	scopes                 []string
}

// grant is an authorization code, waiting to be exchanged for a token.
type grant struct {
	app         *app
	account     *account
	redirectURI string
	scopes      []string
	expires     time.Time
	used        bool
}

// createApp is POST /api/v1/apps: client_name, redirect_uris (one URI, several separated by
// newlines, or an array), scopes (default "read"), website.
func (s *Server) createApp(w http.ResponseWriter, r *http.Request, _ caller) {
	p, err := s.params(r)
	if err != nil {
		s.contract(w, http.StatusBadRequest, "Error occurred while parsing request parameters", "%s: %v", RouteApps, err)
		return
	}
	name := strings.TrimSpace(p.Get("client_name"))
	if name == "" {
		s.contract(w, http.StatusUnprocessableEntity, "Validation failed: Application name can't be blank", "%s: no client_name", RouteApps)
		return
	}
	var uris []string
	for _, v := range p["redirect_uris"] {
		uris = append(uris, strings.Fields(v)...)
	}
	if len(uris) == 0 {
		s.contract(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI can't be blank", "%s: no redirect_uris", RouteApps)
		return
	}
	for _, u := range uris {
		if pu, err := url.Parse(u); u != oob && (err != nil || !pu.IsAbs()) {
			s.contract(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI must be an absolute URI.", "%s: redirect URI %q", RouteApps, u)
			return
		}
	}
	scopes := strings.Fields(p.Get("scopes"))
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	for _, sc := range scopes {
		if !slices.Contains(knownScopes, sc) {
			s.contract(w, http.StatusUnprocessableEntity, "Validation failed: Scopes must only contain valid scopes", "%s: unknown scope %q", RouteApps, sc)
			return
		}
	}
	s.mu.Lock()
	a := &app{name: name, clientID: randomString(43), secret: randomString(43), redirectURIs: uris, scopes: scopes}
	s.apps[a.clientID] = a
	id := s.newIDLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "name": name, "website": nilIfEmpty(p.Get("website")), "scopes": scopes,
		"redirect_uri": strings.Join(uris, "\n"), "redirect_uris": uris,
		"client_id": a.clientID, "client_secret": a.secret, "client_secret_expires_at": 0,
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// authorize is GET /oauth/authorize. The logged-in account (UserHeader) approves at once, as
// Mastodon lets a person do; the code goes to the redirect URI, or, for the out-of-band URI, to
// /oauth/authorize/native, which shows it.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, _ caller) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[q.Get("client_id")]
	refuse := func(desc string) {
		s.contractf("%s: %s", RouteAuthorize, desc)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<h2>An error has occurred</h2><p>%s</p>", html.EscapeString(desc))
	}
	switch {
	case !ok:
		refuse("unknown client_id " + q.Get("client_id"))
		return
	case q.Get("response_type") != "code":
		refuse(fmt.Sprintf("response_type %q, not \"code\"", q.Get("response_type")))
		return
	case !slices.Contains(a.redirectURIs, q.Get("redirect_uri")):
		refuse(fmt.Sprintf("redirect_uri %q is not one the app registered (%v)", q.Get("redirect_uri"), a.redirectURIs))
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = []string{"read"} // Doorkeeper's default scope
	}
	for _, sc := range scopes {
		if !slices.Contains(a.scopes, sc) {
			refuse(fmt.Sprintf("scope %q was not registered by the app (%v)", sc, a.scopes))
			return
		}
	}
	user := r.Header.Get(UserHeader)
	acct, ok := s.accounts[user]
	if !ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<form action="/auth/sign_in" method="post"><input name="user[email]"><input type="password" name="user[password]"><button>Log in</button></form>`)
		return
	}
	code := randomString(43)
	s.codes[code] = &grant{app: a, account: acct, redirectURI: q.Get("redirect_uri"), scopes: scopes,
		expires: s.now().Add(authorizationCodeExpiry)}
	target := "/oauth/authorize/native?code=" + url.QueryEscape(code)
	if u := q.Get("redirect_uri"); u != oob {
		v := url.Values{"code": {code}}
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		target = u + "?" + v.Encode()
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// authorizeNative is GET /oauth/authorize/native: the page that shows the code to copy.
func (s *Server) authorizeNative(w http.ResponseWriter, r *http.Request, _ caller) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<p>Copy this authorization code and paste it to the application.</p><input class="oauth-code" readonly type="text" value="%s">`,
		html.EscapeString(r.URL.Query().Get("code")))
}

// issueToken is POST /oauth/token with grant_type authorization_code: code, client_id,
// client_secret (or HTTP basic authentication), redirect_uri.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, _ caller) {
	p, err := s.params(r)
	if err != nil {
		s.contract(w, http.StatusBadRequest, "invalid_request", "%s: %v", RouteToken, err)
		return
	}
	clientID, secret := p.Get("client_id"), p.Get("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		clientID, secret = u, pw
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	oauthError := func(code int, name, desc string) {
		writeJSON(w, code, map[string]string{"error": name, "error_description": desc})
	}
	if gt := p.Get("grant_type"); gt != "authorization_code" {
		s.contractf("%s: grant_type %q (onair logs in with authorization_code)", RouteToken, gt)
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
		return
	}
	a, ok := s.apps[clientID]
	if !ok || a.secret != secret {
		s.contractf("%s: unknown client_id or wrong client_secret", RouteToken)
		oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return
	}
	const invalidGrant = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
	g, ok := s.codes[p.Get("code")]
	if !ok || g.used || g.app != a || !s.now().Before(g.expires) {
		oauthError(http.StatusBadRequest, "invalid_grant", invalidGrant)
		return
	}
	if p.Get("redirect_uri") != g.redirectURI {
		s.contractf("%s: redirect_uri %q, the authorization used %q", RouteToken, p.Get("redirect_uri"), g.redirectURI)
		oauthError(http.StatusBadRequest, "invalid_grant", invalidGrant)
		return
	}
	g.used = true
	tok := randomString(43)
	s.tokens[tok] = &token{account: g.account, scopes: g.scopes}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "scope": strings.Join(g.scopes, " "), "created_at": s.now().Unix(),
	})
}

// Approve plays the account's owner: logged in as username, they open authorizeURL (the page
// mastodon.AuthorizeURL gives) and approve. It returns the code the page then shows (or sends
// to the redirect URI).
func (s *Server) Approve(authorizeURL, username string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, authorizeURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set(UserHeader, username)
	client := *s.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("authorization page answered %s, not a redirect with a code", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", err
	}
	code := loc.Query().Get("code")
	if code == "" {
		return "", fmt.Errorf("no code in the redirect to %s", loc)
	}
	return code, nil
}

// appCredentials is GET /api/v1/apps/verify_credentials: the token's application. Mastodon 4.3
// and later list the token's scopes in it; older servers (Instance.V1Only) and GoToSocial give
// the application without them.
func (s *Server) appCredentials(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"name": "onair", "website": nil}
	if !s.goToSocial && !s.instance.V1Only {
		out["scopes"] = c.token.scopes
	}
	writeJSON(w, http.StatusOK, out)
}
