// Package xtest is a fake X API v2 for tests: an httptest server that checks every request as X
// would (OAuth 1.0a signatures verified with code of its own, OAuth 2.0 bearer tokens with their
// expiry and scopes, X's rules on posts) and against X's official OpenAPI document, answers the
// way X answers, faults included, and records what it accepted.
//
// Every request to a documented endpoint is validated with kin-openapi against the document
// (embedded, version 2.167), and so is every answer X's document describes; a violation is a
// contract error (Errors), which fails the test at cleanup unless AllowContractErrors is set.
// Some of X's real answers are not in its document (the duplicate-content 403, 401, 429, the
// oauth1-permissions and client-forbidden 403s, the credits-depleted 402): the fake gives them
// as X does and does not validate them.
//
// Posts read back (GET /2/users/{id}/tweets) come as X gives them: newest first, each link in
// the text rewritten to a t.co link, a picture's t.co link at the end, &, < and > as HTML
// entities, and only the fields tweet.fields asks for beyond id and text.
package xtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/onairhq/onair/posting"
)

// Endpoints, as FailNext and Requests name them: a path with parameters is named by X's
// document's template.
const (
	EndpointTweets        = "POST /2/tweets"
	EndpointMediaUpload   = "POST /2/media/upload"
	EndpointMediaStatus   = "GET /2/media/upload"
	EndpointMediaMetadata = "POST /2/media/metadata"
	EndpointMe            = "GET /2/users/me"
	EndpointUserPosts     = "GET /2/users/{id}/tweets"
	EndpointToken         = "POST /2/oauth2/token"
	EndpointAuthorize     = "GET /i/oauth2/authorize"
)

// Problem types X answers with. X's document names them under api.x.com; X itself still sends
// some under api.twitter.com.
const (
	ProblemInvalidRequest    = "https://api.x.com/2/problems/invalid-request"
	ProblemInternalError     = "https://api.x.com/2/problems/internal-error"
	ProblemOAuth1Permissions = "https://api.x.com/2/problems/oauth1-permissions"
	ProblemClientForbidden   = "https://api.x.com/2/problems/client-forbidden"
	ProblemCreditsDepleted   = "https://api.x.com/2/problems/credits-depleted"
)

// DuplicateDetail is X's word for a post whose text the account already posted.
const DuplicateDetail = "You are not allowed to create a Tweet with duplicate content."

// Fault is an answer the server gives instead of the normal one (FailNext).
type Fault int

const (
	// Unauthorized answers 401, as for refused credentials.
	Unauthorized Fault = iota + 1
	// OAuth1Permissions answers 403 oauth1-permissions: the app has read-only permission.
	OAuth1Permissions
	// ClientForbidden answers 403 client-forbidden: the app is not attached to a project.
	ClientForbidden
	// RateLimit answers 429 with x-rate-limit-remaining 0, reset in 15 minutes.
	RateLimit
	// DailyLimit answers 429 with x-user-limit-24hour-remaining 0, reset in 24 hours, while
	// the 15-minute window still has room.
	DailyLimit
	// CreditsDepleted answers 402: the app's pay-per-use credits are spent.
	CreditsDepleted
	// Status500 answers 500 internal-error.
	Status500
	// Status503 answers 503 Service Unavailable.
	Status503
	// Drop closes the connection without doing anything.
	Drop
	// AcceptThenDrop does the request (the post is created), then closes the connection
	// without answering: the client cannot know.
	AcceptThenDrop
	// Hang answers nothing until the client gives up (a client timeout).
	Hang
	// AcceptThen500 does the request (the post is created), then answers 500 internal-error (X's
	// front end failing after the post was created).
	AcceptThen500
	// AbsurdReset answers 429 with x-rate-limit-remaining 0 and an x-rate-limit-reset ten years
	// away (Unix seconds, as X writes it): a broken proxy or clock, not a window of X's.
	AbsurdReset
	// Redirect301 answers 301 Moved Permanently to the same path under /moved, nothing done (a
	// proxy in front of the API that moved).
	Redirect301
)

// User is an X account.
type User struct{ ID, Username, Name string }

