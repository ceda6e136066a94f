// Command onair-bench measures onair's speed and cost: it builds its own data on a fresh database
// (SQLite, PostgreSQL, or both), runs each scenario, and prints a table (or --json), each figure
// with its setup. BENCHMARKS.md records the results and the command that produced them.
//
// It is its own Go module so that the peer comparison's dependencies never reach onair itself.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Result is one measured figure.
type Result struct {
	Scenario string  `json:"scenario"`
	Engine   string  `json:"engine"`
	Setup    string  `json:"setup"`
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Target   string  `json:"target"`
	Met      *bool   `json:"met,omitempty"`
}

func met(ok bool) *bool { return &ok }

type config struct {
	engines   []string
	pgDSN     string
	scenarios map[string]bool
	scale     float64
	dir       string
}

func main() {
	var (
		engines   = flag.String("engines", "sqlite,postgres", "engines to measure: sqlite, postgres")
		pg        = flag.String("pg", os.Getenv("ONAIR_BENCH_POSTGRES"), "PostgreSQL server DSN (a fresh database is created on it); env ONAIR_BENCH_POSTGRES")
		scenarios = flag.String("scenarios", "throughput,lateness,planning,pickup", "scenarios to run")
		scale     = flag.Float64("scale", 1, "multiply the data sizes (0.1 for a quick run)")
		asJSON    = flag.Bool("json", false, "print JSON")
		cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	)
	flag.Parse()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			fail(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	dir, err := os.MkdirTemp("", "onair-bench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	cfg := config{engines: strings.Split(*engines, ","), pgDSN: *pg, scenarios: map[string]bool{}, scale: *scale, dir: dir}
	for _, s := range strings.Split(*scenarios, ",") {
		cfg.scenarios[strings.TrimSpace(s)] = true
	}
	ctx := context.Background()
	var results []Result
	for _, engine := range cfg.engines {
		if engine == "postgres" && cfg.pgDSN == "" {
			fmt.Fprintln(os.Stderr, "onair-bench: no --pg DSN: PostgreSQL skipped")
			continue
		}
		for _, sc := range allScenarios {
			if !cfg.scenarios[sc.name] {
				continue
			}
			fmt.Fprintf(os.Stderr, "onair-bench: %s on %s...\n", sc.name, engine)
			rs, err := sc.run(ctx, cfg, engine)
			if err != nil {
				fail(fmt.Errorf("%s on %s: %w", sc.name, engine, err))
			}
			results = append(results, rs...)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"machine": machine(), "results": results})
		return
	}
	fmt.Printf("machine: %s\n\n", machine())
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tENGINE\tMETRIC\tVALUE\tTARGET\tMET\tSETUP")
	for _, r := range results {
		m := ""
		if r.Met != nil {
			m = map[bool]string{true: "yes", false: "NO"}[*r.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f %s\t%s\t%s\t%s\n", r.Scenario, r.Engine, r.Metric, r.Value, r.Unit, r.Target, m, r.Setup)
	}
	tw.Flush()
}

func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

func fail(err error) {
	pprof.StopCPUProfile()
	fmt.Fprintln(os.Stderr, "onair-bench:", err)
	os.Exit(1)
}

// freshDSN returns a new, empty database of engine: a SQLite file, or a database created on the
// PostgreSQL server (dropped by the returned cleanup).
func freshDSN(cfg config, engine, name string) (string, func(), error) {
	if engine == "sqlite" {
		return fmt.Sprintf("%s/%s-%d.db", cfg.dir, name, time.Now().UnixNano()), func() {}, nil
	}
	admin, err := sql.Open("pgx", cfg.pgDSN)
	if err != nil {
		return "", nil, err
	}
	db := fmt.Sprintf("onair_bench_%s_%d", name, time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + db); err != nil {
		admin.Close()
		return "", nil, err
	}
	dsn := strings.Replace(cfg.pgDSN, pathOf(cfg.pgDSN), "/"+db, 1)
	return dsn, func() {
		admin.Exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)")
		admin.Close()
	}, nil
}

// pathOf returns the "/dbname" part of a postgres URL.
func pathOf(dsn string) string {
	rest := dsn[strings.Index(dsn, "://")+3:]
	i := strings.Index(rest, "/")
	if i < 0 {
		return ""
	}
	p := rest[i:]
	if j := strings.IndexAny(p, "?"); j >= 0 {
		p = p[:j]
	}
	return p
}

func n(cfg config, base int) int {
	v := int(float64(base) * cfg.scale)
	if v < 1 {
		v = 1
	}
	return v
}
