// Package mastodontest is a fake Mastodon server for tests: an httptest server that answers the
// part of Mastodon's REST API onair uses as Mastodon documents it (statuses, media, accounts,
// instance, OAuth), checks every request the way the real server would, and records the requests
// that broke the documented API as contract errors for tests to assert empty.
//
// It remembers Idempotency-Key per account for an hour and answers a repeat with the first
// status, as Mastodon does, or, in GoToSocial mode, ignores the key and creates a second status.
// Faults can be queued for the next requests (FailNext), the clock is injectable (SetClock), and
// each account is rate limited as Mastodon limits it.
package mastodontest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Routes, as FailNext and Requests name them.
const (
	RouteStatuses           = "POST /api/v1/statuses"
	RouteMedia              = "POST /api/v2/media"
	RouteMediaShow          = "GET /api/v1/media/{id}"
	RouteVerifyCredentials  = "GET /api/v1/accounts/verify_credentials"
	RouteAccountStatuses    = "GET /api/v1/accounts/{id}/statuses"
	RouteAppCredentials     = "GET /api/v1/apps/verify_credentials"
	RouteInstanceV2         = "GET /api/v2/instance"
	RouteInstanceV1         = "GET /api/v1/instance"
	RouteApps               = "POST /api/v1/apps"
	RouteAuthorize          = "GET /oauth/authorize"
	RouteAuthorizeNative    = "GET /oauth/authorize/native"
	RouteToken              = "POST /oauth/token"
	anyRoute                = ""
	unknownRoute            = "unknown"
	idempotencyTTL          = time.Hour
	defaultRateLimit        = 300
	defaultRateLimitPeriod  = 5 * time.Minute
	mediaRateLimit          = 30
	mediaRateLimitPeriod    = 30 * time.Minute
	authorizationCodeExpiry = 10 * time.Minute
)

// DefaultScopes are the scopes of a token made by AddAccount: the ones onair asks for.
const DefaultScopes = "write:statuses write:media read:accounts read:statuses"

// Fault is how the server answers one request instead of the normal answer.
type Fault int

const (
	// Unauthorized answers 401 {"error":"The access token is invalid"}.
	Unauthorized Fault = iota + 1
	// Forbidden answers 403 {"error":"This action is outside the authorized scopes"}.
	Forbidden
	// Unprocessable answers 422 {"error":"Validation failed: ..."}.
	Unprocessable
	// TooManyRequests answers 429 with X-RateLimit-Limit/Remaining/Reset (ISO 8601).
	TooManyRequests
	// ServerError answers 500.
	ServerError
	// Unavailable answers 503 with Retry-After (RetryAfter, 30 seconds unless set).
	Unavailable
	// Drop closes the connection without doing anything.
	Drop
	// AcceptThenDrop does the work (the status is created) and closes the connection before
	// answering: the client cannot know.
	AcceptThenDrop
	// Hang answers nothing until the client gives up (its timeout).
	Hang
	// AcceptThen500 does the work (the status is created), then answers 500: a proxy in front
	// of the server failing after it acted.
	AcceptThen500
	// AbsurdReset answers 429 with an X-RateLimit-Reset ten years away (in the server's own
	// format): a broken clock or proxy, no window of the server's.
	AbsurdReset
	// Redirect301 answers 301 Moved Permanently to the same path under /moved, doing nothing:
	// a server that moved.
	Redirect301
)

