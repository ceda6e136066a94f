package mastodontest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

var (
	visibilities    = []string{"public", "unlisted", "private", "direct"}
	languagePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z]{2,4})?$`)
)

// maxMediaAttachments is Mastodon's Status::MEDIA_ATTACHMENTS_LIMIT.
const maxMediaAttachments = 4

// params reads a request's parameters as Rails does: from the query, and from a form or JSON
// body. Arrays ("media_ids[]" in a form, a JSON array) come back under their bare name.
func (s *Server) params(r *http.Request) (url.Values, error) {
	out := url.Values{}
	for k, v := range r.URL.Query() {
		out[strings.TrimSuffix(k, "[]")] = v
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "":
		if r.ContentLength > 0 {
			return nil, fmt.Errorf("a body without Content-Type")
		}
	case "application/json":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, fmt.Errorf("body is not a JSON object: %v", err)
		}
		for k, v := range body {
			switch v := v.(type) {
			case nil:
			case string:
				out[k] = []string{v}
			case bool, float64:
				out[k] = []string{fmt.Sprint(v)}
			case []any:
				for _, e := range v {
					str, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("%s holds %T, not strings", k, e)
					}
					out[k] = append(out[k], str)
				}
			default:
				return nil, fmt.Errorf("%s is a %T", k, v)
			}
		}
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
			return nil, fmt.Errorf("form cannot be read: %v", err)
		}
		for k, v := range r.PostForm {
			out[strings.TrimSuffix(k, "[]")] = v
		}
	default:
		return nil, fmt.Errorf("Content-Type %q is neither JSON nor a form", ct)
	}
	return out, nil
}

// createStatus is POST /api/v1/statuses, checked as Mastodon's StatusesController and
// PostStatusService check it.
func (s *Server) createStatus(w http.ResponseWriter, r *http.Request, c caller) {
	p, err := s.params(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.contractf("%s: %v", RouteStatuses, err)
		writeError(w, http.StatusBadRequest, "Error occurred while parsing request parameters")
		return
	}
	a := c.account
	now := s.now().UTC()
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.contractf("%s: no Idempotency-Key header (onair sends the post's key with every status)", RouteStatuses)
	}
	if key != "" && !s.goToSocial {
		if k, ok := a.keys[key]; ok && now.Sub(k.at) < idempotencyTTL {
			if st, ok := s.statuses[k.statusID]; ok {
				writeJSON(w, http.StatusOK, s.statusJSONLocked(st))
				return
			}
		}
	}
	if id := p.Get("in_reply_to_id"); id != "" {
		if _, ok := s.statuses[id]; !ok {
			writeError(w, http.StatusNotFound, "The post you are trying to reply to does not appear to exist.")
			return
		}
	}
	ids := p["media_ids"]
	if len(ids) > maxMediaAttachments {
		s.contractf("%s: %d media ids, Mastodon takes %d", RouteStatuses, len(ids), maxMediaAttachments)
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Cannot attach more than %d files", maxMediaAttachments))
		return
	}
	var media []*Media
	var missing []string
	for _, id := range ids {
		m, ok := s.media[id]
		if !ok || m.Account != a.Username || m.StatusID != "" || slices.Contains(media, m) {
			missing = append(missing, id)
			continue
		}
		media = append(media, m)
	}
	if len(missing) > 0 {
		s.contractf("%s: media %s not uploaded by %s, or attached already", RouteStatuses, strings.Join(missing, ", "), a.Username)
		writeError(w, http.StatusUnprocessableEntity, "Media "+strings.Join(missing, ", ")+" not found or already attached to another post")
		return
	}
	for _, m := range media {
		if now.Before(m.readyAt) {
			s.contractf("%s: media %s attached before it was processed (poll GET /api/v1/media/%s until it has a url)", RouteStatuses, m.ID, m.ID)
			writeError(w, http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!")
			return
		}
	}
	visibility := p.Get("visibility")
	if visibility == "" {
		visibility = "public"
	} else if !slices.Contains(visibilities, visibility) {
		s.contractf("%s: visibility %q is not one of %v", RouteStatuses, visibility, visibilities)
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("'%s' is not a valid visibility", visibility))
		return
	}
	language := p.Get("language")
	if language != "" && !languagePattern.MatchString(language) {
		s.contractf("%s: language %q is not an ISO 639 code", RouteStatuses, language)
		language = ""
	}
	if language == "" {
		language = "en" // the account's default, as Mastodon falls back to it
	}
	text := strings.TrimSpace(p.Get("status"))
	if text == "" && len(media) == 0 {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	}
	if n := posting.MastodonLength(text, s.instance.URLWeight); n > s.instance.MaxCharacters {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.instance.MaxCharacters))
		return
	}
	st := &Status{
		ID: s.newIDLocked(), Account: a.Username, Text: text, CreatedAt: now,
		InReplyToID: p.Get("in_reply_to_id"), Language: language, Visibility: visibility, IdempotencyKey: key,
	}
	st.URL = s.URL + "/@" + a.Username + "/" + st.ID
	st.Content = renderContent(text, s.URL, func(u string) bool { _, ok := s.accounts[u]; return ok })
	for _, m := range media {
		m.StatusID = st.ID
		st.Media = append(st.Media, *m)
	}
	s.statuses[st.ID] = st
	a.statuses = append(a.statuses, st)
	if key != "" && !s.goToSocial {
		a.keys[key] = idempotent{statusID: st.ID, at: now}
	}
	writeJSON(w, http.StatusOK, s.statusJSONLocked(st))
}

// accountStatuses is GET /api/v1/accounts/:id/statuses: newest first, 20 by default and 40 at
// most, paged with max_id / since_id / min_id. A token is optional; without one (or with another
// account's) only public and unlisted statuses are listed.
func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accountsByID[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	q := r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.contractf("%s: limit %q is not a number", RouteAccountStatuses, v)
		} else {
			limit = min(max(n, 1), 40)
		}
	}
	maxID, sinceID, minID := q.Get("max_id"), q.Get("since_id"), q.Get("min_id")
	truthy := func(k string) bool { v := q.Get(k); return v == "true" || v == "1" }
	var list []*Status
	for _, st := range a.statuses { // oldest first
		switch {
		case c.account != a && st.Visibility != "public" && st.Visibility != "unlisted":
		case maxID != "" && compareIDs(st.ID, maxID) >= 0:
		case sinceID != "" && compareIDs(st.ID, sinceID) <= 0:
		case minID != "" && compareIDs(st.ID, minID) <= 0:
		case truthy("only_media") && len(st.Media) == 0:
		case truthy("exclude_replies") && st.InReplyToID != "" && s.statuses[st.InReplyToID] != nil && s.statuses[st.InReplyToID].Account != a.Username:
		case truthy("pinned"): // nothing is pinned here
		default:
			list = append(list, st)
		}
	}
	if minID != "" {
		list = list[:min(limit, len(list))] // the ones just after min_id
	} else {
		list = list[max(len(list)-limit, 0):] // the newest
	}
	slices.Reverse(list)
	out := make([]statusJSON, len(list))
	for i, st := range list {
		out[i] = s.statusJSONLocked(st)
	}
	if len(list) > 0 {
		base := s.URL + r.URL.Path + "?limit=" + strconv.Itoa(limit)
		w.Header().Set("Link", fmt.Sprintf(`<%s&max_id=%s>; rel="next", <%s&min_id=%s>; rel="prev"`, base, list[len(list)-1].ID, base, list[0].ID))
	}
	writeJSON(w, http.StatusOK, out)
}

// statusJSON is Mastodon's Status entity (the fields a client reads; text is absent, as Mastodon
// gives it only for a deleted status).
type statusJSON struct {
	ID                 string           `json:"id"`
	CreatedAt          string           `json:"created_at"`
	InReplyToID        *string          `json:"in_reply_to_id"`
	InReplyToAccountID *string          `json:"in_reply_to_account_id"`
	Sensitive          bool             `json:"sensitive"`
	SpoilerText        string           `json:"spoiler_text"`
	Visibility         string           `json:"visibility"`
	Language           *string          `json:"language"`
	URI                string           `json:"uri"`
	URL                string           `json:"url"`
	RepliesCount       int              `json:"replies_count"`
	ReblogsCount       int              `json:"reblogs_count"`
	FavouritesCount    int              `json:"favourites_count"`
	EditedAt           *string          `json:"edited_at"`
	Content            string           `json:"content"`
	Text               string           `json:"text,omitempty"` // GoToSocial: the source text
	Reblog             *statusJSON      `json:"reblog"`
	Application        map[string]any   `json:"application"`
	Account            accountJSON      `json:"account"`
	MediaAttachments   []mediaJSON      `json:"media_attachments"`
	Mentions           []map[string]any `json:"mentions"`
	Tags               []map[string]any `json:"tags"`
	Emojis             []any            `json:"emojis"`
	Card               any              `json:"card"`
	Poll               any              `json:"poll"`
}

func (s *Server) statusJSONLocked(st *Status) statusJSON {
	a := s.accounts[st.Account]
	out := statusJSON{
		ID: st.ID, CreatedAt: mastodonTime(st.CreatedAt), Visibility: st.Visibility,
		URI: s.URL + "/users/" + st.Account + "/statuses/" + st.ID, URL: st.URL, Content: st.Content,
		Application: map[string]any{"name": "onair", "website": nil}, Account: s.accountJSONLocked(a),
		MediaAttachments: []mediaJSON{}, Mentions: []map[string]any{}, Tags: []map[string]any{}, Emojis: []any{},
	}
	if st.Language != "" {
		out.Language = &st.Language
	}
	if s.goToSocial {
		out.Text = st.Text
	}
	if st.InReplyToID != "" {
		id := st.InReplyToID
		out.InReplyToID = &id
		if parent, ok := s.statuses[id]; ok {
			pid := s.accounts[parent.Account].ID
			out.InReplyToAccountID = &pid
		}
	}
	for _, m := range st.Media {
		out.MediaAttachments = append(out.MediaAttachments, mediaJSONOf(&m, time.Time{}))
	}
	return out
}

// accountJSON is Mastodon's Account entity.
type accountJSON struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	Locked         bool   `json:"locked"`
	Bot            bool   `json:"bot"`
	Discoverable   bool   `json:"discoverable"`
	Group          bool   `json:"group"`
	CreatedAt      string `json:"created_at"`
	Note           string `json:"note"`
	URL            string `json:"url"`
	Avatar         string `json:"avatar"`
	AvatarStatic   string `json:"avatar_static"`
	Header         string `json:"header"`
	HeaderStatic   string `json:"header_static"`
	FollowersCount int    `json:"followers_count"`
	FollowingCount int    `json:"following_count"`
	StatusesCount  int    `json:"statuses_count"`
	LastStatusAt   any    `json:"last_status_at"`
	Emojis         []any  `json:"emojis"`
	Fields         []any  `json:"fields"`
	Source         any    `json:"source,omitempty"`
}

func (s *Server) accountJSONLocked(a *account) accountJSON {
	out := accountJSON{
		ID: a.ID, Username: a.Username, Acct: a.Username, DisplayName: a.Username, Discoverable: true,
		CreatedAt: a.createdAt.Truncate(24 * time.Hour).Format("2006-01-02T15:04:05.000Z"), Note: "",
		URL: s.URL + "/@" + a.Username, Avatar: s.URL + "/avatars/original/missing.png", AvatarStatic: s.URL + "/avatars/original/missing.png",
		Header: s.URL + "/headers/original/missing.png", HeaderStatic: s.URL + "/headers/original/missing.png",
		StatusesCount: len(a.statuses), Emojis: []any{}, Fields: []any{},
	}
	if n := len(a.statuses); n > 0 {
		out.LastStatusAt = a.statuses[n-1].CreatedAt.Format("2006-01-02")
	}
	return out
}

// verifyCredentials is GET /api/v1/accounts/verify_credentials: the token's account, with its
// source.
func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.accountJSONLocked(c.account)
	out.Source = map[string]any{"privacy": "public", "sensitive": false, "language": "", "note": "", "fields": []any{}, "follow_requests_count": 0}
	writeJSON(w, http.StatusOK, out)
}

// mastodonTime writes a time as Mastodon's API does: ISO 8601, UTC, milliseconds.
func mastodonTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
