package posting_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	. "github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/posting/bluesky"
	"github.com/onairhq/onair/posting/console"
	"github.com/onairhq/onair/posting/mastodon"
	"github.com/onairhq/onair/posting/webhook"
	"github.com/onairhq/onair/posting/x"
	"golang.org/x/text/unicode/norm"
)

// The networks under test; importing their packages registers their descriptors.
const (
	X        = x.Name
	Mastodon = mastodon.Name
	Bluesky  = bluesky.Name
	Console  = console.Name
	Webhook  = webhook.Name
)

func TestXLength(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		// shared/reference/networks.md.
		{"text and a URL", "Hi http://test.co", 3 + 23},
		{"five emoji", "😷👾😡🔥💩", 5 * 2},

		// twitter-text's conformance suite (validate.yml, v3: emoji discounted).
		{"conformance: just a URL", "http://test.co", 23},
		{"conformance: 285 characters", "285 chars-" + strings.Repeat("xxxxxxxxxx-", 25), 10 + 25*11},
		{"conformance: URL in a long text", "285 chars- http://www.twitter.com/jack " + strings.Repeat("xxxxxxxxxx-", 24), 11 + 23 + 1 + 24*11},
		{"conformance: ten URLs", strings.Repeat("https://www.twitter.com/aloha ", 10), 10 * (23 + 1)},
		{"conformance: Á is normalised into one character", "A\u0301B", 2},
		{"conformance: שּׁ is normalised into three light characters", "A\uFB2C", 1 + 3},
		{"conformance: letter, cat, smiley and family", "H🐱☺👨‍👩‍👧‍👦", 1 + 2 + 2 + 2},
		{"conformance: skin tone and ZWJ sequence", "🙋🏽👨‍🎤", 2 + 2},
		{"conformance: Unicode 10 emoji and a tag sequence flag", "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 20 + 2 + 2 + 2 + 2 + 2 + 2 + 2},
		{"conformance: Unicode 9 emoji", "Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 19 + 2 + 2 + 2 + 2 + 2},
		{"conformance: a 64-character label is no URL", strings.Repeat("randomurl", 7) + "s.com", 64 + 4},
		{"conformance: invalid characters", "ABC\u202A\uFFFFABC\uFFFE", 3 + 2 + 2 + 3 + 2},
		{"conformance: directional marks around an Arabic TLD", "\u2066\u202Ahttp://foobar.پاکستان/\u202C\u2069", 2 + 2 + 23 + 2 + 2},
		{"conformance: unicode host", "http://☃.net/", 23},

		{"empty", "", 0},
		{"ASCII", "Hello world", 11},
		{"accents precomposed", "café déjà", 9},
		{"accents decomposed weigh as precomposed", "cafe\u0301 de\u0301ja\u0300", 9},
		{"Cyrillic weighs 1", "Привет", 6},
		{"CJK weighs 2", "日本語", 3 * 2},
		{"Hangul weighs 2", "안녕", 2 * 2},
		{"light general punctuation", "\u2000\u200D\u2010\u2017\u2018\u201F\u2032\u2037", 8},
		{"heavy general punctuation", "†…‰\u200E", 4 * 2},
		{"curly quotes and dash weigh 1, the ellipsis 2", "“a” – ‘b’ …", 10 + 2},
		{"copyright sign is no emoji", "© 2027 Onair", 12},
		{"emoji in text", "Go 🚀!", 3 + 2 + 1},
		{"emoji with skin tone", "👍🏽", 2},
		{"ZWJ family", "👨‍👩‍👧‍👦", 2},
		{"red heart with VS16", "❤️", 2},
		{"flag", "🇫🇷", 2},
		{"two flags", "🇫🇷🇩🇪", 2 + 2},
		{"keycap", "1️⃣", 2},
		{"keycap without VS16", "1⃣", 2},
		{"hash keycap", "#️⃣", 2},

		{"two URLs", "https://a.example.com/very/long/path?x=1 and http://b.co", 23 + 5 + 23},
		{"URL without scheme", "see example.com/live now", 4 + 23 + 4},
		{"URL without scheme nor path", "onair.live", 23},
		{"upper-case URL", "HTTPS://www.ExaMPLE.COM/index.html", 23},
		{"URL then a period", "Watch https://x.com/i/broadcasts/1ABC.", 6 + 23 + 1},
		{"URLs then a comma and a bang", "https://x.com/a, https://x.com/b!", 23 + 2 + 23 + 1},
		{"URL in parentheses", "(https://x.com/live)", 1 + 23 + 1},
		{"parentheses in a path", "https://en.wikipedia.org/wiki/Primer_(film) !", 23 + 2},
		{"query then a period", "https://x.com/live?utm_source=x&utm_medium=social.", 23 + 1},
		{"URL after a colon", "lien:https://x.com/live", 5 + 23},
		{"path stops at CJK", "https://x.com/日本", 23 + 2*2},
		{"lone name under a country code is no URL", "rdv sur marque.fr !", 19},
		{"name under a country code with a path", "marque.fr/live", 23},
		{"subdomain under a country code", "www.marque.fr", 23},
		{".tv is linked even alone", "brand.tv", 23},
		{"e-mail is not a URL", "hello@example.com", 17},
		{"URL glued to a word is not a URL", "foohttps://x.com", 16},
		{"ftp is not a URL", "ftp://www.example.com/", 22},
		{"host without a dot is not a URL", "http://localhost:8080/live", 26},
		{"file names and versions are not URLs", "v1.2 file.txtx", 14},
		{"hashtag", "#SpringLaunch", 13},
		// twitter-text's extractor on bare domains (extract.yml): a lone name under a country
		// code without a path is text, except under co and tv; any generic TLD of its list is a
		// URL, with or without a path.
		{"conformance: only foo.co.jp and www.foo.co.uk are URLs", "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp",
			7 + 1 + 23 + 1 + 15 + 1 + 23 + 1 + 13 + 1 + 8 + 1 + 11 + 1 + 10 + 1 + 6},
		{"conformance: ccTLD with a slash", "t.co/abcde bit.ly/abcde", 23 + 1 + 23},
		{"bare ccTLD names are text", "brand.fr shop.io linktr.ee", 8 + 1 + 7 + 1 + 9},
		{"new gTLD with a path", "brand.vip/tickets", 23},
		{"new gTLD alone", "brand.vip", 23},
		{"long new gTLD", "the.photography now", 23 + 4},
		{"unicode gTLD after an ASCII name", "shop.みんな", 23},
		{"unknown TLD stays text", "brand.notatld", 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := XLength(tt.text); got != tt.want {
				t.Errorf("XLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestMastodonLength(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"graphemes", "café 👨‍👩‍👧‍👦 🇫🇷", 4 + 1 + 1 + 1 + 1},
		{"decomposed accent is one grapheme", "cafe\u0301", 4},
		{"URL counts 23", "Live: https://x.com/i/broadcasts/1ABC?utm_source=mastodon", 6 + 23},
		{"URL without scheme counts as written", "see example.com/live", 4 + 16},
		{"ellipsis after a URL is not part of it", "Live 🎥 https://x.com/live…", 5 + 1 + 1 + 23 + 1},
		{"local mention", "hi @brand", 9},
		{"remote mention counts as local", "hi @brand@mastodon.social", 3 + 6},
		{"remote mention before a period", "thanks @brand@social.example.org.", 7 + 6 + 1},
		{"two remote mentions", "@a@one.example @b@two.example", 2 + 1 + 2},
		{"e-mail is not a mention", "contact@brand.fr", 16},
		{"mention followed by @ is not a mention", "@brand@example.com@x", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MastodonLength(tt.text, 23); got != tt.want {
				t.Errorf("MastodonLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestBlueskyLength(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"ASCII", "Hello world", 11},
		{"CRLF is one grapheme", "a\r\nb", 3},
		{"decomposed accent is one grapheme", "cafe\u0301", 4},
		{"emoji sequences are one grapheme each", "👍🏽👨‍👩‍👧‍👦🇫🇷1️⃣", 4},
		{"URL counts as written", "https://x.com/live", 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BlueskyLength(tt.text); got != tt.want {
				t.Errorf("BlueskyLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	url := "https://x.com/i/broadcasts/1ABC" // 31 characters
	tests := []struct {
		name     string
		network  string
		limit    Limit
		text     string
		wantLen  int
		wantOver string // the error, if the text does not fit
	}{
		{"x exactly 280", X, DefaultLimit(X), strings.Repeat("a", 280), 280, ""},
		{"x 281", X, DefaultLimit(X), strings.Repeat("a", 281), 281, "too long for x: 281 of 280 weighted characters (1 over)"},
		{"x 256 and a URL make 280", X, DefaultLimit(X), strings.Repeat("a", 256) + " " + url, 280, ""},
		{"x 140 CJK make 280", X, DefaultLimit(X), strings.Repeat("語", 140), 280, ""},
		{"x 141 CJK", X, DefaultLimit(X), strings.Repeat("語", 141), 282, "too long for x: 282 of 280 weighted characters (2 over)"},
		{"x 140 families make 280", X, DefaultLimit(X), strings.Repeat("👨‍👩‍👧‍👦", 140), 280, ""},
		{"x URL weight 0 means 23", X, Limit{Max: 280}, url, 23, ""},

		{"mastodon 500", Mastodon, DefaultLimit(Mastodon), strings.Repeat("é", 500), 500, ""},
		{"mastodon 500 with a long URL", Mastodon, DefaultLimit(Mastodon), strings.Repeat("a", 476) + " " + url + "/with/a/much/longer/path", 500, ""},
		{"mastodon 501", Mastodon, DefaultLimit(Mastodon), strings.Repeat("a", 501), 501, "too long for mastodon: 501 of 500 characters (1 over)"},
		{"mastodon instance limit and URL weight", Mastodon, Limit{Max: 1000, URLWeight: 30, Unit: "characters"}, strings.Repeat("a", 969) + " " + url, 1000, ""},

		{"bluesky 300 graphemes with emoji", Bluesky, DefaultLimit(Bluesky), strings.Repeat("a", 290) + strings.Repeat("👨‍👩‍👧", 10), 300, ""},
		{"bluesky URL counts as written", Bluesky, DefaultLimit(Bluesky), strings.Repeat("a", 268) + " " + url, 300, ""},
		{"bluesky 301", Bluesky, DefaultLimit(Bluesky), strings.Repeat("é", 301), 301, "too long for bluesky: 301 of 300 graphemes (1 over)"},
		{"bluesky 300 graphemes over 3000 bytes", Bluesky, DefaultLimit(Bluesky), strings.Repeat("👨‍👩‍👧", 300), 300, "too long for bluesky: 5400 of 3000 bytes (2400 over)"},

		{"console has no limit", Console, DefaultLimit(Console), strings.Repeat("a", 5000), 5000, ""},
		{"webhook counts characters", Webhook, DefaultLimit(Webhook), "é👍🏽", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Check(tt.network, tt.limit, tt.text)
			if n != tt.wantLen {
				t.Errorf("length = %d, want %d", n, tt.wantLen)
			}
			var tl *TooLong
			switch {
			case tt.wantOver == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantOver != "" && !errors.As(err, &tl):
				t.Errorf("error = %v, want a *TooLong", err)
			case tt.wantOver != "" && err.Error() != tt.wantOver:
				t.Errorf("error = %q, want %q", err, tt.wantOver)
			}
		})
	}
}

func TestDefaultLimit(t *testing.T) {
	tests := []struct {
		network string
		want    Limit
	}{
		{X, Limit{Max: 280, URLWeight: 23, Unit: "weighted characters"}},
		{Mastodon, Limit{Max: 500, URLWeight: 23, Unit: "characters"}},
		{Bluesky, Limit{Max: 300, Unit: "graphemes"}},
		{Console, Limit{Unit: "characters"}},
		{Webhook, Limit{Unit: "characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			if got := DefaultLimit(tt.network); got != tt.want {
				t.Errorf("DefaultLimit(%q) = %+v, want %+v", tt.network, got, tt.want)
			}
		})
	}
}

func TestKnownNetwork(t *testing.T) {
	for _, n := range []string{Console, Webhook, X, Mastodon, Bluesky} {
		if !KnownNetwork(n) {
			t.Errorf("KnownNetwork(%q) = false", n)
		}
	}
	for _, n := range []string{"", "twitter", "X", "facebook"} {
		if KnownNetwork(n) {
			t.Errorf("KnownNetwork(%q) = true", n)
		}
	}
}

func FuzzXLength(f *testing.F) {
	for _, s := range []string{
		"Hi http://test.co", "😷👾😡🔥💩", "cafe\u0301", "A\uFB2C", "(example.com)", "a@b.co",
		"🇫🇷🇫", "1️⃣", "a\r\nb", "https://en.wikipedia.org/wiki/Primer_(film)",
		"@brand@mastodon.social", "http://☃.net/", "x.com/a?b=c.", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := XLength(s)
		if n < 0 {
			t.Fatalf("XLength(%q) = %d", s, n)
		}
		if m := XLength(norm.NFC.String(s)); m != n {
			t.Fatalf("XLength changes under NFC: %d, then %d for %q", n, m, s)
		}
		if m := MastodonLength(s, 23); m < 0 {
			t.Fatalf("MastodonLength(%q) = %d", s, m)
		}
		if got, want := BlueskyLength(s), uniseg.GraphemeClusterCount(s); got != want {
			t.Fatalf("graphemes(%q) = %d, uniseg says %d", s, got, want)
		}
		prev := 0
		for _, u := range FindURLs(s) {
			if u.Start < prev || u.End > len(s) || u.Start >= u.End || s[u.Start:u.End] != u.URL {
				t.Fatalf("bad span %+v in %q", u, s)
			}
			prev = u.End
		}
	})
}

// A typical post: 200 characters, accents, two emoji, a URL and hashtags.
func BenchmarkXLength(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		XLength(BenchPost)
	}
}

func BenchmarkMastodonLength(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MastodonLength(BenchPost, 23)
	}
}

func BenchmarkBlueskyLength(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		BlueskyLength(BenchPost)
	}
}

// TestXLengthCases weighs the texts onair's marketers write (accents, CJK, emoji, links) as X's
// twitter-text v3 config does, each case worked out by hand from its rules: code points up to
// U+10FF and a few punctuation ranges weigh 1, others 2; an emoji sequence weighs 2; a URL 23.
func TestXLengthCases(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		// shared/reference/networks.md.
		{"networks.md: text and a URL", "Hi http://test.co", 26},
		{"networks.md: five emoji", "😷👾😡🔥💩", 10},

		// Accents: NFC first, so composed and decomposed texts weigh the same.
		{"French, composed", "Crème brûlée à la française", 27},
		{"French, decomposed", "Cre\u0300me bru\u0302le\u0301e a\u0300 la franc\u0327aise", 27},
		{"German and Spanish, composed", "Größe, año, señor", 17},
		{"German and Spanish, decomposed", "Gro\u0308\u00dfe, an\u0303o, sen\u0303or", 17},
		{"Vietnamese letters above U+10FF weigh 2", "Việt Nam", 1 + 1 + 2 + 1 + 1 + 3},
		{"Vietnamese, decomposed, composes to the same", "Vie\u0323\u0302t Nam", 9},
		{"a mark NFC cannot compose weighs on its own", "q\u0302", 1 + 1},
		{"Greek and Cyrillic weigh 1", "Ωμέγα Москва", 12},
		{"Arabic and Hebrew weigh 1", "مرحبا שלום", 10},

		// CJK and other heavy scripts.
		{"Japanese kanji and kana", "東京でライブ配信", 8 * 2},
		{"Chinese with a full stop", "直播开始了。", 6 * 2},
		{"Korean", "라이브 시작", 5*2 + 1},
		{"full-width Latin weighs 2", "ＡＢＣ", 3 * 2},
		{"CJK then a URL", "配信はこちら https://x.com/i/broadcasts/1ABC", 6*2 + 1 + 23},

		// Emoji: any sequence weighs 2.
		{"skin tones, light to dark", "👋🏻👋🏼👋🏽👋🏾👋🏿", 5 * 2},
		{"profession with a skin tone (ZWJ)", "👩🏽‍💻", 2},
		{"couple with heart (ZWJ and VS16)", "👩‍❤️‍💋‍👨", 2},
		{"families", "👨‍👩‍👧‍👦 👩‍👩‍👦", 2 + 1 + 2},
		{"rainbow flag (ZWJ)", "🏳️‍🌈", 2},
		{"country flags", "🇯🇵🇺🇸🇬🇧", 3 * 2},
		{"tag-sequence flag (Scotland)", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 2},
		{"keycaps", "1️⃣2️⃣3️⃣ *️⃣", 3*2 + 1 + 2},
		{"copyright with VS16 is an emoji", "©️", 2},
		{"trade mark sign weighs 2", "Onair™", 5 + 2},
		{"emoji inside French text", "C'est parti 🎬🔴 !", 12 + 2*2 + 2},

		// URLs: 23 each, whatever their length, with or without a scheme.
		{"several URLs", "Live https://x.com/i/broadcasts/1ABC and replay https://youtu.be/abc123?t=42", 5 + 23 + 12 + 23},
		{"a 100-character URL counts 23", "https://example.com/" + strings.Repeat("a", 80), 23},
		{"URLs without a scheme", "onair.live/show et www.example.com", 23 + 4 + 23},
		{"URL without a scheme under a second-level domain", "example.co.uk/live", 23},
		{"URL without a scheme then a period", "Watch at onair.live.", 9 + 23 + 1},
		{"typical teaser", "Rendez-vous à 18h 🎬 https://onair.live/b/42", 18 + 2 + 1 + 23},

		// The limit itself.
		{"280 exactly", strings.Repeat("a", 280), 280},
		{"281", strings.Repeat("a", 281), 281},
		{"257 characters and a URL make 280", strings.Repeat("a", 256) + " https://onair.live/b/42", 280},
		{"258 characters and a URL make 281", strings.Repeat("a", 257) + " https://onair.live/b/42", 281},
		{"140 kanji make 280", strings.Repeat("語", 140), 280},
		{"139 kanji and a Latin letter make 279", strings.Repeat("語", 139) + "a", 279},
		{"140 emoji with skin tones make 280", strings.Repeat("👍🏽", 140), 280},
		{"279 and an emoji make 281", strings.Repeat("a", 279) + "🎬", 281},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := XLength(tt.text); got != tt.want {
				t.Errorf("XLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
			_, err := Check(X, DefaultLimit(X), tt.text)
			if fits := tt.want <= 280; fits != (err == nil) {
				t.Errorf("Check(%q) = %v, want fits=%v", tt.text, err, fits)
			}
		})
	}
}

// A post that fits by onair's old list of generic TLDs (234 of them) but not by X's (1,259):
// brand.vip is a URL for X and weighs 23.
func TestCheckXNewGenericTLDs(t *testing.T) {
	base := strings.Repeat("a", 262)
	for _, tt := range []struct {
		name, text string
		want       int
		fits       bool
	}{
		{"a bare .fr name is text", base + " boutique.fr ok", 277, true},
		{"a bare .vip name is a URL", base + " boutique.vip ok", 262 + 1 + 23 + 3, false},
		{"a .vip URL with a path", base + " brand.vip/tickets", 262 + 1 + 23, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Check(X, DefaultLimit(X), tt.text)
			var tl *TooLong
			if n != tt.want || (err == nil) != tt.fits || (err != nil && !errors.As(err, &tl)) {
				t.Errorf("Check = %d, %v; want %d, fits %v", n, err, tt.want, tt.fits)
			}
			if XHasURL(tt.text) == tt.fits {
				t.Errorf("XHasURL = %v: X prices a post with a link differently", XHasURL(tt.text))
			}
		})
	}
}

// twitter-text's validate.yml: U+FFFE, U+FEFF and U+FFFF make a post invalid whatever its
// length; onair says so when the post is planned.
func TestCheckXInvalidCharacters(t *testing.T) {
	for _, tt := range []struct {
		text string
		bad  rune
		at   int
	}{
		{"ABC\u202A\uFFFFABC\uFFFE", 0xFFFF, 5},
		{"\uFEFFHello", 0xFEFF, 1},
		{"Hi\uFFFE", 0xFFFE, 3},
	} {
		_, err := Check(X, DefaultLimit(X), tt.text)
		var inv *InvalidText
		if !errors.As(err, &inv) || inv.Char != tt.bad || inv.At != tt.at {
			t.Errorf("Check(%q) = %v, want %U at %d", tt.text, err, tt.bad, tt.at)
			continue
		}
		var tl *TooLong
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), fmt.Sprintf("%U", tt.bad)) {
			t.Errorf("%v: a planner that knows *TooLong must see the post as invalid, with the character named", err)
		}
	}
	for _, ok := range []string{"ABC\u202AABC", "Hello"} {
		if _, err := Check(X, DefaultLimit(X), ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	if _, err := Check(Mastodon, DefaultLimit(Mastodon), "\uFEFFHello"); err != nil {
		t.Errorf("Mastodon: %v (the rule is X's)", err)
	}
}
