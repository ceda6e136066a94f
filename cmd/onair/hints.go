package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/scheduler"
	"github.com/onairhq/onair/scheduler/source"
)

// explain words an error for the marketer: the lower layers say what is wrong, this file says
// what to type next. It is the one place that turns the scheduler's refusal codes and the coded
// errors of models and scheduler (models.Error) into commands.
func explain(err error) string {
	if h := sourceHint(err); h != "" {
		return err.Error() + "; " + h
	}
	var r *scheduler.Refusal
	if !errors.As(err, &r) {
		msg := remedy(err)
		if strings.Contains(msg, "readonly database") || strings.Contains(msg, "unable to open database file") {
			// SQLite's own words name neither the cause nor the fix.
			msg += "; onair must be able to write the database file and its folder (for its -wal and -shm files): check their owner and permissions for the user onair runs as"
		}
		return msg
	}
	if h := refusalHint(r); h != "" {
		return r.Msg + "; " + h
	}
	return r.Msg
}

// remedy is err's message followed by the command to type, when err carries a coded
// models.Error. The daemon stores its words as the reasons posts and channels carry
// (scheduler.DispatchConfig.Remedy), which the CLI and a CMS read.
func remedy(err error) string { return remedyFor(err, "") }

// remedyFor is remedy for an error about channel (when err does not say which).
func remedyFor(err error, channel string) string {
	msg := err.Error()
	e := about(err)
	if e.Channel == "" {
		e.Channel = channel
	}
	if h := codeHint(&e, err); h != "" {
		return msg + "; " + h
	}
	return msg
}

// about merges the coded errors in err's chain: the first code and fix, and the first channel,
// campaign, broadcast, post and kind any of them names (a layer adds what it knows).
func about(err error) models.Error {
	var out models.Error
	for e := err; e != nil; {
		if m, ok := e.(*models.Error); ok {
			if out.Code == "" && m.Code != "" {
				out.Code, out.Fix = m.Code, m.Fix
			}
			out.Channel = cmp.Or(out.Channel, m.Channel)
			out.Campaign = cmp.Or(out.Campaign, m.Campaign)
			out.Source = cmp.Or(out.Source, m.Source)
			out.Broadcast = cmp.Or(out.Broadcast, m.Broadcast)
			out.Post = cmp.Or(out.Post, m.Post)
			out.Kind = cmp.Or(out.Kind, m.Kind)
		}
		e = errors.Unwrap(e)
	}
	return out
}

// codeHint is what to do about e, found in err (the whole error): the hint of its code, else
// that of the fix a network's adapter named (posting.Fix).
func codeHint(e *models.Error, err error) string {
	if h := modelsHint(e, err); h != "" {
		return h
	}
	return postingHint(posting.FixOf(err), e)
}

// postingHint words the fix an adapter named, for the channel and post of e.
func postingHint(fix posting.Fix, e *models.Error) string {
	name := e.Channel
	if name == "" {
		name = "NAME"
	}
	login, resume := "`onair channel login "+name+"`", "`onair channel resume "+name+"`"
	switch fix {
	case posting.FixLogin:
		return "log in again with " + login
	case posting.FixLoginResume:
		return "log in again with " + login + ", then " + resume
	case posting.FixResume:
		return "then " + resume
	case posting.FixEdit:
		return "edit the template or the planned posts with `onair post edit`"
	case posting.FixResend:
		if e.Post != 0 {
			return fmt.Sprintf("once that is fixed, `onair post resolve %d --resend` sends it again", e.Post)
		}
	}
	return ""
}

// modelsHint is what to do about e by its code.
func modelsHint(e *models.Error, err error) string {
	name := e.Channel
	if name == "" {
		name = "NAME"
	}
	login := "`onair channel login " + name + "`"
	switch e.Code {
	case models.EConflict:
		switch {
		case e.Channel != "":
			return "pick another name or see `onair channel list`"
		case e.Source != "":
			return "pick another --name or see `onair source list`"
		}
		return "pick another name or see `onair campaign list`"
	case models.ENotFound:
		if e.Channel != "" {
			return fmt.Sprintf("add it with `onair channel add console --name %s` or see `onair channel list`", e.Channel)
		}
		if e.Fix == models.FixCreate {
			return "create one with `onair campaign add`"
		}
	case models.EInvalid, models.EWaiting:
		return planHint(e)
	case models.ENoKey:
		return "set ONAIR_SECRET_KEY or run `onair init` to make a key file"
	case models.EUnsettled:
		other := map[models.Fix]string{models.FixResend: "--resend", models.FixSkip: "--skip"}[e.Fix]
		return fmt.Sprintf("check the channel, then `onair post resolve %d --sent` or `%s`", e.Post, other)
	case models.ECredentials:
		switch e.Fix {
		case models.FixLogin:
			return "run " + login
		case models.FixLoginKeys:
			return "new keys go in with `onair channel login " + name + " --consumer-key K --consumer-secret S --access-token T --access-secret TS` (or `--client-id` for OAuth 2.0)"
		case models.FixLoginToken:
			return "run " + login + ", or add it again with --token"
		case models.FixReadd:
			return "add them again with " + login + " or `onair channel add`"
		case models.FixRebind:
			return "check them with `onair channel list --json`, then run " + login + " to bind them again"
		case models.FixResume:
			if posting.FixOf(err) != "" {
				return "" // the network's adapter named its own fix: postingHint words it
			}
			return "renew the channel's credentials (" + login + "), then `onair channel resume " + name + "`"
		}
	}
	return ""
}

