package bluesky

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func link(start, end int, uri string) Facet {
	return Facet{Index: ByteSlice{start, end}, Features: []Feature{{Type: FeatureLink, URI: uri}}}
}

func tag(start, end int, t string) Facet {
	return Facet{Index: ByteSlice{start, end}, Features: []Feature{{Type: FeatureTag, Tag: t}}}
}

var facetTests = []struct {
	name string
	text string
	want []Facet
}{
	{"none", "Ce soir, 20h.", nil},
	{"link after accents", "Ce soir à 20h : https://brand.fr/live",
		// "Ce soir à 20h : " is 17 bytes: "à" takes 2.
		[]Facet{link(17, 38, "https://brand.fr/live")}},
	{"link after emoji", "🎬 Live: https://x.co/1 🔴",
		// "🎬" takes 4 bytes.
		[]Facet{link(11, 25, "https://x.co/1")}},
	{"emoji sequence and accents before a link", "👩🏽‍💻 été → https://a.io/é",
		[]Facet{link(26, 41, "https://a.io/é")}},
	{"several links", "https://a.io/1 puis http://b.io/2 et c.io",
		[]Facet{link(0, 14, "https://a.io/1"), link(20, 33, "http://b.io/2"), link(37, 41, "https://c.io")}},
	{"URL without scheme gets https", "Replay: brand.tv/replay/42",
		[]Facet{link(8, 26, "https://brand.tv/replay/42")}},
	{"www without scheme", "On www.brand.com!", []Facet{link(3, 16, "https://www.brand.com")}},
	{"sentence period is not part of the link", "Voir brand.fr/live.", []Facet{link(5, 18, "https://brand.fr/live")}},
	{"upper-case scheme kept", "HTTPS://Brand.fr/Live", []Facet{link(0, 21, "HTTPS://Brand.fr/Live")}},
	{"hashtag at start", "#Lancement ce soir", []Facet{tag(0, 10, "Lancement")}},
	{"hashtag then exclamation", "On y va #live!", []Facet{tag(8, 13, "live")}},
	{"hashtag then comma and another", "#live, #onair.", []Facet{tag(0, 5, "live"), tag(7, 13, "onair")}},
	{"hashtag inside parentheses is none", "(#live)", nil},
	{"hashtag after a word is none", "on#air", nil},
	{"hashtag of digits is none", "#2027 #1!", nil},
	{"digits then letters is a tag", "#2027live", []Facet{tag(0, 9, "2027live")}},
	{"accented hashtag", "Soirée #été.", []Facet{tag(8, 14, "été")}},
	{"emoji hashtag", "#🎬cinema ok", []Facet{tag(0, 11, "🎬cinema")}},
	{"full-width hash", "＃ライブ 配信", []Facet{tag(0, 12, "ライブ")}},
	{"inner punctuation kept", "#c'est-parti...", []Facet{tag(0, 12, "c'est-parti")}},
	{"zero-width space ends a tag", "#live\u200bnow", []Facet{tag(0, 5, "live")}},
	{"keycap is no tag", "#\ufe0f\u20e3 go", nil},
	{"double hash is none", "##live", nil},
	{"64 characters is a tag", "#" + strings.Repeat("a", 64), []Facet{tag(0, 65, strings.Repeat("a", 64))}},
	{"65 characters is none", "#" + strings.Repeat("a", 65), nil},
	{"fragment in a link is no tag", "https://brand.fr/#live #now",
		[]Facet{link(0, 22, "https://brand.fr/#live"), tag(23, 27, "now")}},
	{"tag and link in text order", "#Live ce soir sur brand.fr/live 🔴 #onair",
		[]Facet{tag(0, 5, "Live"), link(18, 31, "https://brand.fr/live"), tag(37, 43, "onair")}},
}

func TestFacets(t *testing.T) {
	for _, tt := range facetTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Facets(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Facets(%q)\n got %+v\nwant %+v", tt.text, got, tt.want)
			}
			for _, f := range got {
				covered := tt.text[f.Index.ByteStart:f.Index.ByteEnd]
				switch ft := f.Features[0]; ft.Type {
				case FeatureLink:
					if ft.URI != covered && ft.URI != "https://"+covered {
						t.Errorf("link %q covers %q", ft.URI, covered)
					}
				case FeatureTag:
					if covered != "#"+ft.Tag && covered != "＃"+ft.Tag {
						t.Errorf("tag %q covers %q", ft.Tag, covered)
					}
				}
			}
		})
	}
}

// TestFacetsAcceptedByPDS posts every text of the table to the fake PDS, which checks each
// facet's byte range against the text on its own.
func TestFacetsAcceptedByPDS(t *testing.T) {
	e := setup(t)
	p := e.poster(t)
	for i, tt := range facetTests {
		m := message(i)
		m.Text = tt.text
		if _, err := p.Post(context.Background(), m); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	posts := e.srv.Posts(e.did)
	if len(posts) != len(facetTests) {
		t.Fatalf("%d posts, want %d", len(posts), len(facetTests))
	}
	for i, p := range posts {
		if len(p.Facets) != len(facetTests[i].want) {
			t.Errorf("%s: PDS holds %d facets, want %d", facetTests[i].name, len(p.Facets), len(facetTests[i].want))
		}
	}
}
