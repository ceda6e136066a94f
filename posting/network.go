package posting

import "unicode/utf8"

// Network is what onair knows of one network besides its Poster: its name, its text limit and how
// it counts, the characters it refuses, the pictures it takes, whether posts can answer each
// other. The planner checks a post against it days before the post is due; the CLI words it.
// Every network has one entry in the networks table below, and nothing else in this package
// switches on a network's name.
type Network struct {
	Name  string // as channels store it
	Title string // as people write it: "X"
	Limit Limit  // its documented text limit (a channel's settings may override Max and URLWeight)
	// Count is the length of text as the network counts it against l.Max; nil counts characters
	// (runes).
	Count func(l Limit, text string) int
	// Refuse finds the first character the network refuses anywhere in a text, and its position
	// from 1; nil refuses none.
	Refuse func(text string) (r rune, at int, found bool)
	// MaxBytes is a limit on the text's UTF-8 bytes besides Limit (Bluesky's lexicon); 0: none.
	MaxBytes int
	Image    *ImageRule // the pictures it takes; nil: any readable file
	// PictureOnAll: every post carries the picture (Bluesky: its link card's), not only teasers.
	PictureOnAll bool
	Replies      bool // posts can answer earlier ones, so a campaign's posts can form a thread
}

// networks is every network onair posts to, by name.
var networks = map[string]Network{
	Console: {Name: Console, Title: "console", Limit: Limit{Unit: "characters"}},
	Webhook: {Name: Webhook, Title: "webhook", Limit: Limit{Unit: "characters"}},
	X: {Name: X, Title: "X", Limit: Limit{Max: 280, URLWeight: xURLWeight, Unit: "weighted characters"},
		Count:   func(l Limit, text string) int { return xLength(text, orDefault(l.URLWeight, xURLWeight)) },
		Refuse:  xInvalid,
		Image:   &ImageRule{Types: pictureTypes, MaxSize: map[string]int64{"": 5_000_000, "image/gif": 15_000_000}},
		Replies: true},
	Mastodon: {Name: Mastodon, Title: "Mastodon", Limit: Limit{Max: 500, URLWeight: mastodonURLWeight, Unit: "characters"},
		Count:   func(l Limit, text string) int { return MastodonLength(text, orDefault(l.URLWeight, mastodonURLWeight)) },
		Image:   &ImageRule{Types: pictureTypes, MaxSize: map[string]int64{"": 16_000_000}},
		Replies: true},
	Bluesky: {Name: Bluesky, Title: "Bluesky", Limit: Limit{Max: 300, Unit: "graphemes"},
		Count:        func(_ Limit, text string) int { return BlueskyLength(text) },
		MaxBytes:     blueskyMaxBytes,
		Image:        &ImageRule{Types: pictureTypes, MaxSize: map[string]int64{"": 1_000_000}},
		PictureOnAll: true,
		Replies:      true},
}

// pictureTypes are the picture formats every network with a rule takes.
var pictureTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// NetworkOf returns the network named name; a name onair does not know is a network that counts
// characters, without limit, and takes any picture.
func NetworkOf(name string) (Network, bool) {
	n, ok := networks[name]
	if !ok {
		return Network{Name: name, Title: name, Limit: Limit{Unit: "characters"}}, false
	}
	return n, true
}

// length is the length of text as n counts it.
func (n Network) length(l Limit, text string) int {
	if n.Count == nil {
		return utf8.RuneCountInString(text)
	}
	return n.Count(l, text)
}
