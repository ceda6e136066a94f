package bluesky

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// Session is an account's login on its PDS: who it is and the session's token pair.
type Session struct {
	DID    string
	Handle string
	Token  posting.Token // Access = accessJwt, Refresh = refreshJwt, Expiry = the access JWT's exp
}

// renewMargin is how long before its expiry an access JWT is renewed, so that it does not expire
// between the check and the post.
const renewMargin = 2 * time.Minute

// sessionAnswer is createSession's and refreshSession's answer.
type sessionAnswer struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
}

func (a sessionAnswer) session() Session {
	return Session{DID: a.DID, Handle: a.Handle, Token: posting.Token{
		Access: a.AccessJwt, Refresh: a.RefreshJwt, Expiry: jwtExpiry(a.AccessJwt)}}
}

// Login creates a session (com.atproto.server.createSession) with an app password: used by
// `onair channel add bluesky`. identifier is the handle (or the DID, or the account's e-mail);
// pds is the account's PDS, "https://bsky.social" when empty. client may be nil.
//
// Bluesky allows 30 logins per 5 minutes and 300 per day per account: log in once and keep the
// session (a Poster refreshes it).
func Login(ctx context.Context, client *http.Client, pds, identifier, appPassword string) (Session, error) {
	c, err := newXRPC(pds, client, 0)
	if err != nil {
		return Session{}, err
	}
	s, err := createSession(ctx, c, identifier, appPassword)
	if err != nil {
		return Session{}, loginError(err, time.Now(), identifier)
	}
	if jwtScope(s.Token.Access) == scopeFullAccess {
		return Session{}, &posting.Auth{Err: fmt.Errorf("the password given for %s is the account's own password, not an app password: "+
			"onair does not keep a password that can change the account; create an app password (Settings > Privacy and security > App passwords) and give that", identifier)}
	}
	return s, nil
}

// scopeFullAccess is the scope of an access JWT a PDS issues for the account's own password;
// an app password's is com.atproto.appPass (or com.atproto.appPassPrivileged).
const scopeFullAccess = "com.atproto.access"

