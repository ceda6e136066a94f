package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/onairhq/onair/posting"
)

// Limits is what a server takes in one status: read when a channel is added, so that posts are
// measured against this server's limit (some allow thousands of characters) rather than 500.
type Limits struct {
	MaxCharacters int // the longest text, as posting.MastodonLength counts it
	URLWeight     int // what one URL counts, whatever its length
	// ImageSizeLimit is the largest picture, in bytes; 0 when the server does not say
	// (Network.Image then applies).
	ImageSizeLimit int64
}

// Mastodon's limits when a server does not state them.
const (
	DefaultMaxCharacters = 500
	DefaultURLWeight     = 23
)

// instanceConfiguration is the "configuration" object of /api/v2/instance, and of
// /api/v1/instance since Mastodon 3.4 and on GoToSocial.
type instanceConfiguration struct {
	Statuses struct {
		MaxCharacters            int `json:"max_characters"`
		CharactersReservedPerURL int `json:"characters_reserved_per_url"`
	} `json:"statuses"`
	MediaAttachments struct {
		ImageSizeLimit int64 `json:"image_size_limit"`
	} `json:"media_attachments"`
}

// InstanceLimits reads a server's limits from GET /api/v2/instance
// (configuration.statuses.max_characters, characters_reserved_per_url,
// configuration.media_attachments.image_size_limit), falling back to /api/v1/instance for older
// or compatible servers (the same configuration object, or Pleroma's and Akkoma's max_toot_chars
// and upload_limit). What a server does not state is Mastodon's default: 500 characters, URLs
// counting 23. client may be nil.
func InstanceLimits(ctx context.Context, client *http.Client, server string) (Limits, error) {
	base, err := serverURL(server)
	if err != nil {
		return Limits{}, err
	}
	client = orDefaultClient(client)
	var v2 struct {
		Configuration *instanceConfiguration `json:"configuration"`
	}
	code, err := getJSON(ctx, client, base.JoinPath("/api/v2/instance").String(), &v2)
	if err != nil && code == 0 {
		return Limits{}, fmt.Errorf("read the limits of %s: %w", base.Host, err)
	}
	if err == nil && v2.Configuration != nil && v2.Configuration.Statuses.MaxCharacters > 0 {
		return limitsOf(*v2.Configuration, 0, 0), nil
	}
	// No /api/v2/instance (Mastodon before 4.0, Pleroma, Akkoma), or one without limits.
	var v1 struct {
		Configuration *instanceConfiguration `json:"configuration"`
		MaxTootChars  flexInt                `json:"max_toot_chars"`
		UploadLimit   flexInt                `json:"upload_limit"`
	}
	if _, err := getJSON(ctx, client, base.JoinPath("/api/v1/instance").String(), &v1); err != nil {
		return Limits{}, fmt.Errorf("read the limits of %s (is it a Mastodon-compatible server?): %w", base.Host, err)
	}
	var c instanceConfiguration
	if v1.Configuration != nil {
		c = *v1.Configuration
	}
	return limitsOf(c, int(v1.MaxTootChars), int64(v1.UploadLimit)), nil
}

// limitsOf fills what c leaves out with the Pleroma-style fields, then Mastodon's defaults.
func limitsOf(c instanceConfiguration, maxTootChars int, uploadLimit int64) Limits {
	l := Limits{MaxCharacters: c.Statuses.MaxCharacters, URLWeight: c.Statuses.CharactersReservedPerURL,
		ImageSizeLimit: c.MediaAttachments.ImageSizeLimit}
	if l.MaxCharacters <= 0 {
		l.MaxCharacters = maxTootChars
	}
	if l.MaxCharacters <= 0 {
		l.MaxCharacters = DefaultMaxCharacters
	}
	if l.URLWeight <= 0 {
		l.URLWeight = DefaultURLWeight
	}
	if l.ImageSizeLimit <= 0 && uploadLimit > 0 {
		l.ImageSizeLimit = uploadLimit
	}
	return l
}

// flexInt reads a number that some servers send as a string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	var v json.Number
	if err := json.Unmarshal(b, &v); err != nil {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil // not a number: ignored, the default applies
		}
		v = json.Number(strings.TrimSpace(s))
	}
	if i, err := v.Int64(); err == nil {
		*n = flexInt(i)
	}
	return nil
}

// orDefaultClient is client (a new one when nil) with onair's redirect rules and, when it has
// none, posting.LoginTimeout per request: a server that never answers must not hang a login.
func orDefaultClient(client *http.Client) *http.Client {
	return posting.HTTPClient(client, posting.LoginTimeout)
}

// getJSON reads u into out. A non-2xx answer is an error carrying the server's message; code is
// 0 when no answer came.
func getJSON(ctx context.Context, client *http.Client, u string, out any) (code int, err error) {
	req, err := newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	return doJSON(client, req, out)
}

// postForm sends form to u and reads the answer into out, as getJSON does.
func postForm(ctx context.Context, client *http.Client, u string, form url.Values, out any) (code int, err error) {
	req, err := newRequest(ctx, http.MethodPost, u, []byte(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doJSON(client, req, out)
}

func doJSON(client *http.Client, req *http.Request, out any) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		if mis := posting.Misconfiguration(err, req.URL.Redacted()); mis != nil {
			return 0, mis
		}
		var ue *url.Error
		if errors.As(err, &ue) && ue.Timeout() {
			return 0, fmt.Errorf("no answer from %s within %s (the server accepted the connection but did not answer; check the address, or try again later): %w",
				req.URL.Host, client.Timeout, err)
		}
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read the answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, &answerError{Code: resp.StatusCode, Message: serverMessage(body, resp.Status)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return resp.StatusCode, fmt.Errorf("the answer is not the expected JSON (%v): %s", err, snippet(body))
	}
	return resp.StatusCode, nil
}

// answerError is a non-2xx answer to a call made without a channel (limits, login).
type answerError struct {
	Code    int
	Message string // the server's words, quoted
}

func (e *answerError) Error() string { return fmt.Sprintf("answered %d %s", e.Code, e.Message) }

// answerCode is err's HTTP status, or 0.
func answerCode(err error) int {
	var ae *answerError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}
