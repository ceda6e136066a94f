package posting

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is one URL in a text, by UTF-8 byte offsets (End exclusive): the form Bluesky's link
// facets take, since Bluesky links nothing by itself.
type Span struct {
	Start, End int
	URL        string
}

// FindURLs returns the URLs a reader sees as links in text: with an http or https scheme, or
// without one when the host ends in a top-level domain of twitter-text's list (tlds.txt:
// example.com/path, www.brand.fr, brand.vip, brand.fr). Punctuation that ends the sentence is not part of the URL ("see x.com/live." ends
// at "live"), nor is a closing parenthesis that opens nowhere in the URL. An e-mail address, a
// mention (@user@example.com) and a cashtag are not URLs.
//
// The same scanner finds what X and Mastodon count as URLs; each network reads them a little
// differently (see urlDialect).
func FindURLs(text string) []Span {
	var spans []Span
	for pos := 0; ; {
		start, end, ok := nextURL(text, pos, linkURLs)
		if !ok {
			return spans
		}
		spans = append(spans, Span{Start: start, End: end, URL: text[start:end]})
		pos = end
	}
}

// A urlDialect is how one network reads URLs. All use the same scanner, which follows
// twitter-text's extractor; the networks differ in what they accept.
type urlDialect struct {
	// bare accepts URLs without a scheme (example.com). Mastodon gives its 23-character
	// concession only to URLs with one.
	bare bool
	// bareShort also accepts one name under a country code with neither scheme nor path
	// (brand.fr). twitter-text does not link those, except under .co and .tv.
	bareShort bool
	// loosePath lets paths and queries hold any character but spaces, as Mastodon does, with
	// punctuation (ASCII or not) unable to end them. Otherwise paths take what twitter-text
	// takes: ASCII, Latin accents and Cyrillic.
	loosePath bool
}

var (
	xURLs        = urlDialect{bare: true}
	mastodonURLs = urlDialect{loosePath: true}
	linkURLs     = urlDialect{bare: true, bareShort: true, loosePath: true}
)

// maxURLLength is twitter-text's longest URL (scheme included); longer ones are plain text.
const maxURLLength = 4096

// nextURL finds the first URL that starts at or after from. It allocates nothing: X's counter
// runs it on every post the planner renders.
func nextURL(text string, from int, d urlDialect) (start, end int, ok bool) {
	if strings.IndexByte(text[from:], '.') < 0 {
		return 0, 0, false // every host has a dot
	}
	for i := from; i < len(text); i++ {
		if !isAlnum(text[i]) || i > 0 && !urlMayFollow(text, i) {
			continue
		}
		end, ok := matchURL(text, i, d)
		if ok {
			return i, end, true
		}
		if end > i {
			i = end - 1 // like twitter-text, go on after what was refused, not inside it
		}
	}
	return 0, 0, false
}

