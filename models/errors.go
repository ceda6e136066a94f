package models

import (
	"errors"
	"fmt"
)

// Code says what kind of problem an Error is. Callers branch on it (ErrorCode); the CLI turns it,
// with the Error's fields, into the command to type next (cmd/onair/hints.go). The layers below
// the CLI say what is wrong and what it is about, never which command to type.
type Code string

const (
	EConflict    Code = "conflict"    // a name is taken
	ENotFound    Code = "not_found"   // what the input names does not exist
	ECredentials Code = "credentials" // a channel's credentials are missing, unreadable or refused
	EUnsettled   Code = "unsettled"   // a post may have gone out or not: a person settles it
	ENoKey       Code = "no_key"      // sealed credentials, and no secret key to open them
	EInvalid     Code = "invalid"     // a broadcast or a post that cannot go out as it is
	EWaiting     Code = "waiting"     // a post held until a person gives what it needs
)

// Fix names the remedy when a code has more than one.
type Fix string

const (
	FixLogin      Fix = "login"       // log the channel in (again)
	FixLoginKeys  Fix = "login-keys"  // give the channel new OAuth 1.0a keys
	FixLoginToken Fix = "login-token" // log the channel in, or add it again with its token
	FixReadd      Fix = "readd"       // add the credentials again (login, or add the channel again)
	FixRebind     Fix = "rebind"      // check the settings, then log in to bind them again
	FixResume     Fix = "resume"      // renew the credentials, then resume the channel
	FixResend     Fix = "resend"      // check the network, then resolve the post as sent or resend it
	FixSkip       Fix = "skip"        // check the network, then resolve the post as sent or skip it
	FixShorten    Fix = "shorten"     // edit the post, or its kind's template (Kind; none: the template)
	FixImage      Fix = "image"       // give the broadcast or the campaign another picture
	FixReplayURL  Fix = "replay-url"  // give the broadcast its replay URL
	FixReplayWait Fix = "replay-wait" // the platform gives the replay later, or a person gives its URL now
	FixTitle      Fix = "title"       // give the broadcast a title
	FixChannels   Fix = "channels"    // give the campaign a channel
	FixCreate     Fix = "create"      // create the campaign
)

// Error is an error with a code and what it is about.
type Error struct {
	Code    Code
	Message string // what is wrong, for a person; no command to type
	Fix     Fix    // which remedy applies, when the code has several

	Channel   string // the channel it is about, by name
	Campaign  string // the campaign, by name
	Source    string // the live source, by name
	Broadcast int64
	Post      int64
	Kind      Kind // the post's kind, when the remedy depends on it

	Err error // the cause, when there is one
}

func (e *Error) Error() string {
	switch {
	case e.Err == nil:
		return e.Message
	case e.Message == "":
		return e.Err.Error() // the cause says it all; the Error adds what it is about
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with code and a message formatted as fmt.Sprintf does.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first Error in err's chain, or "" when there is none.
func ErrorCode(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return ""
}

// Is lets errors.Is(err, ErrNotFound) and errors.Is(err, ErrNameTaken) hold for coded errors.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Code == ENotFound || target == ErrNameTaken && e.Code == EConflict
}

// NameTaken is the error for a channel or campaign name (kind) another one already has.
func NameTaken(kind, name string) *Error {
	e := Errorf(EConflict, "a %s named %q already exists", kind, name)
	switch kind {
	case "channel":
		e.Channel = name
	case "source":
		e.Source = name
	default:
		e.Campaign = name
	}
	return e
}

// NoSuchChannel is the error for a channel name that matches none.
func NoSuchChannel(name string) *Error {
	e := Errorf(ENotFound, "channel %q does not exist", name)
	e.Channel = name
	return e
}
