// Package post names the kinds of post onair sends. It holds words only, so that models, the
// templates and the network adapters share one definition without the templates and the
// adapters importing models' storage code.
package post

// Kind is a post's kind, as posts.kind stores it and as the templates are named (teaser.tmpl).
type Kind string

// The kinds, in the order they go out.
const (
	Teaser   Kind = "teaser"
	Reminder Kind = "reminder"
	Live     Kind = "live"
	Replay   Kind = "replay"
)

// Kinds lists the kinds in the order they go out.
var Kinds = []Kind{Teaser, Reminder, Live, Replay}
