package x

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// Where findSent looks for the post an earlier try created. X charges each post it reads
// (pay-per-usage), so the search is short.
const (
	// lookBack is how long before the post was due the earlier try may have created it: X's
	// clock and onair's may differ, and a post may be sent a little early.
	lookBack = 15 * time.Minute
	// pageSize is the posts asked for per page (X gives 5 to 100).
	pageSize = 10
	// maxPages bounds the search on an account that posted a lot since.
	maxPages = 3
)

// urlMark stands for a link when texts are compared: X gives back every link rewritten to a
// t.co link.
const urlMark = "\x00"

// timelinePost is a post of GET /2/users/{id}/tweets, with tweet.fields=created_at,referenced_tweets.
type timelinePost struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	CreatedAt        string `json:"created_at"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
}

// findSent looks among the account's latest posts (GET /2/users/{id}/tweets, newest first) for
// the one an earlier try of m created, now that X refused m's resend as a duplicate: the same
// text (links compared as links, since X rewrites them; whitespace as one space), created after
// m was due less lookBack, in reply to m's parent when m is in a thread and to nothing
// otherwise. It returns its receipt, or an empty one when it cannot tell: the post is on X
// either way, and is not posted again.
func (p *Poster) findSent(ctx context.Context, m posting.Message) posting.Receipt {
	user, err := p.userID(ctx, m)
	if err != nil {
		return posting.Receipt{}
	}
	want := comparable(m.Text)
	withPicture := m.Image != nil
	parent := ""
	if m.Thread != nil {
		parent = m.Thread.Parent.RemoteID
	}
	q := url.Values{"max_results": {strconv.Itoa(pageSize)}, "exclude": {"retweets"},
		"tweet.fields": {"created_at,referenced_tweets"}}
	var cutoff time.Time
	if !m.DueAt.IsZero() {
		// X takes start_time to the second.
		cutoff = m.DueAt.Add(-lookBack).UTC().Truncate(time.Second)
		q.Set("start_time", cutoff.Format(time.RFC3339))
	}
	for range maxPages {
		ans, err := p.call(ctx, m.Channel, http.MethodGet, "/2/users/"+url.PathEscape(user)+"/tweets?"+q.Encode(), "", nil)
		if err != nil || ans.status != http.StatusOK {
			return posting.Receipt{}
		}
		var page struct {
			Data []timelinePost `json:"data"`
			Meta struct {
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		if json.Unmarshal(ans.body, &page) != nil {
			return posting.Receipt{}
		}
		for _, tp := range page.Data {
			if created, err := time.Parse(time.RFC3339, tp.CreatedAt); err == nil && !cutoff.IsZero() && created.Before(cutoff) {
				return posting.Receipt{} // older than the post: it is not there
			}
			if tp.repliesTo() != parent {
				continue
			}
			got := comparable(html.UnescapeString(tp.Text))
			if got == want || withPicture && got == strings.TrimSpace(want+" "+urlMark) {
				return receipt(tp.ID)
			}
		}
		if page.Meta.NextToken == "" {
			return posting.Receipt{}
		}
		q.Set("pagination_token", page.Meta.NextToken)
	}
	return posting.Receipt{}
}

// repliesTo is the post tp answers, "" if none.
func (tp timelinePost) repliesTo() string {
	for _, r := range tp.ReferencedTweets {
		if r.Type == "replied_to" {
			return r.ID
		}
	}
	return ""
}

// comparable reduces a text to what survives X's rewriting: each link (as posting finds them,
// whether X rewrote it to a t.co link or not) as urlMark, and whitespace as one space. X gives
// a post with a picture back with the picture's t.co link at the end.
func comparable(s string) string {
	var b strings.Builder
	at := 0
	for _, sp := range posting.FindURLs(s) {
		b.WriteString(s[at:sp.Start])
		b.WriteString(urlMark)
		at = sp.End
	}
	b.WriteString(s[at:])
	return strings.Join(strings.Fields(b.String()), " ")
}

// userID returns the account's X id, asking X once (GET /2/users/me).
func (p *Poster) userID(ctx context.Context, m posting.Message) (string, error) {
	p.mu.Lock()
	id := p.user
	p.mu.Unlock()
	if id != "" {
		return id, nil
	}
	u, err := p.me(ctx, m)
	return u.ID, err
}
