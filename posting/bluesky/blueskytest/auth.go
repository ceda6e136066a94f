package blueskytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// JWT scopes, as the reference PDS writes them.
const (
	scopeAppPass = "com.atproto.appPass"
	scopeAccess  = "com.atproto.access"
	scopeRefresh = "com.atproto.refresh"
)

// account is one repository and its login.
type account struct {
	did, handle, email string
	appPasswords       map[string]bool
	password           string // the account's own password ("" : none set by the test)
	sessions5m, day    window
	writes             window
	records            map[string]*record // by rkey
	order              []string           // rkeys, in creation order
	blobs              map[string]*blob   // by CID
}

type refreshToken struct {
	did         string
	appPassword string
	alive       bool
}

// AddAccount creates an account whose app password is appPassword, and returns its DID.
func (s *Server) AddAccount(handle, appPassword string) (did string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	handle = strings.ToLower(strings.TrimPrefix(handle, "@"))
	sum := sha256.Sum256([]byte(handle))
	did = "did:plc:" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:24]
	s.accounts = append(s.accounts, &account{
		did: did, handle: handle, email: strings.ReplaceAll(handle, ".", "-") + "@example.com",
		appPasswords: map[string]bool{appPassword: true},
		records:      map[string]*record{}, blobs: map[string]*blob{},
	})
	return did
}

// SetPassword sets an account's own (main) password. A session opened with it gets an access
// JWT with the scope com.atproto.access, where an app password's gets com.atproto.appPass, as
// on the reference PDS.
func (s *Server) SetPassword(acct, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(acct).password = password
}

// AddAppPassword gives an account (its handle or DID) another app password.
func (s *Server) AddAppPassword(acct, appPassword string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(acct).appPasswords[appPassword] = true
}

// RevokeAppPassword deletes an app password of an account, and ends the sessions opened with it
// (their refresh JWTs die; their access JWTs work until they expire, as on the reference PDS).
func (s *Server) RevokeAppPassword(acct, appPassword string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(acct)
	delete(a.appPasswords, appPassword)
	for _, rt := range s.refresh {
		if rt.did == a.did && rt.appPassword == appPassword {
			rt.alive = false
		}
	}
}

// RevokeSessions ends every session of an account: their refresh JWTs die.
func (s *Server) RevokeSessions(acct string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(acct)
	for _, rt := range s.refresh {
		if rt.did == a.did {
			rt.alive = false
		}
	}
}

// IssueSession opens a session for an account as createSession would, without counting it
// against createSession's limits: for tests that start logged in.
func (s *Server) IssueSession(acct string) (accessJwt, refreshJwt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(acct)
	var pw string
	for p := range a.appPasswords {
		pw = p
		break
	}
	return s.issue(a, pw)
}

// mustAccount finds an account by handle or DID, or panics: a test's mistake. s.mu is held.
func (s *Server) mustAccount(acct string) *account {
	a := s.account(acct)
	if a == nil {
		panic("blueskytest: no account " + acct)
	}
	return a
}

// account finds an account by DID, handle or e-mail. s.mu is held.
func (s *Server) account(id string) *account {
	id = strings.ToLower(strings.TrimPrefix(id, "@"))
	for _, a := range s.accounts {
		if a.did == id || a.handle == id || a.email == id {
			return a
		}
	}
	return nil
}

// issue makes a new access and refresh JWT pair. s.mu is held.
func (s *Server) issue(a *account, appPassword string) (access, refresh string) {
	now := s.now()
	s.serial++
	jti := fmt.Sprintf("rt-%d-%x", s.serial, sha256.Sum256([]byte(fmt.Sprint(s.serial, now.UnixNano()))))[:40]
	s.refresh[jti] = &refreshToken{did: a.did, appPassword: appPassword, alive: true}
	aud := "did:web:" + strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
	scope := scopeAppPass
	if appPassword == "" { // the account's own password
		scope = scopeAccess
	}
	access = s.sign("at+jwt", map[string]any{"scope": scope, "sub": a.did, "aud": aud,
		"iat": now.Unix(), "exp": now.Add(s.AccessLifetime).Unix()})
	refresh = s.sign("refresh+jwt", map[string]any{"scope": scopeRefresh, "sub": a.did, "aud": aud, "jti": jti,
		"iat": now.Unix(), "exp": now.Add(s.RefreshLifetime).Unix()})
	return access, refresh
}

var b64 = base64.RawURLEncoding

// sign writes a JWT (HS256 with the server's secret).
func (s *Server) sign(typ string, claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"typ": typ, "alg": "HS256"})
	payload, _ := json.Marshal(claims)
	signed := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(signed))
	return signed + "." + b64.EncodeToString(mac.Sum(nil))
}

type claims struct {
	Scope string `json:"scope"`
	Sub   string `json:"sub"`
	Jti   string `json:"jti"`
	Exp   int64  `json:"exp"`
}

