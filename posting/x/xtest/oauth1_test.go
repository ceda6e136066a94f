package xtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
)

// X's "Creating a signature" example (shared/reference/networks.md).
const (
	vectorConsumerKey    = "xvz1evFS4wEEPTGEFPHBog"
	vectorConsumerSecret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
	vectorToken          = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
	vectorTokenSecret    = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
	vectorNonce          = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
	vectorTimestamp      = "1318622958"
	vectorStatus         = "Hello Ladies + Gentlemen, a signed OAuth request!"
)

func vectorHeader(signature string) string {
	return `OAuth oauth_consumer_key="` + vectorConsumerKey + `", oauth_nonce="` + vectorNonce +
		`", oauth_signature="` + url.QueryEscape(signature) + `", oauth_signature_method="HMAC-SHA1", oauth_timestamp="` +
		vectorTimestamp + `", oauth_token="` + vectorToken + `", oauth_version="1.0"`
}

func TestSignatureVector(t *testing.T) {
	body := "status=" + strings.ReplaceAll(url.QueryEscape(vectorStatus), "+", "%20")
	for _, tt := range []struct{ host, want string }{
		{"api.x.com", "Ls93hJiZbQ3akF3HF3x1Bz8/zU4="},
		{"api.twitter.com", "hCtSmYh+iHYCEqBWrE7C7hYmtUk="},
	} {
		t.Run(tt.host, func(t *testing.T) {
			// As X receives it: the header parsed, the base string rebuilt from the request.
			r := httptest.NewRequest(http.MethodPost, "https://"+tt.host+"/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Authorization", vectorHeader(tt.want))
			o, err := ParseOAuth1(r.Header.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			params, err := SignatureParams(r, []byte(body), o.Params)
			if err != nil {
				t.Fatal(err)
			}
			base := SignatureBase(r.Method, BaseURI(r), params)
			if got := Sign(base, vectorConsumerSecret, vectorTokenSecret); got != tt.want {
				t.Errorf("signature %s, want %s\nbase string: %s", got, tt.want, base)
			}
			if err := VerifyOAuth1(r, []byte(body), o, vectorConsumerSecret, vectorTokenSecret); err != nil {
				t.Errorf("the documented request does not verify: %v", err)
			}
			if err := VerifyOAuth1(r, []byte(body+"%21"), o, vectorConsumerSecret, vectorTokenSecret); err == nil {
				t.Error("a changed form body still verifies")
			}
			if err := VerifyOAuth1(r, []byte(body), o, vectorConsumerSecret, "other"); err == nil {
				t.Error("the wrong token secret still verifies")
			}
		})
	}
	t.Run("base string as documented", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		o, _ := ParseOAuth1(vectorHeader("x"))
		params, _ := SignatureParams(r, []byte(body), o.Params)
		want := "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
		if got := SignatureBase(r.Method, BaseURI(r), params); got != want {
			t.Errorf("base string\n got %s\nwant %s", got, want)
		}
	})
}