func (f Fault) String() string {
	switch f {
	case Unauthorized:
		return "401"
	case Forbidden:
		return "403"
	case Unprocessable:
		return "422"
	case TooManyRequests:
		return "429"
	case ServerError:
		return "500"
	case Unavailable:
		return "503"
	case Drop:
		return "drop"
	case AcceptThenDrop:
		return "accept-then-drop"
	case Hang:
		return "hang"
	case AcceptThen500:
		return "accept-then-500"
	case AbsurdReset:
		return "429-absurd-reset"
	case Redirect301:
		return "301"
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Instance is what the server says of itself and enforces.
type Instance struct {
	MaxCharacters    int   // 500
	URLWeight        int   // 23
	ImageSizeLimit   int64 // 16 MiB
	DescriptionLimit int   // 1500 characters of alternative text
	// V1Only answers 404 on /api/v2/instance, as servers older than Mastodon 4.0 do.
	V1Only bool
	// Pleroma makes /api/v1/instance state its limits as Pleroma and Akkoma do (max_toot_chars,
	// upload_limit, no configuration object); it implies V1Only.
	Pleroma bool
}

// DefaultInstance is a stock Mastodon server's configuration.
var DefaultInstance = Instance{MaxCharacters: 500, URLWeight: 23, ImageSizeLimit: 16 << 20, DescriptionLimit: 1500}

// Server is a fake Mastodon server. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu           sync.Mutex
	now          func() time.Time
	instance     Instance
	goToSocial   bool
	rateLimit    int
	ratePeriod   time.Duration
	processing   time.Duration // how long an upload stays "processing"; 0: ready at once
	retryAfter   time.Duration
	accounts     map[string]*account // by username
	accountsByID map[string]*account
	tokens       map[string]*token
	apps         map[string]*app // by client id
	codes        map[string]*grant
	statuses     map[string]*Status // every status, by id
	media        map[string]*Media
	faults       map[string][]Fault // by route; anyRoute for any
	ipBuckets    map[string]*bucket // GoToSocial mode: requests per client IP, every route
	requests     map[string]int
	contractErrs []string
	nextID       int64
	metrics      func(id string, age time.Duration) Counts // SetMetrics; nil: Growth
	closed       chan struct{}
	closeOnce    sync.Once
}

type account struct {
	ID, Username string
	createdAt    time.Time
	statuses     []*Status
	keys         map[string]idempotent // Idempotency-Key -> status
	buckets      map[string]*bucket    // rate limits
}

type idempotent struct {
	statusID string
	at       time.Time
}

type bucket struct {
	window time.Time
	used   int
}

type token struct {
	account *account
	scopes  []string
	revoked bool
}

// Status is a status the server keeps.
type Status struct {
	ID             string
	URL            string
	Account        string // username
	Text           string // as posted, trimmed as Mastodon trims it
	Content        string // HTML, as Mastodon renders the text
	CreatedAt      time.Time
	InReplyToID    string
	Language       string
	Visibility     string
	Media          []Media
	IdempotencyKey string
}

// Media is an uploaded picture.
type Media struct {
	ID          string
	Account     string // username
	Type        string // MIME type, from the file's content
	Size        int64
	Description string
	URL         string
	StatusID    string // "" until attached
	readyAt     time.Time
}

// New starts a fake server for the duration of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		now: time.Now, instance: DefaultInstance, rateLimit: defaultRateLimit, ratePeriod: defaultRateLimitPeriod,
		retryAfter: 30 * time.Second,
		accounts:   map[string]*account{}, accountsByID: map[string]*account{}, tokens: map[string]*token{},
		apps: map[string]*app{}, codes: map[string]*grant{}, statuses: map[string]*Status{}, media: map[string]*Media{},
		faults: map[string][]Fault{}, requests: map[string]int{}, ipBuckets: map[string]*bucket{}, nextID: 110_000_000_000_000_000,
		closed: make(chan struct{}),
	}
	mux := http.NewServeMux()
	s.route(mux, RouteStatuses, authScopes("write", "write:statuses"), s.createStatus)
	s.route(mux, RouteMedia, authScopes("write", "write:media"), s.uploadMedia)
	s.route(mux, RouteMediaShow, authScopes("write", "write:media"), s.showMedia)
	s.route(mux, RouteVerifyCredentials, authScopes("read", "read:accounts", "profile"), s.verifyCredentials)
	s.route(mux, RouteAccountStatuses, authIfToken("read", "read:statuses"), s.accountStatuses)
	s.route(mux, RouteStatus, authIfToken("read", "read:statuses"), s.showStatus)
	s.route(mux, RouteAppCredentials, authScopes(knownScopes...), s.appCredentials)
	s.route(mux, RouteInstanceV2, noAuth, s.instanceV2)
	s.route(mux, RouteInstanceV1, noAuth, s.instanceV1)
	s.route(mux, RouteApps, noAuth, s.createApp)
	s.route(mux, RouteAuthorize, noAuth, s.authorize)
	s.route(mux, RouteAuthorizeNative, noAuth, s.authorizeNative)
	s.route(mux, RouteToken, noAuth, s.issueToken)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[unknownRoute]++
		s.contractf("%s %s: no such route in Mastodon's API", r.Method, r.URL.Path)
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server; requests left hanging (Hang) are let go first.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.Server.Close()
}

