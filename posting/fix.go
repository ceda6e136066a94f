package posting

import "errors"

// Fix names what a person does about an error an adapter returns. The adapter says what the
// network answered and what is wrong; the CLI words the fix as the command to type
// (cmd/onair/hints.go), with the channel and the post it knows.
type Fix string

const (
	FixLogin       Fix = "login"        // log the channel in again
	FixLoginResume Fix = "login-resume" // log the channel in again, then resume it
	FixResume      Fix = "resume"       // once it is fixed at the network, resume the channel
	FixEdit        Fix = "edit"         // change the post's text (its template, or the post)
	FixResend      Fix = "resend"       // once it is fixed, resend the post
)

// Fixable is an error with the Fix it calls for; errors.As still finds what it wraps.
type Fixable struct {
	Err error
	Fix Fix
}

func (e *Fixable) Error() string { return e.Err.Error() }
func (e *Fixable) Unwrap() error { return e.Err }

// WithFix returns err with fix.
func WithFix(fix Fix, err error) error { return &Fixable{Err: err, Fix: fix} }

// FixOf returns the fix err calls for, "" when it names none.
func FixOf(err error) Fix {
	if f, ok := errors.AsType[*Fixable](err); ok {
		return f.Fix
	}
	return ""
}
