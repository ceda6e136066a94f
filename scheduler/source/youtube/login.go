package youtube

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// DefaultListen is where Login waits for Google's redirect: any free port on 127.0.0.1, which
// Google accepts for an OAuth client of type Desktop app.
const DefaultListen = "127.0.0.1:0"

// LoginTimeout bounds each request Login makes when its client sets no timeout.
const LoginTimeout = 30 * time.Second

// LoginConfig is what Login needs: the Desktop OAuth client, and Google's endpoints (a fake's
// in tests).
type LoginConfig struct {
	ClientID, ClientSecret string
	AuthURL                string // default google.Endpoint.AuthURL
	TokenURL               string // default google.Endpoint.TokenURL
	// Listen is the local address Google sends the browser back to (default DefaultListen):
	// the redirect URI is "http://<Listen>/".
	Listen     string
	HTTPClient *http.Client // makes the code exchange; nil = a default one
}

// Login runs Google's OAuth 2.0 consent for an installed app: authorization code with PKCE
// (S256) through a loopback redirect on this machine, asking for Scopes with access_type=offline
// and prompt=consent (so that Google gives a refresh token each time). It calls show(url) with
// the URL the person must open (show opens a browser or prints it), waits for Google's redirect
// (checking state), exchanges the code and returns the refresh token. ctx bounds the wait.
func Login(ctx context.Context, cfg LoginConfig, show func(url string)) (string, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return "", errors.New("the YouTube login needs the OAuth client's ID and secret (Google Cloud console, APIs & Services, Credentials)")
	}
	if cfg.AuthURL == "" {
		cfg.AuthURL = google.Endpoint.AuthURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = google.Endpoint.TokenURL
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	client := &http.Client{}
	if cfg.HTTPClient != nil {
		*client = *cfg.HTTPClient
	}
	if client.Timeout == 0 {
		client.Timeout = LoginTimeout
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("the login callback address %q must be on this machine, such as 127.0.0.1:8765", cfg.Listen)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return "", fmt.Errorf("cannot wait for Google's answer on %s (is another login running?): %w", cfg.Listen, err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/"

	conf := &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: redirect, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	state := randomState()
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This is not the answer to onair's login request. Start the login again.")
			return
		}
		var res result
		switch {
		case q.Get("error") != "":
			res.err = fmt.Errorf("Google did not authorize onair (%s); run the login again and allow access", q.Get("error"))
			page(w, http.StatusOK, "onair was not authorized. You can close this tab.")
		case q.Get("code") == "":
			page(w, http.StatusBadRequest, "Google sent no authorization code.")
			return
		default:
			res.code = q.Get("code")
			page(w, http.StatusOK, "onair can now read this channel's live broadcasts. You can close this tab.")
		}
		select {
		case done <- res:
		default: // an answer is already in
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()

	show(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.AccessTypeOffline, oauth2.ApprovalForce))
	var res result
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("no answer from Google: open the link, choose the channel's account and allow access (%w)", ctx.Err())
	case res = <-done:
	}
	if res.err != nil {
		return "", res.err
	}
	t, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, client), res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			return "", fmt.Errorf("Google refused the login (%d %s): check the OAuth client's ID and secret, and that it is of type Desktop app", re.Response.StatusCode, oauthWords(re))
		}
		return "", fmt.Errorf("Google did not answer the login: %w", err)
	}
	if t.RefreshToken == "" {
		return "", errors.New("Google gave no refresh token: remove onair's access in the Google account's security settings (Third-party apps), then log in again")
	}
	return t.RefreshToken, nil
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
