// Package bluesky posts to Bluesky (AT Protocol) through a PDS's XRPC API: one
// app.bsky.feed.post record per message, with link and hashtag facets, a link card for the
// broadcast (with the campaign's picture as its thumbnail), and replies that thread a
// broadcast's posts.
//
// It keeps the account's session (an access and a refresh JWT, stored through a
// posting.TokenStore) and renews it before it expires; it logs in with the app password only
// when the session has died, since Bluesky allows 30 logins per 5 minutes per account.
//
// Sending once: each post's record key is derived from its idempotency key and due time
// (RecordKey) at its first try, and kept from then on (Message.RemoteKey), so a
// second createRecord for the same post collides with the first instead of posting twice. The
// reference PDS answers that collision with a plain 500, so after any failed or uncertain
// create, and before any resend, the poster asks the PDS for the record (getRecord) and reports
// *posting.Already when it is there.
package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onairhq/onair/models/post"
	"github.com/onairhq/onair/posting"
)

// DefaultPDS is Bluesky's own PDS entryway, where bsky.social accounts log in.
const DefaultPDS = "https://bsky.social"

// postCollection is the collection of Bluesky posts.
const postCollection = "app.bsky.feed.post"

// Config is one Bluesky channel's settings.
type Config struct {
	PDS    string // default "https://bsky.social"
	Handle string // "brand.bsky.social"
	DID    string // the account's DID (from Login); used as the repo
	// AppPassword creates a new session when the refresh token is dead (rare: createSession is
	// limited to 30 per 5 minutes). Empty: a dead session needs `onair channel login`.
	AppPassword string
	// Tokens holds the session: Access = accessJwt, Refresh = refreshJwt, Expiry = the access
	// JWT's exp claim.
	Tokens  posting.TokenStore
	Timeout time.Duration // per request; default 30s
}

// Poster posts to one Bluesky account. It is safe for concurrent use.
type Poster struct {
	// Now is the clock that decides when the session is renewed and stamps createdAt.
	Now func() time.Time

	cfg  Config
	xrpc *xrpcClient
	mu   sync.Mutex // serialises session renewals: a refresh JWT works once
}