// DefaultUser is the account the server's credentials act for unless a test says otherwise.
var DefaultUser = User{ID: "1720665183188922368", Username: "onairhq", Name: "onair"}

// Post is a post the server accepted.
type Post struct {
	ID       string
	Text     string
	AuthorID string
	ReplyTo  string   // in_reply_to_tweet_id, "" if none
	MediaIDs []string // attached media
	Auth     string   // "oauth1" or "oauth2"
	At       time.Time
}

// Server is a fake X API. Set its fields before the first request.
type Server struct {
	*httptest.Server

	// Now is the server's clock: token and code expiry, rate-limit windows and resets.
	Now func() time.Time
	// OAuth1Clock is what OAuth 1.0a timestamps are checked against (within OAuth1Skew). It
	// is the wall clock by default, whatever Now says, since signers stamp requests with it.
	OAuth1Clock func() time.Time
	OAuth1Skew  time.Duration
	// AccessTTL is how long an OAuth 2.0 access token lives (X: 2 hours), RefreshTTL a refresh
	// token (X does not say; 180 days here), CodeTTL an authorization code (X: 30 seconds).
	AccessTTL, RefreshTTL, CodeTTL time.Duration
	// PostsPer15Min is X's per-user limit on creating posts (100 per 15 minutes). PostsPer24h,
	// when set, adds a per-user daily cap (17 on the free access level).
	PostsPer15Min, PostsPer24h int
	// LoginAs is the account that authorizes the app on /i/oauth2/authorize; DenyLogin makes
	// the person decline instead.
	LoginAs   User
	DenyLogin bool
	// Metrics gives a post's public metrics at an age (default Growth): counts that change as
	// the server's clock moves.
	Metrics func(id string, age time.Duration) PublicMetrics
	// AllowContractErrors keeps the cleanup from failing the test over contract errors (for
	// tests that break the contract on purpose).
	AllowContractErrors bool

	mu        sync.Mutex
	users     map[string]User
	consumers map[string]string       // OAuth 1.0a consumer key -> consumer secret
	tokens1   map[string]oauth1Token  // OAuth 1.0a access token -> its secret, app and user
	nonces    map[string]bool         // consumer key, token, timestamp and nonce seen
	clients   map[string]*Client      // OAuth 2.0 client id -> client
	bearers   map[string]*bearerToken // access token -> grant
	refreshes map[string]*refreshToken
	codes     map[string]*authCode
	media     map[string]*Media
	posts     []Post
	byUser    map[string][]time.Time // when each user's create-post requests came, for limits
	faults    map[string][]Fault
	requests  map[string]int
	errs      []string
	refusals  []string
	logins    []Authorization
	nextID    int64
}

type oauth1Token struct {
	secret, consumer string
	user             User
}

type caller struct {
	user   User
	oauth1 bool
	scopes []string
}

// New starts a fake X API; it stops, and fails t if a request broke X's contract, when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	if _, err := Document(); err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Now: time.Now, OAuth1Clock: time.Now, OAuth1Skew: 5 * time.Minute,
		AccessTTL: 2 * time.Hour, RefreshTTL: 180 * 24 * time.Hour, CodeTTL: 30 * time.Second,
		PostsPer15Min: 100, LoginAs: DefaultUser,
		users: map[string]User{DefaultUser.ID: DefaultUser}, consumers: map[string]string{},
		tokens1: map[string]oauth1Token{}, nonces: map[string]bool{}, clients: map[string]*Client{},
		bearers: map[string]*bearerToken{}, refreshes: map[string]*refreshToken{}, codes: map[string]*authCode{},
		media: map[string]*Media{}, byUser: map[string][]time.Time{}, faults: map[string][]Fault{},
		requests: map[string]int{}, nextID: 1880028106020515840,
	}
	s.Server = httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		if errs := s.Errors(); len(errs) > 0 && !s.AllowContractErrors {
			t.Errorf("requests broke X's API contract:\n  %s", strings.Join(errs, "\n  "))
		}
	})
	return s
}

// OAuth1Keys are an app's consumer key and secret with one account's access token and secret.
type OAuth1Keys struct{ ConsumerKey, ConsumerSecret, Token, TokenSecret string }

