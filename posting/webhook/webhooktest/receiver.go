// Package webhooktest is a webhook receiver for tests: it checks each request the way a
// conforming receiver must (signature, Idempotency-Key matching the body), deduplicates by key,
// counts every request and every delivery, and can answer with faults on demand. With Format
// set to slack or discord it is an incoming webhook of those services instead: it reads their
// payload ({"text": ...}, {"content": ...}), ignores Idempotency-Key and keeps every copy it
// is sent, as they do.
package webhooktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/onairhq/onair/posting/webhook"
)

// Fault is how the receiver answers one request.
type Fault int

const (
	OK             Fault = iota
	Status500            // 500, nothing kept
	Timeout              // waits past the client's timeout, nothing kept
	RateLimit            // 429 with Retry-After (RetryAfter)
	Drop                 // closes the connection without answering, nothing kept
	AcceptThenDrop       // keeps the post, then closes the connection: the sender cannot know
	Unauthorized         // 401
	Unprocessable        // 422
	AcceptThen500        // keeps the post, then answers 500 (a gateway failing after the service acted)
	Redirect301          // 301 to the same path under /moved (a receiver that moved), nothing kept
)

// Delivery is one post the receiver kept.
type Delivery struct {
	Key     string
	Payload webhook.Payload // json
	Text    string          // slack and discord: the text posted
	At      time.Time
}

// Receiver is a fake webhook endpoint.
type Receiver struct {
	*httptest.Server
	Secret     string
	RetryAfter time.Duration // for RateLimit
	Hang       time.Duration // for Timeout
	Delay      time.Duration // before every answer (a slow network)
	// Format is the service the receiver stands for: "" or webhook.FormatJSON (onair's
	// contract), webhook.FormatSlack or webhook.FormatDiscord (no deduplication, no signature).
	Format string

	mu         sync.Mutex
	faults     func(n int, key string) Fault
	requests   map[string]int // requests per idempotency key
	deliveries []Delivery     // first delivery of each key, in order
	byKey      map[string]bool
	errors     []string // requests that broke the contract
	n          int
	lastByChan map[string]time.Time
	answered   map[string][]Answer
}

// Answer is one response the receiver gave, per channel, for checking retry timing.
type Answer struct {
	At    time.Time
	Fault Fault
}

// New starts a receiver; faults (may be nil) picks the answer to request n (0-based).
func New(t testing.TB, secret string, faults func(n int, key string) Fault) *Receiver {
	r := &Receiver{Secret: secret, RetryAfter: 2 * time.Second, Hang: 2 * time.Second, faults: faults,
		requests: map[string]int{}, byKey: map[string]bool{}, lastByChan: map[string]time.Time{}, answered: map[string][]Answer{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	key := req.Header.Get(webhook.HeaderIdempotencyKey)
	var p webhook.Payload
	var chat struct {
		Text    string `json:"text"`
		Content string `json:"content"`
	}
	r.mu.Lock()
	chatFormat := r.Format == webhook.FormatSlack || r.Format == webhook.FormatDiscord
	bad := ""
	switch {
	case req.Method != http.MethodPost:
		bad = "method " + req.Method
	case chatFormat && json.Unmarshal(body, &chat) != nil:
		bad = "body is not JSON: " + string(body)
	case r.Format == webhook.FormatSlack && chat.Text == "":
		bad = "no text" // Slack answers 400 no_text
	case r.Format == webhook.FormatDiscord && chat.Content == "":
		bad = "no content" // Discord answers 400 "Cannot send an empty message"
	case chatFormat:
		// Nothing more to check: Slack and Discord read neither the key nor a signature.
	case key == "":
		bad = "no Idempotency-Key"
	case json.Unmarshal(body, &p) != nil:
		bad = "body is not JSON: " + string(body)
	case p.ID != key || p.IdempotencyKey != key:
		bad = fmt.Sprintf("body id %q does not match Idempotency-Key %q", p.ID, key)
	case r.Secret != "" && !webhook.VerifyAt(r.Secret, req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, time.Time{}, 0): // senders on fake clocks
		bad = "bad signature"
	}
	if bad != "" {
		r.errors = append(r.errors, bad)
		r.mu.Unlock()
		http.Error(w, bad, http.StatusBadRequest)
		return
	}
	n := r.n
	r.n++
	r.requests[key]++
	fault := OK
	if r.faults != nil {
		fault = r.faults(n, key)
	}
	r.answered[p.Channel] = append(r.answered[p.Channel], Answer{At: time.Now(), Fault: fault})
	keep := fault == OK || fault == AcceptThenDrop || fault == AcceptThen500
	dup := r.byKey[key] && !chatFormat // Slack and Discord post every copy they get
	if keep && !dup {
		r.byKey[key] = true
		r.deliveries = append(r.deliveries, Delivery{Key: key, Payload: p, Text: chat.Text + chat.Content, At: time.Now()})
	}
	r.mu.Unlock()

	if r.Delay > 0 {
		time.Sleep(r.Delay)
	}
	switch fault {
	case OK:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"duplicate":%v}`, key, dup)
	case Status500, AcceptThen500:
		http.Error(w, "boom", http.StatusInternalServerError)
	case Redirect301:
		http.Redirect(w, req, "/moved"+req.URL.Path, http.StatusMovedPermanently)
	case Timeout:
		select {
		case <-time.After(r.Hang):
		case <-req.Context().Done():
		}
		http.Error(w, "too late", http.StatusGatewayTimeout)
	case RateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(int(r.RetryAfter/time.Second)))
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case Drop, AcceptThenDrop:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	case Unauthorized:
		http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
	case Unprocessable:
		http.Error(w, `{"error":"Validation failed: Text is too long"}`, http.StatusUnprocessableEntity)
	}
}

// Deliveries returns the posts kept, each once, in arrival order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.deliveries...)
}

// Requests returns how many requests carried each key (a resend after a fault or crash shows here).
func (r *Receiver) Requests() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.requests))
	for k, v := range r.requests {
		out[k] = v
	}
	return out
}

// Answers returns the answers given on a channel, in order.
func (r *Receiver) Answers(channel string) []Answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Answer(nil), r.answered[channel]...)
}

// ContractErrors returns the requests that broke the webhook contract.
func (r *Receiver) ContractErrors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}
