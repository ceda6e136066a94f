// Package youtubetest is a fake YouTube: the Data API v3 methods onair reads
// (liveBroadcasts.list, videos.list, channels.list), YouTube Analytics v2 reports.query, and
// Google's OAuth 2.0 endpoints (the consent screen's authorization endpoint with PKCE, the
// token endpoint's authorization-code and refresh-token grants), on one httptest server.
//
// Every API request is checked against the discovery documents google.golang.org/api ships
// (methods, paths, parameters, their types, ranges, enums and parts) and against the rules
// only YouTube's reference pages state (liveBroadcasts.list takes exactly one of
// broadcastStatus, id and mine...). A request that breaks them is answered 400 as YouTube
// would, and recorded as a violation (Violations), which fails the test at cleanup unless
// AllowViolations is set. Each Data API request costs its quota units (1 for a list), invalid
// ones included; when the day's DailyQuota is spent the server answers 403 quotaExceeded
// until midnight Pacific time.
//
// Broadcasts follow a scripted timeline (Broadcast) on the server's clock, Now, which the test
// controls. Faults come on demand (FailNext), and credentials can be revoked (Revoke).
//
// The demo runs it outside tests: NewServer starts it on loopback, Close stops it.
package youtubetest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Endpoints, as FailNext, Requests and Count name them.
const (
	EndpointLiveBroadcasts = "GET /youtube/v3/liveBroadcasts"
	EndpointVideos         = "GET /youtube/v3/videos"
	EndpointChannels       = "GET /youtube/v3/channels"
	EndpointReports        = "GET /v2/reports"
	EndpointToken          = "POST /token"
	EndpointAuthorize      = "GET /o/oauth2/auth"
)

// Scopes YouTube knows that grant reading broadcasts, and the analytics one.
const (
	ScopeReadonly  = "https://www.googleapis.com/auth/youtube.readonly"
	ScopeYouTube   = "https://www.googleapis.com/auth/youtube"
	ScopeForceSSL  = "https://www.googleapis.com/auth/youtube.force-ssl"
	ScopeAnalytics = "https://www.googleapis.com/auth/yt-analytics.readonly"
)

// Fault is an answer the server gives instead of the normal one.
type Fault int

const (
	// Status500 answers 500 backendError.
	Status500 Fault = iota + 1
	// Status503 answers 503 backendError.
	Status503
	// Hang answers nothing until the client gives up.
	Hang
	// Drop closes the connection without an answer.
	Drop
	// QuotaExceeded answers 403 quotaExceeded (domain youtube.quota), as when the day's quota is
	// spent.
	QuotaExceeded
	// RateLimitExceeded answers 403 rateLimitExceeded.
	RateLimitExceeded
	// Unauthorized answers 401 authError, as for a revoked or expired access token.
	Unauthorized
	// InvalidGrant (token endpoint) answers 400 invalid_grant, as for a revoked refresh token.
	InvalidGrant
)

// Channel is the YouTube channel the credentials act for.
type Channel struct{ ID, Title string }

// DefaultChannel is the channel of the server's account.
var DefaultChannel = Channel{ID: "UCx5Mkq2E0dbdW-pT7uQvGzA", Title: "Brand Live"}

// Client is an OAuth client of type Desktop app.
type Client struct{ ID, Secret string }

// DefaultClient is the OAuth client registered on every server.
var DefaultClient = Client{ID: "1029384756-onairdemo.apps.googleusercontent.com", Secret: "GOCSPX-onair-demo-secret"}

// Credentials are what a source is configured with: the client and a refresh token.
type Credentials struct {
	ClientID, ClientSecret, RefreshToken string
}

// Request is one request the server received.
type Request struct {
	Endpoint string // EndpointLiveBroadcasts...; "GET /other/path" for an unknown one
	Query    url.Values
	Form     url.Values // the token endpoint's form
	Token    string     // the bearer token, "" if none
	At       time.Time  // on the server's clock
	Units    int        // quota units it cost
}

// Server is a fake YouTube. Set its fields before the first request.
type Server struct {
	*httptest.Server

	// Now is the server's clock: broadcasts' timelines, token expiry, the quota's day.
	Now func() time.Time
	// DailyQuota is the project's quota in units (YouTube's default: 10,000).
	DailyQuota int
	// AccessTTL is an access token's life (Google: 3599 s), CodeTTL an authorization code's.
	AccessTTL, CodeTTL time.Duration
	// RotateRefreshTokens makes each refresh answer with a new refresh token and retire the old
	// one (Google does not, but may).
	RotateRefreshTokens bool
	// Channel is the account's channel; DenyLogin makes the person decline the consent.
	Channel   Channel
	DenyLogin bool
	// AllowViolations keeps the cleanup from failing the test over violations.
	AllowViolations bool

	mu         sync.Mutex
	broadcasts map[string]*Broadcast
	analytics  map[string]Analytics
	clients    map[string]string    // client id -> secret
	refreshes  map[string]*grant    // refresh token -> grant
	accesses   map[string]*access   // access token -> grant and expiry
	codes      map[string]*authCode // authorization code -> its request
	faults     map[string][]Fault   // endpoint -> faults to give, in order
	requests   []Request
	violations []string
	logins     []Authorization
	spent      map[string]int // Pacific date -> units
	hang       chan struct{}
}

