package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise the module's
// version from the build info (a tagged `go install ...@v1.2.0`) is used.
var version = ""

// buildInfo is what this binary knows of itself.
type buildInfo struct {
	Version  string `json:"version"`            // v1.2.0, or "devel" for a build from a working copy
	Revision string `json:"revision,omitempty"` // the VCS commit it was built from
	Time     string `json:"time,omitempty"`     // that commit's time
	Modified bool   `json:"modified,omitempty"` // built with uncommitted changes
	Go       string `json:"go"`
	Schema   int    `json:"schema"` // the database schema it writes
}

func buildVersion() buildInfo {
	b := buildInfo{Version: version, Schema: models.LatestVersion()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		b.Go = info.GoVersion
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// String is the one line `onair version` prints: "v1.2.0 (3e838d3a1b2c, 2027-03-01T09:00:00Z)".
func (b buildInfo) String() string {
	s := b.Version
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.Modified {
			rev += "+changes"
		}
		if b.Time != "" {
			rev += ", " + b.Time
		}
		s += " (" + rev + ")"
	}
	return s
}

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print onair's version, the commit it was built from and its database schema version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := buildVersion()
			if asJSON {
				return printJSON(a.out, b)
			}
			fmt.Fprintf(a.out, "onair %s, schema %d, %s\n", b, b.Schema, b.Go)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
