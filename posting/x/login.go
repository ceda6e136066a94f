package x

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/onairhq/onair/posting"
)

// Scopes are what onair asks an account for: post (tweet.write, with the tweet.read and
// users.read X requires beside it), upload pictures (media.write) and keep posting after the
// access token's two hours (offline.access, which brings the refresh token).
var Scopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"}

// Defaults of LoginConfig.
const (
	DefaultAuthorizeURL = "https://x.com/i/oauth2/authorize"
	DefaultListen       = "127.0.0.1:8765"
)

// LoginConfig is what Login needs of the X app.
type LoginConfig struct {
	APIURL       string // default DefaultAPIURL; the token endpoint is APIURL + "/2/oauth2/token"
	AuthorizeURL string // default DefaultAuthorizeURL
	// ClientID and ClientSecret are the app's OAuth 2.0 client (ClientSecret empty for a public
	// client).
	ClientID, ClientSecret string
	// Listen is the local address X sends the person back to (default DefaultListen): the
	// redirect URI is "http://<Listen>/callback", which must be one of the app's callback URLs.
	Listen string
}

// Login runs the OAuth 2.0 authorization-code flow with PKCE (S256) through a local callback
// server on 127.0.0.1: it calls show(url) with the URL the person must open, waits for X to
// redirect back (checking state), exchanges the code, and returns the token, with its refresh
// token and expiry. ctx bounds the wait. client (may be nil) makes the exchange.
func Login(ctx context.Context, cfg LoginConfig, client *http.Client, show func(url string)) (posting.Token, error) {
	cfg.defaults()
	// The browser step may take minutes (ctx bounds it); each request to X takes at most
	// posting.LoginTimeout unless client says otherwise.
	client = posting.HTTPClient(client, posting.LoginTimeout)
	if cfg.ClientID == "" {
		return posting.Token{}, errors.New("X login needs the app's OAuth 2.0 Client ID (Keys and tokens page in the X developer portal)")
	}
	ln, redirect, err := listenForCallback(cfg.Listen)
	if err != nil {
		return posting.Token{}, err
	}
	defer ln.Close()

	conf := oauth2Config(strings.TrimRight(cfg.APIURL, "/"), cfg.AuthorizeURL, cfg.ClientID, cfg.ClientSecret, redirect)
	verifier := oauth2.GenerateVerifier()
	state := posting.RandomState()
	answers, stop := posting.ServeOAuthCallback(ln, "/callback", state, "X", "onair can now post on this X account. You can close this tab.")
	defer stop()

	show(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	var ans posting.OAuthAnswer
	select {
	case <-ctx.Done():
		return posting.Token{}, fmt.Errorf("no answer from X: open the link, log in to the account onair should post as and choose Authorize app (%w)", ctx.Err())
	case ans = <-answers:
	}
	if ans.Error != "" {
		why := ans.Error
		if ans.Description != "" {
			why += ": " + ans.Description
		}
		return posting.Token{}, fmt.Errorf("X did not authorize onair (%s); run the login again and choose Authorize app", why)
	}
	return exchange(ctx, conf, client, ans.Code, verifier, redirect)
}

func (cfg *LoginConfig) defaults() {
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
}

// listenForCallback listens on listen, an address of this machine, and returns the redirect URL
// X sends the person back to.
func listenForCallback(listen string) (net.Listener, string, error) {
	ln, err := posting.ListenLoopback(listen, DefaultListen, "X")
	if err != nil {
		return nil, "", err
	}
	addr := listen
	if _, port, _ := net.SplitHostPort(listen); port == "0" {
		addr = ln.Addr().String()
	}
	return ln, "http://" + addr + "/callback", nil
}

// exchange trades the authorization code for the token; X must give a refresh token.
func exchange(ctx context.Context, conf *oauth2.Config, client *http.Client, code, verifier, redirect string) (posting.Token, error) {
	t, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, client), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			return posting.Token{}, fmt.Errorf("X refused the login (%d %s): check the app's OAuth 2.0 Client ID and Client Secret (a confidential client needs its secret, a public one has none) and that %s is one of its callback URLs", re.Response.StatusCode, oauthWords(re), redirect)
		}
		return posting.Token{}, fmt.Errorf("X did not answer the login: %w", err)
	}
	if t.RefreshToken == "" {
		return posting.Token{}, errors.New("X gave no refresh token, so onair could post for two hours only: make sure the app's User authentication settings allow offline access, then log in again")
	}
	return posting.Token{Access: t.AccessToken, Refresh: t.RefreshToken, Expiry: t.Expiry.Round(0).UTC()}, nil
}
