// Package twitchtest is a fake Twitch: the Helix endpoints onair reads (users, schedule,
// streams, videos) and the client-credentials grant of id.twitch.tv, on one httptest server.
//
// It checks what Twitch checks: every Helix call must carry a Client-Id and an app access
// token issued to that client (401 otherwise), and the query parameters each endpoint takes,
// with their ranges (first, ids per call); a request that breaks the reference is answered 400
// and recorded as a violation (Violations), which fails the test at cleanup unless
// AllowViolations is set. Every answer carries Twitch's rate-limit headers (Ratelimit-Limit,
// -Remaining, -Reset) from a token bucket per client, refilled each minute; an empty bucket
// answers 429.
//
// The channel's schedule segments and streams follow a scripted timeline (Segment, Stream) on
// the server's clock, Now, which the test controls. As on Twitch, the schedule lists the
// segments that start after start_time (default: now), and answers 404 when there are none;
// segments asked for by id are returned whatever their time (the fake's reading of the
// reference, which does not say). Faults come on demand (FailNext); Revoke ends every access
// token.
//
// The demo runs it outside tests: NewServer starts it on loopback, Close stops it.
package twitchtest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
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
	EndpointToken    = "POST /oauth2/token"
	EndpointUsers    = "GET /helix/users"
	EndpointSchedule = "GET /helix/schedule"
	EndpointStreams  = "GET /helix/streams"
	EndpointVideos   = "GET /helix/videos"
)

// Fault is an answer the server gives instead of the normal one.
type Fault int

const (
	Status500 Fault = iota + 1 // 500 Internal Server Error
	Status503                  // 503 Service Unavailable
	Hang                       // no answer until the client gives up
	Drop                       // the connection closed without an answer
	// RateLimited answers 429 with Ratelimit-Remaining 0 and the bucket's reset.
	RateLimited
	// Unauthorized answers 401 Invalid OAuth token (a token Twitch ended early).
	Unauthorized
)

// User is a Twitch account.
type User struct{ ID, Login, DisplayName string }

// DefaultUser is the channel the server streams on.
var DefaultUser = User{ID: "141981764", Login: "brandlogin", DisplayName: "BrandLogin"}

// Client is an app registered in the Twitch developer console.
type Client struct{ ID, Secret string }

// DefaultClient is registered on every server.
var DefaultClient = Client{ID: "uo6dggojyb8d6soh92zknwmi5ej1q2", Secret: "nyo51xcdrerl8z9m56w9w6wg4e7txe"}

// Request is one request the server received.
type Request struct {
	Endpoint string
	Query    url.Values
	ClientID string // the Client-Id header
	Token    string // the bearer token
	At       time.Time
}

// Server is a fake Twitch. Set its fields before the first request.
type Server struct {
	*httptest.Server

	// Now is the server's clock: timelines, token expiry, the rate-limit bucket.
	Now func() time.Time
	// User is the channel the segments and streams belong to.
	User User
	// RateLimit is the bucket's size, refilled in a minute (Twitch: 800 points for an app token).
	RateLimit int
	// TokenTTL is an app access token's life (Twitch: about 60 days).
	TokenTTL time.Duration
	// AllowViolations keeps the cleanup from failing the test over violations.
	AllowViolations bool

	mu         sync.Mutex
	clients    map[string]string
	tokens     map[string]token
	segments   []*Segment
	streams    []*Stream
	faults     map[string][]Fault
	requests   []Request
	violations []string
	buckets    map[string]*bucket
	hang       chan struct{}
}

type token struct {
	client  string
	expires time.Time
}

type bucket struct {
	left float64
	at   time.Time
}

// TB is what New needs of a *testing.T.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// New starts a fake Twitch for a test; it stops, and fails t over violations, when t ends.
func New(t TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(func() {
		s.Close()
		if v := s.Violations(); len(v) > 0 && !s.AllowViolations {
			t.Errorf("requests broke Twitch's API reference:\n  %s", strings.Join(v, "\n  "))
		}
	})
	return s
}

// NewServer starts a fake Twitch on loopback with DefaultClient and DefaultUser; Close stops it.
func NewServer() *Server {
	s := &Server{Now: time.Now, User: DefaultUser, RateLimit: 800, TokenTTL: 5011271 * time.Second,
		clients: map[string]string{DefaultClient.ID: DefaultClient.Secret}, tokens: map[string]token{},
		faults: map[string][]Fault{}, buckets: map[string]*bucket{}, hang: make(chan struct{})}
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
func (s *Server) TokenURL() string { return s.URL + "/oauth2/token" }

// AddSegment adds g to the channel's schedule and returns its id.
func (s *Server) AddSegment(g Segment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.ID == "" {
		g.ID = segmentID()
	}
	s.segments = append(s.segments, &g)
	return g.ID
}

// AddStream scripts a stream of the channel and returns its id.
func (s *Server) AddStream(st Stream) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.ID == "" {
		st.ID = digits(11)
	}
	if st.VideoID == "" {
		st.VideoID = digits(10)
	}
	s.streams = append(s.streams, &st)
	return st.ID
}

// UpdateSegment edits a scripted segment under the server's lock.
func (s *Server) UpdateSegment(id string, f func(*Segment)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.segments {
		if g.ID == id {
			f(g)
		}
	}
}

// UpdateStream edits a scripted stream under the server's lock.
func (s *Server) UpdateStream(id string, f func(*Stream)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.ID == id {
			f(st)
		}
	}
}

// FailNext makes the next requests to endpoint answer with faults, one request each, in order.
func (s *Server) FailNext(endpoint string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], faults...)
}

// Revoke ends every access token issued so far (their next use answers 401).
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// SetSecret changes an app's client secret, as "New Secret" in the developer console does:
// the old one no longer gets tokens.
func (s *Server) SetSecret(clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientID] = secret
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

