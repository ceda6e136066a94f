package bluesky

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/onairhq/onair/posting"
)

// Facet feature types.
const (
	FeatureLink = "app.bsky.richtext.facet#link"
	FeatureTag  = "app.bsky.richtext.facet#tag"
)

// Facet marks a range of a post's text as a link or a hashtag (app.bsky.richtext.facet). Bluesky
// links nothing by itself: a URL or a #tag without a facet is plain text.
type Facet struct {
	Index    ByteSlice `json:"index"`
	Features []Feature `json:"features"`
}

// ByteSlice is a range of the text in UTF-8 bytes, End exclusive.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Feature is what a facet's range is: a link (URI) or a hashtag (Tag, without its '#').
type Feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// maxTagLength is the longest hashtag Bluesky's own client links, in UTF-16 code units (the
// lexicon allows 64 graphemes; the client's count is the stricter of the two).
const maxTagLength = 64

// Facets returns the link and hashtag facets of text with UTF-8 byte offsets, in text order.
//
// Links are the URLs posting.FindURLs finds; one written without a scheme links to https://.
// Hashtags follow the rules of Bluesky's own client (@atproto/api detectFacets): a '#' (or
// '＃') at the start of the text or after a space, then everything up to the next space, less
// any punctuation at its end ("#live!" tags "live"); a tag made only of digits and punctuation
// ("#1", "#2027!") is no tag, nor one longer than 64; "(#live)" is no tag, since '#' follows '('.
func Facets(text string) []Facet {
	var facets []Facet
	for _, u := range posting.FindURLs(text) {
		uri := u.URL
		if l := strings.ToLower(uri); !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			uri = "https://" + uri
		}
		facets = append(facets, Facet{
			Index:    ByteSlice{ByteStart: u.Start, ByteEnd: u.End},
			Features: []Feature{{Type: FeatureLink, URI: uri}},
		})
	}
	links := len(facets)
	for _, t := range findTags(text) {
		overlaps := false
		for _, l := range facets[:links] {
			if t.ByteStart < l.Index.ByteEnd && l.Index.ByteStart < t.ByteEnd {
				overlaps = true
				break
			}
		}
		if !overlaps {
			facets = append(facets, Facet{Index: t.ByteSlice, Features: []Feature{{Type: FeatureTag, Tag: t.tag}}})
		}
	}
	sort.SliceStable(facets, func(i, j int) bool { return facets[i].Index.ByteStart < facets[j].Index.ByteStart })
	return facets
}

type tagSpan struct {
	ByteSlice
	tag string
}

// findTags finds hashtags as Bluesky's client does (its TAG_REGEX, then trailing punctuation
// trimmed). A tag that would start with a second '#' ("##live") is left out, since a tag is
// stored without its '#'.
func findTags(text string) []tagSpan {
	var tags []tagSpan
	for i := 0; i < len(text); {
		r, hash := utf8.DecodeRuneInString(text[i:])
		if r != '#' && r != '＃' || i > 0 && !isTagSpace(lastRune(text[:i])) {
			i += hash
			continue
		}
		start := i
		end := i + hash
		for end < len(text) {
			c, n := utf8.DecodeRuneInString(text[end:])
			if isTagSpace(c) || isTagBreak(c) {
				break
			}
			end += n
		}
		body := text[start+hash : end]
		i = end
		if strings.HasPrefix(body, "\uFE0F") || !hasTagLetter(body) {
			continue // "#\uFE0F\u20E3" is a keycap; "#2027" a number
		}
		tag := strings.TrimRightFunc(body, unicode.IsPunct)
		if tag == "" || tag[0] == '#' || strings.HasPrefix(tag, "＃") || utf16Len(tag) > maxTagLength {
			continue
		}
		tags = append(tags, tagSpan{ByteSlice: ByteSlice{ByteStart: start, ByteEnd: start + hash + len(tag)}, tag: tag})
	}
	return tags
}

// hasTagLetter reports whether s holds a character other than an ASCII digit or punctuation
// (JavaScript's \d and \p{P}): a tag needs one.
func hasTagLetter(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !unicode.IsPunct(r) {
			return true
		}
	}
	return false
}

// isTagSpace is JavaScript's \s, which ends a tag and must precede its '#'.
func isTagSpace(r rune) bool {
	return r == '\uFEFF' || r != '\u0085' && unicode.IsSpace(r)
}

// isTagBreak reports the invisible characters that end a tag in Bluesky's client: soft hyphen,
// word joiner, hair space, zero-width space and joiners, and the keycap mark.
func isTagBreak(r rune) bool {
	switch r {
	case '\u00AD', '\u2060', '\u200A', '\u200B', '\u200C', '\u200D', '\u20E2':
		return true
	}
	return false
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