// SetClock makes the server read time from now: created_at, the hour an Idempotency-Key is
// remembered, rate-limit windows, media processing, authorization codes' expiry.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetInstance changes what the server says of itself and enforces.
func (s *Server) SetInstance(in Instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	def := DefaultInstance
	if in.MaxCharacters <= 0 {
		in.MaxCharacters = def.MaxCharacters
	}
	if in.URLWeight <= 0 {
		in.URLWeight = def.URLWeight
	}
	if in.ImageSizeLimit <= 0 {
		in.ImageSizeLimit = def.ImageSizeLimit
	}
	if in.DescriptionLimit <= 0 {
		in.DescriptionLimit = def.DescriptionLimit
	}
	if in.Pleroma {
		in.V1Only = true
	}
	s.instance = in
}

// SetGoToSocialMode makes the server behave as GoToSocial (v0.20) does: it accepts
// Idempotency-Key and creates a second status for a repeated key; statuses carry their source
// "text"; the rate limit counts requests per client IP across every route (loopback included),
// in a window that opens with the first request, and writes X-RateLimit-Reset as Unix seconds
// (truncated to the second); a media upload is processed at once (200, never 202).
func (s *Server) SetGoToSocialMode(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.goToSocial = on
}

// SetRateLimit changes how many API requests an account may make per period (Mastodon: 300 per
// 5 minutes).
func (s *Server) SetRateLimit(limit int, period time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit, s.ratePeriod = limit, period
}

// SetMediaProcessing makes uploads answer 202 (processing, no URL) and become ready d later on
// the server's clock; GET /api/v1/media/:id answers 206 until then. 0: ready at once (200).
// The mastodon poster pauses between polls (a quarter of a second, then longer) in real time:
// move the server's clock from another goroutine, or keep d at 0, outside package mastodon.
func (s *Server) SetMediaProcessing(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processing = d
}

// SetRetryAfter changes the Retry-After the Unavailable fault sends.
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = d
}

// FailNext queues faults for the next requests to route (one of the Route constants; "" for
// any route): each fault answers one request, in order.
func (s *Server) FailNext(route string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], faults...)
}

// AddAccount creates an account (or finds it) and returns a new token for it with
// DefaultScopes.
func (s *Server) AddAccount(username string) (token string) {
	return s.AddToken(username, DefaultScopes)
}

// AddToken returns a new token for username's account (created if needed) with the given
// space-separated scopes.
func (s *Server) AddToken(username, scopes string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(username)
	tok := randomString(32)
	s.tokens[tok] = &token{account: a, scopes: strings.Fields(scopes)}
	return tok
}

// RevokeToken makes the server refuse token from now on, as when its owner revokes the app.
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tok]; ok {
		t.revoked = true
	}
}

// AccountID returns username's account id ("" if there is none).
func (s *Server) AccountID(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[username]; ok {
		return a.ID
	}
	return ""
}

func (s *Server) accountLocked(username string) *account {
	if a, ok := s.accounts[username]; ok {
		return a
	}
	a := &account{ID: s.newIDLocked(), Username: username, createdAt: s.now().UTC(),
		keys: map[string]idempotent{}, buckets: map[string]*bucket{}}
	s.accounts[username] = a
	s.accountsByID[a.ID] = a
	return a
}

// Statuses returns username's statuses, oldest first.
func (s *Server) Statuses(username string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[username]
	if !ok {
		return nil
	}
	out := make([]Status, len(a.statuses))
	for i, st := range a.statuses {
		out[i] = *st
		out[i].Media = slices.Clone(st.Media)
	}
	return out
}

// AllMedia returns every upload of username, attached or not, oldest first.
func (s *Server) AllMedia(username string) []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Media
	for _, m := range s.media {
		if m.Account == username {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b Media) int { return compareIDs(a.ID, b.ID) })
	return out
}

