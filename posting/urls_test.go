package posting

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFindURLs(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"none", "Rendez-vous mardi à 18h.", nil},
		{"scheme and path", "Live: https://x.com/i/broadcasts/1ABC", []string{"https://x.com/i/broadcasts/1ABC"}},
		{"after non-ASCII text", "Élégant 👗 → https://x.com/a, et marque.fr/b!", []string{"https://x.com/a", "marque.fr/b"}},
		{"bare domain ending a sentence", "Go to onair.live.", []string{"onair.live"}},
		{"lone name under a country code", "rdv sur marque.fr !", []string{"marque.fr"}},
		{"subdomain, port and path", "www.example.com:8080/path", []string{"www.example.com:8080/path"}},
		{"in parentheses", "(voir https://x.com/live)", []string{"https://x.com/live"}},
		{"parentheses in a path", "https://en.wikipedia.org/wiki/Primer_(film).", []string{"https://en.wikipedia.org/wiki/Primer_(film)"}},
		{"query then a period", "Watch: https://x.com/live?t=1&utm=x.", []string{"https://x.com/live?t=1&utm=x"}},
		{"question mark ends a sentence", "Seen https://x.com/live?", []string{"https://x.com/live"}},
		{"non-ASCII path, CJK full stop", "https://ja.wikipedia.org/wiki/東京。", []string{"https://ja.wikipedia.org/wiki/東京"}},
		{"ellipsis after a URL", "https://x.com/live…", []string{"https://x.com/live"}},
		{"French spacing before a bang", "https://x.com/live\u202f!", []string{"https://x.com/live"}},
		{"several", "a.co/x b.fr/y https://c.io", []string{"a.co/x", "b.fr/y", "https://c.io"}},
		{"e-mail", "mail hello@example.com", nil},
		{"mention", "@brand@mastodon.social", nil},
		{"cashtag and hashtag", "$BRAND.PA #paris.fr", nil},
		{"file name and version", "file.txt v1.2 3.14", nil},
		{"no dot in the host", "http://localhost:8080", nil},
		{"unknown TLD without a scheme", "fin.Puis", nil},
		{"tail of a path", "/docs/example.com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, u := range FindURLs(tt.text) {
				if tt.text[u.Start:u.End] != u.URL {
					t.Errorf("span %+v does not match its byte offsets", u)
				}
				got = append(got, u.URL)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindURLs(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFindURLsByteOffsets(t *testing.T) {
	// Bluesky facets need UTF-8 byte offsets: "Élégant 👗 → " is 9+1+4+1+3+1 = 19 bytes.
	got := FindURLs("Élégant 👗 → https://x.com/a")
	want := []Span{{Start: 19, End: 34, URL: "https://x.com/a"}}
	if !slices.Equal(got, want) {
		t.Errorf("FindURLs = %+v, want %+v", got, want)
	}
}

func BenchmarkFindURLs(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		FindURLs(BenchPost)
	}
}

// TestLongTextsTakeLinearTime guards the scanner against inputs that made an earlier version
// quadratic (a refused overlong URL rescanned from every position inside it took 25 s for 150 KB).
func TestLongTextsTakeLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("measures time")
	}
	start := time.Now()
	for _, unit := range []string{"https://x.com/?", "a.", "x.com/a(b", "https://x.com/a.b/(c(d)", "@a@b.", "👨‍👩‍👧", "é."} {
		s := strings.Repeat(unit, 10000)
		XLength(s)
		MastodonLength(s, 23)
		FindURLs(s)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to scan 7 texts of 10,000 repetitions: quadratic again?", d)
	}
}
