package models

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// onair marks its own database sessions, so that the schema's guard triggers (schema 4) can tell
// onair's writes from a CMS's: only onair may move a post back to planned, insert posts, or write
// channels. On SQLite the mark is an SQL function, onair_writer(), that onair registers on each of
// its connections, with a collation of the same name (a plain connection has neither: the
// triggers look the collation up in pragma_collation_list). On PostgreSQL it is the session setting onair.writer = 'on', given when
// onair connects. Neither is a secret: it keeps a CMS's ordinary SQL within the contract, while the
// credentials are protected by the key (see Sealer.BindSettings), not by it.
const (
	// WriterFunction is the SQL function only onair's SQLite connections have.
	WriterFunction = "onair_writer"
	// WriterSetting is the PostgreSQL setting only onair's sessions set.
	WriterSetting = "onair.writer"
	// sqliteDriver is mattn's driver with onair's mark on each connection.
	sqliteDriver = "onair_sqlite3"
)

var registerSQLite sync.Once

// SQLiteDriver registers (once) and names the SQLite driver onair opens its files with: its
// connections carry onair's mark (tests that act as onair open theirs with it too).
func SQLiteDriver() string {
	registerSQLite.Do(func() {
		sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			if err := c.RegisterFunc(WriterFunction, func() int64 { return 1 }, true); err != nil {
				return err
			}
			// The triggers look the mark up among the connection's collations: a list of five,
			// where the function list holds nearly two hundred and scanning it on every row an
			// update touched cost onair's dispatcher 117 µs a post.
			return c.RegisterCollation(WriterFunction, strings.Compare)
		}})
	})
	return sqliteDriver
}

// openPostgres opens a PostgreSQL pool whose sessions carry onair's mark.
func openPostgres(dsn string, daemon *DaemonInfo) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL address not understood (%s)", redactPGError(err))
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams[WriterSetting] = "on"
	if daemon != nil {
		cfg.RuntimeParams["application_name"] = daemon.applicationName()
	}
	return stdlib.OpenDB(*cfg), nil
}
