package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
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
		{"source name taken", models.NameTaken("source", "yt"),
			`a source named "yt" already exists; pick another --name or see ` + "`onair source list`"},
		{"no such channel", models.NoSuchChannel("nope"),
			`channel "nope" does not exist; add it with ` + "`onair channel add console --name nope` or see `onair channel list`"},
		{"no token", &models.Error{Code: models.ECredentials, Fix: models.FixLogin, Channel: "bsky", Message: "channel bsky has no session"},
			"channel bsky has no session; run `onair channel login bsky`"},
		{"refused credentials", &models.Error{Code: models.ECredentials, Fix: models.FixResume, Channel: "hook", Message: "401 Unauthorized"},
			"401 Unauthorized; renew the channel's credentials (`onair channel login hook`), then `onair channel resume hook`"},
		{"refused, the adapter named its fix", &models.Error{Code: models.ECredentials, Fix: models.FixResume, Channel: "x",
			Err: &posting.Auth{Err: posting.WithFix(posting.FixLogin, errors.New("revoked"))}},
			"credentials refused: revoked; log in again with `onair channel login x`"},
		{"adapter: log in, then resume", &models.Error{Channel: "masto", Err: posting.WithFix(posting.FixLoginResume, errors.New("401"))},
			"401; log in again with `onair channel login masto`, then `onair channel resume masto`"},
		{"adapter: resume once fixed", &models.Error{Channel: "x", Err: posting.WithFix(posting.FixResume, errors.New("no credits"))},
			"no credits; then `onair channel resume x`"},
		{"adapter: edit the text", &models.Error{Post: 4, Err: &posting.Rejected{Err: posting.WithFix(posting.FixEdit, errors.New("duplicate"))}},
			"refused by the network: duplicate; edit the template or the planned posts with `onair post edit`"},
		{"adapter: resend once fixed", &models.Error{Post: 7, Err: posting.WithFix(posting.FixResend, errors.New("422"))},
			"422; once that is fixed, `onair post resolve 7 --resend` sends it again"},
		{"adapter: resend, no post to name", posting.WithFix(posting.FixResend, errors.New("422")), "422"},
		{"adapter fix, channel unknown", posting.WithFix(posting.FixLogin, errors.New("no token")),
			"no token; log in again with `onair channel login NAME`"},
		{"settings changed", &models.Error{Code: models.ECredentials, Fix: models.FixRebind, Channel: "hook", Message: "channel hook", Err: scheduler.ErrSettingsChanged},
			"channel hook: " + scheduler.ErrSettingsChanged.Error() + "; check them with `onair channel list --json`, then run `onair channel login hook` to bind them again"},
		{"interrupted send", &models.Error{Code: models.EUnsettled, Fix: models.FixResend, Post: 7, Message: "an interrupted send"},
			"an interrupted send; check the channel, then `onair post resolve 7 --sent` or `--resend`"},
		{"interrupted send, window passed", &models.Error{Code: models.EUnsettled, Fix: models.FixSkip, Post: 7, Message: "too late"},
			"too late; check the channel, then `onair post resolve 7 --sent` or `--skip`"},
		{"no key", models.Errorf(models.ENoKey, "sealed"), "sealed; set ONAIR_SECRET_KEY or run `onair init` to make a key file"},
		{"post too long", &models.Error{Code: models.EInvalid, Fix: models.FixShorten, Broadcast: 3, Kind: "teaser", Message: "too long for x"},
			"too long for x; shorten it with `onair post edit` or change the teaser template"},
		{"picture refused", &models.Error{Code: models.EInvalid, Fix: models.FixImage, Broadcast: 3, Message: "image a.png is 5.0 MB"},
			"image a.png is 5.0 MB; set another with `onair broadcast edit 3 --image FILE` or `onair campaign edit --image FILE`"},
		{"replay held", &models.Error{Code: models.EWaiting, Fix: models.FixReplayURL, Broadcast: 3, Message: "waiting for the replay URL"},
			"waiting for the replay URL; give it with `onair broadcast edit 3 --replay-url URL`, or in the replay_url column"},
		{"replay from the platform", &models.Error{Code: models.EWaiting, Fix: models.FixReplayWait, Broadcast: 3, Message: "waiting for the replay: YouTube has it"},
			"waiting for the replay: YouTube has it; or give it: `onair broadcast edit 3 --replay-url URL`"},
		{"no title", &models.Error{Code: models.EInvalid, Fix: models.FixTitle, Broadcast: 3, Message: "the broadcast has no title"},
			"the broadcast has no title; set one with `onair broadcast edit 3 --title ...` or in the title column"},
		{"campaign without channels", &models.Error{Code: models.EInvalid, Fix: models.FixChannels, Campaign: "Spring", Message: "no channel"},
			"no channel; add one with `onair campaign edit \"Spring\" --channels NAME`"},
		{"no campaign yet", &models.Error{Code: models.ENotFound, Fix: models.FixCreate, Message: "known campaigns: none yet"},
			"known campaigns: none yet; create one with `onair campaign add`"},
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
