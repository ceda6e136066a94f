// Package mastodon posts statuses to a Mastodon server (or a compatible one: GoToSocial, Pleroma,
// Akkoma) through its REST API: the text with its language and visibility, a picture with its
// alternative text on teasers, and replies that keep a broadcast's posts in one thread. It also
// reads a server's limits (InstanceLimits) and runs the OAuth login that gives onair a token
// (RegisterApp, AuthorizeURL, ExchangeCode).
//
// Every status is created with the post's idempotency key in the Idempotency-Key header, which
// Mastodon remembers for one hour and answers with the first status. Not every server keeps that
// promise (GoToSocial creates a second status), and an hour is short after a long outage, so a
// post that may already have gone out (Message.Attempt > 1) is first looked for among the
// account's recent statuses; when it is there, Post reports *posting.Already.
package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/posting"
)

// Config is one Mastodon channel's settings.
type Config struct {
	Server  string        // "https://mastodon.example" (required)
	Token   string        // the account's access token (scopes: LoginScopes)
	Timeout time.Duration // per request; default 30s
}

// DefaultTimeout bounds each request when Config.Timeout is not set.
const DefaultTimeout = 30 * time.Second

// Poster posts to one Mastodon account.
type Poster struct {
	// Now is the clock: rate-limit waits, the resend lookup's time window and the wait for a
	// picture to be processed are measured with it.
	Now func() time.Time

	cfg    Config
	base   *url.URL
	client *http.Client
	// wait pauses between two polls of a picture still being processed; tests replace it to
	// advance a fake clock instead of sleeping.
	wait func(ctx context.Context, d time.Duration) error

	// lookupPages bounds the resend lookup (maxLookupPages unless set, by tests).
	lookupPages int

	mu        sync.Mutex
	accountID string // the token's account, read once (verify_credentials)
}

// New checks cfg and returns a poster. client may be nil.
func New(cfg Config, client *http.Client) (*Poster, error) {
	base, err := serverURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	cfg.Token = strings.TrimSpace(cfg.Token)
	if cfg.Token == "" {
		return nil, posting.WithFix(posting.FixLogin, fmt.Errorf("no access token for %s; log the channel in, "+
			"or create one in Preferences > Development (scopes %s)", base.Host, LoginScopes))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	client = posting.HTTPClient(client, 0)
	cfg.Server = base.String()
	return &Poster{Now: time.Now, cfg: cfg, base: base, client: client, wait: sleep}, nil
}

// Recovery: Mastodon deduplicates by Idempotency-Key for an hour, and Post looks for the status
// among the account's recent ones before creating it again, so an interrupted send is resent.
func (p *Poster) Recovery() posting.Recovery { return posting.Resend }

// statusRequest is the body of POST /api/v1/statuses.
type statusRequest struct {
	Status      string   `json:"status"`
	MediaIDs    []string `json:"media_ids,omitempty"`
	InReplyToID string   `json:"in_reply_to_id,omitempty"`
	Visibility  string   `json:"visibility,omitempty"`
	Language    string   `json:"language,omitempty"`
}

// status is the part of Mastodon's Status entity onair reads.
type status struct {
	ID          string  `json:"id"`
	URL         string  `json:"url"`
	URI         string  `json:"uri"`
	CreatedAt   string  `json:"created_at"` // ISO 8601; read by created, leniently
	InReplyToID *string `json:"in_reply_to_id"`
	Content     string  `json:"content"`
	// Text is the status's source text; Mastodon gives it only for a deleted status, some
	// compatible servers give it for the token's own statuses.
	Text string `json:"text"`
	// Reblog is set on a boost: not a status this account wrote.
	Reblog  *json.RawMessage `json:"reblog"`
	Pleroma *struct {
		Content map[string]string `json:"content"` // "text/plain" on Pleroma and Akkoma
	} `json:"pleroma"`
}

// created is when the status was written; zero when the server wrote a date onair cannot read.
func (s status) created() time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s.CreatedAt); err == nil {
			return t
		}
	}
	return time.Time{}
}

func (s status) receipt() posting.Receipt {
	u := s.URL
	if u == "" {
		u = s.URI
	}
	return posting.Receipt{RemoteID: s.ID, RemoteURL: u}
}

