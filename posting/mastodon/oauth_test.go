package mastodon

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

// The login `onair channel login` runs: register the app, send the person to the authorization
// page, trade the code they paste for a token, and check the token posts and looks up.
func TestLogin(t *testing.T) {
	srv, clock, _ := fake(t)
	ctx := context.Background()
	app, err := RegisterApp(ctx, srv.Client(), srv.URL, "onair (brand)")
	if err != nil {
		t.Fatal(err)
	}
	page := AuthorizeURL(srv.URL, app)
	u, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/oauth/authorize" || q.Get("client_id") != app.ClientID || q.Get("response_type") != "code" ||
		q.Get("redirect_uri") != RedirectOOB || q.Get("scope") != LoginScopes || q.Has("client_secret") {
		t.Errorf("authorization page %s", page)
	}
	code, err := srv.Approve(page, "brand")
	if err != nil {
		t.Fatal(err)
	}
	token, err := ExchangeCode(ctx, srv.Client(), srv.URL, app, " "+code+"\n")
	if err != nil {
		t.Fatal(err)
	}
	p := poster(t, srv, clock, token)
	if a, err := p.Me(ctx); err != nil || a.Username != "brand" {
		t.Fatalf("%+v, %v", a, err)
	}
	m := msg()
	m.Attempt = 2 // looks the post up first: the token can read statuses
	if _, err := p.Post(ctx, m); err != nil {
		t.Fatal(err)
	}

	t.Run("a code works once", func(t *testing.T) {
		_, err := ExchangeCode(ctx, srv.Client(), srv.URL, app, code)
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "start the login again") {
			t.Errorf("%v", err)
		}
	})
	t.Run("a mistyped code", func(t *testing.T) {
		if _, err := ExchangeCode(ctx, srv.Client(), srv.URL, app, "nope"); err == nil {
			t.Error("accepted")
		}
	})
	t.Run("no code", func(t *testing.T) {
		if _, err := ExchangeCode(ctx, srv.Client(), srv.URL, app, " "); err == nil || !strings.Contains(err.Error(), "paste the code") {
			t.Errorf("%v", err)
		}
	})
	t.Run("app registration refused", func(t *testing.T) {
		srv.FailNext(mastodontest.RouteApps, mastodontest.ServerError)
		if _, err := RegisterApp(ctx, srv.Client(), srv.URL, "onair"); err == nil || !strings.Contains(err.Error(), "500") {
			t.Errorf("%v", err)
		}
	})
}

func TestAuthorizeURL(t *testing.T) {
	got := AuthorizeURL("mastodon.example/", App{ClientID: "abc", ClientSecret: "secret"})
	want := "https://mastodon.example/oauth/authorize?client_id=abc&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" +
		"&response_type=code&scope=write%3Astatuses+write%3Amedia+read%3Aaccounts+read%3Astatuses"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
