package blueskytest

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

const postCollection = "app.bsky.feed.post"

// Post is a post the server holds, as its record says.
type Post struct {
	RKey      string
	URI       string // at://<did>/app.bsky.feed.post/<rkey>
	CID       string
	Text      string
	CreatedAt string
	Langs     []string
	Facets    []Facet
	Embed     *External // the link card; nil when none
	Reply     *Reply    // nil when the post starts a thread
}

// Facet is a link or hashtag range of a post's text.
type Facet struct {
	Index struct {
		ByteStart int `json:"byteStart"`
		ByteEnd   int `json:"byteEnd"`
	} `json:"index"`
	Features []Feature `json:"features"`
}

// Feature is a facet's meaning: "app.bsky.richtext.facet#link" with URI, "#tag" with Tag.
type Feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
	DID  string `json:"did,omitempty"`
}

// External is an app.bsky.embed.external link card.
type External struct {
	URI         string
	Title       string
	Description string
	Thumb       *Blob
}

// Blob is a blob ref, as records hold them.
type Blob struct {
	Type string `json:"$type"`
	Ref  struct {
		Link string `json:"$link"`
	} `json:"ref"`
	MimeType string `json:"mimeType"`
	Size     int64  `json:"size"`
}

// Reply is a post's place in a thread.
type Reply struct {
	Root, Parent StrongRef
}

// StrongRef names a record and its version.
type StrongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type record struct {
	post  Post
	value json.RawMessage
	blobs []string // CIDs the record references
}

type blob struct {
	cid      string
	mimeType string
	size     int64
	uploaded time.Time
	refs     int  // records referencing it
	gone     bool // deleted: never referenced in time, or its last record deleted
}

// Posts returns an account's (handle or DID) posts, in creation order.
func (s *Server) Posts(acct string) []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(acct)
	var out []Post
	for _, k := range a.order {
		if r, ok := a.records[k]; ok {
			out = append(out, r.post)
		}
	}
	return out
}

// DeleteRecord deletes a post, as the account owner would in the app. A blob no other record
// references is deleted with it.
func (s *Server) DeleteRecord(acct, rkey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(acct)
	r, ok := a.records[rkey]
	if !ok {
		return
	}
	delete(a.records, rkey)
	for _, c := range r.blobs {
		if b := a.blobs[c]; b != nil {
			if b.refs--; b.refs <= 0 {
				b.gone = true
			}
		}
	}
}

// cid writes a CIDv1 (sha-256) of data with the given multicodec (0x71 dag-cbor for records,
// 0x55 raw for blobs) in base32, as the PDS does; the fake hashes JSON, not CBOR.
func cid(codec byte, data []byte) string {
	sum := sha256.Sum256(data)
	b := append([]byte{0x01, codec, 0x12, 0x20}, sum[:]...)
	return "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

var (
	tidRE      = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)
	rkeyRE     = regexp.MustCompile(`^[A-Za-z0-9._:~-]{1,512}$`)
	datetimeRE = regexp.MustCompile(`^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]{1,20})?(Z|([+-][0-2][0-9]:[0-5][0-9]))$`)
	languageRE = regexp.MustCompile(`^(i|[a-z]{2,3})(-[A-Za-z0-9]{1,8})*$`)
	didRE      = regexp.MustCompile(`^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$`)
)

