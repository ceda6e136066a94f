package posting

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Network is what onair knows of one network besides its Poster: its name, its text limit and how
// it counts, the characters it refuses, the pictures it takes, whether posts can answer each
// other. The planner checks a post against it days before the post is due; the CLI words it.
// Each network's package exports its Network (x.Network, console.Network...) and registers it;
// nothing in this package switches on a network's name.
type Network struct {
	Name  string // as channels store it
	Title string // as people write it in a sentence: "X", "the console"
	Limit Limit  // its documented text limit (a channel's settings may override Max and URLWeight)
	// Count is the length of text as the network counts it against l.Max; nil counts characters
	// (runes).
	Count func(l Limit, text string) int
	// Refuse finds the first character the network refuses anywhere in a text, and its position
	// from 1; nil refuses none.
	Refuse func(text string) (r rune, at int, found bool)
	// MaxBytes is a limit on the text's UTF-8 bytes besides Limit (Bluesky's lexicon); 0: none.
	MaxBytes int
	Image    *ImageRule // the pictures it takes; nil: any readable file
	// PictureOnAll: every post carries the picture (Bluesky: its link card's), not only teasers.
	PictureOnAll bool
	Replies      bool // posts can answer earlier ones, so a campaign's posts can form a thread

	// Once says what "sent once" rests on for this network: why its Poster's Recovery may send
	// an interrupted post again, or why a person settles it (docs/architecture.md).
	Once string
	// Credentials are the secrets a channel of this network holds; none: it needs no account.
	Credentials []Credential
	// New builds the Poster of one channel of this network from its settings and credentials.
	New func(Setup) (Poster, error)
	// Settings are the settings `channel add` and `channel edit` take as flags for a channel of
	// this network, beside those every channel has (--timeout, the metrics settings). A network
	// whose channels hold credentials has its own flags in cmd/onair's networks table.
	Settings []Setting

	// Metrics builds what reads the engagement of the network's posts when reading needs no
	// credentials (Bluesky's public AppView, the console's made-up figures); it may return nil to
	// let the channel's Poster read. nil: the Poster reads, if it is a MetricsReader.
	Metrics func(Setup) (MetricsReader, error)
	// NoMetrics: the network tells nothing of what a post drew (a webhook's receiver).
	NoMetrics bool
	// MetricsOff: engagement is read only on channels whose settings turn it on (X charges every
	// read). See docs/results.md.
	MetricsOff bool
}

// Setting is one setting of a network's channels that the CLI takes as a flag: --Flag, stored
// under Key in channels.settings (JSON).
type Setting struct {
	Flag  string // the flag's name: "url"
	Key   string // its key in the settings; "": the flag's name with _ for -
	Usage string // its help, without the network's name: "the URL posts are POSTed to"
	// Need, when set, makes the setting required, and is an example of its value for the error:
	// "https://...".
	Need string
	// File: the value is a path, made absolute when stored (the daemon may run elsewhere). A
	// channel with a file needs onair's key, so that only onair chooses the file it writes.
	File bool
	// Env: the value names an environment variable the channel reads a secret from; one of onair's
	// own is refused.
	Env bool
}

// JSONKey is the key of the setting in channels.settings.
func (s Setting) JSONKey() string {
	if s.Key != "" {
		return s.Key
	}
	return strings.ReplaceAll(s.Flag, "-", "_")
}

// Setting finds the network's setting taken by the flag --flag.
func (n Network) Setting(flag string) (Setting, bool) {
	for _, s := range n.Settings {
		if s.Flag == flag {
			return s, true
		}
	}
	return Setting{}, false
}

// networks is every network onair posts to, by name: each network's package registers its
// descriptor (Register) when it is imported, and cmd/onair imports them all (its networks table).
var networks = map[string]Network{}

// Register adds n to the networks onair knows. Each network package calls it once, from init,
// with its descriptor; a descriptor without a name, or a name registered twice, panics.
func Register(n Network) {
	if n.Name == "" {
		panic("posting: Register of a network without a name")
	}
	if _, dup := networks[n.Name]; dup {
		panic("posting: network " + n.Name + " registered twice")
	}
	networks[n.Name] = n
}

// Networks returns every registered network, by name.
func Networks() []Network {
	out := make([]Network, 0, len(networks))
	for _, n := range networks {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Credential is one secret a channel of a network holds: its name among the channel's sealed
// secrets (scheduler.Secrets' JSON names) and the suffix of the environment variable `channel
// add` reads it from (ONAIR_X_CONSUMER_KEY: "CONSUMER_KEY").
type Credential struct {
	Field string
	Env   string
}

// Env is the environment variable suffix of the credential field, or "" when n has none so named.
func (n Network) Env(field string) string {
	for _, c := range n.Credentials {
		if c.Field == field {
			return c.Env
		}
	}
	return ""
}

// PictureTypes are the picture formats every network with a rule takes.
var PictureTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// NetworkOf returns the network named name; a name onair does not know is a network that counts
// characters, without limit, and takes any picture.
func NetworkOf(name string) (Network, bool) {
	n, ok := networks[name]
	if !ok {
		return Network{Name: name, Title: name, Limit: Limit{Unit: "characters"}}, false
	}
	return n, true
}

// length is the length of text as n counts it.
func (n Network) length(l Limit, text string) int {
	if n.Count == nil {
		return utf8.RuneCountInString(text)
	}
	return n.Count(l, text)
}