// bearer verifies the request's bearer JWT and returns its claims, answering as the reference
// PDS does: 401 AuthMissing without one, 400 ExpiredToken past its exp, 400 InvalidToken when
// it cannot be verified or has the wrong scope. s.mu is held.
func (s *Server) bearer(r *http.Request, scopes ...string) (claims, *xerr) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return claims{}, &xerr{status: 401, name: "AuthMissing", message: "Authentication Required"}
	}
	kind, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(kind, "Bearer") {
		return claims{}, &xerr{status: 400, name: "InvalidToken", message: "Unsupported authorization type: " + kind}
	}
	parts := strings.Split(tok, ".")
	unverifiable := &xerr{status: 400, name: "InvalidToken", message: "Token could not be verified"}
	if len(parts) != 3 {
		return claims{}, unverifiable
	}
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return claims{}, unverifiable
	}
	payload, err := b64.DecodeString(parts[1])
	var c claims
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return claims{}, unverifiable
	}
	if !s.now().Before(time.Unix(c.Exp, 0)) {
		return claims{}, &xerr{status: 400, name: "ExpiredToken", message: "Token has expired"}
	}
	for _, sc := range scopes {
		if c.Scope == sc {
			return c, nil
		}
	}
	return claims{}, &xerr{status: 400, name: "InvalidToken", message: "Bad token scope"}
}

// access authenticates a request made with an access JWT. s.mu is held.
func (s *Server) access(r *http.Request) (*account, *xerr) {
	c, e := s.bearer(r, scopeAppPass, scopeAccess)
	if e != nil {
		return nil, e
	}
	a := s.account(c.Sub)
	if a == nil {
		return nil, &xerr{status: 400, name: "InvalidToken", message: "Token could not be verified"}
	}
	return a, nil
}

type sessionOut struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	Email      string `json:"email,omitempty"`
	Active     bool   `json:"active"`
}

func (s *Server) createSession(r *http.Request, body []byte) (any, *xerr) {
	var in struct {
		Identifier *string `json:"identifier"`
		Password   *string `json:"password"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Identifier == nil || in.Password == nil {
		return nil, s.contract(CreateSession, badRequest("Input must have the property \"identifier\" and \"password\""),
			"input is not {identifier, password}: %s", body)
	}
	refused := &xerr{status: 401, name: "AuthenticationRequired", message: "Invalid identifier or password"}
	a := s.account(*in.Identifier)
	if a == nil {
		return nil, refused
	}
	now := s.now()
	ok5, left5, reset5 := a.sessions5m.take(now, 5*time.Minute, s.SessionLimit, 1)
	okDay, leftDay, resetDay := a.day.take(now, 24*time.Hour, s.SessionDailyLimit, 1)
	switch {
	case !ok5:
		return nil, &xerr{status: 429, name: "RateLimitExceeded", message: "Rate Limit Exceeded",
			header: rateHeaders(s.SessionLimit, left5, reset5, fmt.Sprintf("%d;w=300", s.SessionLimit))}
	case !okDay:
		return nil, &xerr{status: 429, name: "RateLimitExceeded", message: "Rate Limit Exceeded",
			header: rateHeaders(s.SessionDailyLimit, leftDay, resetDay, fmt.Sprintf("%d;w=86400", s.SessionDailyLimit))}
	}
	pw := *in.Password
	switch {
	case a.appPasswords[pw]:
	case a.password != "" && pw == a.password:
		pw = "" // a full session: the account's own password
	default:
		return nil, refused
	}
	access, refresh := s.issue(a, pw)
	return sessionOut{AccessJwt: access, RefreshJwt: refresh, Handle: a.handle, DID: a.did, Email: a.email, Active: true}, nil
}

func (s *Server) refreshSession(r *http.Request, body []byte) (any, *xerr) {
	if len(body) > 0 {
		return nil, s.contract(RefreshSession, badRequest("A request body was provided when none was expected"), "refreshSession takes no input")
	}
	c, e := s.bearer(r, scopeRefresh)
	if e != nil {
		return nil, e
	}
	rt := s.refresh[c.Jti]
	if rt == nil || !rt.alive {
		return nil, &xerr{status: 400, name: "ExpiredToken", message: "Token has been revoked"}
	}
	a := s.account(c.Sub)
	if a == nil {
		return nil, badRequest("Could not find user info for account: " + c.Sub)
	}
	rt.alive = false // rotated: the old refresh JWT dies
	access, refresh := s.issue(a, rt.appPassword)
	return sessionOut{AccessJwt: access, RefreshJwt: refresh, Handle: a.handle, DID: a.did, Active: true}, nil
}

func (s *Server) getSession(r *http.Request, body []byte) (any, *xerr) {
	a, e := s.access(r)
	if e != nil {
		return nil, e
	}
	return map[string]any{"handle": a.handle, "did": a.did, "email": a.email, "active": true}, nil
}
