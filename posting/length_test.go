package posting

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestXLength(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		// From shared/reference/networks.md (twitter-text's conformance cases).
		{"text and a URL", "Hi http://test.co", 26},
		{"five emoji", "😷👾😡🔥💩", 10},

		{"ASCII", "Hello world", 11},
		{"empty", "", 0},
		{"accents precomposed", "café déjà", 9},
		{"accents decomposed are normalised", "cafe\u0301", 4},
		{"CJK weighs 2", "日本語", 6},
		{"Korean Hangul syllables weigh 2", "안녕", 4},
		{"Cyrillic weighs 1", "Привет", 6},
		{"emoji with skin tone", "👍🏽", 2},
		{"ZWJ family", "👨‍👩‍👧‍👦", 2},
		{"flag", "🇫🇷", 2},
		{"keycap", "1️⃣", 2},
		{"emoji in text", "Go 🚀!", 6},
		{"curly quotes and dash weigh 1, the ellipsis 2", "“a” – ‘b’ …", 12},
		{"two URLs", "https://a.example.com/very/long/path?x=1 and http://b.co", 23 + 5 + 23},
		{"URL without scheme", "see example.com/live now", 4 + 23 + 4},
		{"URL then a period", "Watch https://x.com/i/broadcasts/1ABC.", 6 + 23 + 1},
		{"URL in parentheses", "(https://x.com/live)", 1 + 23 + 1},
		{"e-mail is not a URL", "hello@example.com", 17},
		{"French .fr domain", "rdv sur marque.fr !", 8 + 23 + 2},
		{"word with a dot is not a URL", "v1.2 file.txtx", 14},
		{"hashtag", "#SpringLaunch", 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := XLength(tt.text); got != tt.want {
				t.Errorf("XLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestCheckLimits(t *testing.T) {
	url := "https://x.com/i/broadcasts/1ABC"
	tests := []struct {
		name, network, text string
		wantLen             int
		wantOver            bool
	}{
		{"x exactly 280", X, strings.Repeat("a", 280), 280, false},
		{"x 281", X, strings.Repeat("a", 281), 281, true},
		{"x 257 + URL = 280", X, strings.Repeat("a", 256) + " " + url, 280, false},
		{"x 140 CJK = 280", X, strings.Repeat("語", 140), 280, false},
		{"x 141 CJK", X, strings.Repeat("語", 141), 282, true},
		{"mastodon 500", Mastodon, strings.Repeat("é", 500), 500, false},
		{"mastodon URL counts 23", Mastodon, strings.Repeat("a", 476) + " " + url + "/with/a/much/longer/path", 500, false},
		{"mastodon remote mention counts as local", Mastodon, "hi @brand@mastodon.social", 9, false},
		{"mastodon 501", Mastodon, strings.Repeat("a", 501), 501, true},
		{"bluesky 300 graphemes with emoji", Bluesky, strings.Repeat("👨‍👩‍👧", 300), 300, false},
		{"bluesky URL counts as written", Bluesky, strings.Repeat("a", 268) + " " + url, 300, false},
		{"bluesky 301", Bluesky, strings.Repeat("é", 301), 301, true},
		{"console has no limit", Console, strings.Repeat("a", 5000), 5000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Check(tt.network, DefaultLimit(tt.network), tt.text)
			if n != tt.wantLen {
				t.Errorf("length %d, want %d", n, tt.wantLen)
			}
			var tl *TooLong
			if got := errors.As(err, &tl); got != tt.wantOver {
				t.Fatalf("too long = %v (%v), want %v", got, err, tt.wantOver)
			}
			if tl != nil && !strings.Contains(tl.Error(), "over") {
				t.Errorf("message %q does not say by how much", tl.Error())
			}
		})
	}
}

func TestTooLongMessage(t *testing.T) {
	_, err := Check(X, DefaultLimit(X), strings.Repeat("a", 297))
	if err == nil || err.Error() != "too long for x: 297 of 280 weighted characters (17 over)" {
		t.Errorf("message = %v", err)
	}
}

func TestFindURLsByteOffsets(t *testing.T) {
	text := "Élégant 👗 → https://x.com/a, et marque.fr/b!"
	got := FindURLs(text)
	want := []string{"https://x.com/a", "marque.fr/b"}
	if len(got) != len(want) {
		t.Fatalf("FindURLs = %+v, want %q", got, want)
	}
	for i, w := range want {
		if got[i].URL != w || text[got[i].Start:got[i].End] != w {
			t.Errorf("span %d = %+v, want %q at its byte offsets", i, got[i], w)
		}
	}
}

func FuzzXLength(f *testing.F) {
	for _, s := range []string{"Hi http://test.co", "😷👾😡🔥💩", "cafe\u0301", "(example.com)", "a@b.co", "🇫🇷🇫"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := XLength(s)
		if n < 0 {
			t.Fatalf("XLength(%q) = %d", s, n)
		}
		if m := XLength(norm.NFC.String(s)); m != n {
			t.Fatalf("XLength changes under NFC: %d vs %d for %q", n, m, s)
		}
		for _, u := range FindURLs(s) {
			if u.Start < 0 || u.End > len(s) || u.Start >= u.End || s[u.Start:u.End] != u.URL {
				t.Fatalf("bad span %+v in %q", u, s)
			}
		}
	})
}

func BenchmarkXLength(b *testing.B) {
	text := "Save the date: Lancement de la collection, Tuesday, March 30 at 6:00 PM. Join us live on X for the first look 👗✨ https://x.com/i/broadcasts/1ABC #SpringLaunch #Paris"
	for b.Loop() {
		XLength(text)
	}
}
