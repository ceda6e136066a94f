package posting

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Limit is how much text a network takes in one post. The planner checks every rendered post
// against its channel's Limit, so that a post too long is shown to the marketer days before it
// is due instead of being refused by the network at the last minute.
type Limit struct {
	// Max is the longest text the network takes, in Unit; 0 means no limit.
	Max int
	// URLWeight is what one URL counts, on networks that count every URL the same whatever
	// its length (X and Mastodon: 23). 0 means the network's default.
	URLWeight int
	// Unit names what is counted, for the marketer: "characters", "weighted characters",
	// "graphemes".
	Unit string
}

// DefaultLimit is a network's documented limit. A Mastodon instance may configure a longer
// one (its /api/v2/instance says so); the channel's settings then override Max and URLWeight.
func DefaultLimit(network string) Limit {
	n, _ := NetworkOf(network)
	return n.Limit
}

const (
	xURLWeight        = 23 // twitter-text's transformedURLLength
	mastodonURLWeight = 23 // Mastodon's URL_PLACEHOLDER_CHARS

	// blueskyMaxBytes is the other limit of Bluesky's post text: its lexicon caps it at 3000
	// UTF-8 bytes as well as 300 graphemes, which 300 long emoji sequences exceed.
	blueskyMaxBytes = 3000
)

// TooLong says a text does not fit its network, and by how much, so that the marketer knows
// how much to cut.
type TooLong struct {
	Network string
	Length  int
	Max     int
	Unit    string
}

func (e *TooLong) Error() string {
	return fmt.Sprintf("too long for %s: %d of %d %s (%d over)", e.Network, e.Length, e.Max, e.Unit, e.Length-e.Max)
}

// Length is the length of text as network counts it against l.Max. Console, webhook and any
// network onair does not know count characters (runes).
func Length(network string, l Limit, text string) int {
	n, _ := NetworkOf(network)
	return n.length(l, text)
}

// XCount is X's counter (Network.Count): weighted characters, a URL counting l.URLWeight (23
// by default).
func XCount(l Limit, text string) int { return xLength(text, orDefault(l.URLWeight, xURLWeight)) }

// MastodonCount is Mastodon's counter: characters, a URL counting l.URLWeight (23 by default),
// a mention its user part only.
func MastodonCount(l Limit, text string) int {
	return MastodonLength(text, orDefault(l.URLWeight, mastodonURLWeight))
}

// BlueskyCount is Bluesky's counter: graphemes.
func BlueskyCount(_ Limit, text string) int { return BlueskyLength(text) }

// XRefuse is X's Network.Refuse: the first character X refuses in a post.
func XRefuse(text string) (r rune, at int, found bool) { return xInvalid(text) }

// Documented limits, for the networks' descriptors.
const (
	XURLWeight        = xURLWeight
	MastodonURLWeight = mastodonURLWeight
	BlueskyMaxBytes   = blueskyMaxBytes
)

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// InvalidText says a text holds a character its network refuses in a post, wherever it is: X
// (twitter-text's hasInvalidCharacters) refuses U+FFFE and U+FFFF (not characters) and U+FEFF
// (a byte-order mark), which a copy and paste from a document can bring along unseen.
type InvalidText struct {
	Network string
	Char    rune
	At      int // its position in the text, in characters from 1
}

func (e *InvalidText) Error() string {
	what := "a character that is not one"
	if e.Char == 0xFEFF {
		what = "an invisible byte-order mark"
	}
	return fmt.Sprintf("not accepted by %s: character %d is %U, %s; delete it (retype the text around it)", e.Network, e.At, e.Char, what)
}

// As lets a planner that knows only *TooLong treat an InvalidText as a text that does not fit
// its network: the post is marked invalid, with InvalidText's own words, instead of stopping the
// plan.
func (e *InvalidText) As(target any) bool {
	if tl, ok := target.(**TooLong); ok {
		*tl = &TooLong{Network: e.Network, Unit: "characters"}
		return true
	}
	return false
}

// xInvalid returns the first character X refuses in text, and its position from 1.
func xInvalid(text string) (r rune, at int, found bool) {
	if !strings.ContainsAny(text, "\uFFFE\uFEFF\uFFFF") {
		return 0, 0, false
	}
	at = 0
	for _, c := range text {
		at++
		if c == 0xFFFE || c == 0xFEFF || c == 0xFFFF {
			return c, at, true
		}
	}
	return 0, 0, false
}

// Check measures text for network and returns a *TooLong error when it does not fit l, or an
// *InvalidText when it holds a character the network refuses. n is the length in l.Unit, over
// the limit or not.
func Check(network string, l Limit, text string) (n int, err error) {
	net, _ := NetworkOf(network)
	n = net.length(l, text)
	if net.Refuse != nil {
		if r, at, bad := net.Refuse(text); bad {
			return n, &InvalidText{Network: network, Char: r, At: at}
		}
	}
	if l.Max > 0 && n > l.Max {
		return n, &TooLong{Network: network, Length: n, Max: l.Max, Unit: l.Unit}
	}
	if net.MaxBytes > 0 && len(text) > net.MaxBytes {
		return n, &TooLong{Network: network, Length: len(text), Max: net.MaxBytes, Unit: "bytes"}
	}
	return n, nil
}

