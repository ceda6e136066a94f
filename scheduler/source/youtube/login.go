package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/onairhq/onair/posting"
)

// DefaultListen is where Login waits for Google's redirect: any free port on 127.0.0.1, which
// Google accepts for an OAuth client of type Desktop app.
const DefaultListen = "127.0.0.1:0"

// LoginTimeout bounds each request Login makes when its client sets no timeout.
const LoginTimeout = posting.LoginTimeout

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
	ln, err := posting.ListenLoopback(cfg.Listen, "127.0.0.1:8765", "Google")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/"

	conf := &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: redirect, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	state := posting.RandomState()
	answers, stop := posting.ServeOAuthCallback(ln, "/{$}", state, "Google", "onair can now read this channel's live broadcasts. You can close this tab.")
	defer stop()

	show(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.AccessTypeOffline, oauth2.ApprovalForce))
	var ans posting.OAuthAnswer
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("no answer from Google: open the link, choose the channel's account and allow access (%w)", ctx.Err())
	case ans = <-answers:
	}
	if ans.Error != "" {
		return "", fmt.Errorf("Google did not authorize onair (%s); run the login again and allow access", ans.Error)
	}
	t, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, client), ans.Code, oauth2.VerifierOption(verifier))
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
