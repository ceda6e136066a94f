package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting"
	"github.com/onairhq/onair/scheduler"
)

// ownFlags are the flags of `channel add` and `channel edit` that set a network's own settings
// (posting.Network's Settings: a webhook's --url, a console's --file): one flag per name, whichever
// networks take it, read into the settings of the channel's network only.
type ownFlags struct {
	cmd    *cobra.Command
	values map[string]*string
	order  []string // the flags, in the networks table's order
}

// registerOwnFlags adds every network's own settings to cmd as flags; edit words them for
// `channel edit`, where "" removes a setting.
func registerOwnFlags(cmd *cobra.Command, edit bool) *ownFlags {
	f := &ownFlags{cmd: cmd, values: map[string]*string{}}
	for _, n := range networks {
		for _, set := range n.Settings {
			if f.values[set.Flag] != nil {
				continue
			}
			usage := strings.Join(settingNetworks(set.Flag), ", ") + ": " + set.Usage
			if edit && set.Need == "" {
				usage += ` ("" to remove)`
			}
			f.values[set.Flag] = cmd.Flags().String(set.Flag, "", usage)
			f.order = append(f.order, set.Flag)
		}
	}
	return f
}

// settingNetworks are the networks whose channels take the flag --flag; "*": any of their own.
func settingNetworks(flag string) []string {
	var names []string
	for _, n := range networks {
		if _, ok := n.Setting(flag); ok || flag == "*" && len(n.Settings) > 0 {
			names = append(names, n.Name)
		}
	}
	return names
}

// given lists the flags given on the command line.
func (f *ownFlags) given() []string {
	var out []string
	for _, flag := range f.order {
		if f.cmd.Flags().Changed(flag) {
			out = append(out, flag)
		}
	}
	return out
}

// apply writes the flags given into s, the settings of channel name of network n: a flag n does
// not take is refused, a file is made absolute, and (adding) a setting n needs must be there.
func (f *ownFlags) apply(n network, name string, s *scheduler.ChannelSettings, adding bool) error {
	var foreign []string
	for _, flag := range f.given() {
		if _, ok := n.Setting(flag); !ok {
			foreign = append(foreign, flag)
		}
	}
	if len(foreign) > 0 {
		return foreignFlags(foreign, n.Name, name)
	}
	for _, flag := range f.given() {
		set, _ := n.Setting(flag)
		v := strings.TrimSpace(*f.values[flag])
		if set.File && v != "" {
			// The daemon may run from another directory: keep the file the marketer meant.
			abs, err := filepath.Abs(v)
			if err != nil {
				return fmt.Errorf("--%s %s: %w", flag, v, err)
			}
			v = abs
		}
		s.SetOwn(set.JSONKey(), v)
	}
	for _, set := range n.Settings {
		if set.Need != "" && s.OwnString(set.JSONKey()) == "" && (adding || f.cmd.Flags().Changed(set.Flag)) {
			return fmt.Errorf("a %s channel needs --%s %s", n.Name, set.Flag, set.Need)
		}
	}
	return nil
}

// foreignFlags refuses flags of other networks' channels: "--url and --format are for webhook
// channels; preview is a console channel".
func foreignFlags(flags []string, network, name string) error {
	var nets []string
	for _, flag := range flags {
		for _, n := range settingNetworks(flag) {
			if !slices.Contains(nets, n) {
				nets = append(nets, n)
			}
		}
	}
	for i := range flags {
		flags[i] = "--" + flags[i]
	}
	verb := "is"
	if len(flags) > 1 {
		verb = "are"
	}
	msg := fmt.Sprintf("%s %s for %s channels", models.Sentence(flags, "and"), verb, models.Sentence(nets, "and"))
	if name != "" {
		msg += fmt.Sprintf("; %s is a %s channel", name, network)
	}
	return fmt.Errorf("%s", msg)
}

// ownNotes are what to tell of a channel's own settings once written: the file its posts are
// also written to, an environment variable that is empty here.
func (a *app) ownNotes(n posting.Network, s scheduler.ChannelSettings, given func(flag string) bool) {
	for _, set := range n.Settings {
		v := s.OwnString(set.JSONKey())
		switch {
		case v == "" || !given(set.Flag):
		case set.File:
			fmt.Fprintf(a.out, "Its posts are also appended to %s as JSON lines.\n", v)
		case set.Env && getenv(v) == "":
			fmt.Fprintf(a.errOut, "note: $%s is empty here; set it where the daemon runs, or the channel pauses.\n", v)
		}
	}
}
