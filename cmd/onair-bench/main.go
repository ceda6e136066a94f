// Command onair-bench checks onair's performance targets (issue 17): it builds its own data on
// fresh databases (SQLite, PostgreSQL, or both), runs each scenario several times, alternating
// onair and its peer (River, a Go job queue on PostgreSQL) run by run, and prints one row per
// target with the range of the figures over the runs, the peer's figure and settings, the ratio
// and whether the target is met (every run must meet it). BENCHMARKS.md records the results and
// the command that produced them.
//
// It is its own Go module so that the peer comparison's dependencies never reach onair itself.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/onairhq/onair/scheduler"
)

// Row is one target, checked over the repetitions.
type Row struct {
	Scenario string    `json:"scenario"`
	Target   string    `json:"target"`
	Engine   string    `json:"engine"`
	Figure   string    `json:"figure"` // onair's, as the range over the runs
	Values   []float64 `json:"values"` // onair's, one per run
	Peer     string    `json:"peer,omitempty"`
	PeerVals []float64 `json:"peer_values,omitempty"`
	Ratio    string    `json:"ratio,omitempty"` // onair / peer, range over the runs
	Met      *bool     `json:"met,omitempty"`   // nil: reported, not a target
	Setup    string    `json:"setup"`
}

type config struct {
	engines   []string
	pgDSN     string
	scenarios []string
	scale     float64
	reps      int
	dir       string
	dispatch  scheduler.DispatchConfig // onair's dispatcher settings beyond the defaults
	cpuprof   string                   // --cpuprofile: the idle daemon's profile goes beside it
}

func (c config) has(engine string) bool { return slices.Contains(c.engines, engine) }

func main() {
	var (
		engines   = flag.String("engines", "sqlite,postgres", "engines to measure: sqlite, postgres")
		pg        = flag.String("pg", os.Getenv("ONAIR_BENCH_POSTGRES"), "PostgreSQL server DSN (fresh databases are created on it and dropped); env ONAIR_BENCH_POSTGRES")
		scenarios = flag.String("scenarios", strings.Join(targetScenarios, ","), "scenarios to run, in order; besides the targets: "+strings.Join(extraScenarios, ", "))
		only      = flag.String("only", "", "run this one scenario (overrides --scenarios)")
		scale     = flag.Float64("scale", 1, "multiply the data sizes and windows (0.1 for a quick run)")
		reps      = flag.Int("reps", 3, "repetitions of each measurement, onair and River alternating")
		asJSON    = flag.Bool("json", false, "print JSON")
		perChan   = flag.Int("per-channel", 0, "onair's sends in flight per channel (0: its default), to compare settings")
		cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof; use with --only); the idle daemon's goes to FILE.daemon-ENGINE")
	)
	flag.Parse()
	list := strings.Split(*scenarios, ",")
	if *only != "" {
		list = []string{*only}
	}
	for _, s := range list {
		if scenarioByName(s) == nil {
			fmt.Fprintf(os.Stderr, "onair-bench: no scenario %q; there are %s\n", s, strings.Join(append(slices.Clone(targetScenarios), extraScenarios...), ", "))
			os.Exit(2)
		}
	}
	cfg := config{engines: strings.Split(*engines, ","), pgDSN: *pg, scenarios: list, scale: *scale, reps: max(1, *reps),
		dispatch: scheduler.DispatchConfig{PerChannel: *perChan}, cpuprof: *cpuprof}
	if cfg.has("postgres") && cfg.pgDSN == "" {
		fmt.Fprintln(os.Stderr, "onair-bench: no --pg DSN: PostgreSQL (and River) skipped")
		cfg.engines = slices.DeleteFunc(cfg.engines, func(e string) bool { return e == "postgres" })
	}

	// Whatever ends the run (an error, a signal, a panic), the databases it made are dropped.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "onair-bench: %v: dropping the bench's databases\n", s)
		exit(130)
	}()
	defer func() {
		if r := recover(); r != nil {
			cleanAll()
			panic(r)
		}
	}()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			fail(err)
		}
		pprof.StartCPUProfile(f)
	}
	dir, err := os.MkdirTemp("", "onair-bench")
	if err != nil {
		fail(err)
	}
	atExit(func() { os.RemoveAll(dir) })
	cfg.dir = dir
	if cfg.has("postgres") {
		if err := openAdmin(cfg.pgDSN); err != nil {
			fail(fmt.Errorf("PostgreSQL: %w", err))
		}
	}

	ctx := context.Background()
	began := time.Now()
	var rows []Row
	for _, name := range cfg.scenarios {
		sc := scenarioByName(name)
		fmt.Fprintf(os.Stderr, "onair-bench: %s (%s)...\n", name, time.Since(began).Round(time.Second))
		rs, err := sc.run(ctx, cfg)
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
		rows = append(rows, rs...)
	}
	elapsed := time.Since(began).Round(time.Second)
	pprof.StopCPUProfile()
	cleanAll()

	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"machine": machine(), "scale": cfg.scale, "reps": cfg.reps, "river": riverSetup{}.String(),
			"elapsed_s": elapsed.Seconds(), "rows": rows})
		return
	}
	fmt.Printf("machine: %s; scale %g, %d runs per figure (onair and River alternating), %s\n", machine(), cfg.scale, cfg.reps, elapsed)
	fmt.Printf("River: %s; in the burst, its jobs are made available in SQL at insert, keeping their scheduled time (River's own scheduler promotes scheduled jobs every 5 s)\n", riverSetup{})
	fmt.Printf("met: every run meets the target; figures are ranges over the runs\n\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tENGINE\tONAIR\tRIVER\tRATIO\tMET\tSETUP")
	for _, r := range rows {
		m := "(reported)"
		if r.Met != nil {
			m = map[bool]string{true: "met", false: "MISSED"}[*r.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, r.Engine, r.Figure, dash(r.Peer), dash(r.Ratio), m, r.Setup)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "onair-bench:", err)
	exit(1)
}

// exit ends the run after the cleanups: databases dropped, daemons stopped, files removed.
func exit(code int) {
	pprof.StopCPUProfile()
	cleanAll()
	os.Exit(code)
}

func n(cfg config, base int) int {
	return max(1, int(float64(base)*cfg.scale))
}