// Requests returns how many requests route received (one of the Route constants).
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

// ContractErrors returns the requests that broke Mastodon's documented API (or onair's use of
// it: a status without Idempotency-Key), each described.
func (s *Server) ContractErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.contractErrs)
}

// contractf records a contract error; s.mu is held.
func (s *Server) contractf(format string, args ...any) {
	s.contractErrs = append(s.contractErrs, fmt.Sprintf(format, args...))
}

// newIDLocked returns the next id: numeric strings that sort in creation order, as Mastodon's.
func (s *Server) newIDLocked() string {
	s.nextID += 1 + int64(len(s.statuses)%7)
	return strconv.FormatInt(s.nextID, 10)
}

// compareIDs orders Mastodon ids (numeric strings).
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// authRule is who may call a route.
type authRule struct {
	required bool     // a valid token is needed
	optional bool     // a token, if given, must be valid and have a scope below
	scopes   []string // any one of them will do
}

var noAuth = authRule{}

func authScopes(scopes ...string) authRule { return authRule{required: true, scopes: scopes} }

func authIfToken(scopes ...string) authRule { return authRule{optional: true, scopes: scopes} }

// caller is who sent a request: nil when no token came (allowed on some routes).
type caller struct {
	account *account
	token   *token
}

type handler func(w http.ResponseWriter, r *http.Request, c caller)

// route registers h for pattern, behind the server's common work: counting, faults, the token
// and its scopes, the rate limit.
func (s *Server) route(mux *http.ServeMux, pattern string, rule authRule, h handler) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[pattern]++
		fault := s.takeFaultLocked(pattern)
		s.mu.Unlock()

		switch fault {
		case 0, AcceptThenDrop, AcceptThen500:
		case Redirect301:
			http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusMovedPermanently)
			return
		case Drop:
			dropConnection(w)
			return
		case Hang:
			select {
			case <-r.Context().Done():
			case <-s.closed:
			}
			return
		default:
			s.writeFault(w, fault)
			return
		}

		s.mu.Lock()
		gts := s.goToSocial
		allowed := !gts || s.allowIPLocked(w, r)
		s.mu.Unlock()
		if !allowed {
			return
		}
		c, ok := s.authenticate(w, r, rule)
		if !ok {
			return
		}
		switch fault {
		case AcceptThenDrop:
			h(httptest.NewRecorder(), r, c)
			dropConnection(w)
			return
		case AcceptThen500:
			h(httptest.NewRecorder(), r, c)
			writeError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		h(w, r, c)
	})
}

func (s *Server) takeFaultLocked(pattern string) Fault {
	for _, key := range []string{pattern, anyRoute} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0]
		}
	}
	return 0
}

// authenticate checks the request's token against rule and the account's rate limit, and writes
// the refusal when it fails.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rule authRule) (caller, bool) {
	if !rule.required && !rule.optional {
		return caller{}, true
	}
	header := r.Header.Get("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	if header == "" {
		if rule.optional {
			return caller{}, true
		}
		s.contractf("%s %s: no Authorization header", r.Method, r.URL.Path)
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return caller{}, false
	}
	scheme, tok, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		s.contractf("%s %s: Authorization is not \"Bearer <token>\": %q", r.Method, r.URL.Path, scheme)
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return caller{}, false
	}
	t, ok := s.tokens[strings.TrimSpace(tok)]
	if !ok || t.revoked {
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return caller{}, false
	}
	if !hasScope(t.scopes, rule.scopes) {
		writeError(w, http.StatusForbidden, "This action is outside the authorized scopes")
		return caller{}, false
	}
	if !s.allowLocked(w, r, t.account) {
		return caller{}, false
	}
	return caller{account: t.account, token: t}, true
}

// hasScope reports whether granted holds one of wanted ("read" covers "read:statuses").
func hasScope(granted, wanted []string) bool {
	for _, g := range granted {
		for _, w := range wanted {
			if g == w || strings.HasPrefix(w, g+":") {
				return true
			}
		}
	}
	return false
}

