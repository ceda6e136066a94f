package mastodontest

import (
	"regexp"
	"slices"
	"strings"
)

// Mastodon's TextFormatter, for the statuses the fake keeps: the text HTML-escaped; URLs (with a
// scheme), hashtags and mentions turned into links; paragraphs in <p>, line breaks as <br />.
// A link shows its "https://" and the end past 30 characters in hidden spans, so its text in the
// markup is the whole URL.

var (
	urlPattern     = regexp.MustCompile(`(?i)https?://[^\s<>"]+`)
	hashtagPattern = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&/#])(#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*))`)
	mentionPattern = regexp.MustCompile(`(?i)(?:^|[^=/\p{L}\p{N}_@])(@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([\p{L}\p{N}_.-]+\.[\p{L}\p{N}_]+))?)`)
	prefixPattern  = regexp.MustCompile(`(?i)^https?://(?:www\.)?`)
	paragraphBreak = regexp.MustCompile(`\n\n+`)
)

// entity is a link in a status's text: text[start:end] is replaced by html.
type entity struct {
	start, end int
	html       string
}

// renderContent renders text (already trimmed) as Mastodon does. base is the server's address;
// local reports whether a username is an account of this server.
func renderContent(text, base string, local func(string) bool) string {
	if text == "" {
		return ""
	}
	var ents []entity
	for _, m := range urlPattern.FindAllStringIndex(text, -1) {
		start, end := m[0], trimURLEnd(text, m[0], m[1])
		ents = append(ents, entity{start, end, linkToURL(text[start:end])})
	}
	for _, m := range hashtagPattern.FindAllStringSubmatchIndex(text, -1) {
		tag := text[m[4]:m[5]]
		ents = append(ents, entity{m[2], m[3], `<a href="` + escape(base+"/tags/"+tag) +
			`" class="mention hashtag" rel="tag">#<span>` + escape(tag) + `</span></a>`})
	}
	for _, m := range mentionPattern.FindAllStringSubmatchIndex(text, -1) {
		user, domain := text[m[4]:m[5]], ""
		if m[6] >= 0 {
			domain = text[m[6]:m[7]]
		}
		var href string
		switch {
		case domain != "":
			// A remote account Mastodon resolved when the status was posted: shown by its
			// username alone, as to the local user it is unambiguous.
			href = "https://" + domain + "/@" + user
		case local(user):
			href = base + "/@" + user
		default:
			continue // an unknown account stays plain text
		}
		ents = append(ents, entity{m[2], m[3], `<span class="h-card"><a href="` + escape(href) +
			`" class="u-url mention">@<span>` + escape(user) + `</span></a></span>`})
	}
	slices.SortFunc(ents, func(a, b entity) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, e := range ents {
		if e.start < last {
			continue // overlaps an earlier entity (a # inside a URL)
		}
		b.WriteString(escape(text[last:e.start]))
		b.WriteString(e.html)
		last = e.end
	}
	b.WriteString(escape(text[last:]))
	return simpleFormat(b.String())
}

// trimURLEnd drops the punctuation that ends a sentence rather than a URL, and a closing
// parenthesis that opens nowhere in the URL.
func trimURLEnd(text string, start, end int) int {
	for end > start {
		c := text[end-1]
		switch {
		case strings.IndexByte(".,:;!?'", c) >= 0:
			end--
		case c == ')' && strings.Count(text[start:end], "(") < strings.Count(text[start:end], ")"):
			end--
		default:
			return end
		}
	}
	return end
}

// linkToURL is TextFormatter#link_to_url.
func linkToURL(url string) string {
	prefix := prefixPattern.FindString(url)
	rest := []rune(url[len(prefix):])
	display, suffix := rest, []rune(nil)
	if len(rest) > 30 {
		display, suffix = rest[:30], rest[30:]
	}
	class := ""
	if len(rest) > 30 {
		class = "ellipsis"
	}
	return `<a href="` + escape(url) + `" target="_blank" rel="nofollow noopener noreferrer">` +
		`<span class="invisible">` + escape(prefix) + `</span>` +
		`<span class="` + class + `">` + escape(string(display)) + `</span>` +
		`<span class="invisible">` + escape(string(suffix)) + `</span></a>`
}

// simpleFormat is Rails' simple_format as Mastodon calls it: paragraphs split on blank lines,
// single line breaks as <br />, then every newline removed.
func simpleFormat(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	for _, para := range paragraphBreak.Split(s, -1) {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(para, "\n", "<br />"))
		b.WriteString("</p>")
	}
	return b.String()
}

// escape is ERB::Util.html_escape.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace
