package posting

import (
	"strings"
)

// Span is a URL found in a text, by UTF-8 byte offsets (End exclusive), as Bluesky's link facets
// need them.
type Span struct {
	Start, End int
	URL        string
}

// FindURLs finds the URLs a network would link: with an http(s) scheme, or without one when the
// host ends in a known top-level domain (example.com/path, brand.fr). Trailing punctuation that
// ends a sentence (".", ",", "!", "?", ":", ";", quotes, an unbalanced ")") is not part of the URL.
// An e-mail address is not a URL.
func FindURLs(text string) []Span {
	var out []Span
	i := 0
	for i < len(text) {
		// A candidate starts at a word boundary.
		if i > 0 && !boundary(text[i-1]) {
			i++
			continue
		}
		end, ok := matchURL(text, i)
		if !ok {
			i++
			continue
		}
		out = append(out, Span{Start: i, End: end, URL: text[i:end]})
		i = end
	}
	return out
}

func boundary(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '(' || b == '[' || b == '"' || b == '\'' || b == '<' ||
		b >= 0x80 // a non-ASCII character before (e.g. a non-breaking space, an emoji)
}

// matchURL reports the end of a URL starting at i.
func matchURL(text string, i int) (int, bool) {
	rest := text[i:]
	lower := strings.ToLower(rest[:min(len(rest), 8)])
	start := i
	hasScheme := false
	switch {
	case strings.HasPrefix(lower, "https://"):
		i += 8
		hasScheme = true
	case strings.HasPrefix(lower, "http://"):
		i += 7
		hasScheme = true
	}
	// Host: labels of letters, digits and hyphens separated by dots.
	hostStart := i
	lastDot := -1
	for i < len(text) {
		c := text[i]
		if isHostByte(c) {
			i++
			continue
		}
		if c == '.' && i+1 < len(text) && isHostByte(text[i+1]) && i > hostStart && text[i-1] != '.' {
			lastDot = i
			i++
			continue
		}
		break
	}
	if i == hostStart || lastDot < 0 {
		return 0, false
	}
	if i < len(text) && text[i] == '@' {
		return 0, false // an e-mail address
	}
	if !hasScheme {
		if start > 0 && text[start-1] == '@' {
			return 0, false
		}
		tld := strings.ToLower(text[lastDot+1 : i])
		if !knownTLD(tld) {
			return 0, false
		}
	}
	// Port.
	if i < len(text) && text[i] == ':' {
		j := i + 1
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j > i+1 {
			i = j
		}
	}
	// Path, query and fragment: anything up to white space.
	if i < len(text) && (text[i] == '/' || text[i] == '?' || text[i] == '#') {
		for i < len(text) && !isSpaceAt(text, i) {
			i++
		}
	}
	// Drop trailing punctuation, and a closing parenthesis that does not close one in the URL.
	for i > hostStart {
		c := text[i-1]
		if strings.IndexByte(".,!?:;'\"", c) >= 0 {
			i--
			continue
		}
		if c == ')' && strings.Count(text[start:i], "(") < strings.Count(text[start:i], ")") {
			i--
			continue
		}
		break
	}
	return i, true
}

func isHostByte(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isSpaceAt reports white space at byte i, including the non-breaking spaces French typography
// puts before "!" and "?".
func isSpaceAt(s string, i int) bool {
	switch s[i] {
	case ' ', '\n', '\t', '\r':
		return true
	}
	return strings.HasPrefix(s[i:], "\u00a0") || strings.HasPrefix(s[i:], "\u202f")
}

// knownTLD reports whether tld is a top-level domain a network would link without a scheme:
// every two-letter country code, and the generic domains seen in practice.
func knownTLD(tld string) bool {
	if len(tld) == 2 {
		return tld[0] >= 'a' && tld[0] <= 'z' && tld[1] >= 'a' && tld[1] <= 'z'
	}
	_, ok := genericTLDs[tld]
	return ok
}

var genericTLDs = map[string]struct{}{}

func init() {
	for _, t := range strings.Fields(`com net org edu gov mil int info biz name pro aero coop museum mobi
		app dev io ai co tv me live video stream studio shop store online site tech news blog media
		social club events today world fashion style design art music film tickets show xyz top
		agency digital network email cloud global group company business link click space fun
		paris london berlin nyc tokyo brussels quebec eus bzh cat asia africa`) {
		genericTLDs[t] = struct{}{}
	}
}
