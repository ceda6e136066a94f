package main

import (
	"database/sql"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The cleanups still to run: every database made is dropped and every daemon started is stopped,
// on whatever path the run ends (see exit).
var cleanups struct {
	sync.Mutex
	next int
	fns  map[int]func()
}

// atExit registers fn to run when the run ends, and returns a function that runs it now (once).
func atExit(fn func()) func() {
	cleanups.Lock()
	defer cleanups.Unlock()
	if cleanups.fns == nil {
		cleanups.fns = map[int]func(){}
	}
	id := cleanups.next
	cleanups.next++
	cleanups.fns[id] = fn
	return func() { runCleanup(id) }
}

// runCleanup runs cleanup id unless it ran already.
func runCleanup(id int) {
	cleanups.Lock()
	f, ok := cleanups.fns[id]
	delete(cleanups.fns, id)
	cleanups.Unlock()
	if ok {
		f()
	}
}

// cleanAll runs the cleanups not yet run, the latest first.
func cleanAll() {
	cleanups.Lock()
	var ids []int
	for id := range cleanups.fns {
		ids = append(ids, id)
	}
	cleanups.Unlock()
	slices.Sort(ids)
	slices.Reverse(ids)
	for _, id := range ids {
		runCleanup(id)
	}
}

// admin is a connection to the PostgreSQL server's database named in --pg: it creates and drops
// the bench's databases and reads pg_stat_activity.
var admin *sql.DB

func openAdmin(dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return err
	}
	admin = db
	atExit(func() { admin.Close() })
	return nil
}

// freshDSN returns a new, empty database of engine: a SQLite file, or a database created on the
// PostgreSQL server, dropped by the returned cleanup or, whatever happens, when the run ends.
func freshDSN(cfg config, engine, name string) (dsn, db string, cleanup func(), err error) {
	stamp := time.Now().UnixNano()
	if engine == "sqlite" {
		path := fmt.Sprintf("%s/%s-%d.db", cfg.dir, name, stamp)
		return path, "", atExit(func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}), nil
	}
	db = fmt.Sprintf("onair_bench_%s_%d_%d", name, os.Getpid(), stamp%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + db); err != nil {
		return "", "", nil, err
	}
	cleanup = atExit(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "onair-bench: drop database %s: %v\n", db, err)
		}
	})
	return strings.Replace(cfg.pgDSN, pathOf(cfg.pgDSN), "/"+db, 1), db, cleanup, nil
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

// cpuMeter measures the CPU time this process and the PostgreSQL server processes serving one
// database use over a window. The server's share is read from /proc for the backends
// pg_stat_activity lists for the database (the server must run on this machine); a backend that
// ends during the window is not counted.
type cpuMeter struct {
	db      string // "" for SQLite
	self    time.Duration
	backend map[int]int64 // pid -> ticks at the start
}

func startCPU(db string) *cpuMeter {
	m := &cpuMeter{db: db, self: selfCPU()}
	m.backend = backendTicks(db)
	return m
}

// stop returns the CPU seconds used since the start by this process and by the server.
func (m *cpuMeter) stop() (self, server float64) {
	self = (selfCPU() - m.self).Seconds()
	for pid, t := range backendTicks(m.db) {
		server += float64(t-m.backend[pid]) / 100 // USER_HZ
	}
	return self, server
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendTicks maps the PostgreSQL backends serving db to their CPU ticks so far.
func backendTicks(db string) map[int]int64 {
	out := map[int]int64{}
	if db == "" || admin == nil {
		return out
	}
	rows, err := admin.Query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, db)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			if t, err := cpuTicks(pid); err == nil {
				out[pid] = t
			}
		}
	}
	return out
}

// cpuTicks reads a process's user+system CPU time in clock ticks from /proc.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	var utime, stime int64
	fmt.Sscan(fields[11], &utime)
	fmt.Sscan(fields[12], &stime)
	return utime + stime, nil
}

// vmHWM reads a process's peak resident set size (kB) from /proc.
func vmHWM(pid int) (int64, error) { return procStatus(pid, "VmHWM:") }

// vmRSS reads a process's resident set size now (kB) from /proc.
func vmRSS(pid int) (int64, error) { return procStatus(pid, "VmRSS:") }

// procStatus reads one kB figure of /proc/pid/status.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb, nil
		}
	}
	return 0, fmt.Errorf("no %s for process %d", field, pid)
}

// percentile returns the q-quantile of v (nearest rank).
func percentile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(len(s)-1, max(0, i))]
}

// span formats values as "low-high unit" (one value: itself), with a precision fit for their size.
func span(vals []float64, unit string) string {
	lo, hi := slices.Min(vals), slices.Max(vals)
	f := func(v float64) string {
		switch a := math.Abs(v); {
		case a >= 1000:
			return thousands(int64(math.Round(v)))
		case a >= 100:
			return fmt.Sprintf("%.0f", v)
		case a >= 10:
			return fmt.Sprintf("%.1f", v)
		default:
			return fmt.Sprintf("%.2f", v)
		}
	}
	s := f(lo)
	if f(hi) != s {
		s += "-" + f(hi)
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

func thousands(v int64) string {
	s := fmt.Sprint(v)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ratios divides a by b run by run.
func ratios(a, b []float64) []float64 {
	out := make([]float64, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] / b[i]
	}
	return out
}

// all reports whether every value satisfies ok.
func all(vals []float64, ok func(float64) bool) *bool {
	m := len(vals) > 0
	for _, v := range vals {
		m = m && ok(v)
	}
	return &m
}