// allowIPLocked applies GoToSocial's rate limit: every request from one IP address, whatever
// its route or token, in a window that opens with the first; the reset is written as Unix
// seconds, truncated, so a client that retries on the dot is a fraction of a second early.
func (s *Server) allowIPLocked(w http.ResponseWriter, r *http.Request) bool {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	now := s.now().UTC()
	b := s.ipBuckets[ip]
	if b == nil || !now.Before(b.window.Add(s.ratePeriod)) {
		b = &bucket{window: now}
		s.ipBuckets[ip] = b
	}
	reset := b.window.Add(s.ratePeriod)
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.rateLimit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(s.rateLimit-b.used-1, 0)))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if b.used >= s.rateLimit {
		w.Header().Set("X-RateLimit-Remaining", "0")
		s.writeRateLimitedLocked(w)
		return false
	}
	b.used++
	return true
}

// allowLocked applies Mastodon's per-account rate limits, with its headers, to an API request.
// GoToSocial has none per account (allowIPLocked).
func (s *Server) allowLocked(w http.ResponseWriter, r *http.Request, a *account) bool {
	if !strings.HasPrefix(r.URL.Path, "/api/") || s.goToSocial {
		return true
	}
	now := s.now().UTC()
	limits := []struct {
		name   string
		limit  int
		period time.Duration
	}{{"api", s.rateLimit, s.ratePeriod}}
	if r.Method == http.MethodPost && (r.URL.Path == "/api/v2/media" || r.URL.Path == "/api/v1/media") {
		limits = append(limits, struct {
			name   string
			limit  int
			period time.Duration
		}{"media", mediaRateLimit, mediaRateLimitPeriod})
	}
	closest, closestLeft := -1, 0
	for i, l := range limits {
		b := a.buckets[l.name]
		window := now.Truncate(l.period)
		if b == nil || !b.window.Equal(window) {
			b = &bucket{window: window}
			a.buckets[l.name] = b
		}
		left := l.limit - b.used
		if closest < 0 || left < closestLeft {
			closest, closestLeft = i, left
		}
	}
	l := limits[closest]
	b := a.buckets[l.name]
	reset := b.window.Add(l.period)
	setRateLimitHeaders(w, l.limit, max(closestLeft-1, 0), reset)
	if closestLeft <= 0 {
		w.Header().Set("X-RateLimit-Remaining", "0")
		s.writeRateLimitedLocked(w)
		return false
	}
	for _, l := range limits {
		a.buckets[l.name].used++
	}
	return true
}

func setRateLimitHeaders(w http.ResponseWriter, limit, remaining int, reset time.Time) {
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	// Mastodon writes the reset as Time#iso8601(6).
	w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
}

func (s *Server) writeRateLimitedLocked(w http.ResponseWriter) {
	msg := "Too many requests"
	if s.goToSocial {
		msg = "rate limit reached"
	}
	writeError(w, http.StatusTooManyRequests, msg)
}

// writeFault answers with fault f.
func (s *Server) writeFault(w http.ResponseWriter, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f {
	case Unauthorized:
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
	case Forbidden:
		writeError(w, http.StatusForbidden, "This action is outside the authorized scopes")
	case Unprocessable:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.instance.MaxCharacters))
	case TooManyRequests:
		now := s.now().UTC()
		setRateLimitHeaders(w, s.rateLimit, 0, now.Truncate(s.ratePeriod).Add(s.ratePeriod))
		if s.goToSocial {
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(s.ratePeriod).Unix(), 10))
		}
		s.writeRateLimitedLocked(w)
	case AbsurdReset:
		now := s.now().UTC()
		reset := now.Add(315360000 * time.Second)
		setRateLimitHeaders(w, s.rateLimit, 0, reset)
		if s.goToSocial {
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		}
		s.writeRateLimitedLocked(w)
	case ServerError:
		writeError(w, http.StatusInternalServerError, "Internal Server Error")
	case Unavailable:
		w.Header().Set("Retry-After", strconv.Itoa(int(s.retryAfter/time.Second)))
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
	}
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("mastodontest: the connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		closeHard(conn)
	}
}

// closeHard closes conn at once, unread input and all.
func closeHard(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// writeError answers {"error": msg}, as Mastodon does.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func randomString(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}
