package x

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

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
	state := randomState()
	done := make(chan callbackResult, 1)
	srv := &http.Server{Handler: callbackHandler(state, done), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()

	show(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	var res callbackResult
	select {
	case <-ctx.Done():
		return posting.Token{}, fmt.Errorf("no answer from X: open the link, log in to the account onair should post as and choose Authorize app (%w)", ctx.Err())
	case res = <-done:
	}
	if res.err != nil {
		return posting.Token{}, res.err
	}
	return exchange(ctx, conf, client, res.code, verifier, redirect)
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
	host, port, err := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, "", fmt.Errorf("the login callback address %q must be on this machine, such as %s", listen, DefaultListen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, "", fmt.Errorf("cannot wait for X's answer on %s (is another login running?): %w", listen, err)
	}
	addr := listen
	if port == "0" {
		addr = ln.Addr().String()
	}
	return ln, "http://" + addr + "/callback", nil
}

// callbackResult is X's answer on the callback: an authorization code, or why there is none.
type callbackResult struct {
	code string
	err  error
}

// callbackHandler answers X's redirect on /callback: the first answer that carries state goes to
// done.
func callbackHandler(state string, done chan<- callbackResult) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This is not the answer to onair's login request. Start the login again.")
			return
		}
		var res callbackResult
		switch {
		case q.Get("error") != "":
			why := q.Get("error")
			if d := q.Get("error_description"); d != "" {
				why += ": " + d
			}
			res.err = fmt.Errorf("X did not authorize onair (%s); run the login again and choose Authorize app", why)
			page(w, http.StatusOK, "onair was not authorized. You can close this tab.")
		case q.Get("code") == "":
			page(w, http.StatusBadRequest, "X sent no authorization code.")
			return
		default:
			res.code = q.Get("code")
			page(w, http.StatusOK, "onair can now post on this X account. You can close this tab.")
		}
		select {
		case done <- res:
		default: // an answer is already in
		}
	})
	return mux
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

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>onair</title><p>%s</p>\n", msg) // msg is onair's own text
}

func randomState() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