// XLength is the length X gives text (twitter-text v3's weighted length), which X refuses
// above 280. The text is NFC-normalised first; every URL counts 23 whatever its length; an emoji
// counts 2, with its skin tone, its zero-width joins or its keycap; any other character counts
// 1 in the ranges X keeps light (Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari... up to
// U+10FF, spaces and general punctuation) and 2 elsewhere (CJK, Hangul, most symbols).
func XLength(text string) int { return xLength(text, xURLWeight) }

func xLength(text string, urlWeight int) int {
	text = norm.NFC.String(text) // returns text itself, without allocating, when it is NFC already
	n, pos := 0, 0
	for {
		start, end, ok := nextURL(text, pos, xURLs)
		if !ok {
			return n + xWeigh(text[pos:])
		}
		n += xWeigh(text[pos:start]) + urlWeight
		pos = end
	}
}

// xWeigh weighs text that holds no URL.
func xWeigh(s string) int {
	n, state := 0, -1
	for len(s) > 0 {
		// An ASCII character followed by another (or by nothing) is a grapheme of its own.
		if s[0] < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf) {
			n++
			s, state = s[1:], -1
			continue
		}
		var cluster string
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		n += xClusterWeight(cluster)
	}
	return n
}

// xClusterWeight weighs one grapheme cluster: 2 for an emoji sequence, else the sum of its
// code points' weights, since twitter-text weighs code points (e + U+0302 not composable by
// NFC weighs 2).
func xClusterWeight(cluster string) int {
	r, size := utf8.DecodeRuneInString(cluster)
	if size == len(cluster) {
		// A lone code point weighs the same as an emoji or not: the pictographs that are
		// light (©, ®) are ones twitter-text does not take for emoji without U+FE0F.
		return xRuneWeight(r)
	}
	if isEmojiSequence(cluster) {
		return 2
	}
	n := 0
	for _, r := range cluster {
		n += xRuneWeight(r)
	}
	return n
}

// xRuneWeight is twitter-text v3's weight of one code point.
func xRuneWeight(r rune) int {
	switch {
	case r <= 4351, r >= 8192 && r <= 8205, r >= 8208 && r <= 8223, r >= 8242 && r <= 8247:
		return 1
	}
	return 2
}

// isEmojiSequence reports whether a grapheme cluster of several code points is an emoji: it
// holds an Extended_Pictographic code point (with a skin tone, U+FE0F, zero-width joins, or
// tags as in 🏴󠁧󠁢󠁳󠁣󠁴󠁿), a pair of regional indicators (a flag), or a keycap (1️⃣).
func isEmojiSequence(cluster string) bool {
	for _, r := range cluster {
		switch {
		case r < 0xA9:
		case r == 0x20E3, r >= 0x1F1E6 && r <= 0x1F1FF, unicode.Is(extendedPictographic, r):
			return true
		}
	}
	return false
}

// MastodonLength counts text as Mastodon's StatusLengthValidator does: grapheme clusters, with
// every URL that has a scheme counted as urlWeight characters (a bare example.com counts as
// written: Mastodon does not link it) and a remote mention @user@domain counted as @user.
func MastodonLength(text string, urlWeight int) int {
	n, pos := 0, 0
	for {
		start, end, ok := nextURL(text, pos, mastodonURLs)
		if !ok {
			return n + mastodonWeigh(text, pos, len(text))
		}
		n += mastodonWeigh(text, pos, start) + urlWeight
		pos = end
	}
}

// mastodonWeigh counts text[from:to], which holds no URL: its graphemes, less the @domain of
// every remote mention.
func mastodonWeigh(text string, from, to int) int {
	n := graphemes(text[from:to])
	for i := from; i < to; i++ {
		if text[i] != '@' {
			continue
		}
		end, domain, ok := matchMention(text, i)
		if ok && domain > 0 && end <= to {
			n -= graphemes(text[domain:end])
		}
		if end > i {
			i = end - 1
		}
	}
	return n
}

// matchMention matches Mastodon's Account::MENTION_RE at the "@" at i: @user, or @user@domain
// (domain > 0 is then where "@domain" starts). end is where the match ends, 0 if nothing
// matched; ok is false when Mastodon would not take it for a mention, as when it is followed
// by another "@" or by "://".
func matchMention(text string, i int) (end, domain int, ok bool) {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:i])
		if r == '=' || r == '/' || isWordRune(r) {
			return 0, 0, false
		}
	}
	end = matchWords(text, i+1, func(r rune) bool { return r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '_') })
	if end == i+1 {
		return 0, 0, false
	}
	if end < len(text) && text[end] == '@' {
		if e := matchWords(text, end+1, isWordRune); e > end+1 {
			domain, end = end, e
		}
	}
	after := text[end:]
	if len(after) > 0 && (after[0] == '@' || len(after) >= 3 && after[:3] == "://") {
		return end, 0, false
	}
	if r, _ := utf8.DecodeRuneInString(after); r == '＠' {
		return end, 0, false
	}
	return end, domain, true
}

