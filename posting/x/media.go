package x

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onairhq/onair/posting"
)

// maxProcessing is how long onair waits for X to process a picture (an animated GIF) before
// trying the post again later.
const maxProcessing = 2 * time.Minute

// maxAlt is the longest alternative text X takes for a picture, in characters.
const maxAlt = 1000

// processing is X's account of a file it is still working on.
type processing struct {
	State          string `json:"state"` // pending, in_progress, failed, succeeded
	CheckAfterSecs int    `json:"check_after_secs"`
}

type uploaded struct {
	Data struct {
		ID             string      `json:"id"`
		ProcessingInfo *processing `json:"processing_info"`
	} `json:"data"`
}

// upload sends m's picture to X in one request (POST /2/media/upload, multipart, the file in
// "media" with its media_category), waits while X processes it, gives it its alternative text,
// and returns its media id.
func (p *Poster) upload(ctx context.Context, m posting.Message) (string, error) {
	path := m.Image.Path
	info, err := posting.CheckImage(Name, path)
	if err != nil {
		return "", &posting.Rejected{Err: fmt.Errorf("the post's picture cannot go to X: %w", err)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", &posting.Rejected{Err: fmt.Errorf("the post's picture cannot be read: %w", err)}
	}
	category := "tweet_image"
	if info.Type == "image/gif" {
		category = "tweet_gif"
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename="%s"`, quoteEscaper.Replace(filepath.Base(path))))
	h.Set("Content-Type", info.Type)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.WriteField("media_category", category)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", &posting.Rejected{Err: fmt.Errorf("the post's picture: %w", err)}
	}
	ans, err := p.call(ctx, m.Channel, http.MethodPost, "/2/media/upload", mw.FormDataContentType(), body.Bytes())
	if err != nil {
		return "", err
	}
	if ans.status/100 != 2 {
		return "", p.refusal(ans, m, "the picture upload")
	}
	var up uploaded
	if err := json.Unmarshal(ans.body, &up); err != nil || up.Data.ID == "" {
		return "", &posting.Retryable{Err: fmt.Errorf("X's answer to the picture upload is not understood: %.200s", ans.body)}
	}
	if err := p.waitProcessing(ctx, m, up.Data.ID, up.Data.ProcessingInfo); err != nil {
		return "", err
	}
	if err := p.describe(ctx, m, up.Data.ID); err != nil {
		return "", err
	}
	return up.Data.ID, nil
}

// describe gives the uploaded picture id m's alternative text (POST /2/media/metadata), cut to
// the 1,000 characters X takes. A picture without one goes as it is.
func (p *Poster) describe(ctx context.Context, m posting.Message, id string) error {
	alt := strings.TrimSpace(m.Image.Alt)
	if alt == "" {
		return nil
	}
	if r := []rune(alt); len(r) > maxAlt {
		alt = strings.TrimSpace(string(r[:maxAlt-1])) + "…"
	}
	var body struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	body.ID = id
	body.Metadata.AltText.Text = alt
	data, err := json.Marshal(body)
	if err != nil {
		return &posting.Rejected{Err: err}
	}
	ans, err := p.call(ctx, m.Channel, http.MethodPost, "/2/media/metadata", "application/json", data)
	if err != nil {
		return err
	}
	if ans.status/100 != 2 {
		return p.refusal(ans, m, "the picture's description")
	}
	return nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// waitProcessing polls the upload's status (GET /2/media/upload?command=STATUS) until X has
// processed the file, as long as X says to wait.
func (p *Poster) waitProcessing(ctx context.Context, m posting.Message, id string, info *processing) error {
	deadline := p.Now().Add(maxProcessing)
	for tries := 0; info != nil; tries++ {
		switch info.State {
		case "succeeded", "":
			return nil
		case "failed":
			return &posting.Rejected{Err: fmt.Errorf("X could not process the post's picture %s: use another file", filepath.Base(m.Image.Path))}
		}
		wait := min(max(time.Duration(info.CheckAfterSecs)*time.Second, time.Second), 30*time.Second)
		if tries >= 30 || p.Now().Add(wait).After(deadline) {
			return &posting.Retryable{Err: fmt.Errorf("X was still processing the post's picture after %v", maxProcessing)}
		}
		if err := p.sleep(ctx, wait); err != nil {
			return &posting.Retryable{Err: fmt.Errorf("waiting for X to process the picture: %w", err)}
		}
		q := url.Values{"command": {"STATUS"}, "media_id": {id}}
		ans, err := p.call(ctx, m.Channel, http.MethodGet, "/2/media/upload?"+q.Encode(), "", nil)
		if err != nil {
			return err
		}
		if ans.status != http.StatusOK {
			return p.refusal(ans, m, "the picture's processing status")
		}
		var st uploaded
		if err := json.Unmarshal(ans.body, &st); err != nil {
			return &posting.Retryable{Err: fmt.Errorf("X's answer about the picture's processing is not understood: %.200s", ans.body)}
		}
		info = st.Data.ProcessingInfo
	}
	return nil
}
