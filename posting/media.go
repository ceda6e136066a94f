package posting

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
)

// ImageRule is what a network takes as a post's picture.
type ImageRule struct {
	Types   []string         // MIME types, as http.DetectContentType names them
	MaxSize map[string]int64 // bytes, by type; "" for any type not listed
}

// The networks' documented limits on uploaded pictures are their descriptors' Network.Image:
// X's media upload takes images up to 5 MB and GIFs up to 15 MB; Mastodon takes images up to
// 16 MB (an instance may say otherwise in its configuration); Bluesky stores a blob of at most
// 1,000,000 bytes for a link card's thumbnail.

// ImageInfo is what CheckImage learnt of a picture file.
type ImageInfo struct {
	Type string // MIME type, from the file's first bytes (not its name)
	Size int64
}

// SniffImage reads a picture file's type (from its content) and size.
func SniffImage(path string) (ImageInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("image %s cannot be read: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ImageInfo{}, fmt.Errorf("image %s: %w", path, err)
	}
	if st.IsDir() {
		return ImageInfo{}, fmt.Errorf("image %s is a directory; give a picture file (JPEG, PNG, WebP or GIF)", path)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return ImageInfo{}, fmt.Errorf("image %s cannot be read: %w", path, err)
	}
	typ, _, _ := strings.Cut(http.DetectContentType(head[:n]), ";")
	return ImageInfo{Type: typ, Size: st.Size()}, nil
}

// CheckImage says whether network takes the picture at path, so that a wrong file is refused
// when the post is planned, not when it is due. Networks without a rule (console, webhook) take
// any readable file.
func CheckImage(network, path string) (ImageInfo, error) {
	info, err := SniffImage(path)
	if err != nil {
		return info, err
	}
	n, _ := NetworkOf(network)
	if n.Image == nil {
		return info, nil
	}
	rule := *n.Image
	if !slices.Contains(rule.Types, info.Type) {
		return info, fmt.Errorf("image %s is %s; %s takes %s", path, describeType(info.Type), network, strings.Join(typeNames(rule.Types), ", "))
	}
	max, ok := rule.MaxSize[info.Type]
	if !ok {
		max = rule.MaxSize[""]
	}
	if max > 0 && info.Size > max {
		return info, fmt.Errorf("image %s is %s; %s takes %s at most for %s: make it smaller",
			path, byteSize(info.Size), network, byteSize(max), describeType(info.Type))
	}
	return info, nil
}

func describeType(t string) string {
	if name, ok := strings.CutPrefix(t, "image/"); ok {
		return "a " + strings.ToUpper(name) + " image"
	}
	return "not a picture (" + t + ")"
}

func typeNames(types []string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = strings.ToUpper(strings.TrimPrefix(t, "image/"))
	}
	return out
}

// byteSize writes n for a person: "4.8 MB", "930 KB".
func byteSize(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1_000_000)
	case n >= 1000:
		return fmt.Sprintf("%d KB", n/1000)
	}
	return fmt.Sprintf("%d bytes", n)
}
