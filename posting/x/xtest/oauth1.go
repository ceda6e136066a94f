package xtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// This file checks OAuth 1.0a signatures as X does (RFC 5849, section 3.4, HMAC-SHA1), with code
// of its own rather than the signer's, so that a test proves the adapter's requests would pass X.

// OAuth1Request is what an OAuth 1.0a Authorization header says about a request.
type OAuth1Request struct {
	ConsumerKey string
	Token       string
	Nonce       string
	Timestamp   string
	Signature   string
	// Params are the header's oauth_* parameters, without oauth_signature and realm.
	Params map[string]string
}

// ParseOAuth1 reads an `Authorization: OAuth k="v", ...` header.
func ParseOAuth1(header string) (OAuth1Request, error) {
	rest, ok := strings.CutPrefix(header, "OAuth ")
	if !ok {
		return OAuth1Request{}, errors.New(`the Authorization header does not start with "OAuth "`)
	}
	params := map[string]string{}
	for field := range strings.SplitSeq(rest, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		k, v, ok := strings.Cut(field, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return OAuth1Request{}, fmt.Errorf("the OAuth parameter %q is not key=\"value\"", field)
		}
		key, err1 := url.PathUnescape(k)
		val, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return OAuth1Request{}, fmt.Errorf("the OAuth parameter %q is not percent-encoded correctly", field)
		}
		if _, dup := params[key]; dup {
			return OAuth1Request{}, fmt.Errorf("the OAuth parameter %s appears twice", key)
		}
		params[key] = val
	}
	for _, k := range []string{"oauth_consumer_key", "oauth_token", "oauth_nonce", "oauth_timestamp", "oauth_signature", "oauth_signature_method"} {
		if params[k] == "" {
			return OAuth1Request{}, fmt.Errorf("the OAuth header lacks %s", k)
		}
	}
	if m := params["oauth_signature_method"]; m != "HMAC-SHA1" {
		return OAuth1Request{}, fmt.Errorf("signature method %s; X takes HMAC-SHA1", m)
	}
	if v, ok := params["oauth_version"]; ok && v != "1.0" {
		return OAuth1Request{}, fmt.Errorf("oauth_version %s; X takes 1.0", v)
	}
	o := OAuth1Request{ConsumerKey: params["oauth_consumer_key"], Token: params["oauth_token"],
		Nonce: params["oauth_nonce"], Timestamp: params["oauth_timestamp"], Signature: params["oauth_signature"]}
	delete(params, "oauth_signature")
	delete(params, "realm")
	o.Params = params
	return o, nil
}

// BaseURI is a request's base string URI (RFC 5849 3.4.1.2): scheme and host in lower case, the
// port only when it is not the scheme's default, the path as sent, no query.
func BaseURI(r *http.Request) string {
	scheme := strings.ToLower(r.URL.Scheme)
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	host = strings.ToLower(host)
	if h, port, ok := strings.Cut(host, ":"); ok && (scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host = h
	}
	path := r.URL.EscapedPath()
	if r.RequestURI != "" && !strings.Contains(r.RequestURI, "://") {
		path, _, _ = strings.Cut(r.RequestURI, "?")
	}
	return scheme + "://" + host + path
}

// SignatureParams collects the parameters a signature covers (RFC 5849 3.4.1.3): the query, the
// body when it is a form (a JSON or multipart body is not signed), and the header's oauth_*.
func SignatureParams(r *http.Request, body []byte, oauth map[string]string) (url.Values, error) {
	params := url.Values{}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	for k, vs := range query {
		params[k] = append(params[k], vs...)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("form body: %w", err)
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	for k, v := range oauth {
		params.Add(k, v)
	}
	return params, nil
}

// SignatureBase is the signature base string (RFC 5849 3.4.1.1): the method, the base URI and
// the normalised parameters (percent-encoded, sorted by name then value, joined by &), each
// percent-encoded and joined by &.
func SignatureBase(method, baseURI string, params url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, pair{PercentEncode(k), PercentEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var norm strings.Builder
	for i, p := range pairs {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k + "=" + p.v)
	}
	return strings.ToUpper(method) + "&" + PercentEncode(baseURI) + "&" + PercentEncode(norm.String())
}

// Sign is the HMAC-SHA1 signature of base, keyed with the consumer secret and the token secret,
// in base64 (RFC 5849 3.4.2).
func Sign(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(PercentEncode(consumerSecret)+"&"+PercentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// PercentEncode encodes s as RFC 5849 3.6 says: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// VerifyOAuth1 checks that the request's signature is the one the secrets give. It does not look
// at the timestamp or the nonce: the server does.
func VerifyOAuth1(r *http.Request, body []byte, o OAuth1Request, consumerSecret, tokenSecret string) error {
	params, err := SignatureParams(r, body, o.Params)
	if err != nil {
		return err
	}
	want := Sign(SignatureBase(r.Method, BaseURI(r), params), consumerSecret, tokenSecret)
	if !hmac.Equal([]byte(want), []byte(o.Signature)) {
		return errors.New("the OAuth 1.0a signature does not match the request")
	}
	return nil
}
