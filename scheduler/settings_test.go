package scheduler

import (
	"encoding/json"
	"testing"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
)

// TestSettingsKeepOwn: the settings a network keeps for itself (a webhook's url, a key onair does
// not know) go through ParseSettings and back to JSON unchanged while the shared ones change, so
// that `channel metrics on` or a login never drops them.
func TestSettingsKeepOwn(t *testing.T) {
	t.Parallel()
	ch := models.Channel{Name: "cms", Network: "webhook",
		Settings: `{"url":"https://cms.example/hook","format":"slack","secret_env":"ONAIR_CMS","timeout":"5s","later":{"n":1}}`}
	s, err := ParseSettings(ch)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout != "5s" || s.OwnString("url") != "https://cms.example/hook" || len(s.Own) != 4 {
		t.Fatalf("parsed %+v", s)
	}
	on := true
	s.Metrics = &on
	s.SetOwn("format", "")
	s.SetOwn("url", "https://cms.example/v2")
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timeout":"5s","metrics":true,"later":{"n":1},"secret_env":"ONAIR_CMS","url":"https://cms.example/v2"}`
	if string(raw) != want {
		t.Errorf("written back as %s, want %s", raw, want)
	}
	// A key of the shared fields in Own never shadows the field.
	s.Own["timeout"] = json.RawMessage(`"1h"`)
	raw, _ = json.Marshal(s)
	var back ChannelSettings
	if err := json.Unmarshal(raw, &back); err != nil || back.Timeout != "5s" {
		t.Errorf("timeout %q after a shadowing Own key (%v): %s", back.Timeout, err, raw)
	}
	webhook, _ := posting.NetworkOf("webhook")
	own := back.ownByFlag(webhook)
	if own["url"] != "https://cms.example/v2" || own["secret-env"] != "ONAIR_CMS" || len(own) != 2 {
		t.Errorf("ownByFlag = %v, want the webhook's url and secret-env by flag", own)
	}
}