// planHint is what to do about a broadcast or a post the plan cannot send as it is.
func planHint(e *models.Error) string {
	b := e.Broadcast
	switch e.Fix {
	case models.FixShorten:
		if e.Kind == "" {
			return "shorten them with `onair post edit` or the template"
		}
		return fmt.Sprintf("shorten it with `onair post edit` or change the %s template", e.Kind)
	case models.FixImage:
		return fmt.Sprintf("set another with `onair broadcast edit %d --image FILE` or `onair campaign edit --image FILE`", b)
	case models.FixReplayURL:
		return fmt.Sprintf("give it with `onair broadcast edit %d --replay-url URL`, or in the replay_url column", b)
	case models.FixReplayWait:
		return fmt.Sprintf("or give it: `onair broadcast edit %d --replay-url URL`", b)
	case models.FixTitle:
		return fmt.Sprintf("set one with `onair broadcast edit %d --title ...` or in the title column", b)
	case models.FixChannels:
		return fmt.Sprintf("add one with `onair campaign edit %q --channels NAME`", e.Campaign)
	}
	return ""
}

func refusalHint(r *scheduler.Refusal) string {
	b := r.Broadcast
	if r.Post != 0 {
		switch r.Code {
		case scheduler.RefusedChanged:
			return fmt.Sprintf("see `onair post show %d`", r.Post)
		case scheduler.RefusedInput:
			return "shorten it, or drop the post with `onair post skip " + fmt.Sprint(r.Post) + "`"
		case scheduler.RefusedState:
			if r.Status == string(models.PostCancelled) {
				return fmt.Sprintf("its broadcast was cancelled or re-planned; `onair broadcast reopen %d` brings back what is still ahead", b)
			}
		}
		return ""
	}
	switch r.Code {
	case scheduler.RefusedEarly:
		flag := map[scheduler.Action]string{scheduler.ActGoLive: "live", scheduler.ActEnd: "end"}[r.Action]
		return fmt.Sprintf("if that is the right broadcast, add --force: `onair broadcast %s %d --force` (or move it: `onair broadcast reschedule %d --at ...`)", flag, b, b)
	case scheduler.RefusedOver:
		return fmt.Sprintf("lengthen it with `onair broadcast edit %d --duration 2h`, then `onair broadcast reopen %d`", b, b)
	case scheduler.RefusedChanged:
		return fmt.Sprintf("see `onair broadcast show %d`", b)
	case scheduler.RefusedHistory:
		return fmt.Sprintf("to stop what is still to go out, cancel it: `onair broadcast cancel %d`; to delete it all the same, add --force: `onair broadcast delete %d --force`", b, b)
	case scheduler.RefusedState:
		switch {
		case r.Action == scheduler.ActDelete:
			return fmt.Sprintf("see `onair broadcast show %d`, and try again in a minute", b)
		case r.Status == string(models.BroadcastCancelled):
			return fmt.Sprintf("undo the cancel first: `onair broadcast reopen %d`", b)
		case r.Action == scheduler.ActReopen:
			return fmt.Sprintf("only a cancelled or ended broadcast can be reopened; see `onair broadcast show %d`", b)
		case r.Action == scheduler.ActEnd:
			return fmt.Sprintf("to give its replay: `onair broadcast replay %d URL`; to undo the end: `onair broadcast reopen %d`", b, b)
		case r.Action == scheduler.ActGoLive && r.Status == string(models.BroadcastEnded):
			return fmt.Sprintf("to undo the end: `onair broadcast reopen %d`", b)
		}
	}
	return ""
}

// sourceHint says what fixes a source a platform refused, or that onair cannot read as stored.
func sourceHint(err error) string {
	var p *sourceProblem
	if errors.As(err, &p) && errors.Is(err, scheduler.ErrSourceUntrusted) {
		return fmt.Sprintf("check its settings (`onair source list --json`), then `onair source login %s --accept-settings`", p.src.Name)
	}
	if errors.As(err, &p) {
		if errors.Is(err, source.ErrQuota) || errors.Is(err, source.ErrUnavailable) {
			return checkHint(err)
		}
		return sourceFix(p.src)
	}
	var c *sourceCheckError
	if errors.As(err, &c) {
		return checkHint(err)
	}
	return ""
}

func checkHint(err error) string {
	switch {
	case errors.Is(err, source.ErrAuth):
		return "check --client-id and --client-secret (and the refresh token: `onair source login NAME` gets a new one); docs/sources.md says where they are"
	case errors.Is(err, source.ErrQuota):
		return "the platform's quota is spent: onair reads it again when it resets; meanwhile its broadcasts go by their planned times (YouTube: raise the quota in the Google Cloud console)"
	case errors.Is(err, source.ErrUnavailable):
		return "the platform did not answer: check --api-url and the network, and try again"
	}
	return ""
}

// sourceFix is the command that makes onair follow a source again, by its status and last error.
func sourceFix(src models.Source) string {
	switch {
	case src.Status == models.SourceNeedsAuth, src.Status == models.SourcePaused, src.ErrorKind == models.SourceErrAuth:
		return fmt.Sprintf("`onair source login %s`", src.Name)
	case src.ErrorKind == models.SourceErrQuota:
		return "none needed: onair reads it again when the quota resets (YouTube: midnight Pacific time), or raise the quota in the Google Cloud console"
	case src.ErrorKind != "":
		return fmt.Sprintf("none needed if the platform comes back: onair keeps trying; `onair source test %s` checks it now", src.Name)
	case src.LastSyncAt.IsZero():
		return "start the daemon (`onair daemon`): it reads the source at once"
	}
	return ""
}