func TestBaseURI(t *testing.T) {
	for _, tt := range []struct{ target, want string }{
		{"https://API.X.com:443/2/tweets?a=b", "https://api.x.com/2/tweets"},
		{"http://127.0.0.1:8080/2/tweets", "http://127.0.0.1:8080/2/tweets"},
		{"http://example.com:80/a%20b", "http://example.com/a%20b"},
	} {
		if got := BaseURI(httptest.NewRequest(http.MethodGet, tt.target, nil)); got != tt.want {
			t.Errorf("BaseURI(%s) = %s, want %s", tt.target, got, tt.want)
		}
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
		"An encoded string!": "An%20encoded%20string%21",
		"Dogs, Cats & Mice":  "Dogs%2C%20Cats%20%26%20Mice",
		"☃":                  "%E2%98%83",
		"-._~":               "-._~",
	} {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseOAuth1Refuses(t *testing.T) {
	for name, h := range map[string]string{
		"not OAuth":         "Bearer abc",
		"no signature":      `OAuth oauth_consumer_key="a", oauth_token="b", oauth_nonce="c", oauth_timestamp="1", oauth_signature_method="HMAC-SHA1"`,
		"PLAINTEXT":         `OAuth oauth_consumer_key="a", oauth_token="b", oauth_nonce="c", oauth_timestamp="1", oauth_signature="s", oauth_signature_method="PLAINTEXT"`,
		"unquoted value":    `OAuth oauth_consumer_key=a`,
		"duplicate key":     `OAuth oauth_consumer_key="a", oauth_consumer_key="b"`,
		"wrong version":     `OAuth oauth_consumer_key="a", oauth_token="b", oauth_nonce="c", oauth_timestamp="1", oauth_signature="s", oauth_signature_method="HMAC-SHA1", oauth_version="2.0"`,
		"bad percent codes": `OAuth oauth_consumer_key="a%zz"`,
	} {
		if _, err := ParseOAuth1(h); err == nil {
			t.Errorf("%s: %s accepted", name, h)
		}
	}
}

// TestOAuth1Requests sends requests signed by an independent signer (dghubble/oauth1) to the
// server, and some it must refuse.
func TestOAuth1Requests(t *testing.T) {
	s := New(t)
	keys := s.NewOAuth1(DefaultUser)
	signed := func(k OAuth1Keys) *http.Client {
		return oauth1.NewConfig(k.ConsumerKey, k.ConsumerSecret).Client(context.Background(), oauth1.NewToken(k.Token, k.TokenSecret))
	}
	get := func(c *http.Client, target string) int {
		t.Helper()
		resp, err := c.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(signed(keys), s.URL+"/2/users/me?user.fields=created_at,description"); got != http.StatusOK {
		t.Fatalf("a correctly signed request got %d: %v", got, s.Refusals())
	}
	for name, k := range map[string]OAuth1Keys{
		"unknown consumer key":  {ConsumerKey: "nope", ConsumerSecret: keys.ConsumerSecret, Token: keys.Token, TokenSecret: keys.TokenSecret},
		"wrong consumer secret": {ConsumerKey: keys.ConsumerKey, ConsumerSecret: "wrong", Token: keys.Token, TokenSecret: keys.TokenSecret},
		"unknown token":         {ConsumerKey: keys.ConsumerKey, ConsumerSecret: keys.ConsumerSecret, Token: "1-nope", TokenSecret: keys.TokenSecret},
		"wrong token secret":    {ConsumerKey: keys.ConsumerKey, ConsumerSecret: keys.ConsumerSecret, Token: keys.Token, TokenSecret: "wrong"},
		"another app's token": func() OAuth1Keys {
			o := s.NewOAuth1(DefaultUser)
			o.Token, o.TokenSecret = keys.Token, keys.TokenSecret
			return o
		}(),
	} {
		if got := get(signed(k), s.URL+"/2/users/me"); got != http.StatusUnauthorized {
			t.Errorf("%s: got %d, want 401", name, got)
		}
	}

	if got := get(http.DefaultClient, s.URL+"/2/users/me"); got != http.StatusUnauthorized {
		t.Errorf("unsigned request got %d", got)
	}

	t.Run("replayed nonce", func(t *testing.T) {
		var auth string
		capture := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			auth = r.Header.Get("Authorization")
			return http.DefaultTransport.RoundTrip(r)
		})}
		ctx := context.WithValue(context.Background(), oauth1.HTTPClient, capture)
		c := oauth1.NewConfig(keys.ConsumerKey, keys.ConsumerSecret).Client(ctx, oauth1.NewToken(keys.Token, keys.TokenSecret))
		if got := get(c, s.URL+"/2/users/me"); got != http.StatusOK {
			t.Fatalf("first request got %d", got)
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/2/users/me", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed request got %d, want 401", resp.StatusCode)
		}
	})

	t.Run("stale timestamp", func(t *testing.T) {
		s.OAuth1Clock = func() time.Time { return time.Now().Add(time.Hour) }
		defer func() { s.OAuth1Clock = time.Now }()
		if got := get(signed(keys), s.URL+"/2/users/me"); got != http.StatusUnauthorized {
			t.Errorf("a request signed an hour ago got %d", got)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
