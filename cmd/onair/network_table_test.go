package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/posting"
)

// TestNetworksTable: every network a package registers has its line in the networks table, and
// every line is complete, so that adding a network is its package and one line.
func TestNetworksTable(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, n := range networks {
		if listed[n.Name] {
			t.Errorf("network %q has two lines", n.Name)
		}
		listed[n.Name] = true
	}
	for _, n := range posting.Networks() {
		if !listed[n.Name] {
			t.Errorf("network %q is registered but has no line in the networks table", n.Name)
		}
	}
	if len(posting.Networks()) != len(networks) {
		t.Errorf("%d networks registered, %d in the table", len(posting.Networks()), len(networks))
	}
	for _, n := range networks {
		t.Run(n.Name, func(t *testing.T) {
			if reg, ok := posting.NetworkOf(n.Name); !ok || reg.Title != n.Title {
				t.Errorf("the table's descriptor is not the one registered (%v, %q)", ok, reg.Title)
			}
			if n.Title == "" || n.Limit.Unit == "" || n.Once == "" || n.New == nil {
				t.Errorf("incomplete descriptor: title %q, unit %q, sent once %q, constructor %v", n.Title, n.Limit.Unit, n.Once, n.New != nil)
			}
			if n.Count == nil && n.Limit.Unit != "characters" {
				t.Errorf("counts %s without a counter", n.Limit.Unit)
			}
			if r := n.Image; r != nil && (len(r.Types) == 0 || r.MaxSize[""] <= 0) {
				t.Errorf("picture rule %+v has no types or no size for any type", *r)
			}
			for _, s := range n.Settings {
				if s.Flag == "" || s.Usage == "" || strings.ContainsAny(s.Flag, " _") {
					t.Errorf("setting %+v: a flag name (with - between words) and its help", s)
				}
			}
			if n.account() {
				if n.login == nil || n.who == nil || len(n.Credentials) == 0 || n.test != nil {
					t.Errorf("a network with an account needs add, login, who and its credential fields, and no test of its own")
				}
				for _, c := range n.Credentials {
					if c.Field == "" || c.Env == "" {
						t.Errorf("credential %+v: a field and an environment variable", c)
					}
				}
			} else if n.login != nil || n.who != nil || len(n.Credentials) > 0 {
				t.Errorf("a network without an account has no login, who or credentials")
			}
		})
	}
	// The networks' settings are flags of channel add and edit beside the others: a name
	// taken twice panics here, not in a marketer's terminal.
	a := &app{}
	for _, cmd := range []*cobra.Command{a.channelAddCmd(), a.channelEditCmd()} {
		for _, n := range networks {
			for _, s := range n.Settings {
				if cmd.Flags().Lookup(s.Flag) == nil {
					t.Errorf("channel %s has no --%s", cmd.Name(), s.Flag)
				}
			}
		}
	}
}