func (s *Server) createRecord(r *http.Request, body []byte, header http.Header) (any, *xerr) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return nil, s.contract(CreateRecord, badRequest("Wrong request encoding (Content-Type): "+ct), "Content-Type %q", ct)
	}
	a, e := s.access(r)
	if e != nil {
		return nil, e
	}
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		RKey       *string         `json:"rkey"`
		Validate   *bool           `json:"validate"`
		Record     json.RawMessage `json:"record"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Repo == "" || in.Collection == "" || len(in.Record) == 0 {
		return nil, s.contract(CreateRecord, badRequest("Input must have the properties \"repo\", \"collection\" and \"record\""), "bad input: %s", body)
	}
	switch repo := s.account(in.Repo); {
	case repo == nil:
		return nil, s.contract(CreateRecord, badRequest("Could not find repo: "+in.Repo), "repo %q is no account", in.Repo)
	case repo != a:
		return nil, s.contract(CreateRecord, &xerr{status: 401, name: "AuthRequired", message: "Authentication Required"},
			"repo %q is not the session's account %s", in.Repo, a.did)
	case in.Repo != a.did:
		s.contract(CreateRecord, nil, "repo %q: onair must name the repo by its DID (%s)", in.Repo, a.did)
	}
	if in.Collection != postCollection {
		return nil, s.contract(CreateRecord, badRequest("Invalid collection"), "collection %q; onair writes %s", in.Collection, postCollection)
	}
	if in.Validate != nil && !*in.Validate {
		s.contract(CreateRecord, nil, "validate=false skips the lexicon check Bluesky's AppView relies on")
	}
	now := s.now()
	rkey := ""
	if in.RKey == nil || *in.RKey == "" {
		s.contract(CreateRecord, nil, "no rkey: a resend would post twice")
		rkey = newTID(now)
	} else {
		rkey = *in.RKey
		if !rkeyRE.MatchString(rkey) || rkey == "." || rkey == ".." {
			return nil, s.contract(CreateRecord, badRequest("Invalid record key: "+rkey), "rkey %q is no record key", rkey)
		}
		if !tidRE.MatchString(rkey) {
			return nil, s.contract(CreateRecord, badRequest("Invalid record key for "+postCollection+": must be a tid"),
				"rkey %q is not a TID, as the lexicon's key type \"tid\" requires", rkey)
		}
	}
	ok, left, reset := a.writes.take(now, time.Hour, s.WritePoints, 3)
	for k, v := range rateHeaders(s.WritePoints, left, reset, fmt.Sprintf("%d;w=3600", s.WritePoints)) {
		header[k] = v
	}
	if !ok {
		return nil, &xerr{status: 429, name: "RateLimitExceeded", message: "Rate Limit Exceeded", header: header}
	}
	post, blobs, e := s.checkPost(a, in.Record, now)
	if e != nil {
		return nil, e
	}
	if _, exists := a.records[rkey]; exists {
		// What the reference PDS answers to a record key collision.
		return nil, &xerr{status: 500, name: "InternalServerError", message: "Internal Server Error"}
	}
	var canon any
	json.Unmarshal(in.Record, &canon)
	value, _ := json.Marshal(canon)
	post.RKey = rkey
	post.URI = "at://" + a.did + "/" + postCollection + "/" + rkey
	post.CID = cid(0x71, value)
	a.records[rkey] = &record{post: post, value: value, blobs: blobs}
	a.order = append(a.order, rkey)
	for _, c := range blobs {
		a.blobs[c].refs++
	}
	return map[string]any{"uri": post.URI, "cid": post.CID, "validationStatus": "valid",
		"commit": map[string]string{"cid": cid(0x71, []byte(post.URI+post.CID)), "rev": rkey}}, nil
}

// checkPost validates an app.bsky.feed.post record against the lexicons, as the PDS does, and
// the blobs and reply targets it references. s.mu is held.
func (s *Server) checkPost(a *account, raw json.RawMessage, now time.Time) (Post, []string, *xerr) {
	var rec struct {
		Type      *string         `json:"$type"`
		Text      *string         `json:"text"`
		CreatedAt *string         `json:"createdAt"`
		Langs     []string        `json:"langs"`
		Facets    []Facet         `json:"facets"`
		Embed     json.RawMessage `json:"embed"`
		Reply     *struct {
			Root   *StrongRef `json:"root"`
			Parent *StrongRef `json:"parent"`
		} `json:"reply"`
	}
	invalid := func(format string, args ...any) *xerr {
		msg := "Invalid app.bsky.feed.post record: " + fmt.Sprintf(format, args...)
		return s.contract(CreateRecord, badRequest(msg), "%s", msg)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Post{}, nil, invalid("%v", err)
	}
	switch {
	case rec.Type == nil:
		return Post{}, nil, invalid("Record must have the property \"$type\"")
	case *rec.Type != postCollection:
		return Post{}, nil, s.contract(CreateRecord, badRequest("Invalid $type: expected "+postCollection+", got "+*rec.Type), "$type %q", *rec.Type)
	case rec.Text == nil:
		return Post{}, nil, invalid("Record must have the property \"text\"")
	case rec.CreatedAt == nil:
		return Post{}, nil, invalid("Record must have the property \"createdAt\"")
	}
	text := *rec.Text
	if !utf8.ValidString(text) {
		return Post{}, nil, invalid("Record/text is not valid UTF-8")
	}
	// The text's length is the marketer's: a refusal, not a contract error.
	if len(text) > 3000 {
		return Post{}, nil, badRequest("Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 characters")
	}
	if uniseg.GraphemeClusterCount(text) > 300 {
		return Post{}, nil, badRequest("Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
	}
	if _, err := time.Parse(time.RFC3339Nano, *rec.CreatedAt); err != nil || !datetimeRE.MatchString(*rec.CreatedAt) {
		return Post{}, nil, invalid("Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
	}
	if len(rec.Langs) > 3 {
		return Post{}, nil, invalid("Record/langs must not have more than 3 elements")
	}
	for i, l := range rec.Langs {
		if !languageRE.MatchString(l) {
			return Post{}, nil, invalid("Record/langs/%d must be a well-formed BCP 47 language tag", i)
		}
	}
	if e := s.checkFacets(text, rec.Facets, invalid); e != nil {
		return Post{}, nil, e
	}
	post := Post{Text: text, CreatedAt: *rec.CreatedAt, Langs: rec.Langs, Facets: rec.Facets}
	var blobs []string
	if len(rec.Embed) > 0 && string(rec.Embed) != "null" {
		ext, c, e := s.checkEmbed(a, rec.Embed, now, invalid)
		if e != nil {
			return Post{}, nil, e
		}
		post.Embed = ext
		if c != "" {
			blobs = append(blobs, c)
		}
	}
	if rec.Reply != nil {
		if rec.Reply.Root == nil || rec.Reply.Parent == nil {
			return Post{}, nil, invalid("Record/reply must have the properties \"root\" and \"parent\"")
		}
		for _, ref := range []struct {
			name string
			ref  StrongRef
		}{{"root", *rec.Reply.Root}, {"parent", *rec.Reply.Parent}} {
			if e := s.checkRef(ref.name, ref.ref); e != nil {
				return Post{}, nil, e
			}
		}
		post.Reply = &Reply{Root: *rec.Reply.Root, Parent: *rec.Reply.Parent}
	}
	return post, blobs, nil
}

// checkFacets checks each facet's range (within the text, on UTF-8 boundaries, not overlapping
// another) and features (a valid link URI, a tag without '#', 64 graphemes at most). A range
// must also cover what its feature says: the link as written (with or without https://), or
// '#' and the tag.
func (s *Server) checkFacets(text string, facets []Facet, invalid func(string, ...any) *xerr) *xerr {
	prevEnd := 0
	for i, f := range facets {
		st, en := f.Index.ByteStart, f.Index.ByteEnd
		switch {
		case st < 0 || en < 0:
			return invalid("Record/facets/%d/index must have non-negative byteStart and byteEnd", i)
		case st >= en || en > len(text):
			return invalid("Record/facets/%d/index [%d,%d) is not a range of the %d-byte text", i, st, en, len(text))
		case !utf8.RuneStart(text[st]) || en < len(text) && !utf8.RuneStart(text[en]):
			return invalid("Record/facets/%d/index [%d,%d) cuts a character in two", i, st, en)
		case st < prevEnd:
			return invalid("Record/facets/%d overlaps the facet before it (or facets are not in text order)", i)
		case len(f.Features) == 0:
			return invalid("Record/facets/%d/features is empty", i)
		}
		prevEnd = en
		covered := text[st:en]
		for j, ft := range f.Features {
			switch ft.Type {
			case "app.bsky.richtext.facet#link":
				if !validURI(ft.URI) {
					return invalid("Record/facets/%d/features/%d/uri %q must be a uri", i, j, ft.URI)
				}
				if ft.URI != covered && ft.URI != "https://"+covered {
					return invalid("Record/facets/%d links %q but covers %q", i, ft.URI, covered)
				}
			case "app.bsky.richtext.facet#tag":
				switch {
				case ft.Tag == "":
					return invalid("Record/facets/%d/features/%d/tag is empty", i, j)
				case strings.HasPrefix(ft.Tag, "#") || strings.HasPrefix(ft.Tag, "＃"):
					return invalid("Record/facets/%d/features/%d/tag %q must not start with '#'", i, j, ft.Tag)
				case len(ft.Tag) > 640 || uniseg.GraphemeClusterCount(ft.Tag) > 64:
					return invalid("Record/facets/%d/features/%d/tag must not be longer than 64 graphemes", i, j)
				case covered != "#"+ft.Tag && covered != "＃"+ft.Tag:
					return invalid("Record/facets/%d tags %q but covers %q", i, ft.Tag, covered)
				}
			case "app.bsky.richtext.facet#mention":
				if !didRE.MatchString(ft.DID) {
					return invalid("Record/facets/%d/features/%d/did must be a did", i, j)
				}
			default:
				return invalid("Record/facets/%d/features/%d has unknown $type %q", i, j, ft.Type)
			}
		}
	}
	return nil
}

// validURI is the lexicon's "uri" format: a scheme, then no spaces; onair's links are http(s)
// with a host.
func validURI(s string) bool {
	if s == "" || len(s) > 8192 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// checkEmbed checks an app.bsky.embed.external link card and its thumbnail, which must be a
// blob this account uploaded. It returns the thumbnail's CID, if any. s.mu is held.
func (s *Server) checkEmbed(a *account, raw json.RawMessage, now time.Time, invalid func(string, ...any) *xerr) (*External, string, *xerr) {
	var em struct {
		Type     string `json:"$type"`
		External *struct {
			URI         *string         `json:"uri"`
			Title       *string         `json:"title"`
			Description *string         `json:"description"`
			Thumb       json.RawMessage `json:"thumb"`
		} `json:"external"`
	}
	if err := json.Unmarshal(raw, &em); err != nil {
		return nil, "", invalid("Record/embed: %v", err)
	}
	if em.Type != "app.bsky.embed.external" {
		return nil, "", invalid("Record/embed/$type %q: onair sends app.bsky.embed.external link cards", em.Type)
	}
	x := em.External
	switch {
	case x == nil:
		return nil, "", invalid("Record/embed must have the property \"external\"")
	case x.URI == nil || x.Title == nil || x.Description == nil:
		return nil, "", invalid("Record/embed/external must have the properties \"uri\", \"title\" and \"description\"")
	case !validURI(*x.URI):
		return nil, "", invalid("Record/embed/external/uri %q must be a uri", *x.URI)
	}
	ext := &External{URI: *x.URI, Title: *x.Title, Description: *x.Description}
	if len(x.Thumb) == 0 || string(x.Thumb) == "null" {
		return ext, "", nil
	}
	var b Blob
	if err := json.Unmarshal(x.Thumb, &b); err != nil || b.Type != "blob" || b.Ref.Link == "" || b.MimeType == "" {
		return nil, "", invalid("Record/embed/external/thumb is not a blob ref ({$type: blob, ref: {$link}, mimeType, size}): %s", x.Thumb)
	}
	stored := a.blobs[b.Ref.Link]
	if stored != nil && !stored.gone && stored.refs == 0 && now.Sub(stored.uploaded) > s.BlobGrace {
		stored.gone = true // never referenced in time: garbage collected
	}
	switch {
	case stored == nil:
		return nil, "", s.contract(CreateRecord, &xerr{status: 400, name: "BlobNotFound", message: "Could not find blob: " + b.Ref.Link},
			"thumb %s was never uploaded by %s", b.Ref.Link, a.did)
	case stored.gone:
		return nil, "", &xerr{status: 400, name: "BlobNotFound", message: "Could not find blob: " + b.Ref.Link}
	case b.MimeType != stored.mimeType || b.Size != stored.size:
		return nil, "", invalid("Record/embed/external/thumb says %s of %d bytes; the blob is %s of %d bytes", b.MimeType, b.Size, stored.mimeType, stored.size)
	case !strings.HasPrefix(b.MimeType, "image/"):
		return nil, "", invalid("Record/embed/external/thumb mimeType must match \"image/*\", got %s", b.MimeType)
	case b.Size > s.MaxBlobSize:
		return nil, "", invalid("Record/embed/external/thumb is too big: %d bytes, %d at most", b.Size, s.MaxBlobSize)
	}
	ext.Thumb = &b
	return ext, b.Ref.Link, nil
}

// checkRef checks that a reply's strong ref names a post the server holds, at that version.
// s.mu is held.
func (s *Server) checkRef(name string, ref StrongRef) *xerr {
	bad := func(format string, args ...any) *xerr {
		msg := "Invalid app.bsky.feed.post record: Record/reply/" + name + " " + fmt.Sprintf(format, args...)
		return s.contract(CreateRecord, badRequest(msg), "%s", msg)
	}
	rest, ok := strings.CutPrefix(ref.URI, "at://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[1] != postCollection {
		return bad("uri %q is not the at:// URI of a post", ref.URI)
	}
	if ref.CID == "" {
		return bad("has no cid")
	}
	a := s.account(parts[0])
	if a == nil {
		return bad("uri %q: no such account", ref.URI)
	}
	r, ok := a.records[parts[2]]
	if !ok {
		return bad("uri %q: no such post", ref.URI)
	}
	if r.post.CID != ref.CID {
		return bad("cid %s is not the post's (%s)", ref.CID, r.post.CID)
	}
	return nil
}

func (s *Server) getRecord(r *http.Request, body []byte) (any, *xerr) {
	q := r.URL.Query()
	repo, collection, rkey := q.Get("repo"), q.Get("collection"), q.Get("rkey")
	if repo == "" || collection == "" || rkey == "" {
		return nil, s.contract(GetRecord, badRequest("Params must have the properties \"repo\", \"collection\" and \"rkey\""), "query %s", r.URL.RawQuery)
	}
	a := s.account(repo)
	if a == nil {
		return nil, badRequest("Could not find repo: " + repo)
	}
	uri := "at://" + a.did + "/" + collection + "/" + rkey
	rec, ok := a.records[rkey]
	if collection != postCollection || !ok || q.Get("cid") != "" && q.Get("cid") != rec.post.CID {
		return nil, &xerr{status: 400, name: "RecordNotFound", message: "Could not locate record: " + uri}
	}
	return map[string]any{"uri": uri, "cid": rec.post.CID, "value": rec.value}, nil
}

func (s *Server) uploadBlob(r *http.Request, body []byte) (any, *xerr) {
	a, e := s.access(r)
	if e != nil {
		return nil, e
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct == "" || ct == "*/*" {
		return nil, s.contract(UploadBlob, badRequest("Request encoding (Content-Type) required but not provided"), "no Content-Type")
	}
	if int64(len(body)) > s.MaxBlobSize {
		return nil, &xerr{status: 400, name: "BlobTooLarge",
			message: fmt.Sprintf("This file is too large. It is %d bytes but the maximum size is %d bytes.", len(body), s.MaxBlobSize)}
	}
	if sniffed, _, _ := strings.Cut(http.DetectContentType(body), ";"); strings.HasPrefix(ct, "image/") && sniffed != ct {
		s.contract(UploadBlob, nil, "Content-Type %s, but the bytes are %s", ct, sniffed)
	}
	c := cid(0x55, body)
	b := a.blobs[c]
	if b == nil || b.gone {
		b = &blob{cid: c, mimeType: ct, size: int64(len(body)), uploaded: s.now()}
		a.blobs[c] = b
	} else if b.refs == 0 {
		b.uploaded = s.now()
	}
	var out Blob
	out.Type, out.Ref.Link, out.MimeType, out.Size = "blob", c, b.mimeType, b.size
	return map[string]any{"blob": out}, nil
}

// newTID makes a TID from the clock, as the PDS does for a record created without a key.
func newTID(now time.Time) string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(now.UnixMicro())<<10 | uint64(now.Nanosecond()%1024)
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = alphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}