// Violations returns the requests that broke Twitch's API reference, and why.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

func (s *Server) violation(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	ep := r.Method + " " + r.URL.Path
	if r.Method == http.MethodPost {
		r.ParseForm()
	}
	req := Request{Endpoint: ep, Query: r.URL.Query(), ClientID: r.Header.Get("Client-Id"), At: now}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.Token = tok
	}
	if ep == EndpointToken {
		req.Query = r.Form
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var fault Fault
	if f := s.faults[ep]; len(f) > 0 {
		fault, s.faults[ep] = f[0], f[1:]
	}
	s.mu.Unlock()

	if ep == EndpointToken {
		if !s.fault(w, r, fault, now, "") {
			s.token(w, r, now)
		}
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/helix/") || r.Method != http.MethodGet {
		s.violation("%s: not an endpoint onair reads", ep)
		helixError(w, http.StatusNotFound, "")
		return
	}
	// Authentication first, as Twitch does, then the bucket, then the parameters.
	switch {
	case req.ClientID == "":
		helixError(w, http.StatusUnauthorized, "Client ID is missing")
		s.violation("%s without a Client-Id header", ep)
		return
	case req.Token == "":
		helixError(w, http.StatusUnauthorized, "OAuth token is missing")
		s.violation("%s without a bearer token", ep)
		return
	}
	s.mu.Lock()
	tok, ok := s.tokens[req.Token]
	s.mu.Unlock()
	switch {
	case !ok || !now.Before(tok.expires):
		helixError(w, http.StatusUnauthorized, "Invalid OAuth token")
		return
	case tok.client != req.ClientID:
		helixError(w, http.StatusUnauthorized, "Client ID and OAuth token do not match")
		s.violation("%s with Client-Id %q and a token of another app", ep, req.ClientID)
		return
	}
	if !s.take(w, req.ClientID, now) {
		helixError(w, http.StatusTooManyRequests, "")
		return
	}
	if s.fault(w, r, fault, now, req.ClientID) {
		return
	}
	if msg := check(ep, req.Query); msg != "" {
		s.violation("%s?%s: %s", ep, req.Query.Encode(), msg)
		helixError(w, http.StatusBadRequest, msg)
		return
	}
	switch ep {
	case EndpointUsers:
		s.users(w, req.Query)
	case EndpointSchedule:
		s.schedule(w, req.Query, now)
	case EndpointStreams:
		s.liveStreams(w, req.Query, now)
	case EndpointVideos:
		s.videos(w, req.Query, now)
	default:
		s.violation("%s: not an endpoint onair reads", ep)
		helixError(w, http.StatusNotFound, "")
	}
}

// take spends one point of client's bucket and writes the rate-limit headers.
func (s *Server) take(w http.ResponseWriter, client string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[client]
	limit := float64(s.RateLimit)
	if b == nil {
		b = &bucket{left: limit, at: now}
		s.buckets[client] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.left = min(limit, b.left+limit*d.Minutes())
	}
	b.at = now
	ok := b.left >= 1
	if ok {
		b.left--
	}
	s.rateHeaders(w, b, now)
	return ok
}

func (s *Server) rateHeaders(w http.ResponseWriter, b *bucket, now time.Time) {
	limit := float64(s.RateLimit)
	full := now.Add(time.Duration((limit - b.left) / limit * float64(time.Minute)))
	w.Header().Set("Ratelimit-Limit", strconv.Itoa(s.RateLimit))
	w.Header().Set("Ratelimit-Remaining", strconv.Itoa(int(b.left)))
	w.Header().Set("Ratelimit-Reset", strconv.FormatInt(full.Unix()+1, 10))
}

func (s *Server) fault(w http.ResponseWriter, r *http.Request, f Fault, now time.Time, client string) bool {
	switch f {
	case 0:
		return false
	case Status500:
		helixError(w, http.StatusInternalServerError, "")
	case Status503:
		helixError(w, http.StatusServiceUnavailable, "")
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
	case RateLimited:
		s.mu.Lock()
		b := s.buckets[client]
		if b == nil {
			b = &bucket{at: now}
			s.buckets[client] = b
		}
		b.left, b.at = 0, now
		s.rateHeaders(w, b, now)
		s.mu.Unlock()
		helixError(w, http.StatusTooManyRequests, "")
	case Unauthorized:
		helixError(w, http.StatusUnauthorized, "Invalid OAuth token")
	}
	return true
}

// token is id.twitch.tv's token endpoint, client-credentials grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request, now time.Time) {
	f := r.Form // Twitch takes the parameters in the query string or the body
	id, secret := f.Get("client_id"), f.Get("client_secret")
	s.mu.Lock()
	defer s.mu.Unlock()
	want, known := s.clients[id]
	switch {
	case f.Get("grant_type") != "client_credentials":
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "unsupported grant type"})
	case !known:
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "invalid client"})
	case want != secret:
		writeJSON(w, http.StatusForbidden, map[string]any{"status": 403, "message": "invalid client secret"})
	default:
		tok := randomToken()
		s.tokens[tok] = token{client: id, expires: now.Add(s.TokenTTL)}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": int(s.TokenTTL / time.Second), "token_type": "bearer"})
	}
}

func helixError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"error": http.StatusText(status), "status": status, "message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func digits(n int) string {
	var b strings.Builder
	for i := range n {
		lo := int64(0)
		if i == 0 {
			lo = 1
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(10-lo))
		b.WriteByte(byte('0' + lo + d.Int64()))
	}
	return b.String()
}

func randomToken() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 30)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(letters))))
		b[i] = letters[n.Int64()]
	}
	return string(b)
}