// NewOAuth1 registers an app and an access token for u, as the developer portal makes them.
func (s *Server) NewOAuth1(u User) OAuth1Keys {
	k := OAuth1Keys{ConsumerKey: randomString(18), ConsumerSecret: randomString(36),
		Token: u.ID + "-" + randomString(30), TokenSecret: randomString(33)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	s.consumers[k.ConsumerKey] = k.ConsumerSecret
	s.tokens1[k.Token] = oauth1Token{secret: k.TokenSecret, consumer: k.ConsumerKey, user: u}
	return k
}

// FailNext makes the next requests to endpoint (EndpointTweets...) answer with faults, one
// request each, in order.
func (s *Server) FailNext(endpoint string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], faults...)
}

// Posts returns the posts accepted, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		p.MediaIDs = slices.Clone(p.MediaIDs)
		out[i] = p
	}
	return out
}

// Requests returns how many requests came to endpoint (EndpointTweets...), whatever the answer.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// Errors returns the contract errors: requests X's document refuses, answers of the fake's
// that break it, endpoints X does not have.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.errs)
}

// Refusals returns why each refused credential was refused (X itself only says "Unauthorized").
func (s *Server) Refusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refusals)
}

func (s *Server) contractError(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

// reply is one answer, built before it is written so that it can be checked first.
type reply struct {
	status int
	header http.Header
	body   []byte
	// undocumented says why this answer, X's real one, is not in X's document: it is not
	// validated.
	undocumented string
	drop         bool // close the connection instead
}

func jsonReply(status int, v any) reply {
	b, _ := json.Marshal(v)
	return reply{status: status, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: b}
}

// problem is an RFC 7807 answer of one of the types X's document knows.
func problem(status int, typ, title, detail string) reply {
	r := jsonReply(status, map[string]any{"type": typ, "title": title, "detail": detail, "status": status})
	r.header.Set("Content-Type", "application/problem+json")
	return r
}

func invalidRequest(detail string) reply {
	return problem(http.StatusBadRequest, ProblemInvalidRequest, "Invalid Request", detail)
}

// undocumented is one of X's answers its document does not describe, given as X gives it.
func undocumented(status int, contentType, why string, v any) reply {
	r := jsonReply(status, v)
	r.header.Set("Content-Type", contentType)
	r.undocumented = why
	return r
}

func unauthorized() reply {
	return undocumented(http.StatusUnauthorized, "application/problem+json", "X's 401 is about:blank",
		map[string]any{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ep := r.Method + " " + r.URL.Path
	var (
		rt     *routers.Route
		params map[string]string
	)
	if ep != EndpointAuthorize && ep != EndpointToken {
		d, _ := Document()
		if rt, params = route(d, r.Method, r.URL.Path); rt != nil {
			ep = r.Method + " " + rt.Path
		}
	}
	s.mu.Lock()
	s.requests[ep]++
	s.mu.Unlock()
	var rep reply
	switch ep {
	case EndpointAuthorize:
		s.authorize(w, r)
		return
	case EndpointToken:
		rep = s.token(r, body)
	default:
		rep = s.api(r, body, ep, rt, params)
	}
	if rep.drop {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

// api serves X's documented endpoints: faults, credentials, the document's check, then X's rules.
// rt is the document's operation for the request (nil: X has none), params its path parameters.
func (s *Server) api(r *http.Request, body []byte, ep string, rt *routers.Route, params map[string]string) reply {
	if rt == nil {
		s.contractError("%s: X has no such endpoint", ep)
		return undocumented(http.StatusNotFound, "application/json", "X's unknown-route answer",
			map[string]any{"errors": []map[string]any{{"message": "Sorry, that page does not exist", "code": 34}}})
	}
	fault := s.popFault(ep)
	if fault == Hang {
		<-r.Context().Done()
		return reply{drop: true}
	}
	if fault == Redirect301 {
		return reply{status: http.StatusMovedPermanently, header: http.Header{"Location": {"/moved" + r.URL.Path}},
			undocumented: "a proxy's redirect"}
	}
	if rep, ok := s.faultReply(fault); ok {
		return rep
	}
	c, ok := s.authenticate(r, body)
	if !ok {
		return unauthorized()
	}
	in, err := checkRequest(rt, params, r, body, c)
	if err != nil {
		var sec *openapi3filter.SecurityRequirementsError
		if errors.As(err, &sec) {
			s.contractError("%s: %v", ep, err)
			return undocumented(http.StatusForbidden, "application/problem+json", "X's missing-scope 403 is about:blank",
				map[string]any{"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden: " + firstLine(err.Error())})
		}
		s.contractError("%s: the request breaks X's OpenAPI document: %v", ep, err)
		return invalidRequest(firstLine(err.Error()))
	}
	var rep reply
	switch ep {
	case EndpointTweets:
		rep = s.createPost(c, body)
	case EndpointMediaUpload:
		rep = s.upload(c, r, body)
	case EndpointMediaStatus:
		rep = s.uploadStatus(c, r)
	case EndpointMediaMetadata:
		rep = s.mediaMetadata(c, body)
	case EndpointUserPosts:
		rep = s.userPosts(r, params["id"])
	case EndpointPostsByIDs:
		rep = s.postsByIDs(r)
	case EndpointMe:
		rep = jsonReply(http.StatusOK, map[string]any{"data": map[string]string{"id": c.user.ID, "username": c.user.Username, "name": c.user.Name}})
	default:
		s.contractError("%s: documented by X but not served by the fake", ep)
		return problem(http.StatusInternalServerError, ProblemInternalError, "Internal Error", "xtest does not serve "+ep)
	}
	if rep.undocumented == "" {
		if err := checkResponse(in, rep.status, rep.header, rep.body); err != nil {
			s.contractError("%s: xtest's answer %d %s breaks X's OpenAPI document: %v", ep, rep.status, rep.body, err)
		}
	}
	switch fault {
	case AcceptThenDrop:
		rep.drop = true
	case AcceptThen500:
		rep = problem(http.StatusInternalServerError, ProblemInternalError, "Internal Error", "Something went wrong. Please try again later.")
	}
	return rep
}

func (s *Server) popFault(ep string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[ep]
	if len(q) == 0 {
		return 0
	}
	s.faults[ep] = q[1:]
	return q[0]
}

// faultReply is the answer a fault gives before anything is done, if it gives one.
func (s *Server) faultReply(f Fault) (reply, bool) {
	now := s.Now()
	switch f {
	case Unauthorized:
		return unauthorized(), true
	case OAuth1Permissions:
		return undocumented(http.StatusForbidden, "application/problem+json", "oauth1-permissions is not in X's document",
			map[string]any{"title": "Forbidden", "status": 403, "type": ProblemOAuth1Permissions,
				"detail": "Your client app is not configured with the appropriate oauth1 app permissions for this endpoint."}), true
	case ClientForbidden:
		return undocumented(http.StatusForbidden, "application/problem+json", "client-forbidden is not in X's document",
			map[string]any{"title": "Client Forbidden", "type": ProblemClientForbidden, "reason": "client-not-enrolled",
				"required_enrollment": "Appropriate Level of API Access",
				"detail":              "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal."}), true
	case AbsurdReset:
		rep := undocumented(http.StatusTooManyRequests, "application/problem+json", "X's 429 is about:blank",
			map[string]any{"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})
		rep.header.Set("x-rate-limit-limit", "100")
		rep.header.Set("x-rate-limit-remaining", "0")
		rep.header.Set("x-rate-limit-reset", unix(now.Add(315360000*time.Second)))
		return rep, true
	case RateLimit, DailyLimit:
		rep := undocumented(http.StatusTooManyRequests, "application/problem+json", "X's 429 is about:blank",
			map[string]any{"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})
		rep.header.Set("x-rate-limit-limit", "100")
		rep.header.Set("x-rate-limit-reset", unix(now.Add(15*time.Minute)))
		if f == RateLimit {
			rep.header.Set("x-rate-limit-remaining", "0")
		} else {
			rep.header.Set("x-rate-limit-remaining", "99")
			rep.header.Set("x-user-limit-24hour-limit", "17")
			rep.header.Set("x-user-limit-24hour-remaining", "0")
			rep.header.Set("x-user-limit-24hour-reset", unix(now.Add(24*time.Hour)))
		}
		return rep, true
	case CreditsDepleted:
		return undocumented(http.StatusPaymentRequired, "application/json", "credits-depleted is not in X's document",
			map[string]any{"title": "Payment Required", "detail": "credits depleted", "type": ProblemCreditsDepleted}), true
	case Status500:
		return problem(http.StatusInternalServerError, ProblemInternalError, "Internal Error", "Something went wrong. Please try again later."), true
	case Status503:
		return undocumented(http.StatusServiceUnavailable, "application/problem+json", "X's 503 is about:blank",
			map[string]any{"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503}), true
	case Drop:
		return reply{drop: true}, true
	}
	return reply{}, false
}

// authenticate finds who is calling, from an OAuth 1.0a signature or an OAuth 2.0 bearer token.
func (s *Server) authenticate(r *http.Request, body []byte) (*caller, bool) {
	h := r.Header.Get("Authorization")
	var (
		c   *caller
		why string
	)
	switch {
	case strings.HasPrefix(h, "OAuth "):
		c, why = s.checkOAuth1(r, body, h)
	case strings.HasPrefix(h, "Bearer "):
		c, why = s.checkBearer(strings.TrimPrefix(h, "Bearer "))
	case h == "":
		why = "no Authorization header"
	default:
		why = "an Authorization header X does not take: " + strings.SplitN(h, " ", 2)[0]
	}
	if c == nil {
		s.mu.Lock()
		s.refusals = append(s.refusals, r.Method+" "+r.URL.Path+": "+why)
		s.mu.Unlock()
		return nil, false
	}
	return c, true
}

func (s *Server) checkOAuth1(r *http.Request, body []byte, h string) (*caller, string) {
	o, err := ParseOAuth1(h)
	if err != nil {
		return nil, err.Error()
	}
	ts, err := strconv.ParseInt(o.Timestamp, 10, 64)
	if err != nil {
		return nil, "oauth_timestamp is not a number"
	}
	if skew := s.OAuth1Clock().Sub(time.Unix(ts, 0)).Abs(); skew > s.OAuth1Skew {
		return nil, fmt.Sprintf("oauth_timestamp is %v off", skew.Round(time.Second))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	secret, ok := s.consumers[o.ConsumerKey]
	if !ok {
		return nil, "unknown consumer key"
	}
	tok, ok := s.tokens1[o.Token]
	if !ok || tok.consumer != o.ConsumerKey {
		return nil, "unknown access token for this consumer key"
	}
	if err := VerifyOAuth1(r, body, o, secret, tok.secret); err != nil {
		return nil, err.Error()
	}
	seen := o.ConsumerKey + "\x00" + o.Token + "\x00" + o.Timestamp + "\x00" + o.Nonce
	if s.nonces[seen] {
		return nil, "replayed nonce"
	}
	s.nonces[seen] = true
	return &caller{user: tok.user, oauth1: true}, ""
}

func (s *Server) checkBearer(access string) (*caller, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bearers[access]
	switch {
	case !ok:
		return nil, "unknown bearer token"
	case b.revoked:
		return nil, "revoked bearer token"
	case !s.Now().Before(b.expiry):
		return nil, "expired bearer token"
	}
	return &caller{user: b.user, scopes: b.scopes}, ""
}

// createPost is POST /2/tweets: X's rules on a post, the request being valid by the document.
func (s *Server) createPost(c *caller, body []byte) reply {
	var req struct {
		Text  string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
		Media *struct {
			MediaIDs []string `json:"media_ids"`
		} `json:"media"`
		Poll         json.RawMessage `json:"poll"`
		QuoteTweetID string          `json:"quote_tweet_id"`
		CardURI      string          `json:"card_uri"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return invalidRequest("the body is not JSON: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	rate := s.limits(c.user.ID, now)
	if rep, limited := rate.refuse(); limited {
		return rep
	}
	s.byUser[c.user.ID] = append(s.byUser[c.user.ID], now)
	rate.used++

	exclusive := 0
	for _, set := range []bool{req.Media != nil, req.Poll != nil, req.QuoteTweetID != "", req.CardURI != ""} {
		if set {
			exclusive++
		}
	}
	var rep reply
	switch {
	case exclusive > 1:
		rep = invalidRequest("media, poll, quote_tweet_id and card_uri are mutually exclusive.")
	case req.Text == "" && req.Media == nil:
		rep = invalidRequest("You must provide text or media.")
	case posting.XLength(req.Text) > 280:
		rep = invalidRequest(fmt.Sprintf("Your Tweet text is too long (%d weighted characters; the limit is 280). For more information on how X determines text length, see https://github.com/twitter/twitter-text.", posting.XLength(req.Text)))
	case req.Reply != nil && !s.hasPost(req.Reply.InReplyToTweetID):
		rep = invalidRequest("You attempted to reply to a Tweet that is deleted or not visible to you.")
	case req.Media != nil && !s.mediaUsable(c.user.ID, req.Media.MediaIDs, now):
		rep = invalidRequest("Your media IDs are invalid.")
	case s.duplicate(c.user.ID, req.Text):
		rep = undocumented(http.StatusForbidden, "application/json; charset=utf-8", "X's duplicate-content 403 is about:blank",
			map[string]any{"detail": DuplicateDetail, "type": "about:blank", "title": "Forbidden", "status": 403})
	default:
		p := Post{ID: s.newID(), Text: req.Text, AuthorID: c.user.ID, Auth: "oauth2", At: now}
		if c.oauth1 {
			p.Auth = "oauth1"
		}
		if req.Reply != nil {
			p.ReplyTo = req.Reply.InReplyToTweetID
		}
		if req.Media != nil {
			p.MediaIDs = slices.Clone(req.Media.MediaIDs)
		}
		s.posts = append(s.posts, p)
		rep = jsonReply(http.StatusCreated, map[string]any{"data": map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}}})
	}
	rate.headers(rep.header)
	return rep
}

func (s *Server) hasPost(id string) bool {
	return slices.ContainsFunc(s.posts, func(p Post) bool { return p.ID == id })
}

func (s *Server) duplicate(user, text string) bool {
	return slices.ContainsFunc(s.posts, func(p Post) bool { return p.AuthorID == user && p.Text == text })
}

func (s *Server) newID() string {
	s.nextID += 1 + s.nextID%7919 // not consecutive, like X's snowflakes
	return strconv.FormatInt(s.nextID, 10)
}

// rateState is where a user stands against X's limits on creating posts.
type rateState struct {
	limit15, used15 int
	reset15         time.Time
	limit24, used24 int
	reset24         time.Time
	used            int // added to both by the request being answered
}

func (s *Server) limits(user string, now time.Time) *rateState {
	st := &rateState{limit15: s.PostsPer15Min, limit24: s.PostsPer24h, reset15: now.Add(15 * time.Minute), reset24: now.Add(24 * time.Hour)}
	for _, at := range s.byUser[user] {
		if at.After(now.Add(-15 * time.Minute)) {
			if st.used15 == 0 {
				st.reset15 = at.Add(15 * time.Minute)
			}
			st.used15++
		}
		if at.After(now.Add(-24 * time.Hour)) {
			if st.used24 == 0 {
				st.reset24 = at.Add(24 * time.Hour)
			}
			st.used24++
		}
	}
	return st
}

func (st *rateState) refuse() (reply, bool) {
	if (st.limit15 <= 0 || st.used15 < st.limit15) && (st.limit24 <= 0 || st.used24 < st.limit24) {
		return reply{}, false
	}
	rep := undocumented(http.StatusTooManyRequests, "application/problem+json", "X's 429 is about:blank",
		map[string]any{"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})
	st.headers(rep.header)
	return rep, true
}

func (st *rateState) headers(h http.Header) {
	if st.limit15 > 0 {
		h.Set("x-rate-limit-limit", strconv.Itoa(st.limit15))
		h.Set("x-rate-limit-remaining", strconv.Itoa(max(0, st.limit15-st.used15-st.used)))
		h.Set("x-rate-limit-reset", unix(st.reset15))
	}
	if st.limit24 > 0 {
		h.Set("x-user-limit-24hour-limit", strconv.Itoa(st.limit24))
		h.Set("x-user-limit-24hour-remaining", strconv.Itoa(max(0, st.limit24-st.used24-st.used)))
		h.Set("x-user-limit-24hour-reset", unix(st.reset24))
	}
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
