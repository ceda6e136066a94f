package x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/onairhq/onair/posting"
)

// refreshMargin: an access token that expires within it is renewed before a request, so that it
// cannot expire on the way. Shorter-lived tokens get a shorter margin (Poster.margin).
const refreshMargin = 2 * time.Minute

var errNoToken = errors.New("the channel has no X token")

// oauth2Config is the app's OAuth 2.0 client at X: Basic authentication for a confidential
// client, client_id in the form for a public one, as X asks.
func oauth2Config(api, authorizeURL, clientID, clientSecret, redirect string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if clientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirect, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: authorizeURL, TokenURL: api + "/2/oauth2/token", AuthStyle: style}}
}

func sameToken(a, b posting.Token) bool {
	return a.Access == b.Access && a.Refresh == b.Refresh && a.Expiry.Equal(b.Expiry)
}

// margin is how long before its expiry the token is renewed: refreshMargin, or half the
// tokens' lifetime when X issues tokens that live less than twice as long, so that a token
// renewed a moment ago is used rather than renewed again. Called with p.mu held.
func (p *Poster) margin() time.Duration {
	if p.lifetime > 0 && p.lifetime/2 < refreshMargin {
		return p.lifetime / 2
	}
	return refreshMargin
}

// token returns the access token to send. One that expires within the margin is renewed
// first, unless another onair process already renewed it; a renewed token is stored before it
// is returned.
func (p *Poster) token(ctx context.Context, channel string) (posting.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded {
		t, err := p.load(ctx)
		if err != nil {
			return posting.Token{}, err
		}
		p.tok, p.loaded = t, true
	}
	reloaded := false
	for range 4 {
		if p.pending != nil {
			if err := p.store(ctx, *p.pending); err != nil {
				return posting.Token{}, err
			}
			continue
		}
		if p.tok.Access == "" {
			return posting.Token{}, &posting.Auth{Err: posting.WithFix(posting.FixLogin, errNoToken)}
		}
		if !p.tok.Expired(p.Now(), p.margin()) {
			return p.tok, nil
		}
		if !reloaded {
			// Another process may have renewed it: its token is in the store.
			reloaded = true
			stored, err := p.load(ctx)
			if err != nil {
				return posting.Token{}, err
			}
			if !sameToken(stored, p.tok) {
				p.tok = stored
				continue
			}
		}
		next, err := p.refresh(ctx, channel)
		if err != nil {
			return posting.Token{}, err
		}
		if next == nil { // X refused the refresh token, and the store holds a newer one
			continue
		}
		p.pending = next
	}
	return posting.Token{}, &posting.Retryable{Err: errors.New("the channel's X token kept changing while onair renewed it; trying again later")}
}

// load reads the stored token. A store's failure is passing unless it says otherwise.
func (p *Poster) load(ctx context.Context) (posting.Token, error) {
	t, err := p.cfg.OAuth2.Tokens.Load(ctx)
	if err != nil {
		var au *posting.Auth
		var re *posting.Retryable
		if errors.As(err, &au) || errors.As(err, &re) {
			return t, err
		}
		return t, &posting.Retryable{Err: fmt.Errorf("read the channel's X token: %w", err)}
	}
	return t, nil
}

// store saves next, which X issued in exchange for p.tok's refresh token, in place of p.tok.
// X's refresh tokens work once: from now on only next is good, so it is kept in memory until
// it is stored, and nothing uses it before.
func (p *Poster) store(ctx context.Context, next posting.Token) error {
	err := p.cfg.OAuth2.Tokens.Save(ctx, p.tok, next)
	switch {
	case err == nil:
		p.tok, p.pending = next, nil
		return nil
	case errors.Is(err, posting.ErrTokenChanged):
		// Another process stored a token first: go on with its token.
		p.pending = nil
		stored, err := p.load(ctx)
		if err != nil {
			return err
		}
		p.tok = stored
		return nil
	}
	p.pending = &next
	return &posting.Retryable{Err: fmt.Errorf("X renewed the channel's token but onair could not store it, so nothing was posted (onair stores it on the next try; if onair stops before, the channel must log in again): %w", err)}
}

// refresh asks X for a new token with p.tok's refresh token. It returns nil, nil when X refused
// the refresh token but the store holds another token (another process renewed it first).
func (p *Poster) refresh(ctx context.Context, channel string) (*posting.Token, error) {
	old := p.tok
	if old.Refresh == "" {
		return nil, &posting.Auth{Err: posting.WithFix(posting.FixLogin, errors.New("the channel's X token has expired and came without a refresh token"))}
	}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, p.client), p.cfg.Timeout)
	defer cancel()
	t, err := p.oauth2.TokenSource(ctx, &oauth2.Token{RefreshToken: old.Refresh}).Token()
	if err == nil {
		next := posting.Token{Access: t.AccessToken, Refresh: t.RefreshToken, Expiry: t.Expiry}
		if t.ExpiresIn > 0 {
			p.lifetime = time.Duration(t.ExpiresIn) * time.Second
			next.Expiry = p.Now().Add(p.lifetime).Round(0).UTC()
		}
		return &next, nil
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return nil, &posting.Retryable{Err: fmt.Errorf("renew the channel's X token: %w", err)}
	}
	xsaid := fmt.Errorf("X answered %d to the token renewal: %s", re.Response.StatusCode, oauthWords(re))
	switch status := re.Response.StatusCode; {
	case status == http.StatusBadRequest && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_request"):
		// The refresh token is spent, expired or revoked. If another process renewed it, the
		// store has the token it got.
		stored, err := p.load(ctx)
		if err != nil {
			return nil, err
		}
		if !sameToken(stored, old) {
			p.tok = stored
			return nil, nil
		}
		return nil, &posting.Auth{Err: posting.WithFix(posting.FixLogin, fmt.Errorf("%w; X no longer takes the channel's refresh token (the login was revoked or expired, or a renewed token was lost)", xsaid))}
	case status == http.StatusUnauthorized || re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
		return nil, &posting.Auth{Err: fmt.Errorf("%w; X refused the app's OAuth 2.0 Client ID or Client Secret: check them on the app's Keys and tokens page in the X developer portal (a confidential client needs its secret, a public one has none) and update the channel", xsaid)}
	case status == http.StatusTooManyRequests || status >= 500:
		return nil, &posting.Retryable{Err: xsaid}
	}
	return nil, &posting.Auth{Err: posting.WithFix(posting.FixLogin, xsaid)}
}

// tokenChangedSince reports, after X refused used with a 401, whether there is another token to
// try: one another goroutine or another process renewed meanwhile.
func (p *Poster) tokenChangedSince(ctx context.Context, used posting.Token) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !sameToken(p.tok, used) {
		return true, nil
	}
	stored, err := p.load(ctx)
	if err != nil {
		return false, err
	}
	if sameToken(stored, used) {
		return false, nil
	}
	p.tok = stored
	return true, nil
}

// oauthWords is what X's token endpoint said.
func oauthWords(re *oauth2.RetrieveError) string {
	switch {
	case re.ErrorCode != "" && re.ErrorDescription != "":
		return re.ErrorCode + ": " + re.ErrorDescription
	case re.ErrorCode != "":
		return re.ErrorCode
	}
	return said(answer{status: re.Response.StatusCode, body: re.Body})
}
