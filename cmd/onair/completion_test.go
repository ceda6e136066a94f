package main

import (
	"strings"
	"testing"
	"time"
)

// TestCompletionOffersNames: the shell completes campaign, channel and broadcast names (and
// external refs) from the database, for arguments and for --campaign / --channel.
func TestCompletionOffersNames(t *testing.T) {
	t.Parallel()
	s := newSession(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	s.setup()
	s.ok("broadcast", "add", "--campaign", "Spring launch", "--title", "From the CMS", "--at", "2027-04-01 18:00", "--ref", "cms-101")
	for _, c := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"campaign", "show", "spr"}, []string{"Spring launch\t"}, ""},
		{[]string{"channel", "test", ""}, []string{"preview\tconsole channel"}, "Spring"},
		{[]string{"broadcast", "live", ""}, []string{"1\tLancement de la collection", "cms-101\tFrom the CMS"}, ""},
		{[]string{"plan", "show", "cms"}, []string{"cms-101\t"}, "Lancement"},
		{[]string{"broadcast", "add", "--campaign", ""}, []string{"Spring launch\t"}, "preview"},
		{[]string{"campaign", "show", "zzz"}, nil, "Spring"},
	} {
		out := s.ok(append([]string{"__complete"}, c.args...)...)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("completing %q: no %q in\n%s", c.args, w, out)
			}
		}
		if c.not != "" && strings.Contains(out, c.not) {
			t.Errorf("completing %q offers %q:\n%s", c.args, c.not, out)
		}
	}
}
