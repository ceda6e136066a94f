package xtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// Media is a file uploaded to /2/media/upload.
type Media struct {
	ID       string
	Owner    string // user id
	Type     string // MIME type, from the file's content
	Category string // media_category
	Size     int
	At       time.Time
	ReadyAt  time.Time // when processing ends (GIFs take a moment)
	Alt      string    // alternative text, set with POST /2/media/metadata
}

// mediaTTL is how long an uploaded file can be attached (expires_after_secs).
const mediaTTL = 24 * time.Hour

// gifProcessing is how long the fake takes to process a GIF.
const gifProcessing = 2 * time.Second

// Uploads returns the files uploaded, in order.
func (s *Server) Uploads() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Media
	for _, m := range s.media {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Media) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// upload is POST /2/media/upload, one shot: a multipart form with the file in "media" and its
// "media_category".
func (s *Server) upload(c *caller, r *http.Request, body []byte) reply {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return invalidRequest("The media upload must be multipart/form-data.")
	}
	var (
		data     []byte
		category string
		haveFile bool
	)
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalidRequest("The multipart body is malformed: " + err.Error())
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return invalidRequest("The multipart body is malformed: " + err.Error())
		}
		switch part.FormName() {
		case "media":
			data, haveFile = b, true
		case "media_category":
			category = string(b)
		}
	}
	if !haveFile || len(data) == 0 {
		return invalidRequest("The media field is missing or empty.")
	}
	typ, _, _ := strings.Cut(http.DetectContentType(data), ";")
	rule := mediaRule
	if !slices.Contains(rule.Types, typ) {
		return invalidRequest(fmt.Sprintf("media type unrecognized: %s.", typ))
	}
	limit, ok := rule.MaxSize[typ]
	if !ok {
		limit = rule.MaxSize[""]
	}
	if int64(len(data)) > limit {
		return invalidRequest(fmt.Sprintf("File size exceeds %d bytes.", limit))
	}
	if category != "tweet_image" && !(typ == "image/gif" && category == "tweet_gif") {
		return invalidRequest(fmt.Sprintf("media_category %s does not take %s for a post.", category, typ))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	m := &Media{ID: s.newID(), Owner: c.user.ID, Type: typ, Category: category, Size: len(data), At: now, ReadyAt: now}
	if typ == "image/gif" {
		m.ReadyAt = now.Add(gifProcessing)
	}
	s.media[m.ID] = m
	return jsonReply(http.StatusOK, map[string]any{"data": s.mediaData(m, now)})
}

// mediaKey is X's media key for a file: its kind ("3" a picture, "16" an animated GIF) and id.
func mediaKey(m *Media, id string) string {
	if m != nil && m.Category == "tweet_gif" {
		return "16_" + id
	}
	return "3_" + id
}

func (s *Server) mediaData(m *Media, now time.Time) map[string]any {
	d := map[string]any{"id": m.ID, "media_key": mediaKey(m, m.ID), "size": m.Size,
		"expires_after_secs": int(m.At.Add(mediaTTL).Sub(now) / time.Second), "image": map[string]any{"image_type": m.Type}}
	if m.ReadyAt.After(m.At) {
		info := map[string]any{"state": "succeeded", "progress_percent": 100}
		if left := m.ReadyAt.Sub(now); left > 0 {
			state := "in_progress"
			if now.Equal(m.At) {
				state = "pending"
			}
			info = map[string]any{"state": state, "check_after_secs": int((left + time.Second - 1) / time.Second),
				"progress_percent": int(100 * now.Sub(m.At) / m.ReadyAt.Sub(m.At))}
		}
		d["processing_info"] = info
	}
	return d
}

// uploadStatus is GET /2/media/upload?command=STATUS&media_id=...
func (s *Server) uploadStatus(c *caller, r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[r.URL.Query().Get("media_id")]
	if m == nil || m.Owner != c.user.ID {
		return invalidRequest("Your media IDs are invalid.")
	}
	return jsonReply(http.StatusOK, map[string]any{"data": s.mediaData(m, s.Now())})
}

// mediaUsable reports whether every id is a file user uploaded, processed and not expired.
func (s *Server) mediaUsable(user string, ids []string, now time.Time) bool {
	for _, id := range ids {
		m := s.media[id]
		if m == nil || m.Owner != user || now.Before(m.ReadyAt) || !now.Before(m.At.Add(mediaTTL)) {
			return false
		}
	}
	return true
}

// mediaMetadata is POST /2/media/metadata: {"id": media id, "metadata": {"alt_text": {"text":
// ...}}}, the document having checked the body's shape (alt text at most 1,000 characters). X
// takes it for pictures and GIFs the caller uploaded and that have not expired; the fake keeps
// the alt text.
func (s *Server) mediaMetadata(c *caller, body []byte) reply {
	var req struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText *struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return invalidRequest("the body is not JSON: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[req.ID]
	if m == nil || m.Owner != c.user.ID || !s.Now().Before(m.At.Add(mediaTTL)) {
		return invalidRequest("Your media IDs are invalid.")
	}
	associated := map[string]any{}
	if a := req.Metadata.AltText; a != nil {
		m.Alt = a.Text
		associated["alt_text"] = map[string]string{"text": a.Text}
	}
	return jsonReply(http.StatusOK, map[string]any{"data": map[string]any{"id": m.ID, "associated_metadata": associated}})
}

// mediaRule is what X's media upload takes, as the fake enforces it: images up to 5 MB, GIFs up
// to 15 MB. It is X's documented rule, written here apart from x.Network's so that the tests
// check onair's rule against the fake's.
var mediaRule = posting.ImageRule{Types: []string{"image/jpeg", "image/png", "image/webp", "image/gif"},
	MaxSize: map[string]int64{"": 5_000_000, "image/gif": 15_000_000}}
