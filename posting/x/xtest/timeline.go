package xtest

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// tweetFields are the values X's reference for GET /2/users/{id}/tweets lists for tweet.fields
// (https://docs.x.com/x-api/posts/user-posts-timeline-by-user-id). X's OpenAPI document 2.167
// names the parameter post.fields, with another list; X's API and its reference page take
// tweet.fields, so the fake checks that.
var tweetFields = []string{"article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
	"conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids", "entities", "geo",
	"id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet", "organic_metrics",
	"possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes",
	"source", "text", "withheld"}

// oldestTime is the earliest start_time and end_time X takes.
var oldestTime = time.Date(2010, 11, 6, 0, 0, 0, 0, time.UTC)

// userPosts is GET /2/users/{id}/tweets: the user's posts, newest first, with the default fields
// (id, text, edit_history_tweet_ids) and those tweet.fields asks for. The text is X's: every
// link the text holds rewritten to a t.co link, a picture's t.co link added at the end, and &,
// < and > written as HTML entities.
func (s *Server) userPosts(r *http.Request, user string) reply {
	q := r.URL.Query()
	var fields []string
	if v := q.Get("tweet.fields"); v != "" {
		fields = strings.Split(v, ",")
		for _, f := range fields {
			if !slices.Contains(tweetFields, f) {
				s.contractError("%s: tweet.fields %q is not one of X's", EndpointUserPosts, f)
				return invalidRequest(fmt.Sprintf("The `tweet.fields` query parameter value [%s] is not one of [%s]", f, strings.Join(tweetFields, ",")))
			}
		}
	}
	start, end, rep, ok := s.timeRange(q)
	if !ok {
		return rep
	}
	limit := 10
	if v := q.Get("max_results"); v != "" {
		limit, _ = strconv.Atoi(v) // the document checked it: 5 to 100
	}
	exclude := strings.Split(q.Get("exclude"), ",")
	var from string // the newest post of the page, from pagination_token
	if tok := q.Get("pagination_token"); tok != "" {
		id, err := base32.HexEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(tok))
		if err != nil {
			return invalidRequest(fmt.Sprintf("The `pagination_token` query parameter value [%s] is not valid", tok))
		}
		from = string(id)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.users[user]; !known {
		return jsonReply(http.StatusOK, map[string]any{"errors": []map[string]any{{
			"value": user, "detail": fmt.Sprintf("Could not find user with id: [%s].", user), "title": "Not Found Error",
			"resource_type": "user", "parameter": "id", "resource_id": user, "type": "https://api.x.com/2/problems/resource-not-found"}}})
	}
	var page []map[string]any
	next := ""
	for i := len(s.posts) - 1; i >= 0; i-- {
		p := s.posts[i]
		switch {
		case p.AuthorID != user, from != "" && olderID(from, p.ID),
			!start.IsZero() && p.At.Before(start), !end.IsZero() && p.At.After(end),
			q.Get("since_id") != "" && !olderID(q.Get("since_id"), p.ID),
			q.Get("until_id") != "" && !olderID(p.ID, q.Get("until_id")),
			p.ReplyTo != "" && slices.Contains(exclude, "replies"):
			continue
		}
		if len(page) == limit {
			next = strings.ToLower(base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(p.ID)))
			break
		}
		page = append(page, s.postData(p, fields))
	}
	meta := map[string]any{"result_count": len(page)}
	if len(page) == 0 {
		return jsonReply(http.StatusOK, map[string]any{"meta": meta})
	}
	meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[len(page)-1]["id"]
	if next != "" {
		meta["next_token"] = next
	}
	return jsonReply(http.StatusOK, map[string]any{"data": page, "meta": meta})
}

// timeRange reads start_time and end_time as X does: RFC 3339 to the second, on or after
// 2010-11-06, start before end.
func (s *Server) timeRange(q url.Values) (start, end time.Time, rep reply, ok bool) {
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"start_time", &start}, {"end_time", &end}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || strings.Contains(v, ".") || t.Before(oldestTime) {
			s.contractError("%s: %s %q is not a time X takes (YYYY-MM-DDTHH:mm:ssZ, no fraction of a second, on or after 2010-11-06)", EndpointUserPosts, p.name, v)
			return start, end, invalidRequest(fmt.Sprintf("Invalid '%s':'%s'. '%s' must be a valid ISO 8601 date-time, to the second, on or after 2010-11-06T00:00:00Z", p.name, v, p.name)), false
		}
		*p.t = t
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return start, end, invalidRequest(fmt.Sprintf("Invalid 'start_time':'%s'. 'start_time' must be before 'end_time':'%s'", q.Get("start_time"), q.Get("end_time"))), false
	}
	return start, end, reply{}, true
}

// postData is a post as X's API gives it, with the default fields and those asked for.
// Called with s.mu held.
func (s *Server) postData(p Post, fields []string) map[string]any {
	d := map[string]any{"id": p.ID, "text": xText(p), "edit_history_tweet_ids": []string{p.ID}}
	for _, f := range fields {
		switch f {
		case "author_id":
			d[f] = p.AuthorID
		case "created_at":
			d[f] = p.At.UTC().Format("2006-01-02T15:04:05.000Z")
		case "conversation_id":
			root := p
			for root.ReplyTo != "" {
				i := slices.IndexFunc(s.posts, func(q Post) bool { return q.ID == root.ReplyTo })
				if i < 0 {
					break
				}
				root = s.posts[i]
			}
			d[f] = root.ID
		case "in_reply_to_user_id":
			if i := slices.IndexFunc(s.posts, func(q Post) bool { return q.ID == p.ReplyTo }); p.ReplyTo != "" && i >= 0 {
				d[f] = s.posts[i].AuthorID
			}
		case "referenced_tweets":
			if p.ReplyTo != "" {
				d[f] = []map[string]string{{"type": "replied_to", "id": p.ReplyTo}}
			}
		case "attachments":
			if len(p.MediaIDs) > 0 {
				var keys []string
				for _, id := range p.MediaIDs {
					keys = append(keys, mediaKey(s.media[id], id))
				}
				d[f] = map[string]any{"media_keys": keys}
			}
		}
	}
	return d
}

// xText is a post's text as X's API gives it back: every link in it (as X finds them) replaced
// by a t.co link, the t.co link of its pictures added at the end, and &, < and > written &amp;,
// &lt; and &gt;.
func xText(p Post) string {
	var b strings.Builder
	escape := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	at := 0
	for i, sp := range posting.FindURLs(p.Text) {
		if !posting.XHasURL(sp.URL) {
			continue // a link to Bluesky, not to X (brand.fr)
		}
		b.WriteString(escape.Replace(p.Text[at:sp.Start]))
		b.WriteString(tco(p.ID, strconv.Itoa(i), sp.URL))
		at = sp.End
	}
	b.WriteString(escape.Replace(p.Text[at:]))
	if len(p.MediaIDs) > 0 {
		b.WriteString(" " + tco(p.ID, "media"))
	}
	return b.String()
}

// tco is a t.co link, the same for the same post and link.
func tco(parts ...string) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return "https://t.co/" + string(b)
}

// olderID reports whether post id a is older than b: X's ids grow with time.
func olderID(a, b string) bool {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return x < y
}
