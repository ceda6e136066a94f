// Package blueskytest is a fake Bluesky PDS for tests: an httptest server that speaks the XRPC
// methods onair uses (createSession, refreshSession, getSession, createRecord, getRecord,
// uploadBlob) the way the reference PDS (bluesky-social/atproto) does, and checks every request
// against the lexicons.
//
// It keeps accounts with app passwords, issues sessions whose access JWTs expire by the server's
// clock and whose refresh JWTs rotate (a used one dies), limits logins (30 per 5 minutes per
// account) and writes (5,000 points per hour, 3 per post), answers a record key collision with
// a plain 500 as the reference PDS does, forgets uploaded blobs no record references, and can
// answer the next requests with faults (500, 401, expired token, 429, a dropped connection,
// or a post created and the connection dropped before the answer).
//
// Requests that break the protocol or the lexicons (a bad facet offset, a blob never uploaded,
// a reply to a post that does not exist, a record key that is not a TID...) are answered as the
// PDS would and recorded as contract errors: tests assert ContractErrors is empty. A post the
// PDS refuses for its content (text too long) is not a contract error.
package blueskytest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// XRPC methods the server implements.
const (
	CreateSession  = "com.atproto.server.createSession"
	RefreshSession = "com.atproto.server.refreshSession"
	GetSession     = "com.atproto.server.getSession"
	CreateRecord   = "com.atproto.repo.createRecord"
	GetRecord      = "com.atproto.repo.getRecord"
	UploadBlob     = "com.atproto.repo.uploadBlob"
)

// Fault is how the server answers one request instead of carrying it out.
type Fault int

const (
	OK             Fault = iota
	Status500            // 500 InternalServerError; nothing done
	Unauthorized         // 401 AuthRequired; nothing done
	ExpiredToken         // 400 ExpiredToken, as for an access JWT past its exp; nothing done
	RateLimited          // 429 RateLimitExceeded with RateLimit-* and Retry-After (RetryAfter); nothing done
	Drop                 // the connection is closed without an answer; nothing done
	AcceptThenDrop       // the request is carried out, then the connection closed without an answer
	AcceptThen500        // the request is carried out, then 500 InternalServerError (a proxy failing after the PDS acted)
	Redirect301          // 301 to the same path under /moved (a PDS that moved); nothing done
	Hang                 // no answer until the client gives up (its timeout); nothing done
)

func (f Fault) String() string {
	switch f {
	case OK:
		return "ok"
	case Status500:
		return "500"
	case Unauthorized:
		return "401"
	case ExpiredToken:
		return "expired token"
	case RateLimited:
		return "429"
	case Drop:
		return "drop"
	case AcceptThenDrop:
		return "accept then drop"
	case AcceptThen500:
		return "accept then 500"
	case Redirect301:
		return "301"
	case Hang:
		return "hang"
	}
	return "fault " + strconv.Itoa(int(f))
}

// Server is a fake PDS. Set its settings before the first request.
type Server struct {
	*httptest.Server

	AccessLifetime    time.Duration // access JWTs; default 2h
	RefreshLifetime   time.Duration // refresh JWTs; default 90 days
	SessionLimit      int           // createSession calls per 5 minutes per account; default 30
	SessionDailyLimit int           // createSession calls per day per account; default 300
	WritePoints       int           // write points per hour per account (a create costs 3); default 5000
	MaxBlobSize       int64         // uploadBlob's limit, and a link card thumbnail's; default 1,000,000 bytes
	BlobGrace         time.Duration // how long an uploaded blob waits for a record to reference it; default 5 minutes
	RetryAfter        time.Duration // how long a RateLimited fault lasts; default 30s
	// Metrics gives a post's counts at an age, as getPosts serves them (default Growth).
	Metrics func(uri string, age time.Duration) Counts

	mu       sync.Mutex
	now      func() time.Time
	secret   []byte
	accounts []*account
	refresh  map[string]*refreshToken // by jti
	faults   map[string][]Fault
	counts   map[string]int
	errors   []string
	serial   int
}

// New starts a fake PDS, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		AccessLifetime:    2 * time.Hour,
		RefreshLifetime:   90 * 24 * time.Hour,
		SessionLimit:      30,
		SessionDailyLimit: 300,
		WritePoints:       5000,
		MaxBlobSize:       1_000_000,
		BlobGrace:         5 * time.Minute,
		RetryAfter:        30 * time.Second,
		now:               time.Now,
		secret:            make([]byte, 32),
		refresh:           map[string]*refreshToken{},
		faults:            map[string][]Fault{},
		counts:            map[string]int{},
	}
	rand.Read(s.secret)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// SetClock makes now the server's clock (JWT expiry, rate limit windows, blob grace).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Fail makes the server answer the next requests to method (an XRPC method name, "" for any)
// with faults, one per request, in order.
func (s *Server) Fail(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

// Requests returns how many requests method received, faults included.
func (s *Server) Requests(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

// ContractErrors returns the requests that broke the protocol or the lexicons.
func (s *Server) ContractErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errors...)
}