// urlMayFollow reports whether a URL may start at i, given what precedes it: not a letter or a
// digit (the URL would be part of a word), nor "@", "$" or "#" (user@example.com, $BRAND.PA,
// #paris.fr are no links).
func urlMayFollow(text string, i int) bool {
	c := text[i-1]
	if c < utf8.RuneSelf {
		return !isAlnum(c) && c != '@' && c != '$' && c != '#'
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r != '＠' && r != '＃' && r != 0xFFFE && r != 0xFEFF && r != 0xFFFF
}

// matchURL matches a URL that starts at start. end > start when something shaped like a URL
// is there, whether d takes it for one (ok) or not.
func matchURL(text string, start int, d urlDialect) (end int, ok bool) {
	scheme := schemeLen(text[start:])
	if scheme == 0 && start > 0 && strings.IndexByte("-_./", text[start-1]) >= 0 {
		return 0, false // the tail of something else: a file name, a path
	}
	i, short, found := scanHost(text, start+scheme, scheme > 0)
	if !found {
		return 0, false
	}
	if i+1 < len(text) && text[i] == ':' && isDigit(text[i+1]) { // port
		for i++; i < len(text) && isDigit(text[i]); i++ {
		}
	}
	hasPath := i < len(text) && text[i] == '/'
	if hasPath {
		i = scanPath(text, i+1, d.loosePath)
	}
	if i < len(text) && text[i] == '?' {
		i = scanQuery(text, i, d.loosePath)
	}
	length := i - start
	if scheme == 0 {
		if !d.bare || short && !hasPath && !d.bareShort {
			return i, false
		}
		length += len("https://")
	}
	return i, length <= maxURLLength
}

// schemeLen returns the length of the http:// or https:// that s starts with, in any case.
func schemeLen(s string) int {
	if len(s) < 7 || s[0]|0x20 != 'h' || s[1]|0x20 != 't' || s[2]|0x20 != 't' || s[3]|0x20 != 'p' {
		return 0
	}
	switch {
	case strings.HasPrefix(s[4:], "://"):
		return 7
	case s[4]|0x20 == 's' && strings.HasPrefix(s[5:], "://"):
		return 8
	}
	return 0
}

// scanHost returns the end of the host name that starts at i: labels separated by dots, the
// last a top-level domain. short reports a lone name under a country code (brand.fr), which
// twitter-text does not link without a path. After a scheme, labels may hold non-ASCII letters
// (café.fr) and any all-letter top-level domain is taken; without one, only ASCII names under a
// known top-level domain are, lest file.txt or "fin.Puis" become links.
func scanHost(text string, i int, scheme bool) (end int, short, ok bool) {
	var (
		subdomainsOK = true  // every label so far may be a subdomain
		nameOK       = false // the previous label may be the name under the top-level domain
	)
	for n := 0; ; n++ {
		labelStart := i
		for i < len(text) {
			if c := text[i]; isAlnum(c) || c == '-' || c == '_' {
				i++
				continue
			}
			// Without a scheme, only a label that starts in another script takes it
			// (example.みんな): shop.comé is shop.com, as for twitter-text.
			if text[i] >= utf8.RuneSelf && (scheme || n > 0 && text[labelStart] >= utf8.RuneSelf) {
				if r, size := utf8.DecodeRuneInString(text[i:]); isHostRune(r) {
					i += size
					continue
				}
			}
			break
		}
		label := text[labelStart:i]
		if label == "" {
			break
		}
		if !scheme && !isASCII(label) {
			// Without a scheme, a name is ASCII; only its top-level domain may be written in
			// another script (example.みんな).
			if _, known := unicodeTLDs[strings.ToLower(label)]; known && subdomainsOK && nameOK {
				end, ok, short = i, true, false
			}
			break
		}
		// The top-level domain must end the name: not example.com@host, nor example.com+1.
		if n > 0 && subdomainsOK && nameOK && isTLD(label, scheme) &&
			(i == len(text) || text[i] != '@' && text[i] != '+') {
			end, ok = i, true
			short = n == 1 && len(label) == 2 && isCountryCode(label) && !isSpecialShortTLD(label)
		}
		if i+1 >= len(text) || text[i] != '.' || !hostMayStart(text[i+1:]) {
			break
		}
		nameOK = validLabel(label, false)
		if subdomainsOK = subdomainsOK && validLabel(label, true); !subdomainsOK {
			break
		}
		i++
	}
	return end, short, ok
}

// hostMayStart reports whether s starts with a character a host label can hold.
func hostMayStart(s string) bool {
	if isAlnum(s[0]) {
		return true
	}
	if s[0] < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isHostRune(r)
}

// isHostRune reports whether a non-ASCII rune may be part of an internationalised host name.
func isHostRune(r rune) bool {
	switch {
	case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsPunct(r), isInvisibleFormat(r):
		return false
	}
	return true
}

// isInvisibleFormat reports the invisible characters twitter-text refuses in host names:
// byte-order marks, non-characters and text-direction marks.
func isInvisibleFormat(r rune) bool {
	switch {
	case r == 0xFEFF, r == 0xFFFE, r == 0xFFFF, r == 0x200E, r == 0x200F,
		r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// validLabel reports whether label is a valid DNS label: at most 63 characters (counted in
// runes for internationalised labels, an approximation of their punycode length), not starting
// or ending with "-" or "_", and with "_" only in subdomains.
func validLabel(label string, subdomain bool) bool {
	if len(label) > 63 && utf8.RuneCountInString(label) > 63 {
		return false
	}
	first, last := label[0], label[len(label)-1]
	if first == '-' || first == '_' || last == '-' || last == '_' {
		return false
	}
	return subdomain || strings.IndexByte(label, '_') < 0
}

// isTLD reports whether label is a top-level domain: a known one, or punycode (xn--...), or,
// after a scheme, any label made only of letters.
func isTLD(label string, scheme bool) bool {
	if len(label) > 4 && strings.EqualFold(label[:4], "xn--") {
		return true
	}
	if scheme {
		letters := 0
		for _, r := range label {
			if !unicode.IsLetter(r) && !unicode.IsMark(r) {
				return false
			}
			letters++
		}
		return letters >= 2
	}
	if len(label) == 2 {
		return isCountryCode(label)
	}
	var buf [64]byte
	if len(label) > len(buf) {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c < 'A' || c > 'z' || c > 'Z' && c < 'a' {
			return false
		}
		buf[i] = c | 0x20
	}
	_, ok := genericTLDs[string(buf[:len(label)])]
	return ok
}

// scanPath returns the end of the path whose first character is at i (just after its "/"). A
// path may hold balanced parentheses (Wikipedia's /Primer_(film)) but ends on a character that
// cannot end a sentence: "/live." stops before the period.
func scanPath(text string, i int, loose bool) int {
	end := i
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '(':
			j, ok := balancedParens(text, i, loose)
			if !ok {
				return end
			}
			i, end = j, j
		case isPathRune(r, loose):
			i += size
			if isPathEndRune(r, loose) {
				end = i
			}
		default:
			return end
		}
	}
	return end
}

// balancedParens returns the end of the parenthesised group that opens at i, with at most one
// nested group, as twitter-text allows in paths.
func balancedParens(text string, i int, loose bool) (int, bool) {
	j := skipPathRunes(text, i+1, loose)
	if j < len(text) && text[j] == '(' {
		k := skipPathRunes(text, j+1, loose)
		if k == j+1 || k >= len(text) || text[k] != ')' {
			return 0, false
		}
		j = skipPathRunes(text, k+1, loose)
	} else if j == i+1 {
		return 0, false
	}
	if j >= len(text) || text[j] != ')' {
		return 0, false
	}
	return j + 1, true
}

func skipPathRunes(text string, i int, loose bool) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isPathRune(r, loose) {
			break
		}
		i += size
	}
	return i
}

