// Package modelstest gives tests a fresh database on each engine onair supports: a temp SQLite
// file always, and a fresh schema on the PostgreSQL server named by ONAIR_TEST_POSTGRES when it is
// set (tests say so and skip PostgreSQL when it is not).
package modelstest

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// EnvPostgres names the environment variable holding the test server's DSN.
const EnvPostgres = "ONAIR_TEST_POSTGRES"

// DB is one test database.
type DB struct {
	Engine string // "sqlite" or "postgres"
	DSN    string // a file path, or a postgres:// URL
}

// Databases returns a fresh SQLite database and, when ONAIR_TEST_POSTGRES is set, a fresh
// PostgreSQL schema; both are removed when the test ends.
func Databases(t testing.TB) []DB {
	t.Helper()
	out := []DB{{Engine: "sqlite", DSN: filepath.Join(t.TempDir(), "onair.db")}}
	if pg := Postgres(t); pg != "" {
		out = append(out, DB{Engine: "postgres", DSN: pg})
	}
	return out
}

// Postgres returns the DSN of a fresh, empty schema on the test server, or "" (having logged why)
// when ONAIR_TEST_POSTGRES is unset.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Logf("%s is not set: PostgreSQL is not tested here", EnvPostgres)
		return ""
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "onair_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Run runs fn as a subtest on each database.
func Run(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	for _, db := range Databases(t) {
		t.Run(db.Engine, func(t *testing.T) { fn(t, db) })
	}
}

// Main runs a package's tests, saying once for the whole `go test ./...` run (not only under -v)
// that the PostgreSQL cases did not run when ONAIR_TEST_POSTGRES is unset. A package whose
// tests use Postgres or Databases calls it from its TestMain.
//
// Its tests wait on a database round trip or a fake server's timeout more than on a core: it runs
// twice GOMAXPROCS of them at once (go test's default is GOMAXPROCS); -parallel N wins. Under
// -short the temp files go to memory (ShortTempDirInMemory). The Template files are removed
// when the tests are done.
func Main(m *testing.M) {
	flag.Parse()
	TellIfNoPostgres()
	ShortTempDirInMemory()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if f := flag.Lookup("test.parallel"); f != nil && !set {
		f.Value.Set(strconv.Itoa(2 * runtime.GOMAXPROCS(0)))
	}
	code := m.Run()
	RemoveTemplates()
	os.Exit(code)
}

// TellIfNoPostgres is Main's notice, for a TestMain that does more; call it after flag.Parse.
func TellIfNoPostgres() {
	if os.Getenv(EnvPostgres) == "" {
		notice("onair: " + EnvPostgres + " is not set: the PostgreSQL cases did not run (SQLite only)\n")
	}
}

// notice writes line once per run of the go command. go test keeps a passing package's output to
// itself unless -v, so the line goes to the go command's own standard error (on Linux, where
// /proc names it), and a marker file makes the first package to get there the only one to say it.
func notice(line string) {
	parent := os.Getppid()
	start := ""
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", parent)); err == nil {
		if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 19 {
			start = f[19] // the parent's start time: a pid used again is another run
		}
	}
	marker := filepath.Join(os.TempDir(), fmt.Sprintf("onair-no-postgres-%d-%s", parent, start))
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return // said already (or no temp dir: better silent than once per package)
	}
	f.Close()
	out := os.Stderr
	if !testing.Verbose() {
		if w, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/2", parent), os.O_WRONLY|os.O_APPEND, 0); err == nil {
			defer w.Close()
			if self, err := os.Stderr.Stat(); err != nil || !sameFile(self, w) {
				if !sharable(w, parent) {
					return
				}
				out = w
			}
		}
	}
	io.WriteString(out, line)
}

// sharable reports whether a line written to w, the go command's standard error, stays as it is:
// a terminal or a pipe, or a file the go command appends to. Into a file it writes at its own
// offset, the go command would write over the line.
func sharable(w *os.File, parent int) bool {
	fi, err := w.Stat()
	if err != nil {
		return false
	}
	if !fi.Mode().IsRegular() {
		return true
	}
	info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/2", parent))
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(info), "\n") {
		if flags, ok := strings.CutPrefix(l, "flags:"); ok {
			f, err := strconv.ParseInt(strings.TrimSpace(flags), 8, 64)
			return err == nil && f&int64(os.O_APPEND) != 0
		}
	}
	return false
}

func sameFile(fi os.FileInfo, f *os.File) bool {
	other, err := f.Stat()
	return err == nil && os.SameFile(fi, other)
}
