package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The platform's thumbnail as the teaser picture: onair's posting takes picture files, so the sync
// downloads the thumbnail into SyncConfig.PictureDir (beside a SQLite database: the daemon that
// reads the source is the one that sends) and gives its path to the broadcast. With no directory
// (PostgreSQL, where another daemon may send), thumbnails are not downloaded.

// pictureMax is the largest thumbnail taken: every network's limit (Bluesky's is 1,000,000 bytes).
const pictureMax = 1_000_000

var pictureTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

// picturePath is where the thumbnail of the platform broadcast ref is kept (without extension).
func (s *Syncer) picturePath(ref string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, ref)
	return filepath.Join(s.cfg.PictureDir, name)
}

// isPicture reports whether path is a thumbnail the sync downloaded for ref.
func (s *Syncer) isPicture(path, ref string) bool {
	return s.cfg.PictureDir != "" && path != "" && strings.TrimSuffix(path, filepath.Ext(path)) == s.picturePath(ref)
}

// picture downloads the thumbnail at u for ref and returns the file's path.
func (s *Syncer) picture(ctx context.Context, ref, u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "", fmt.Errorf("thumbnail %q is not a web address", u)
	}
	client := s.cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("download the thumbnail: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download the thumbnail: %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, pictureMax+1))
	if err != nil {
		return "", fmt.Errorf("download the thumbnail: %w", err)
	}
	if len(body) > pictureMax {
		return "", errors.New("the thumbnail is larger than 1 MB, more than Bluesky takes: not used")
	}
	typ, _, _ := strings.Cut(http.DetectContentType(body), ";")
	ext, ok := pictureTypes[typ]
	if !ok {
		return "", fmt.Errorf("the thumbnail is %s, not a picture the networks take", typ)
	}
	if err := os.MkdirAll(s.cfg.PictureDir, 0o755); err != nil {
		return "", err
	}
	path := s.picturePath(ref) + ext
	tmp := path + ".part"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return path, nil
}
