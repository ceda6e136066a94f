package mastodontest

import (
	"net/http"
	"strings"
)

// configurationLocked is the "configuration" object of Mastodon's Instance entity.
func (s *Server) configurationLocked() map[string]any {
	in := s.instance
	return map[string]any{
		"urls":     map[string]any{"streaming": strings.Replace(s.URL, "http", "ws", 1)},
		"accounts": map[string]any{"max_featured_tags": 10, "max_pinned_statuses": 5},
		"statuses": map[string]any{
			"max_characters":              in.MaxCharacters,
			"max_media_attachments":       maxMediaAttachments,
			"characters_reserved_per_url": in.URLWeight,
		},
		"media_attachments": map[string]any{
			"supported_mime_types": imageTypes,
			"description_limit":    in.DescriptionLimit,
			"image_size_limit":     in.ImageSizeLimit,
			"image_matrix_limit":   33177600,
			"video_size_limit":     103809024,
		},
		"polls": map[string]any{"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746},
	}
}

// instanceV2 is GET /api/v2/instance (Mastodon 4.0 and later; 404 with V1Only).
func (s *Server) instanceV2(w http.ResponseWriter, r *http.Request, _ caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.instance.V1Only {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	host := strings.TrimPrefix(s.URL, "http://")
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": host, "title": "Mastodon (fake)", "version": "4.3.0", "source_url": "https://github.com/mastodon/mastodon",
		"description": "A fake Mastodon server for onair's tests.", "languages": []string{"en"},
		"configuration": s.configurationLocked(),
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
		"contact":       map[string]any{"email": "admin@" + host, "account": nil},
		"rules":         []any{},
	})
}

// instanceV1 is GET /api/v1/instance: with a configuration object (Mastodon 3.4 to 4.x,
// GoToSocial), or Pleroma's and Akkoma's max_toot_chars and upload_limit.
func (s *Server) instanceV1(w http.ResponseWriter, r *http.Request, _ caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host := strings.TrimPrefix(s.URL, "http://")
	out := map[string]any{
		"uri": host, "title": "Mastodon (fake)", "short_description": "", "description": "", "email": "admin@" + host,
		"version": "3.5.3", "urls": map[string]any{"streaming_api": strings.Replace(s.URL, "http", "ws", 1)},
		"stats":     map[string]any{"user_count": len(s.accounts), "status_count": len(s.statuses), "domain_count": 0},
		"languages": []string{"en"}, "registrations": false,
	}
	if s.instance.Pleroma {
		out["version"] = "2.7.2 (compatible; Pleroma 2.6.0)"
		out["max_toot_chars"] = s.instance.MaxCharacters
		out["upload_limit"] = s.instance.ImageSizeLimit
	} else {
		out["configuration"] = s.configurationLocked()
	}
	writeJSON(w, http.StatusOK, out)
}
