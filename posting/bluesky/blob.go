package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/onairhq/onair/posting"
)

// maxThumbSize is the largest link card thumbnail the app.bsky.embed.external lexicon takes.
const maxThumbSize = 1_000_000

// blobKey names one version of a picture file in one account's repository: a file changed in
// place gets a new key. The blob belongs to the repository, not to the session that uploaded
// it, so the key holds the PDS and the DID and no token: a renewed session, or another Poster
// of the same account (the dispatcher builds one per claim), reuses it.
type blobKey struct {
	pds, did string
	path     string
	size     int64
	mtime    int64 // Unix nanoseconds
}

// blobs holds the thumbnails a created post references, for every account this process posts
// to: a few entries per campaign picture.
var blobs = struct {
	sync.Mutex
	refs map[blobKey]json.RawMessage
}{refs: map[blobKey]json.RawMessage{}}

// thumbnail is a link card's picture as a blob ref, and whether it came from the cache.
type thumbnail struct {
	key    blobKey
	ref    json.RawMessage // the blob object uploadBlob returned, passed back as it came
	cached bool
}

// thumb returns the blob ref of the picture at path: the cached one when a post of this account
// already references the same file, else a new upload (com.atproto.repo.uploadBlob).
//
// Only blobs that a created post references are cached. A PDS deletes an uploaded blob that no
// record references within a short while (minutes, says the uploadBlob documentation), but keeps
// one that a record references for as long as a record does. The upload is therefore made just
// before the post that uses it, and a cached ref the PDS no longer has (the earlier post was
// deleted) is uploaded again when createRecord answers BlobNotFound.
func (p *Poster) thumb(ctx context.Context, tok *posting.Token, path string, fresh bool) (thumbnail, error) {
	st, err := os.Stat(path)
	if err != nil {
		return thumbnail{}, pictureError(path, err)
	}
	key := blobKey{pds: p.cfg.PDS, did: p.cfg.DID, path: path, size: st.Size(), mtime: st.ModTime().UnixNano()}
	if !fresh {
		blobs.Lock()
		ref, ok := blobs.refs[key]
		blobs.Unlock()
		if ok {
			return thumbnail{key: key, ref: ref, cached: true}, nil
		}
	}
	info, err := posting.SniffImage(path)
	if err != nil {
		return thumbnail{}, pictureError(path, err)
	}
	if !strings.HasPrefix(info.Type, "image/") {
		return thumbnail{}, &posting.Rejected{Err: fmt.Errorf("the link card's picture %s is not a picture (%s); use a JPEG, PNG, WebP or GIF file", path, info.Type)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return thumbnail{}, pictureError(path, err)
	}
	if len(data) > maxThumbSize {
		return thumbnail{}, &posting.Rejected{Err: fmt.Errorf("the link card's picture %s is %d bytes; Bluesky takes %d at most: make it smaller", path, len(data), maxThumbSize)}
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	err = p.authed(ctx, tok, func(access string) error {
		return p.xrpc.call(ctx, request{nsid: nsidUploadBlob, body: data, contentType: info.Type, bearer: access}, &out)
	})
	if err != nil {
		return thumbnail{}, classify(err, p.Now(), "upload the link card's picture "+path)
	}
	if len(out.Blob) == 0 || string(out.Blob) == "null" {
		return thumbnail{}, &posting.Retryable{Err: fmt.Errorf("upload the link card's picture %s: %s answered without a blob", path, nsidUploadBlob)}
	}
	return thumbnail{key: key, ref: out.Blob}, nil
}

func pictureError(path string, err error) error {
	return &posting.Rejected{Err: fmt.Errorf("the link card's picture %s cannot be read: %w; put the file back, or take the picture off the campaign", path, err)}
}

func (p *Poster) rememberBlob(k blobKey, ref json.RawMessage) {
	blobs.Lock()
	defer blobs.Unlock()
	blobs.refs[k] = ref
}

func (p *Poster) forgetBlob(k blobKey) {
	blobs.Lock()
	defer blobs.Unlock()
	delete(blobs.refs, k)
}
