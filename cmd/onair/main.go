// Command onair plans and sends the social-media posts around live video broadcasts.
//
// This file wires the CLI: configuration from flags and environment, the database, the planner.
// Each command group lives in its own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// config is what flags and the environment say.
type config struct {
	DB      string // database path (--db, ONAIR_DB)
	KeyFile string // the secret key's file (--key-file, ONAIR_KEY_FILE)
}

// app is one run of the CLI: its configuration, outputs, clock and (opened on demand) database.
type app struct {
	cfg     config
	in      io.Reader // answers to prompts (channel login)
	out     io.Writer
	errOut  io.Writer
	now     func() time.Time
	store   *models.Store
	planner *scheduler.Planner
	life    *scheduler.Lifecycle // every change of a broadcast's or a post's state
	sealer  *scheduler.Vault     // loaded on demand: see vault
	daemon  *models.DaemonInfo   // set by the daemon command: names its PostgreSQL sessions
	syncCfg scheduler.SyncConfig // the source sync's pace (the demo's is faster)
	demo    demoResults          // the demo's compressed results clock (report_demo.go)
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// run executes the CLI with args and returns the exit code.
func run(ctx context.Context, args []string, out, errOut io.Writer, now func() time.Time) int {
	a := &app{in: os.Stdin, out: out, errOut: errOut, now: now}
	defer a.close()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errOut)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(errOut, "onair: "+explain(err))
		var ec exitCode
		if errors.As(err, &ec) {
			return ec.code
		}
		return 1
	}
	return 0
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "onair",
		Short: "Plan and send the social-media posts around your live broadcasts",
		Long: `onair plans every post around a live broadcast (teasers, reminders, "we are live",
replay) on every channel of its campaign, and shows you exactly what will go out.

Start with:  onair init  (or try  onair demo)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion().String(),
	}
	root.SetVersionTemplate("onair {{.Version}}\n")
	defaultDB := os.Getenv("ONAIR_DB")
	if defaultDB == "" {
		defaultDB = "onair.db"
	}
	root.PersistentFlags().StringVar(&a.cfg.DB, "db", defaultDB, "SQLite database file, or postgres://user@host/db (env ONAIR_DB)")
	root.PersistentFlags().StringVar(&a.cfg.KeyFile, "key-file", os.Getenv("ONAIR_KEY_FILE"),
		"the secret key that seals channel credentials (env ONAIR_KEY_FILE; default DB.key beside a SQLite file; ONAIR_SECRET_KEY overrides)")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(a.initCmd(), a.channelCmd(), a.campaignCmd(), a.broadcastCmd(), a.planCmd(),
		a.postCmd(), a.sourceCmd(), a.reconcileCmd(), a.daemonCmd(), a.runDueCmd(), a.demoCmd(), a.versionCmd(), a.statusCmd(), a.calendarCmd(), a.reportCmd())
	explainArgs(root)
	a.addCompletions(root)
	return root
}

// open opens the database (creating and migrating it as needed) and the planner.
func (a *app) open(ctx context.Context) error {
	if a.store != nil {
		return nil
	}
	s, err := models.Open(ctx, a.cfg.DB, models.Options{Now: a.now, Daemon: a.daemon})
	if err != nil {
		return err
	}
	a.store = s
	if a.sealer != nil && a.sealer.Sealer != nil {
		s.UseSealer(a.sealer.Sealer)
	}
	a.planner = scheduler.NewPlanner(s, a.now, nil)
	a.planner.Remedy = remedy
	a.life = scheduler.NewLifecycle(s, a.planner)
	return nil
}

// openExisting opens the database but refuses to create it: a typo in --db should not silently
// make an empty database.
func (a *app) openExisting(ctx context.Context) error {
	if models.IsPostgres(a.cfg.DB) {
		return a.open(ctx)
	}
	if _, err := os.Stat(a.cfg.DB); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s; create it with `onair init` (or point --db / ONAIR_DB at yours)", a.cfg.DB)
	}
	return a.open(ctx)
}

func (a *app) close() {
	if a.store != nil {
		a.store.Close()
	}
}

func (a *app) initCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create the database (or upgrade it to this version's schema)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, statErr := os.Stat(a.cfg.DB)
			if err := a.open(cmd.Context()); err != nil {
				return err
			}
			v, err := a.store.SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			verb, shown := "Created", a.cfg.DB
			if statErr == nil {
				verb = "Opened"
			}
			if models.IsPostgres(a.cfg.DB) {
				verb, shown = "Ready:", "PostgreSQL database "+models.Redact(a.cfg.DB)
			}
			if _, err := a.vault(true); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s %s (schema version %d).\nNext: onair channel add console --name preview\n", verb, shown, v)
			return nil
		},
	}
}

func (a *app) reconcileCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Plan every broadcast added or changed outside the CLI (by a CMS), once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.openExisting(cmd.Context()); err != nil {
				return err
			}
			res, err := a.planner.Reconcile(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, res)
			}
			fmt.Fprintf(a.out, "Planned %d broadcast(s), %d with an error.\n", res.Planned, res.Errors)
			for _, r := range res.Results {
				if r.Error != "" {
					fmt.Fprintf(a.out, "  broadcast %d: %s\n", r.BroadcastID, r.Error)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