// New checks cfg and returns a poster. client may be nil.
func New(cfg Config, client *http.Client) (*Poster, error) {
	if cfg.DID == "" {
		return nil, posting.WithFix(posting.FixLogin, errors.New("the Bluesky channel has no account DID"))
	}
	if !strings.HasPrefix(cfg.DID, "did:") {
		return nil, posting.WithFix(posting.FixLogin, fmt.Errorf("Bluesky account %q is not a DID (did:plc:... or did:web:...)", cfg.DID))
	}
	if cfg.Tokens == nil {
		return nil, posting.WithFix(posting.FixLogin, errors.New("the Bluesky channel has no session store"))
	}
	cfg.Handle = strings.TrimPrefix(cfg.Handle, "@")
	c, err := newXRPC(cfg.PDS, client, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	cfg.PDS, cfg.Timeout = c.pds, c.timeout
	return &Poster{Now: time.Now, cfg: cfg, xrpc: c}, nil
}

func newXRPC(pds string, client *http.Client, timeout time.Duration) (*xrpcClient, error) {
	if pds == "" {
		pds = DefaultPDS
	}
	u, err := url.Parse(pds)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("PDS address %q is not a full http(s) address; use the PDS's URL, as https://pds.example.com", pds)
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	client = posting.HTTPClient(client, 0)
	return &xrpcClient{pds: strings.TrimRight(pds, "/"), http: client, timeout: timeout}, nil
}

// Recovery: an interrupted send is sent again, since the post's record key makes a second
// create collide with the first, and the poster looks the record up (getRecord) before
// creating it again.
func (p *Poster) Recovery() posting.Recovery { return posting.Resend }

// RemoteKey is the record key m goes out under: the one its first try was given (m.RemoteKey),
// else RecordKey of its idempotency key and due time. The dispatcher stores it before the first
// request leaves, so a post rescheduled after an uncertain try keeps its key and is found by the
// lookup instead of being created a second time.
func (p *Poster) RemoteKey(m posting.Message) string {
	if m.RemoteKey != "" {
		return m.RemoteKey
	}
	return RecordKey(m.IdempotencyKey, m.DueAt)
}

// Post creates m's post and maps the PDS's answer to posting's errors.
func (p *Poster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	if m.IdempotencyKey == "" {
		return posting.Receipt{}, &posting.Rejected{Err: errors.New("the post has no idempotency key, so Bluesky could not tell a resend from a new post")}
	}
	rkey := p.RemoteKey(m)
	if m.RemoteKey != "" && !validTID(m.RemoteKey) {
		// Never another key for a post that may be out under this one.
		return posting.Receipt{}, &posting.Uncertain{Err: fmt.Errorf("the post's stored record key %q is not a TID; "+
			"an earlier try may be on Bluesky under it: check the account", m.RemoteKey)}
	}
	if m.Attempt > 1 {
		// An earlier try may have reached Bluesky.
		r, found, err := p.lookup(ctx, rkey)
		if err != nil {
			return posting.Receipt{}, classify(err, p.Now(), "look for the post on Bluesky before sending it again")
		}
		if found {
			return r, &posting.Already{Receipt: r}
		}
	}
	tok, err := p.session(ctx)
	if err != nil {
		return posting.Receipt{}, err
	}
	rec, thumb, err := p.record(ctx, &tok, m, false)
	if err != nil {
		return posting.Receipt{}, err
	}
	r, err := p.create(ctx, &tok, rkey, rec)
	if err != nil && thumb.cached && isBlobNotFound(err) {
		// The PDS deleted the thumbnail since an earlier post used it (that post was deleted):
		// upload it again.
		p.forgetBlob(thumb.key)
		if rec, thumb, err = p.record(ctx, &tok, m, true); err != nil {
			return posting.Receipt{}, err
		}
		r, err = p.create(ctx, &tok, rkey, rec)
	}
	var al *posting.Already
	if thumb.ref != nil && (err == nil || errors.As(err, &al)) {
		p.rememberBlob(thumb.key, thumb.ref)
	}
	return r, err
}

// record builds m's app.bsky.feed.post record, uploading the link card's picture when it is
// not cached (always when fresh).
func (p *Poster) record(ctx context.Context, tok *posting.Token, m posting.Message, fresh bool) (postRecord, thumbnail, error) {
	rec := postRecord{
		Type:      postCollection,
		Text:      m.Text,
		CreatedAt: p.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		Facets:    Facets(m.Text),
	}
	if m.Lang != "" {
		rec.Langs = []string{m.Lang}
	}
	if t := m.Thread; t != nil {
		if t.Root.RemoteID == "" || t.Root.Ref == "" || t.Parent.RemoteID == "" || t.Parent.Ref == "" {
			return rec, thumbnail{}, &posting.Rejected{Err: errors.New("the thread's earlier Bluesky post has no at:// URI or CID to reply to; " +
				"send this post without --thread, or mark the earlier post as sent with its Bluesky link")}
		}
		rec.Reply = &replyRef{
			Root:   strongRef{URI: t.Root.RemoteID, CID: t.Root.Ref},
			Parent: strongRef{URI: t.Parent.RemoteID, CID: t.Parent.Ref},
		}
	}
	link := m.WatchURL
	if m.Kind == string(post.Replay) && m.ReplayURL != "" {
		link = m.ReplayURL
	}
	var thumb thumbnail
	if link != "" {
		if l := strings.ToLower(link); !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			link = "https://" + link
		}
		rec.Embed = &externalEmbed{Type: "app.bsky.embed.external", External: external{URI: link, Title: m.Broadcast, Description: m.Description}}
		if m.Image != nil && m.Image.Path != "" {
			var err error
			if thumb, err = p.thumb(ctx, tok, m.Image.Path, fresh); err != nil {
				return rec, thumb, err
			}
			rec.Embed.External.Thumb = thumb.ref
		}
	}
	return rec, thumb, nil
}