// isPathRune reports whether r may be part of a URL path.
func isPathRune(r rune, loose bool) bool {
	if r < utf8.RuneSelf {
		return isAlnum(byte(r)) || strings.IndexRune("!*';:=+,.$/%#[]-_~@|&", r) >= 0 ||
			loose && strings.IndexRune("\"^`{}\\", r) >= 0
	}
	if loose {
		return r != utf8.RuneError && !unicode.IsSpace(r)
	}
	return isLatinAccent(r) || isCyrillic(r) || r == '–'
}

// isPathEndRune reports whether a path may end with r.
func isPathEndRune(r rune, loose bool) bool {
	switch {
	case r < utf8.RuneSelf && loose:
		return isAlnum(byte(r)) || strings.IndexRune("+-_#/^`{}\\", r) >= 0
	case r < utf8.RuneSelf:
		return isAlnum(byte(r)) || strings.IndexRune("+-=_#/", r) >= 0
	}
	if loose {
		return !unicode.IsPunct(r)
	}
	return isLatinAccent(r) || isCyrillic(r)
}

// scanQuery returns the end of the query that starts with the "?" at i, or i when none does: a
// question mark after a URL usually ends a sentence.
func scanQuery(text string, i int, loose bool) int {
	end := i
	for j := i + 1; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isQueryRune(r, loose) {
			break
		}
		j += size
		if isQueryEndRune(r, loose) {
			end = j
		}
	}
	return end
}

func isQueryRune(r rune, loose bool) bool {
	if r < utf8.RuneSelf {
		return isAlnum(byte(r)) || strings.IndexRune("!?*'@();:&=+$/%#[]-_.,~|", r) >= 0 || loose && r == '^'
	}
	return loose && r != utf8.RuneError && !unicode.IsSpace(r)
}

func isQueryEndRune(r rune, loose bool) bool {
	if r < utf8.RuneSelf {
		return isAlnum(byte(r)) || strings.IndexRune("-_&=#/", r) >= 0
	}
	return loose && !unicode.IsPunct(r)
}

// isLatinAccent reports the accented Latin letters and combining marks twitter-text takes in
// paths (its latinAccentChars).
func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7,
		r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	switch r {
	case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
		return true
	}
	return false
}

func isCyrillic(r rune) bool { return r >= 0x400 && r <= 0x4FF }

func isAlnum(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isCountryCode reports whether a two-letter label, in any case, is a country-code top-level
// domain.
func isCountryCode(label string) bool {
	a, b := label[0]|0x20, label[1]|0x20
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return false
	}
	return countryCodes[int(a-'a')*26+int(b-'a')]
}

// isSpecialShortTLD reports the country codes twitter-text links even as a lone name without
// a path (t.co, brand.tv): they are used as generic domains.
func isSpecialShortTLD(cc string) bool {
	return strings.EqualFold(cc, "co") || strings.EqualFold(cc, "tv")
}

// tldList is twitter-text's list of top-level domains (tlds.txt): what X recognises in a URL
// written without a scheme.
//
//go:embed tlds.txt
var tldList string

// countryCodes holds every ASCII country-code top-level domain of tldList, indexed by its
// letters; genericTLDs every ASCII generic one (com, vip, tickets...), and unicodeTLDs the
// others, as written (みんな, онлайн, 한국).
var (
	countryCodes [26 * 26]bool
	genericTLDs  = map[string]struct{}{}
	unicodeTLDs  = map[string]struct{}{}
)

func init() {
	for _, line := range strings.Split(tldList, "\n") {
		kind, tld, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || strings.HasPrefix(kind, "#") {
			continue
		}
		tld = strings.ToLower(strings.TrimSpace(tld))
		switch {
		case !isASCII(tld):
			unicodeTLDs[tld] = struct{}{}
		case kind == "country" && len(tld) == 2:
			countryCodes[int(tld[0]-'a')*26+int(tld[1]-'a')] = true
		case kind == "generic":
			genericTLDs[tld] = struct{}{}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// XHasURL reports whether X sees a URL in text: X prices a post with a link higher than one
// without.
func XHasURL(text string) bool {
	_, _, ok := nextURL(text, 0, xURLs)
	return ok
}