// TB is what New needs of a *testing.T.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// New starts a fake YouTube for a test; it stops, and fails t over violations, when t ends.
func New(t TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(func() {
		s.Close()
		if v := s.Violations(); len(v) > 0 && !s.AllowViolations {
			t.Errorf("requests broke YouTube's API contract:\n  %s", strings.Join(v, "\n  "))
		}
	})
	return s
}

// NewServer starts a fake YouTube on loopback, with DefaultClient registered; Close stops it.
func NewServer() *Server {
	if _, err := Methods(); err != nil {
		panic(err) // the embedded documents are part of the package
	}
	s := &Server{
		Now: time.Now, DailyQuota: 10000, AccessTTL: 3599 * time.Second, CodeTTL: 10 * time.Minute,
		Channel:    DefaultChannel,
		broadcasts: map[string]*Broadcast{}, analytics: map[string]Analytics{},
		clients:   map[string]string{DefaultClient.ID: DefaultClient.Secret},
		refreshes: map[string]*grant{}, accesses: map[string]*access{}, codes: map[string]*authCode{},
		faults: map[string][]Fault{}, spent: map[string]int{}, hang: make(chan struct{}),
	}
	s.Server = httptest.NewServer(s)
	return s
}

// Close stops the server, releasing hung requests first.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hang:
	default:
		close(s.hang)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// TokenURL is the server's token endpoint (source.Config.TokenURL).
func (s *Server) TokenURL() string { return s.URL + "/token" }

// AuthURL is the server's authorization endpoint (youtube.LoginConfig.AuthURL).
func (s *Server) AuthURL() string { return s.URL + "/o/oauth2/auth" }

// Credentials registers a refresh token for DefaultClient with scopes (default: youtube.readonly
// and yt-analytics.readonly), as a login would have given.
func (s *Server) Credentials(scopes ...string) Credentials {
	if len(scopes) == 0 {
		scopes = []string{ScopeReadonly, ScopeAnalytics}
	}
	tok := "1//0g" + randomString(40)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshes[tok] = &grant{client: DefaultClient.ID, scopes: slices.Clone(scopes)}
	return Credentials{ClientID: DefaultClient.ID, ClientSecret: DefaultClient.Secret, RefreshToken: tok}
}

// AddBroadcast schedules b on the channel and returns its id.
func (s *Server) AddBroadcast(b Broadcast) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.ID == "" {
		b.ID = randomVideoID()
	}
	s.broadcasts[b.ID] = &b
	return b.ID
}

// Update edits a scripted broadcast (its timeline included) under the server's lock.
func (s *Server) Update(id string, f func(*Broadcast)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.broadcasts[id]; ok {
		f(b)
	}
}

// SetAnalytics scripts a video's YouTube Analytics figures.
func (s *Server) SetAnalytics(videoID string, a Analytics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.analytics[videoID] = a
}

// FailNext makes the next requests to endpoint answer with faults, one request each, in order.
func (s *Server) FailNext(endpoint string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], faults...)
}

// Revoke withdraws every grant, as when the person removes onair's access from their Google
// account: refresh tokens answer invalid_grant, access tokens 401.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refreshes)
	clear(s.accesses)
}

// ExpireAccessTokens makes every access token issued so far invalid (401), as when Google
// ends them early; refresh tokens still work.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.accesses)
}

// RefreshUsable reports whether tok is a live refresh token.
func (s *Server) RefreshUsable(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes[tok] != nil
}

// SpendQuota spends units of today's quota, as other programs of the project would.
func (s *Server) SpendQuota(units int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spent[quotaDay(s.Now())] += units
}

// QuotaUsed returns the units spent on the server's current day (Pacific time).
func (s *Server) QuotaUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spent[quotaDay(s.Now())]
}

// Requests returns the requests received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many requests came to endpoint.
func (s *Server) Count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// Violations returns the requests that broke the API's contract, and why.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

var pacific = func() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	return time.FixedZone("PST", -8*3600)
}()