// matchWords matches word+([.-]+word+)* from i, where word is a character for which isWord is
// true, and returns where the match ends (i if it does not).
func matchWords(text string, i int, isWord func(rune) bool) int {
	end := i
	for j := i; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		switch {
		case isWord(r):
			j += size
			end = j
		case (r == '.' || r == '-') && end > i:
			j += size // kept only if a word follows
		default:
			return end
		}
	}
	return end
}

// isWordRune is Ruby's [[:word:]]: letters, marks, decimal digits and connector punctuation.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isAlnum(byte(r)) || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r)
}

// BlueskyLength counts text as Bluesky's 300 limit does: in grapheme clusters, URLs as
// written.
func BlueskyLength(text string) int { return graphemes(text) }

// graphemes counts s's grapheme clusters, as uniseg.GraphemeClusterCount does, without handing
// uniseg the ASCII that most posts are made of.
func graphemes(s string) int {
	n, state := 0, -1
	for len(s) > 0 {
		if c := s[0]; c < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf && (c != '\r' || s[1] != '\n')) {
			n++
			s, state = s[1:], -1
			continue
		}
		_, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		n++
	}
	return n
}

// extendedPictographic is Unicode's Extended_Pictographic property (emoji-data.txt, Unicode
// 15.0, the version github.com/rivo/uniseg segments by): the code points emoji sequences are
// built on. Go's unicode package does not carry it.
var extendedPictographic = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x00A9, 0x00A9, 1}, {0x00AE, 0x00AE, 1}, {0x203C, 0x203C, 1}, {0x2049, 0x2049, 1},
		{0x2122, 0x2122, 1}, {0x2139, 0x2139, 1}, {0x2194, 0x2199, 1}, {0x21A9, 0x21AA, 1},
		{0x231A, 0x231B, 1}, {0x2328, 0x2328, 1}, {0x2388, 0x2388, 1}, {0x23CF, 0x23CF, 1},
		{0x23E9, 0x23F3, 1}, {0x23F8, 0x23FA, 1}, {0x24C2, 0x24C2, 1}, {0x25AA, 0x25AB, 1},
		{0x25B6, 0x25B6, 1}, {0x25C0, 0x25C0, 1}, {0x25FB, 0x25FE, 1}, {0x2600, 0x2605, 1},
		{0x2607, 0x2612, 1}, {0x2614, 0x2685, 1}, {0x2690, 0x2705, 1}, {0x2708, 0x2712, 1},
		{0x2714, 0x2714, 1}, {0x2716, 0x2716, 1}, {0x271D, 0x271D, 1}, {0x2721, 0x2721, 1},
		{0x2728, 0x2728, 1}, {0x2733, 0x2734, 1}, {0x2744, 0x2744, 1}, {0x2747, 0x2747, 1},
		{0x274C, 0x274C, 1}, {0x274E, 0x274E, 1}, {0x2753, 0x2755, 1}, {0x2757, 0x2757, 1},
		{0x2763, 0x2767, 1}, {0x2795, 0x2797, 1}, {0x27A1, 0x27A1, 1}, {0x27B0, 0x27B0, 1},
		{0x27BF, 0x27BF, 1}, {0x2934, 0x2935, 1}, {0x2B05, 0x2B07, 1}, {0x2B1B, 0x2B1C, 1},
		{0x2B50, 0x2B50, 1}, {0x2B55, 0x2B55, 1}, {0x3030, 0x3030, 1}, {0x303D, 0x303D, 1},
		{0x3297, 0x3297, 1}, {0x3299, 0x3299, 1},
	},
	R32: []unicode.Range32{
		{0x1F000, 0x1F0FF, 1}, {0x1F10D, 0x1F10F, 1}, {0x1F12F, 0x1F12F, 1}, {0x1F16C, 0x1F171, 1},
		{0x1F17E, 0x1F17F, 1}, {0x1F18E, 0x1F18E, 1}, {0x1F191, 0x1F19A, 1}, {0x1F1AD, 0x1F1E5, 1},
		{0x1F201, 0x1F20F, 1}, {0x1F21A, 0x1F21A, 1}, {0x1F22F, 0x1F22F, 1}, {0x1F232, 0x1F23A, 1},
		{0x1F23C, 0x1F23F, 1}, {0x1F249, 0x1F3FA, 1}, {0x1F400, 0x1F53D, 1}, {0x1F546, 0x1F64F, 1},
		{0x1F680, 0x1F6FF, 1}, {0x1F774, 0x1F77F, 1}, {0x1F7D5, 0x1F7FF, 1}, {0x1F80C, 0x1F80F, 1},
		{0x1F848, 0x1F84F, 1}, {0x1F85A, 0x1F85F, 1}, {0x1F888, 0x1F88F, 1}, {0x1F8AE, 0x1F8FF, 1},
		{0x1F90C, 0x1F93A, 1}, {0x1F93C, 0x1F945, 1}, {0x1F947, 0x1FAFF, 1}, {0x1FC00, 0x1FFFD, 1},
	},
	LatinOffset: 2,
}