// create calls createRecord. When the answer is uncertain (5xx, 409, no answer), it asks the
// PDS whether the record exists: *posting.Already if it does, *posting.Retryable if not.
func (p *Poster) create(ctx context.Context, tok *posting.Token, rkey string, rec postRecord) (posting.Receipt, error) {
	body, err := json.Marshal(createRecordInput{Repo: p.cfg.DID, Collection: postCollection, RKey: rkey, Record: rec})
	if err != nil {
		return posting.Receipt{}, &posting.Rejected{Err: err}
	}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	err = p.authed(ctx, tok, func(access string) error {
		return p.xrpc.call(ctx, request{nsid: nsidCreateRecord, body: body, bearer: access}, &out)
	})
	if err == nil {
		return p.receipt(out.URI, out.CID, rkey), nil
	}
	if isPostingError(err) || !isUncertain(err) {
		return posting.Receipt{}, classify(err, p.Now(), "post to Bluesky")
	}
	r, found, lerr := p.lookup(ctx, rkey)
	switch {
	case lerr != nil:
		return posting.Receipt{}, &posting.Retryable{Err: fmt.Errorf("post to Bluesky: %w; looking for the post afterwards failed too (%v): it will be looked for again before any resend", err, lerr)}
	case found:
		return r, &posting.Already{Receipt: r}
	}
	return posting.Receipt{}, &posting.Retryable{Err: fmt.Errorf("post to Bluesky: %w (Bluesky does not have the post: it will be sent again)", err)}
}

// lookup asks the PDS for the post with record key rkey (getRecord, which needs no session).
func (p *Poster) lookup(ctx context.Context, rkey string) (posting.Receipt, bool, error) {
	q := url.Values{"repo": {p.cfg.DID}, "collection": {postCollection}, "rkey": {rkey}}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	err := p.xrpc.call(ctx, request{nsid: nsidGetRecord, query: q}, &out)
	switch {
	case err == nil && out.URI != "" && out.CID != "":
		return p.receipt(out.URI, out.CID, rkey), true, nil
	case err == nil:
		return posting.Receipt{}, false, fmt.Errorf("%s: the answer has no uri or cid", nsidGetRecord)
	case isRecordNotFound(err):
		return posting.Receipt{}, false, nil
	}
	return posting.Receipt{}, false, err
}

func (p *Poster) receipt(uri, cid, rkey string) posting.Receipt {
	who := p.cfg.Handle
	if who == "" {
		who = p.cfg.DID
	}
	return posting.Receipt{RemoteID: uri, Ref: cid, RemoteURL: "https://bsky.app/profile/" + who + "/post/" + rkey}
}

// isRecordNotFound reports getRecord's "no such record": 400 RecordNotFound, or, on older
// PDSes, 400 InvalidRequest "Could not locate record".
func isRecordNotFound(err error) bool {
	e := asXRPC(err)
	return e != nil && (e.Name == "RecordNotFound" ||
		e.Status == http.StatusBadRequest && strings.Contains(e.Message, "Could not locate record"))
}

// isBlobNotFound reports createRecord's refusal of a blob the PDS no longer has.
func isBlobNotFound(err error) bool {
	e := asXRPC(err)
	return e != nil && (e.Name == "BlobNotFound" || e.Status == http.StatusBadRequest && strings.Contains(e.Message, "Could not find blob"))
}

// isPostingError reports whether err is already one of posting's typed errors.
func isPostingError(err error) bool {
	var (
		rt *posting.Retryable
		rl *posting.RateLimited
		au *posting.Auth
		rj *posting.Rejected
		al *posting.Already
	)
	return errors.As(err, &rt) || errors.As(err, &rl) || errors.As(err, &au) || errors.As(err, &rj) || errors.As(err, &al)
}

// The record shapes onair writes (lexicons app.bsky.feed.post, app.bsky.embed.external,
// com.atproto.repo.strongRef).
type (
	createRecordInput struct {
		Repo       string     `json:"repo"`
		Collection string     `json:"collection"`
		RKey       string     `json:"rkey"`
		Record     postRecord `json:"record"`
	}
	postRecord struct {
		Type      string         `json:"$type"`
		Text      string         `json:"text"`
		CreatedAt string         `json:"createdAt"`
		Langs     []string       `json:"langs,omitempty"`
		Facets    []Facet        `json:"facets,omitempty"`
		Embed     *externalEmbed `json:"embed,omitempty"`
		Reply     *replyRef      `json:"reply,omitempty"`
	}
	externalEmbed struct {
		Type     string   `json:"$type"`
		External external `json:"external"`
	}
	external struct {
		URI         string          `json:"uri"`
		Title       string          `json:"title"`
		Description string          `json:"description"`
		Thumb       json.RawMessage `json:"thumb,omitempty"`
	}
	replyRef struct {
		Root   strongRef `json:"root"`
		Parent strongRef `json:"parent"`
	}
	strongRef struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
)