// Post creates m as a status and returns its id and address. A post that may already be there
// (m.Attempt > 1) is looked for first and reported as *posting.Already when found.
func (p *Poster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	if m.Attempt > 1 {
		st, found, err := p.findSent(ctx, m)
		if err != nil {
			return posting.Receipt{}, err
		}
		if found {
			return st.receipt(), &posting.Already{Receipt: st.receipt()}
		}
	}
	body := statusRequest{Status: m.Text, Visibility: m.Visibility, Language: m.Lang}
	if m.Thread != nil {
		body.InReplyToID = m.Thread.Parent.RemoteID
	}
	if m.Image != nil {
		id, err := p.upload(ctx, m)
		if err != nil {
			return posting.Receipt{}, err
		}
		body.MediaIDs = []string{id}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return posting.Receipt{}, &posting.Rejected{Err: fmt.Errorf("encode the status: %w", err)}
	}
	var st status
	_, err = p.call(ctx, m, apiRequest{method: http.MethodPost, path: "/api/v1/statuses",
		body: raw, contentType: "application/json", idempotencyKey: m.IdempotencyKey}, &st)
	if err != nil {
		return posting.Receipt{}, err
	}
	if st.ID == "" {
		// Whether the status exists is unknown: the next try looks for it before posting.
		return posting.Receipt{}, &posting.Retryable{Err: fmt.Errorf("%s answered without a status id", p.base.Host)}
	}
	return st.receipt(), nil
}

// Account is the account a token posts as.
type Account struct {
	ID       string `json:"id"`
	Username string `json:"username"` // without the domain
	Acct     string `json:"acct"`     // as the server shows it (local accounts: the username)
	URL      string `json:"url"`      // the profile page
}

// Handle is the account's full address, @username@server, as people write it.
func (a Account) Handle(server string) string {
	if strings.Contains(a.Acct, "@") {
		return "@" + a.Acct
	}
	host := server
	if u, err := serverURL(server); err == nil {
		host = u.Host
	}
	return "@" + a.Username + "@" + host
}

// Me returns the account the token posts as (GET /api/v1/accounts/verify_credentials): the
// check that a token works, when a channel is added or logged in again. When the server tells
// the token's scopes (GET /api/v1/apps/verify_credentials, Mastodon 4.3 and later), a token that
// may not publish (neither write nor write:statuses) is refused with *posting.Auth; a server that
// does not tell (older Mastodon, GoToSocial) is taken at its word.
func (p *Poster) Me(ctx context.Context) (Account, error) {
	a, err := p.me(ctx, posting.Message{})
	if err != nil {
		return a, err
	}
	var app struct {
		Scopes *[]string `json:"scopes"`
	}
	if _, err := p.call(ctx, posting.Message{}, apiRequest{method: http.MethodGet, path: "/api/v1/apps/verify_credentials"}, &app); err != nil || app.Scopes == nil {
		return a, nil // the server cannot tell: the first post will
	}
	for _, s := range *app.Scopes {
		if s == "write" || s == "write:statuses" {
			return a, nil
		}
	}
	return Account{}, &posting.Auth{Err: fmt.Errorf("the token of %s may not publish: its scopes are %q, without write:statuses; "+
		"create a token with the scopes %s, or log in through the server's authorization page", a.Handle(p.cfg.Server), strings.Join(*app.Scopes, " "), LoginScopes)}
}

func (p *Poster) me(ctx context.Context, m posting.Message) (Account, error) {
	var a Account
	if _, err := p.call(ctx, m, apiRequest{method: http.MethodGet, path: "/api/v1/accounts/verify_credentials"}, &a); err != nil {
		return Account{}, err
	}
	if a.ID == "" {
		return Account{}, &posting.Retryable{Err: fmt.Errorf("%s answered verify_credentials without an account id", p.base.Host)}
	}
	p.mu.Lock()
	p.accountID = a.ID
	p.mu.Unlock()
	return a, nil
}

// account returns the token's account id, reading it once.
func (p *Poster) account(ctx context.Context, m posting.Message) (string, error) {
	p.mu.Lock()
	id := p.accountID
	p.mu.Unlock()
	if id != "" {
		return id, nil
	}
	a, err := p.me(ctx, m)
	return a.ID, err
}

// serverURL reads a server address as people write it ("mastodon.example",
// "https://mastodon.example/") into its base URL.
func serverURL(server string) (*url.URL, error) {
	s := strings.TrimRight(strings.TrimSpace(server), "/")
	if s == "" {
		return nil, fmt.Errorf("no Mastodon server given; use its address, e.g. https://mastodon.social")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("Mastodon server %q is not a server address; use its address, e.g. https://mastodon.social", server)
	}
	if u.Path != "" {
		return nil, fmt.Errorf("Mastodon server %q has a path (%s); give the server alone, e.g. https://%s", server, u.Path, u.Host)
	}
	return u, nil
}

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newRequest builds a request whose body the transport never sends twice by itself: Go's
// transport replays a request carrying Idempotency-Key when a reused connection drops, and a
// server that does not honour the key (GoToSocial) would then post twice behind onair's back.
// Resending is Post's decision, made after looking for the status.
func newRequest(ctx context.Context, method, u string, body []byte) (*http.Request, error) {
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequestWithContext(ctx, method, u, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	if method != http.MethodGet {
		req.GetBody = nil
	}
	req.Header.Set("User-Agent", "onair (+https://github.com/onairhq/onair)")
	req.Header.Set("Accept", "application/json")
	return req, nil
}
