package mastodon

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// Where findSent looks for a post that may already be on the account.
const (
	// lookBack is how long before the post's first try (or its due time) the status may have
	// been created: the server's clock and onair's may differ.
	lookBack = 15 * time.Minute
	// pageSize is the most statuses Mastodon gives in one page.
	pageSize = 40
	// maxLookupPages bounds the search when the account's statuses never reach the post's time
	// (dates the server writes wrong, or 10,000 statuses since): past it, onair cannot tell and
	// the post is left to a person rather than posted again.
	maxLookupPages = 250
)

// findSent looks among the account's recent statuses (newest first) for the one an earlier try of
// m created: the same text, written after m was due (less lookBack), in reply to the same post
// when m is a reply. It does not trust the Idempotency-Key alone: Mastodon forgets a key after an
// hour, and GoToSocial creates a second status for a key it has seen.
func (p *Poster) findSent(ctx context.Context, m posting.Message) (status, bool, error) {
	st, found, err := p.lookFor(ctx, m)
	var rj *posting.Rejected
	if errors.As(err, &rj) {
		// The post cannot be checked; sending it blind could publish it twice.
		err = &posting.Retryable{Err: fmt.Errorf("cannot look for post %d on %s before sending it again: %w", m.PostID, p.base.Host, rj.Err)}
	}
	return st, found, err
}

func (p *Poster) lookFor(ctx context.Context, m posting.Message) (status, bool, error) {
	id, err := p.account(ctx, m)
	if err != nil {
		return status{}, false, err
	}
	cutoff := m.DueAt
	if !m.FirstTriedAt.IsZero() && (cutoff.IsZero() || m.FirstTriedAt.Before(cutoff)) {
		cutoff = m.FirstTriedAt
	}
	if !cutoff.IsZero() {
		cutoff = cutoff.Add(-lookBack)
	}
	want := comparable(m.Text)
	maxID := ""
	pages := p.lookupPages
	if pages <= 0 {
		pages = maxLookupPages
	}
	// Statuses come newest first: page back (max_id) until one is older than the post can be.
	for page := 0; page < pages; page++ {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "exclude_reblogs": {"true"}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		var list []status
		if _, err := p.call(ctx, m, apiRequest{method: http.MethodGet, path: "/api/v1/accounts/" + url.PathEscape(id) + "/statuses", query: q}, &list); err != nil {
			return status{}, false, err
		}
		for _, st := range list {
			if created := st.created(); !cutoff.IsZero() && !created.IsZero() && created.Before(cutoff) {
				return status{}, false, nil // older than the post: it is not there
			}
			if st.Reblog != nil && string(*st.Reblog) != "null" {
				continue
			}
			if m.Thread != nil && (st.InReplyToID == nil || *st.InReplyToID != m.Thread.Parent.RemoteID) {
				continue
			}
			if comparable(statusText(st)) == want {
				return st, true, nil
			}
		}
		if len(list) < pageSize {
			return status{}, false, nil
		}
		maxID = list[len(list)-1].ID
	}
	return status{}, false, &posting.Uncertain{Err: fmt.Errorf("looked through the %d latest statuses of the account on %s without reaching %s, when post %d was first tried: "+
		"whether it went out is unknown, so it is not sent again; check the account", pages*pageSize, p.base.Host, cutoff.UTC().Format(time.RFC3339), m.PostID)}
}

// statusText is the text a status was written with: its source when the server gives it, else
// its HTML content turned back into text.
func statusText(st status) string {
	if st.Text != "" {
		return st.Text
	}
	if st.Pleroma != nil {
		if t, ok := st.Pleroma.Content["text/plain"]; ok && t != "" {
			return t
		}
	}
	return plainText(st.Content)
}

// plainText turns a status's HTML content back into the text it was written with, undoing what
// Mastodon's formatter does: paragraphs (<p>) separated by a blank line, <br /> a line break,
// links and mentions shown as their text (the hidden "https://" and the cut-off end of a long
// link are in the markup, so a link comes back whole), HTML entities decoded.
func plainText(content string) string {
	var b strings.Builder
	for len(content) > 0 {
		lt := strings.IndexByte(content, '<')
		if lt < 0 {
			b.WriteString(html.UnescapeString(content))
			break
		}
		b.WriteString(html.UnescapeString(content[:lt]))
		gt := strings.IndexByte(content[lt:], '>')
		if gt < 0 {
			b.WriteString(html.UnescapeString(content[lt:]))
			break
		}
		tag := content[lt+1 : lt+gt]
		content = content[lt+gt+1:]
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToLower(strings.TrimLeft(tag, "/"))
		if i := strings.IndexAny(name, " \t\n/"); i >= 0 {
			name = name[:i]
		}
		switch {
		case name == "br":
			b.WriteByte('\n')
		case name == "p" && closing:
			b.WriteString("\n\n")
		}
	}
	return strings.TrimSpace(b.String())
}

// remoteMention matches a mention with its domain, @name@server.example: Mastodon shows a mention
// as @name alone once it knows the account.
var remoteMention = regexp.MustCompile(`(^|[^\w@/])@(\w(?:[\w.-]*\w)?)@[\w-]+(?:\.[\w-]+)+`)

// comparable reduces a text to what survives Mastodon's rendering: mentions without their
// domain, and whitespace (line breaks, paragraph breaks, the spaces Mastodon trims) as one space.
func comparable(s string) string {
	s = remoteMention.ReplaceAllString(s, "$1@$2")
	return strings.Join(strings.Fields(s), " ")
}