// xerr is an XRPC error answer.
type xerr struct {
	status  int
	name    string
	message string
	header  http.Header
}

func (e *xerr) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.name, e.message) }

func badRequest(msg string) *xerr { return &xerr{status: 400, name: "InvalidRequest", message: msg} }

// contract records a broken request and returns the answer the PDS gives it. s.mu is held.
func (s *Server) contract(method string, e *xerr, format string, args ...any) *xerr {
	s.errors = append(s.errors, method+": "+fmt.Sprintf(format, args...))
	return e
}

// handler carries out one request. It returns the JSON answer, or an error answer.
type handler func(r *http.Request, body []byte) (any, *xerr)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	var body []byte
	if r.Body != nil {
		body, _ = readAll(r, 60_000_000)
	}
	s.mu.Lock()
	// A PDS dates its answers by its own clock: rate-limit resets are read against it.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	s.counts[method]++
	fault := s.nextFault(method)
	if !ok {
		s.contract(r.URL.Path, nil, "not an XRPC path")
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	var (
		h      handler
		verb   = http.MethodPost
		header = http.Header{}
	)
	switch method {
	case CreateSession:
		h = s.createSession
	case RefreshSession:
		h = s.refreshSession
	case GetSession:
		h, verb = s.getSession, http.MethodGet
	case CreateRecord:
		h = func(r *http.Request, body []byte) (any, *xerr) { return s.createRecord(r, body, header) }
	case GetRecord:
		h, verb = s.getRecord, http.MethodGet
	case GetPosts:
		h, verb = s.getPosts, http.MethodGet
	case UploadBlob:
		h = s.uploadBlob
	default:
		s.contract(method, nil, "method not implemented by the fake PDS")
		s.mu.Unlock()
		writeJSON(w, 501, nil, map[string]string{"error": "MethodNotImplemented", "message": "Method Not Implemented"})
		return
	}
	if r.Method != verb {
		s.contract(method, nil, "called with %s; it takes %s", r.Method, verb)
		s.mu.Unlock()
		writeJSON(w, 400, nil, map[string]string{"error": "InvalidRequest", "message": "Incorrect HTTP method (" + r.Method + ") expected " + verb})
		return
	}
	var (
		answer any
		failed *xerr
	)
	switch fault {
	case OK, AcceptThenDrop:
		answer, failed = h(r, body)
	case AcceptThen500:
		h(r, body)
		failed = &xerr{status: 500, name: "InternalServerError", message: "Internal Server Error"}
	case Status500:
		failed = &xerr{status: 500, name: "InternalServerError", message: "Internal Server Error"}
	case Unauthorized:
		failed = &xerr{status: 401, name: "AuthRequired", message: "Authentication Required"}
	case ExpiredToken:
		failed = &xerr{status: 400, name: "ExpiredToken", message: "Token has expired"}
	case RateLimited:
		reset := s.now().Add(s.RetryAfter)
		failed = &xerr{status: 429, name: "RateLimitExceeded", message: "Rate Limit Exceeded", header: rateHeaders(100, 0, reset, "100;w=300")}
		failed.header.Set("Retry-After", strconv.Itoa(int(s.RetryAfter/time.Second)))
	}
	s.mu.Unlock()

	if fault == Hang {
		<-r.Context().Done()
		return
	}
	if fault == Redirect301 {
		http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusMovedPermanently)
		return
	}
	if fault == Drop || fault == AcceptThenDrop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	if failed != nil {
		writeJSON(w, failed.status, failed.header, map[string]string{"error": failed.name, "message": failed.message})
		return
	}
	writeJSON(w, 200, header, answer)
}

// nextFault pops the fault for the next request to method. s.mu is held.
func (s *Server) nextFault(method string) Fault {
	for _, k := range []string{method, ""} {
		if q := s.faults[k]; len(q) > 0 {
			s.faults[k] = q[1:]
			return q[0]
		}
	}
	return OK
}

func writeJSON(w http.ResponseWriter, status int, header http.Header, v any) {
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func readAll(r *http.Request, max int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, max))
}

// rateHeaders are the IETF draft RateLimit-* headers Bluesky sends.
func rateHeaders(limit, remaining int, reset time.Time, policy string) http.Header {
	h := http.Header{}
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-Policy", policy)
	return h
}

// window counts uses of a rate limit in a fixed window.
type window struct {
	start time.Time
	used  int
}

// take spends cost in the window of length d and limit, and says whether it was allowed, what
// remains, and when the window resets.
func (w *window) take(now time.Time, d time.Duration, limit, cost int) (ok bool, remaining int, reset time.Time) {
	if w.start.IsZero() || !now.Before(w.start.Add(d)) {
		w.start, w.used = now, 0
	}
	reset = w.start.Add(d)
	if w.used+cost > limit {
		return false, limit - w.used, reset
	}
	w.used += cost
	return true, limit - w.used, reset
}
