// Package modelstest gives tests a fresh database on each engine onair supports: a temp SQLite
// file always, and a fresh schema on the PostgreSQL server named by ONAIR_TEST_POSTGRES when it is
// set (tests say so and skip PostgreSQL when it is not).
package modelstest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
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
