package mastodontest

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// imageTypes are the pictures Mastodon takes (MediaAttachment::IMAGE_MIME_TYPES, as
// http.DetectContentType names them).
var imageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/heif"}

// mediaJSON is Mastodon's MediaAttachment entity.
type mediaJSON struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	URL         *string        `json:"url"`
	PreviewURL  *string        `json:"preview_url"`
	RemoteURL   *string        `json:"remote_url"`
	Meta        map[string]any `json:"meta"`
	Description *string        `json:"description"`
	Blurhash    *string        `json:"blurhash"`
}

// mediaJSONOf renders m; its url is null while it is processing at now (a zero now: ready).
func mediaJSONOf(m *Media, now time.Time) mediaJSON {
	out := mediaJSON{ID: m.ID, Type: "image", Meta: map[string]any{}}
	if m.Type == "image/gif" {
		out.Type = "gifv"
	}
	if now.IsZero() || !now.Before(m.readyAt) {
		u, preview := m.URL, strings.Replace(m.URL, "/original/", "/small/", 1)
		out.URL, out.PreviewURL = &u, &preview
	}
	if m.Description != "" {
		d := m.Description
		out.Description = &d
	}
	return out
}

// uploadMedia is POST /api/v2/media: a multipart form with "file" and an optional
// "description". It answers 200 with the attachment, or 202 with a null url while processing
// (SetMediaProcessing).
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request, c caller) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		s.contract(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank",
			"%s: Content-Type %q, Mastodon takes media as multipart/form-data", RouteMedia, ct)
		return
	}
	s.mu.Lock()
	limit := s.instance.ImageSizeLimit
	descLimit := s.instance.DescriptionLimit
	s.mu.Unlock()
	if err := r.ParseMultipartForm(limit + 1<<20); err != nil {
		s.contract(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank",
			"%s: the multipart form cannot be read: %v", RouteMedia, err)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.contract(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank", "%s: no \"file\" part", RouteMedia)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Error processing thumbnail for uploaded media")
		return
	}
	sniffed, _, _ := strings.Cut(http.DetectContentType(data), ";")
	declared, _, _ := mime.ParseMediaType(hdr.Header.Get("Content-Type"))
	description := r.FormValue("description")
	switch {
	case !slices.Contains(imageTypes, sniffed):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	case declared != sniffed:
		s.contract(w, http.StatusUnprocessableEntity, "Validation failed: File has contents that are not what they are reported to be",
			"%s: file declared as %q but its content is %s", RouteMedia, declared, sniffed)
		return
	case int64(len(data)) > limit:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: File file size must be less than %d MB", limit>>20))
		return
	case utf8.RuneCountInString(description) > descLimit:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Description is too long (maximum is %d characters)", descLimit))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	m := &Media{ID: s.newIDLocked(), Account: c.account.Username, Type: sniffed, Size: int64(len(data)),
		Description: description, readyAt: now.Add(s.processing)}
	m.URL = fmt.Sprintf("%s/system/media_attachments/files/%s/original/%s", s.URL, m.ID, strings.ReplaceAll(hdr.Filename, "/", "_"))
	s.media[m.ID] = m
	if s.goToSocial {
		m.readyAt = now // GoToSocial processes an upload before it answers
	}
	code := http.StatusOK
	if now.Before(m.readyAt) {
		code = http.StatusAccepted
	}
	writeJSON(w, code, mediaJSONOf(m, now))
}

// showMedia is GET /api/v1/media/:id: an attachment of the token's account not yet attached to a
// status; 206 while processing, 200 once ready.
func (s *Server) showMedia(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[r.PathValue("id")]
	if !ok || m.Account != c.account.Username || m.StatusID != "" {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	now := s.now().UTC()
	code := http.StatusOK
	if now.Before(m.readyAt) {
		code = http.StatusPartialContent
	}
	writeJSON(w, code, mediaJSONOf(m, now))
}

// contract answers msg with code and records a contract error.
func (s *Server) contract(w http.ResponseWriter, code int, msg, format string, args ...any) {
	s.mu.Lock()
	s.contractf(format, args...)
	s.mu.Unlock()
	writeError(w, code, msg)
}
