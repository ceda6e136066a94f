package posting

import (
	"fmt"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Limit is how much text a network takes in one post and how it counts URLs.
type Limit struct {
	Max       int    // 0: no limit
	URLWeight int    // what one URL counts, where the network weighs URLs (0: as written)
	Unit      string // what is counted, for messages: "weighted characters", "characters", "graphemes"
}

// DefaultLimit is a network's documented limit (see shared/reference/networks.md). A Mastodon
// instance may configure another one; the channel's settings then say so.
func DefaultLimit(network string) Limit {
	switch network {
	case X:
		return Limit{Max: 280, URLWeight: 23, Unit: "weighted characters"}
	case Mastodon:
		return Limit{Max: 500, URLWeight: 23, Unit: "characters"}
	case Bluesky:
		return Limit{Max: 300, Unit: "graphemes"}
	default:
		return Limit{Unit: "characters"}
	}
}

// TooLong says a text does not fit its network.
type TooLong struct {
	Network string
	Length  int
	Max     int
	Unit    string
}

func (e *TooLong) Error() string {
	return fmt.Sprintf("too long for %s: %d of %d %s (%d over)", e.Network, e.Length, e.Max, e.Unit, e.Length-e.Max)
}

// Length counts text the way network does, with the limit's URL weight.
func Length(network string, l Limit, text string) int {
	switch network {
	case X:
		return xLength(text, l.URLWeight)
	case Mastodon:
		return MastodonLength(text, l.URLWeight)
	case Bluesky:
		return BlueskyLength(text)
	default:
		return utf8.RuneCountInString(text)
	}
}

// Check counts text for network and returns a *TooLong error when it exceeds the limit.
func Check(network string, l Limit, text string) (int, error) {
	n := Length(network, l, text)
	if l.Max > 0 && n > l.Max {
		return n, &TooLong{Network: network, Length: n, Max: l.Max, Unit: l.Unit}
	}
	return n, nil
}

// XLength is X's weighted length (twitter-text v3): the text is NFC-normalised; every URL counts
// 23; an emoji sequence (skin tones and ZWJ joins included) counts 2; any other character counts 1
// in the ranges X keeps light (Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari... up to U+10FF,
// general punctuation) and 2 elsewhere (CJK, most symbols).
func XLength(text string) int { return xLength(text, 23) }

func xLength(text string, urlWeight int) int {
	text = norm.NFC.String(text)
	n := 0
	pos := 0
	for _, u := range FindURLs(text) {
		n += xWeigh(text[pos:u.Start]) + urlWeight
		pos = u.End
	}
	return n + xWeigh(text[pos:])
}

// xWeigh weighs text with no URL in it.
func xWeigh(s string) int {
	n := 0
	state := -1
	for len(s) > 0 {
		var cluster string
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if isEmoji(cluster) {
			n += 2
			continue
		}
		for _, r := range cluster {
			n += xRuneWeight(r)
		}
	}
	return n
}

func xRuneWeight(r rune) int {
	switch {
	case r <= 4351, r >= 8192 && r <= 8205, r >= 8208 && r <= 8223, r >= 8242 && r <= 8247:
		return 1
	}
	return 2
}

// isEmoji reports whether a grapheme cluster is an emoji (sequence): it holds a pictographic code
// point shown as emoji, a regional-indicator flag, or a keycap.
func isEmoji(cluster string) bool {
	first, size := utf8.DecodeRuneInString(cluster)
	rest := cluster[size:]
	switch {
	case first >= 0x1F1E6 && first <= 0x1F1FF: // regional indicators (flags)
		return true
	case first >= 0x1F000 && first <= 0x1FAFF: // emoticons, symbols and pictographs
		return true
	case first >= 0x2600 && first <= 0x27BF || first >= 0x2B00 && first <= 0x2BFF || first >= 0x2190 && first <= 0x21FF ||
		first >= 0x2300 && first <= 0x23FF:
		return true // pictographs and symbols: they weigh 2 as single characters too
	}
	// Keycaps: digit, # or * followed by VS16 and U+20E3.
	for _, r := range rest {
		if r == 0x20E3 || r == 0xFE0F {
			return true
		}
	}
	return false
}

// MastodonLength counts like Mastodon's StatusLengthValidator: every URL counts urlWeight, a
// remote mention @user@domain counts as @user, everything else counts one per grapheme.
func MastodonLength(text string, urlWeight int) int {
	n := 0
	pos := 0
	for _, u := range FindURLs(text) {
		n += mastodonPlain(text[pos:u.Start]) + urlWeight
		pos = u.End
	}
	return n + mastodonPlain(text[pos:])
}

func mastodonPlain(s string) int {
	n := uniseg.GraphemeClusterCount(s)
	// @user@domain counts as @user: subtract the "@domain" part.
	for i := 0; i < len(s); i++ {
		if s[i] != '@' || (i > 0 && isWordByte(s[i-1])) {
			continue
		}
		j := i + 1
		for j < len(s) && (isWordByte(s[j]) || s[j] == '.') {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '@' {
			k := j + 1
			for k < len(s) && (isWordByte(s[k]) || s[k] == '.' || s[k] == '-') {
				k++
			}
			if k > j+1 {
				n -= k - j
				i = k - 1
			}
		}
	}
	return n
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// BlueskyLength counts graphemes, as Bluesky's 300 limit does.
func BlueskyLength(text string) int {
	return uniseg.GraphemeClusterCount(text)
}
