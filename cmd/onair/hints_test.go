package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// TestRemedy: the coded errors of the layers below say what is wrong; the CLI adds the command.
func TestRemedy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"channel name taken", models.NameTaken("channel", "brand"),
			`a channel named "brand" already exists; pick another name or see ` + "`onair channel list`"},
		{"campaign name taken", fmt.Errorf("rename: %w", models.NameTaken("campaign", "Spring")),
			`rename: a campaign named "Spring" already exists; pick another name or see ` + "`onair campaign list`"},
		{"no such channel", models.NoSuchChannel("nope"),
			`channel "nope" does not exist; add it with ` + "`onair channel add console --name nope` or see `onair channel list`"},
		{"no token", &models.Error{Code: models.ECredentials, Fix: models.FixLogin, Channel: "bsky", Message: "channel bsky has no session"},
			"channel bsky has no session; run `onair channel login bsky`"},
		{"refused credentials", &models.Error{Code: models.ECredentials, Fix: models.FixResume, Channel: "hook", Message: "401 Unauthorized"},
			"401 Unauthorized; renew the channel's credentials (`onair channel login hook`), then `onair channel resume hook`"},
		{"refused, the adapter said what to do", &models.Error{Code: models.ECredentials, Fix: models.FixResume, Channel: "x",
			Message: "revoked: log in again with `onair channel login x`"}, "revoked: log in again with `onair channel login x`"},
		{"settings changed", &models.Error{Code: models.ECredentials, Fix: models.FixRebind, Channel: "hook", Message: "channel hook", Err: scheduler.ErrSettingsChanged},
			"channel hook: " + scheduler.ErrSettingsChanged.Error() + "; check them with `onair channel list --json`, then run `onair channel login hook` to bind them again"},
		{"interrupted send", &models.Error{Code: models.EUnsettled, Fix: models.FixResend, Post: 7, Message: "an interrupted send"},
			"an interrupted send; check the channel, then `onair post resolve 7 --sent` or `--resend`"},
		{"interrupted send, window passed", &models.Error{Code: models.EUnsettled, Fix: models.FixSkip, Post: 7, Message: "too late"},
			"too late; check the channel, then `onair post resolve 7 --sent` or `--skip`"},
		{"no key", models.Errorf(models.ENoKey, "sealed"), "sealed; set ONAIR_SECRET_KEY or run `onair init` to make a key file"},
		{"plain error", errors.New("boom"), "boom"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := remedy(tt.err); got != tt.want {
				t.Errorf("remedy:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if !errors.Is(models.NameTaken("channel", "x"), models.ErrNameTaken) || !errors.Is(models.NoSuchChannel("x"), models.ErrNotFound) {
		t.Error("coded errors no longer match the sentinels callers test for")
	}
}
