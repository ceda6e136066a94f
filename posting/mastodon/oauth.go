package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// App is onair registered as an OAuth client on one server (POST /api/v1/apps). It is only needed
// during a login: the token it leads to is what a channel keeps.
type App struct{ ClientID, ClientSecret string }

// RedirectOOB is the redirect URI of an app without a web page to come back to: the server shows
// the authorization code to the person, who pastes it into onair.
const RedirectOOB = "urn:ietf:wg:oauth:2.0:oob"

// LoginScopes are the permissions onair asks for: post statuses, upload their pictures, check the
// token's account, and read the account's statuses (a resend looks for the post before posting
// it again; Mastodon refuses to list statuses to a token that has not that scope).
const LoginScopes = "write:statuses write:media read:accounts read:statuses"

// RegisterApp registers onair, under name, as an app on server and returns its client id and
// secret. client may be nil.
func RegisterApp(ctx context.Context, client *http.Client, server, name string) (App, error) {
	base, err := serverURL(server)
	if err != nil {
		return App{}, err
	}
	if strings.TrimSpace(name) == "" {
		name = "onair"
	}
	form := url.Values{"client_name": {name}, "redirect_uris": {RedirectOOB}, "scopes": {LoginScopes}}
	var a struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if _, err := postForm(ctx, orDefaultClient(client), base.JoinPath("/api/v1/apps").String(), form, &a); err != nil {
		return App{}, fmt.Errorf("register onair as an app on %s (is it a Mastodon-compatible server? registrations of apps may be closed there): %w", base.Host, err)
	}
	if a.ClientID == "" || a.ClientSecret == "" {
		return App{}, fmt.Errorf("%s registered onair as an app but gave no client id or secret", base.Host)
	}
	return App{ClientID: a.ClientID, ClientSecret: a.ClientSecret}, nil
}

// AuthorizeURL is the page where the account's owner, logged in on server, lets onair post: it
// asks for LoginScopes and, once approved, shows a code to paste into onair.
func AuthorizeURL(server string, app App) string {
	base, err := serverURL(server)
	if err != nil {
		base = &url.URL{Scheme: "https", Host: strings.Trim(strings.TrimSpace(server), "/")}
	}
	u := base.JoinPath("/oauth/authorize")
	u.RawQuery = url.Values{
		"client_id":     {app.ClientID},
		"redirect_uri":  {RedirectOOB},
		"response_type": {"code"},
		"scope":         {LoginScopes},
	}.Encode()
	return u.String()
}

// ExchangeCode trades the code the authorization page showed for the account's access token
// (POST /oauth/token, grant authorization_code). client may be nil.
func ExchangeCode(ctx context.Context, client *http.Client, server string, app App, code string) (token string, err error) {
	base, err := serverURL(server)
	if err != nil {
		return "", err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return "", fmt.Errorf("no authorization code given; paste the code %s showed after you approved onair", base.Host)
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {app.ClientID},
		"client_secret": {app.ClientSecret},
		"redirect_uri":  {RedirectOOB},
		"scope":         {LoginScopes},
	}
	var t struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if _, err := postForm(ctx, orDefaultClient(client), base.JoinPath("/oauth/token").String(), form, &t); err != nil {
		switch answerCode(err) {
		case http.StatusBadRequest:
			return "", fmt.Errorf("%s did not accept the code (%w): a code works once and for ten minutes; paste it whole, or start the login again", base.Host, err)
		case http.StatusUnauthorized:
			return "", fmt.Errorf("%s does not know onair's app any more (%w); start the login again", base.Host, err)
		}
		return "", fmt.Errorf("exchange the code for a token on %s: %w", base.Host, err)
	}
	if t.AccessToken == "" {
		return "", fmt.Errorf("%s accepted the code but gave no access token", base.Host)
	}
	return t.AccessToken, nil
}
