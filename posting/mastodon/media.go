package mastodon

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// attachment is the part of Mastodon's MediaAttachment entity onair reads.
type attachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"` // null while the server is still processing the file
}

func (a attachment) ready() bool { return a.URL != nil && *a.URL != "" }

// How long a picture may stay "processing" on the server before Post gives up for this try.
// Mastodon processes still images at once; a busy server, or a GIF it turns into a video, takes
// a few seconds. Both bounds hold: a frozen clock cannot make the wait endless.
const (
	mediaWait     = 2 * time.Minute
	mediaMaxPolls = 40
)

// mediaPollDelay is the pause before the n-th poll (0-based): short at first, a few seconds later.
func mediaPollDelay(n int) time.Duration {
	d := 250 * time.Millisecond << min(n, 4)
	return min(d, 3*time.Second)
}

// upload sends m's picture with its alternative text (POST /api/v2/media) and returns its media
// id once the server has processed it: at once (200), or after polling GET /api/v1/media/:id
// until it has a URL (202, then 206 while processing).
func (p *Poster) upload(ctx context.Context, m posting.Message) (string, error) {
	body, contentType, err := mediaForm(m.Image)
	if err != nil {
		return "", err
	}
	var a attachment
	code, err := p.call(ctx, m, apiRequest{method: http.MethodPost, path: "/api/v2/media", body: body, contentType: contentType}, &a)
	if err != nil {
		return "", fmt.Errorf("upload image %s: %w", filepath.Base(m.Image.Path), err)
	}
	if a.ID == "" {
		return "", &posting.Retryable{Err: fmt.Errorf("%s answered the image upload without a media id", p.base.Host)}
	}
	if code == http.StatusOK || a.ready() {
		return a.ID, nil
	}
	start := p.Now()
	for n := 0; ; n++ {
		if n >= mediaMaxPolls || p.Now().Sub(start) > mediaWait {
			return "", &posting.Retryable{Err: fmt.Errorf("%s is still processing image %s after %s; onair tries again later",
				p.base.Host, filepath.Base(m.Image.Path), p.Now().Sub(start).Round(time.Second))}
		}
		if err := p.wait(ctx, mediaPollDelay(n)); err != nil {
			return "", &posting.Retryable{Err: fmt.Errorf("wait for %s to process image %s: %w", p.base.Host, filepath.Base(m.Image.Path), err)}
		}
		var polled attachment
		code, err := p.call(ctx, m, apiRequest{method: http.MethodGet, path: "/api/v1/media/" + a.ID}, &polled)
		if err != nil {
			return "", fmt.Errorf("check image %s: %w", filepath.Base(m.Image.Path), err)
		}
		if code == http.StatusOK || polled.ready() {
			return a.ID, nil
		}
	}
}

// quoteEscaper escapes a file name in a Content-Disposition header, as mime/multipart does.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

// mediaForm builds the multipart body of an upload: the file, with the type its content shows,
// and its description (the alternative text).
func mediaForm(img *posting.Image) (body []byte, contentType string, err error) {
	data, err := os.ReadFile(img.Path)
	if err != nil {
		return nil, "", &posting.Rejected{Err: fmt.Errorf("image %s cannot be read (%v); put the file back or change the campaign's image", img.Path, err)}
	}
	typ, _, _ := strings.Cut(http.DetectContentType(data), ";")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(filepath.Base(img.Path))+`"`)
	h.Set("Content-Type", typ)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", &posting.Rejected{Err: err}
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", &posting.Rejected{Err: err}
	}
	if img.Alt != "" {
		if err := w.WriteField("description", img.Alt); err != nil {
			return nil, "", &posting.Rejected{Err: err}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", &posting.Rejected{Err: err}
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
