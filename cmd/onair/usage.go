package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// explainArgs replaces cobra's terse argument errors ("accepts 1 arg(s), received 0") with ones
// a marketer can act on, followed by the command's usage, as for a bad flag. A command group
// given an unknown subcommand ("onair channel ad") fails instead of printing its help and
// exiting 0.
func explainArgs(root *cobra.Command) {
	for _, c := range root.Commands() {
		switch {
		case c.HasSubCommands() && !c.Runnable():
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				return unknownSubcommand(cmd, args[0])
			}
		case c.Args != nil:
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if check(cmd, args) == nil {
					return nil
				}
				return fmt.Errorf("%s\n\n%s", argsProblem(cmd, args), cmd.UsageString())
			}
		}
		explainArgs(c)
	}
}

func unknownSubcommand(cmd *cobra.Command, name string) error {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	msg := fmt.Sprintf("%q is not a command of `%s`; use one of: %s", name, cmd.CommandPath(), strings.Join(names, ", "))
	msg += didYouMean(name, names, func(s string) string { return s })
	return fmt.Errorf("%s\n\n%s", msg, cmd.UsageString())
}

// placeholder is an argument in a command's Use line: ID, NAME|ID, BROADCAST_ID.
var placeholder = regexp.MustCompile(`^[A-Z][A-Z_|]*$`)

// argsProblem says what is wrong with args, from the arguments the command's Use line names.
func argsProblem(cmd *cobra.Command, args []string) string {
	var want []string
	for _, w := range strings.Fields(cmd.Use)[1:] {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") {
			break
		}
		if placeholder.MatchString(w) {
			want = append(want, w)
		}
	}
	usage := strings.TrimSpace(cmd.CommandPath() + " " + strings.Join(want, " "))
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	switch {
	case len(want) == 0:
		return fmt.Sprintf("`%s` takes no argument, but got %s; options start with --", cmd.CommandPath(), strings.Join(quoted, " "))
	case len(args) < len(want):
		return fmt.Sprintf("missing %s: type `%s`", strings.Join(want[len(args):], " "), usage)
	default:
		return fmt.Sprintf("too many arguments (%s): `%s` takes %s; put a name with spaces in quotes, like \"Spring launch\"",
			strings.Join(quoted, " "), cmd.CommandPath(), strings.Join(want, " "))
	}
}