func quotaDay(t time.Time) string { return t.In(pacific).Format("2006-01-02") }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep := r.Method + " " + r.URL.Path
	now := s.Now()
	req := Request{Endpoint: ep, Query: r.URL.Query(), At: now}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.Token = tok
	}
	if r.Method == http.MethodPost {
		r.ParseForm()
		req.Form = r.PostForm
	}
	ms, _ := Methods()
	m := ms[ep]
	dataAPI := strings.HasPrefix(r.URL.Path, "/youtube/v3/")

	s.mu.Lock()
	if dataAPI {
		req.Units = 1 // every list costs 1 unit, an invalid request included
		if s.spent[quotaDay(now)] >= s.DailyQuota {
			req.Units = 0
		}
		s.spent[quotaDay(now)] += req.Units
	}
	s.requests = append(s.requests, req)
	var fault Fault
	if f := s.faults[ep]; len(f) > 0 {
		fault, s.faults[ep] = f[0], f[1:]
	}
	overQuota := dataAPI && req.Units == 0
	s.mu.Unlock()

	if s.fault(w, r, fault) {
		return
	}
	switch ep {
	case EndpointToken:
		s.token(w, r, now)
		return
	case EndpointAuthorize:
		s.authorize(w, r, now)
		return
	}
	if m == nil {
		s.violation("%s: no such method in the discovery documents", ep)
		googleError(w, http.StatusNotFound, "notFound", "global", "Not Found")
		return
	}
	if errs := s.check(m, req.Query); len(errs) > 0 {
		s.violation("%s", strings.Join(errs, "; "))
		googleError(w, http.StatusBadRequest, "badRequest", "youtube.parameter", errs[0])
		return
	}
	g, status, reason := s.caller(req.Token, now)
	if g == nil {
		googleError(w, status, reason, "global", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return
	}
	if overQuota {
		quotaError(w)
		return
	}
	switch ep {
	case EndpointReports:
		if !slices.Contains(g.scopes, ScopeAnalytics) {
			googleError(w, http.StatusForbidden, "insufficientPermissions", "global", "Request had insufficient authentication scopes.")
			return
		}
		s.reports(w, req.Query, now)
		return
	}
	if !slices.ContainsFunc(g.scopes, func(sc string) bool { return sc == ScopeReadonly || sc == ScopeYouTube || sc == ScopeForceSSL }) {
		googleError(w, http.StatusForbidden, "insufficientPermissions", "global", "Request had insufficient authentication scopes.")
		return
	}
	switch ep {
	case EndpointLiveBroadcasts:
		s.liveBroadcasts(w, req.Query, now)
	case EndpointVideos:
		s.videos(w, req.Query, now)
	case EndpointChannels:
		s.channels(w, req.Query)
	default:
		s.violation("%s: a method onair has no business calling", m.ID)
		googleError(w, http.StatusForbidden, "forbidden", "youtube", "The fake does not serve "+m.ID)
	}
}

// check applies the discovery document, then the reference pages' rules.
func (s *Server) check(m *Method, q url.Values) []string {
	errs := m.Check(q)
	rule := func(msg string) {
		if msg != "" {
			errs = append(errs, m.ID+": "+msg)
		}
	}
	ids := 0
	for _, v := range q["id"] {
		ids += len(strings.Split(v, ","))
	}
	switch m.ID {
	case "youtube.liveBroadcasts.list":
		rule(exactlyOne(q, "broadcastStatus", "id", "mine"))
		if ids > 50 {
			rule(fmt.Sprintf("%d ids (at most 50)", ids))
		}
	case "youtube.videos.list":
		rule(exactlyOne(q, "chart", "id", "myRating"))
		if q.Has("id") && q.Has("maxResults") {
			rule("maxResults is not supported with id")
		}
		if ids > 50 {
			rule(fmt.Sprintf("%d ids (at most 50)", ids))
		}
	case "youtube.channels.list":
		rule(exactlyOne(q, "categoryId", "forHandle", "forUsername", "id", "managedByMe", "mine"))
	case "youtubeAnalytics.reports.query":
		for _, p := range []string{"ids", "startDate", "endDate", "metrics"} {
			if q.Get(p) == "" {
				rule("required parameter " + p + " missing")
			}
		}
		for _, p := range []string{"startDate", "endDate"} {
			if v := q.Get(p); v != "" {
				if _, err := time.Parse("2006-01-02", v); err != nil {
					rule(p + " " + strconv.Quote(v) + " is not YYYY-MM-DD")
				}
			}
		}
		if a, b := q.Get("startDate"), q.Get("endDate"); a != "" && b != "" && a > b {
			rule("startDate after endDate")
		}
	}
	return errs
}

func (s *Server) violation(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// fault gives f's answer; it reports false for no fault.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case 0:
		return false
	case Status500:
		googleError(w, http.StatusInternalServerError, "backendError", "global", "Backend Error")
	case Status503:
		googleError(w, http.StatusServiceUnavailable, "backendError", "global", "The service is currently unavailable.")
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.hang:
		}
	case Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
	case QuotaExceeded:
		quotaError(w)
	case RateLimitExceeded:
		googleError(w, http.StatusForbidden, "rateLimitExceeded", "youtube.quota", "The request cannot be completed because you have exceeded your rate limit.")
	case Unauthorized:
		googleError(w, http.StatusUnauthorized, "authError", "global", "Invalid Credentials")
	case InvalidGrant:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
	}
	return true
}

// googleError answers with Google's JSON error shape.
func googleError(w http.ResponseWriter, status int, reason, domain, message string) {
	item := map[string]any{"message": message, "domain": domain, "reason": reason}
	if status == http.StatusUnauthorized {
		item["location"], item["locationType"] = "Authorization", "header"
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": status, "message": message, "errors": []any{item}, "status": statusWord(status),
	}})
}

func quotaError(w http.ResponseWriter) {
	googleError(w, http.StatusForbidden, "quotaExceeded", "youtube.quota",
		`The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`)
}

func statusWord(status int) string {
	switch status {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 503:
		return "UNAVAILABLE"
	}
	return "INTERNAL"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func randomVideoID() string { return randomString(11) }