// jwtScope reads a JWT's scope claim, without verifying it ("" when unreadable).
func jwtScope(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Scope string `json:"scope"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Scope
}

func createSession(ctx context.Context, c *xrpcClient, identifier, password string) (Session, error) {
	body, err := json.Marshal(map[string]string{"identifier": strings.TrimPrefix(identifier, "@"), "password": password})
	if err != nil {
		return Session{}, err
	}
	var a sessionAnswer
	if err := c.call(ctx, request{nsid: nsidCreateSession, body: body}, &a); err != nil {
		return Session{}, err
	}
	if a.AccessJwt == "" || a.RefreshJwt == "" || a.DID == "" {
		return Session{}, fmt.Errorf("%s: the answer holds no session", nsidCreateSession)
	}
	return a.session(), nil
}

// loginError says what a refused login means for the person logging in.
func loginError(err error, now time.Time, identifier string) error {
	e := asXRPC(err)
	switch {
	case e != nil && e.Name == "AuthFactorTokenRequired":
		return &posting.Auth{Err: fmt.Errorf("Bluesky asks %s for an e-mail code: that is the account password, not an app password; "+
			"create an app password (Settings > Privacy and security > App passwords) and use it: %w", identifier, err)}
	case e != nil && (e.Status == http.StatusUnauthorized || e.Name == "AuthenticationRequired"):
		return &posting.Auth{Err: posting.WithFix(posting.FixLogin, fmt.Errorf("Bluesky refused %s with this app password (wrong, or revoked): %w; "+
			"check the handle, create a new app password (Settings > Privacy and security > App passwords) "+
			"and log in with it", identifier, err))}
	case e != nil && (e.Status == http.StatusTooManyRequests || e.Name == "RateLimitExceeded"):
		until := resetTime(e.Header, now)
		return &posting.RateLimited{Until: until, Err: fmt.Errorf("Bluesky allows 30 logins per 5 minutes and 300 per day per account; "+
			"try again after %s: %w", until.UTC().Format(time.RFC3339), err)}
	}
	return classify(err, now, "log in to Bluesky as "+identifier)
}

// Me returns the account the channel's session belongs to (com.atproto.server.getSession): for
// `onair channel test`. It renews the session first when it is about to expire.
func (p *Poster) Me(ctx context.Context) (Session, error) {
	tok, err := p.session(ctx)
	if err != nil {
		return Session{}, err
	}
	var a struct {
		DID    string `json:"did"`
		Handle string `json:"handle"`
	}
	err = p.authed(ctx, &tok, func(access string) error {
		return p.xrpc.call(ctx, request{nsid: nsidGetSession, query: nil, bearer: access}, &a)
	})
	if err != nil {
		return Session{}, classify(err, p.Now(), "check the Bluesky session")
	}
	return Session{DID: a.DID, Handle: a.Handle, Token: tok}, nil
}

// session returns the channel's token, renewed first when the access JWT expires within
// renewMargin.
func (p *Poster) session(ctx context.Context) (posting.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok, err := p.cfg.Tokens.Load(ctx)
	if err != nil {
		return tok, &posting.Retryable{Err: fmt.Errorf("read the Bluesky session: %w", err)}
	}
	if tok.Access != "" && !tok.Expired(p.Now(), renewMargin) {
		return tok, nil
	}
	return p.renew(ctx, tok)
}

// authed runs call with the access JWT of *tok. When the PDS refuses the JWT, it reloads the
// stored token (another onair process may have renewed it) or renews it, and runs call once
// more; a second refusal is *posting.Auth.
func (p *Poster) authed(ctx context.Context, tok *posting.Token, call func(access string) error) error {
	err := call(tok.Access)
	if !isTokenFailure(err) {
		return err
	}
	p.mu.Lock()
	next, rerr := p.reload(ctx, *tok)
	p.mu.Unlock()
	if rerr != nil {
		return rerr
	}
	*tok = next
	err = call(tok.Access)
	if isTokenFailure(err) {
		return &posting.Auth{Err: posting.WithFix(posting.FixLogin, fmt.Errorf("Bluesky refused a session it had just renewed: %w", err))}
	}
	return err
}

// reload returns the stored token when another process replaced prev, else renews prev. p.mu
// is held.
func (p *Poster) reload(ctx context.Context, prev posting.Token) (posting.Token, error) {
	cur, err := p.cfg.Tokens.Load(ctx)
	if err != nil {
		return prev, &posting.Retryable{Err: fmt.Errorf("read the Bluesky session: %w", err)}
	}
	if !sameToken(cur, prev) && cur.Access != "" && !cur.Expired(p.Now(), renewMargin) {
		return cur, nil
	}
	return p.renew(ctx, cur)
}

// renew replaces tok by a new session: refreshSession with its refresh JWT, or, when the PDS
// says that one is dead, createSession with the app password. The new pair is saved before it
// is used, since the refresh rotated the pair and the old refresh JWT no longer works. p.mu is
// held.
func (p *Poster) renew(ctx context.Context, tok posting.Token) (posting.Token, error) {
	now := p.Now()
	var next Session
	err := errors.New("no session")
	if tok.Refresh != "" {
		next, err = p.refresh(ctx, tok.Refresh)
	}
	if err != nil {
		if tok.Refresh != "" && !isTokenFailure(err) {
			return tok, classify(err, now, "renew the Bluesky session")
		}
		// The refresh JWT is dead (expired, revoked, or rotated by another process).
		cur, lerr := p.cfg.Tokens.Load(ctx)
		if lerr != nil {
			return tok, &posting.Retryable{Err: fmt.Errorf("read the Bluesky session: %w", lerr)}
		}
		if !sameToken(cur, tok) {
			if cur.Access != "" && !cur.Expired(now, renewMargin) {
				return cur, nil // another process renewed it
			}
			if cur.Refresh != "" {
				next, err = p.refresh(ctx, cur.Refresh)
				if err == nil {
					return p.save(ctx, cur, next)
				}
				if !isTokenFailure(err) {
					return cur, classify(err, now, "renew the Bluesky session")
				}
			}
			tok = cur
		}
		if p.cfg.AppPassword == "" {
			return tok, &posting.Auth{Err: posting.WithFix(posting.FixLogin, fmt.Errorf("the Bluesky session of %s has ended and onair holds no app password to open another: %w; "+
				"log in with an app password", p.account(), err))}
		}
		next, err = createSession(ctx, p.xrpc, p.loginID(), p.cfg.AppPassword)
		if err != nil {
			return tok, loginError(err, now, p.account())
		}
	}
	return p.save(ctx, tok, next)
}

// save stores next in place of prev and returns the token to use: next, or, when another
// process stored its own first, that one.
func (p *Poster) save(ctx context.Context, prev posting.Token, next Session) (posting.Token, error) {
	err := p.cfg.Tokens.Save(ctx, prev, next.Token)
	switch {
	case err == nil:
		return next.Token, nil
	case errors.Is(err, posting.ErrTokenChanged):
		cur, lerr := p.cfg.Tokens.Load(ctx)
		if lerr != nil {
			return prev, &posting.Retryable{Err: fmt.Errorf("read the Bluesky session: %w", lerr)}
		}
		return cur, nil
	}
	return prev, &posting.Retryable{Err: fmt.Errorf("the renewed Bluesky session could not be stored, so nothing was posted: %w", err)}
}

// refresh calls refreshSession, which rotates the pair: the refresh JWT sent dies.
func (p *Poster) refresh(ctx context.Context, refreshJwt string) (Session, error) {
	var a sessionAnswer
	// refreshSession takes no input; an empty POST body.
	if err := p.xrpc.call(ctx, request{nsid: nsidRefreshSession, body: []byte{}, bearer: refreshJwt}, &a); err != nil {
		return Session{}, err
	}
	if a.AccessJwt == "" || a.RefreshJwt == "" {
		return Session{}, fmt.Errorf("%s: the answer holds no session", nsidRefreshSession)
	}
	return a.session(), nil
}

// loginID is the identifier createSession is given: the DID, which survives a change of handle.
func (p *Poster) loginID() string {
	if p.cfg.DID != "" {
		return p.cfg.DID
	}
	return p.cfg.Handle
}

// account names the account for the marketer.
func (p *Poster) account() string {
	if p.cfg.Handle != "" {
		return "@" + strings.TrimPrefix(p.cfg.Handle, "@")
	}
	return p.cfg.DID
}

func sameToken(a, b posting.Token) bool {
	return a.Access == b.Access && a.Refresh == b.Refresh && a.Expiry.Equal(b.Expiry)
}

// jwtExpiry reads the exp claim of a JWT without verifying it (the PDS verifies; onair only
// needs to know when to renew). Zero when there is none.
func jwtExpiry(jwt string) time.Time {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(f), 0).UTC()
}
