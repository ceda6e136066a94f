package x

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// problem is an error answer of X's, in either of its forms: RFC 7807 {type, title, detail,
// status}, or {"errors": [{message, code}]}; X sometimes sends both at once.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
		Code    int    `json:"code"`
	} `json:"errors"`
}

func parseProblem(body []byte) problem {
	var pr problem
	_ = json.Unmarshal(body, &pr)
	return pr
}

// kind is the problem's name, the end of its type URL: "oauth1-permissions" for
// https://api.x.com/2/problems/oauth1-permissions (or api.twitter.com, which X still sends).
func (pr problem) kind() string {
	if _, name, ok := strings.Cut(pr.Type, "/2/problems/"); ok {
		return name
	}
	return ""
}

// duplicate reports X's refusal of a text the account already posted: v2's problem, or v1.1's
// code 187 that some answers still carry.
func (pr problem) duplicate() bool {
	if strings.Contains(strings.ToLower(pr.Detail), "duplicate content") {
		return true
	}
	for _, e := range pr.Errors {
		if e.Code == 187 || strings.Contains(strings.ToLower(e.Message), "duplicate") {
			return true
		}
	}
	return false
}

// said is what X said, for the marketer: its detail and its errors' messages, else the body
// itself, else the status.
func said(ans answer) string {
	pr := parseProblem(ans.body)
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	add(pr.Detail)
	for _, e := range pr.Errors {
		add(e.Message)
		add(e.Detail)
	}
	if len(parts) == 0 {
		add(pr.Title)
	}
	if len(parts) == 0 {
		body := strings.TrimSpace(string(ans.body))
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		add(body)
	}
	if len(parts) == 0 {
		return http.StatusText(ans.status)
	}
	return strings.Join(parts, "; ")
}

// refusal maps X's answer to anything but success into posting's errors, with X's words and what
// to do. what names the request for the message ("the post", "the image upload").
func (p *Poster) refusal(ans answer, m posting.Message, what string) error {
	pr := parseProblem(ans.body)
	xsaid := fmt.Errorf("X answered %d %s to %s: %s", ans.status, http.StatusText(ans.status), what, said(ans))
	switch status := ans.status; {
	case status == http.StatusUnauthorized && p.oauth2 != nil:
		return &posting.Auth{Err: posting.WithFix(posting.FixLogin, fmt.Errorf("%w; the channel's X login is no longer valid (revoked, or renewed elsewhere without being stored)", xsaid))}
	case status == http.StatusUnauthorized:
		return &posting.Auth{Err: fmt.Errorf("%w; X refused the channel's OAuth 1.0a keys: check the API key and secret and the access token and secret on the app's Keys and tokens page in the X developer portal (regenerate them if in doubt) and give them to the channel again", xsaid)}
	case status == http.StatusPaymentRequired:
		return &posting.Auth{Err: posting.WithFix(posting.FixResume, fmt.Errorf("%w; the X app has no API credits left: buy credits in the X Developer Console (https://console.x.com)", xsaid))}
	case status == http.StatusForbidden && pr.duplicate():
		if m.Attempt > 1 {
			// An earlier try (a timeout, a crash mid-send) reached X: this is that post.
			return &posting.Already{}
		}
		return &posting.Rejected{Err: posting.WithFix(posting.FixEdit, fmt.Errorf("%w; X refuses a text this account has already posted: make this post's text differ from the earlier one", xsaid))}
	case status == http.StatusForbidden && pr.kind() == "oauth1-permissions":
		return &posting.Auth{Err: posting.WithFix(posting.FixLoginResume, fmt.Errorf("%w; the X app may read but not write: in the X developer portal, open the app's User authentication settings, set App permissions to Read and write, then generate the access token and secret again (OAuth 1.0a) or log in again (OAuth 2.0)", xsaid))}
	case status == http.StatusForbidden && (pr.kind() == "client-forbidden" || pr.kind() == "unsupported-authentication"):
		return &posting.Auth{Err: posting.WithFix(posting.FixResume, fmt.Errorf("%w; the X app may not post this way: in the X developer portal, attach the app to a project with API access and set up its User authentication settings with Read and write permission", xsaid))}
	case status == http.StatusForbidden:
		return &posting.Rejected{Err: xsaid}
	case status == http.StatusTooManyRequests:
		until := resetTime(ans.header, p.Now())
		return &posting.RateLimited{Until: until, Err: fmt.Errorf("%w; X takes no more posts from this account until %s%s", xsaid, until.UTC().Format("2006-01-02 15:04 UTC"), limitNote(ans.header))}
	case status == http.StatusRequestTimeout || status >= 500:
		return &posting.Retryable{Err: xsaid}
	}
	return &posting.Rejected{Err: xsaid}
}

// resetTime reads when a 429 ends: the daily cap's reset when a 24-hour limit is spent (the
// user's x-user-limit-24hour-*, the app's x-app-limit-24hour-*), else x-rate-limit-reset, else a
// minute from now. Resets are Unix seconds, so each gets posting.ResetMargin; one further than
// posting.MaxDailyHold (the daily window and an hour) is cut to it.
func resetTime(h http.Header, now time.Time) time.Time {
	var until time.Time
	for _, who := range []string{"x-user-limit-24hour", "x-app-limit-24hour"} {
		if strings.TrimSpace(h.Get(who+"-remaining")) == "0" {
			if t, ok := unixHeader(h, who+"-reset"); ok && t.After(until) {
				until = t
			}
		}
	}
	if until.IsZero() {
		until, _ = unixHeader(h, "x-rate-limit-reset")
	}
	if !until.After(now) {
		until = now.Add(time.Minute)
	}
	until, _ = posting.Hold(until, now, posting.MaxDailyHold)
	return until
}

func unixHeader(h http.Header, name string) (time.Time, bool) {
	s, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	return time.Unix(s, 0).Add(posting.ResetMargin), true
}

// limitNote tells which limit was reached, from X's headers.
func limitNote(h http.Header) string {
	switch {
	case h.Get("x-user-limit-24hour-remaining") == "0":
		return fmt.Sprintf(" (its %s posts per 24 hours are used up)", orQuestion(h.Get("x-user-limit-24hour-limit")))
	case h.Get("x-app-limit-24hour-remaining") == "0":
		return fmt.Sprintf(" (the X app's %s posts per 24 hours are used up)", orQuestion(h.Get("x-app-limit-24hour-limit")))
	case h.Get("x-rate-limit-remaining") == "0":
		return fmt.Sprintf(" (its %s requests per 15 minutes are used up)", orQuestion(h.Get("x-rate-limit-limit")))
	}
	return ""
}

func orQuestion(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
