package mastodon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/onairhq/onair/posting/mastodon/mastodontest"
)

func TestInstanceLimits(t *testing.T) {
	tests := []struct {
		name     string
		instance mastodontest.Instance
		want     Limits
		v1       bool // the v1 fallback is read
	}{
		{"stock Mastodon", mastodontest.DefaultInstance, Limits{500, 23, 16 << 20}, false},
		{"a server with long posts", mastodontest.Instance{MaxCharacters: 5000, URLWeight: 30, ImageSizeLimit: 8 << 20}, Limits{5000, 30, 8 << 20}, false},
		{"Mastodon before 4.0: v1 only", mastodontest.Instance{MaxCharacters: 1000, V1Only: true}, Limits{1000, 23, 16 << 20}, true},
		{"Pleroma: max_toot_chars and upload_limit", mastodontest.Instance{MaxCharacters: 5000, ImageSizeLimit: 40 << 20, Pleroma: true}, Limits{5000, 23, 40 << 20}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, _ := fake(t)
			srv.SetInstance(tt.instance)
			got, err := InstanceLimits(context.Background(), srv.Client(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if read := srv.Requests(mastodontest.RouteInstanceV1) > 0; read != tt.v1 {
				t.Errorf("v1 read: %v, want %v", read, tt.v1)
			}
		})
	}
	t.Run("a server that states nothing: Mastodon's defaults", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/instance" {
				w.Write([]byte(`{"uri":"tiny.example","title":"Tiny"}`))
				return
			}
			http.NotFound(w, r)
		}))
		defer srv.Close()
		got, err := InstanceLimits(context.Background(), srv.Client(), srv.URL)
		if err != nil || got != (Limits{MaxCharacters: 500, URLWeight: 23}) {
			t.Errorf("%+v, %v", got, err)
		}
	})
	t.Run("not a Mastodon server", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		defer srv.Close()
		if _, err := InstanceLimits(context.Background(), srv.Client(), srv.URL); err == nil {
			t.Error("no error")
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		if _, err := InstanceLimits(context.Background(), nil, srv.URL); err == nil {
			t.Error("no error")
		}
	})
}
