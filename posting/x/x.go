// Package x posts to X (formerly Twitter) through API v2: a post is POST /2/tweets, its picture
// goes first to POST /2/media/upload. It acts for one account, authorized either with OAuth 1.0a
// keys (signed with github.com/dghubble/oauth1) or with an OAuth 2.0 user token (Login), which it
// renews itself and stores through a posting.TokenStore before using it, since X's refresh tokens
// work once.
//
// X has no idempotency key, but it refuses a text the account has already posted: a resend after
// a try that may have reached X (Message.Attempt > 1) that X refuses as a duplicate counts as
// sent (*posting.Already), so Recovery is Resend. The poster then finds that post among the
// account's latest ones, so that the thread goes on under it.
package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dghubble/oauth1"
	"golang.org/x/oauth2"

	"github.com/onairhq/onair/posting"
)

// DefaultAPIURL is X's API.
const DefaultAPIURL = "https://api.x.com"

// OAuth1 are an app's consumer key and secret ("API Key and Secret" in the developer portal) and
// the access token and secret of the account it posts as.
type OAuth1 struct{ ConsumerKey, ConsumerSecret, Token, TokenSecret string }

// OAuth2 is an app's OAuth 2.0 client and the account's token, as Login obtained it.
type OAuth2 struct {
	ClientID, ClientSecret string // ClientSecret empty for a public client
	// Tokens keeps the access and refresh token where every onair process sees it (sealed in
	// the database by the caller): the poster saves each renewed token there before using it.
	Tokens posting.TokenStore
}

// Config is one X channel's settings.
type Config struct {
	APIURL  string // default DefaultAPIURL; tests and proxies set it
	OAuth1  *OAuth1
	OAuth2  *OAuth2       // exactly one of OAuth1 and OAuth2
	Timeout time.Duration // per request; default 30s
}

// Poster posts to one X account. One Poster serves concurrent sends.
type Poster struct {
	// Now is the clock token expiry and rate-limit resets are read against.
	Now func() time.Time

	cfg    Config
	api    string
	client *http.Client // plain: OAuth 2.0 requests carry their bearer token themselves
	signed *http.Client // signs OAuth 1.0a requests
	oauth2 *oauth2.Config
	sleep  func(context.Context, time.Duration) error // waits while X processes a picture

	mu       sync.Mutex
	user     string // the account's X id, once asked (/2/users/me)
	loaded   bool
	tok      posting.Token  // the OAuth 2.0 token in use, as stored
	pending  *posting.Token // a token X issued that could not be stored yet: never used before it is
	lifetime time.Duration  // how long X's access tokens live, as its last renewal said; 0 unknown
}

// New checks cfg and returns a poster. client may be nil.
func New(cfg Config, client *http.Client) (*Poster, error) {
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(cfg.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("X API URL %q is not a full http(s) address", cfg.APIURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	client = posting.HTTPClient(client, 0)
	p := &Poster{Now: time.Now, cfg: cfg, api: strings.TrimRight(cfg.APIURL, "/"), client: client, sleep: sleep}
	switch {
	case cfg.OAuth1 != nil && cfg.OAuth2 != nil:
		return nil, errors.New("an X channel takes OAuth 1.0a keys or an OAuth 2.0 login, not both")
	case cfg.OAuth1 != nil:
		o := cfg.OAuth1
		var missing []string
		for _, f := range []struct{ name, value string }{{"API key (consumer key)", o.ConsumerKey},
			{"API key secret (consumer secret)", o.ConsumerSecret}, {"access token", o.Token}, {"access token secret", o.TokenSecret}} {
			if f.value == "" {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("X OAuth 1.0a needs the %s from the app's Keys and tokens page in the X developer portal", strings.Join(missing, ", "))
		}
		ctx := context.WithValue(context.Background(), oauth1.HTTPClient, client)
		p.signed = oauth1.NewConfig(o.ConsumerKey, o.ConsumerSecret).Client(ctx, oauth1.NewToken(o.Token, o.TokenSecret))
		p.signed.CheckRedirect = posting.CheckRedirect
	case cfg.OAuth2 != nil:
		if cfg.OAuth2.ClientID == "" {
			return nil, errors.New("X OAuth 2.0 needs the app's Client ID (Keys and tokens page in the X developer portal)")
		}
		if cfg.OAuth2.Tokens == nil {
			return nil, posting.WithFix(posting.FixLogin, errors.New("X OAuth 2.0 needs the channel's token"))
		}
		p.oauth2 = oauth2Config(p.api, "", cfg.OAuth2.ClientID, cfg.OAuth2.ClientSecret, "")
	default:
		return nil, posting.WithFix(posting.FixLogin, errors.New("an X channel needs OAuth 1.0a keys or an OAuth 2.0 login"))
	}
	return p, nil
}

// Recovery: X refuses a text the account already posted, and a resend that X refuses so is
// reported as already sent, so an interrupted send is simply sent again.
func (p *Poster) Recovery() posting.Recovery { return posting.Resend }

// createPost is the body of POST /2/tweets: only fields of X's CreatePostsRequest.
type createPost struct {
	Text  string   `json:"text"`
	Reply *replyTo `json:"reply,omitempty"`
	Media *media   `json:"media,omitempty"`
}

type replyTo struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

type media struct {
	MediaIDs []string `json:"media_ids"`
}

// Post sends m: its picture first when it is a teaser with one, then the post, as a reply when
// m is in a thread.
func (p *Poster) Post(ctx context.Context, m posting.Message) (posting.Receipt, error) {
	body := createPost{Text: m.Text}
	if m.Thread != nil && m.Thread.Parent.RemoteID != "" {
		body.Reply = &replyTo{InReplyToTweetID: m.Thread.Parent.RemoteID}
	}
	if m.Image != nil {
		id, err := p.upload(ctx, m)
		if err != nil {
			return posting.Receipt{}, err
		}
		body.Media = &media{MediaIDs: []string{id}}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return posting.Receipt{}, &posting.Rejected{Err: err}
	}
	ans, err := p.call(ctx, m.Channel, http.MethodPost, "/2/tweets", "application/json", data)
	if err != nil {
		return posting.Receipt{}, err
	}
	if ans.status/100 != 2 {
		err := p.refusal(ans, m, "the post")
		var al *posting.Already
		if errors.As(err, &al) {
			al.Receipt = p.findSent(ctx, m)
		}
		return posting.Receipt{}, err
	}
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	// A 2xx is a post X has, even if its answer says nothing usable.
	_ = json.Unmarshal(ans.body, &created)
	return receipt(created.Data.ID), nil
}

func receipt(id string) posting.Receipt {
	if id == "" {
		return posting.Receipt{}
	}
	return posting.Receipt{RemoteID: id, RemoteURL: "https://x.com/i/web/status/" + id}
}

// User is the X account a channel posts as.
type User struct{ ID, Username, Name string }

// Me returns the account the credentials act for: `onair channel test` shows it, and it proves
// the credentials work without posting anything.
func (p *Poster) Me(ctx context.Context) (User, error) { return p.me(ctx, posting.Message{}) }

// me asks X for the account (GET /2/users/me) on m's behalf, and keeps its id.
func (p *Poster) me(ctx context.Context, m posting.Message) (User, error) {
	ans, err := p.call(ctx, m.Channel, http.MethodGet, "/2/users/me", "", nil)
	if err != nil {
		return User{}, err
	}
	if ans.status != http.StatusOK {
		return User{}, p.refusal(ans, m, "the account lookup")
	}
	var me struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			Name     string `json:"name"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ans.body, &me); err != nil || me.Data.ID == "" {
		return User{}, &posting.Retryable{Err: fmt.Errorf("X's answer to the account lookup is not understood: %.200s", ans.body)}
	}
	p.mu.Lock()
	p.user = me.Data.ID
	p.mu.Unlock()
	return User{ID: me.Data.ID, Username: me.Data.Username, Name: me.Data.Name}, nil
}

// answer is X's answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request to X's API with the channel's credentials and reads the answer; a
// network failure or a timeout is a *posting.Retryable. With OAuth 2.0, a 401 sends the request
// once more if the stored token changed meanwhile (another onair process renewed it).
func (p *Poster) call(ctx context.Context, channel, method, path, contentType string, body []byte) (answer, error) {
	for retried := false; ; retried = true {
		req, err := http.NewRequestWithContext(ctx, method, p.api+path, bytes.NewReader(body))
		if err != nil {
			return answer{}, &posting.Rejected{Err: err}
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("User-Agent", "onair")
		client := p.signed
		var used posting.Token
		if p.oauth2 != nil {
			if used, err = p.token(ctx, channel); err != nil {
				return answer{}, err
			}
			req.Header.Set("Authorization", "Bearer "+used.Access)
			client = p.client
		}
		ans, err := p.roundTrip(ctx, client, req)
		if err != nil {
			return answer{}, err
		}
		if ans.status == http.StatusUnauthorized && p.oauth2 != nil && !retried {
			changed, err := p.tokenChangedSince(ctx, used)
			if err != nil {
				return answer{}, err
			}
			if changed {
				continue
			}
		}
		return ans, nil
	}
}

func (p *Poster) roundTrip(ctx context.Context, client *http.Client, req *http.Request) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		if mis := posting.Misconfiguration(err, p.api); mis != nil {
			return answer{}, mis
		}
		return answer{}, &posting.Retryable{Err: fmt.Errorf("X did not answer: %w", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return answer{}, &posting.Retryable{Err: fmt.Errorf("X's answer (%s) was cut off: %w", resp.Status, err)}
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
