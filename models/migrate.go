package models

import (
	"context"

	"embed"
	"fmt"
	"gorm.io/gorm"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the schema changes for an engine ("sqlite"), oldest first.
func Migrations(engine string) ([]Migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("no migrations for engine %q: %w", engine, err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		if !ok {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_what.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_what.sql", name)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations for %s: version %d missing", engine, i+1)
		}
	}
	return out, nil
}

// LatestVersion is the schema version this build of onair writes (the same on every engine).
func LatestVersion() int {
	ms, err := Migrations(EngineSQLite)
	if err != nil {
		panic(err) // embedded at build time: a broken set is a build bug
	}
	return len(ms)
}

// SchemaVersion returns the version the database is at (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	if !s.db.WithContext(ctx).Migrator().HasTable("schema_version") {
		return 0, nil
	}
	var v *int
	if err := s.db.WithContext(ctx).Raw(`SELECT max(version) FROM schema_version`).Scan(&v).Error; err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// insertVersion records a migration step as applied.
const insertVersion = `INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`

// Migrate brings the schema up to the latest version, each step in its own write transaction,
// so that two processes starting together never apply a step twice and a failed step leaves the
// database at the previous version with no data lost.
func (s *Store) Migrate(ctx context.Context) error {
	return s.MigrateTo(ctx, 0)
}

// MigrateTo migrates up to version target (0 means the latest). Tests use it to build a database
// as an older onair made it.
func (s *Store) MigrateTo(ctx context.Context, target int) error {
	ms, err := Migrations(s.engine)
	if err != nil {
		return err
	}
	if target == 0 {
		target = len(ms)
	}
	if s.engine == EnginePostgres {
		return s.migratePostgres(ctx, ms, target)
	}
	db := s.db.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`).Error; err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("this database is at schema %d, made by a newer onair; this onair knows schema %d: upgrade onair", current, len(ms))
	}
	for _, m := range ms {
		if m.Version > target {
			break
		}
		if strings.HasPrefix(m.SQL, foreignKeysOff) {
			if err := s.migrateRebuild(ctx, m); err != nil {
				return err
			}
			continue
		}
		tx := db.Begin()
		if tx.Error != nil {
			return fmt.Errorf("migrate to %d: %w", m.Version, tx.Error)
		}
		var done int
		if err := tx.Raw(`SELECT count(*) FROM schema_version WHERE version = ?`, m.Version).Scan(&done).Error; err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", m.Version, err)
		}
		if done > 0 {
			tx.Rollback()
			continue
		}
		if err := tx.Exec(m.SQL).Error; err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to schema %d (%s): %w", m.Version, m.Name, err)
		}
		if err := tx.Exec(insertVersion,
			m.Version, m.Name, NewTime(time.Now())).Error; err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", m.Version, err)
		}
		if err := tx.Commit().Error; err != nil {
			return fmt.Errorf("migrate to %d: %w", m.Version, err)
		}
	}
	return nil
}

// foreignKeysOff opens a SQLite migration that rebuilds tables: SQLite's documented way (create
// the new table, copy, drop the old, rename) needs foreign keys off, which only a connection
// outside a transaction can set.
const foreignKeysOff = "-- onair:foreign-keys-off"

// migrateRebuild applies m on a connection of its own with foreign keys off, in one immediate
// transaction that checks every foreign key before it commits; the connection gets them back on.
func (s *Store) migrateRebuild(ctx context.Context, m Migration) error {
	sqlDB, err := s.SQLDB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate to %d: %w", m.Version, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("migrate to %d: %w", m.Version, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate to %d: %w", m.Version, err)
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_version WHERE version = ?`, m.Version).Scan(&done); err != nil {
		return fmt.Errorf("migrate to %d: %w", m.Version, err)
	}
	if done > 0 {
		return nil // another process applied it meanwhile
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate to schema %d (%s): %w", m.Version, m.Name, err)
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("migrate to %d: check foreign keys: %w", m.Version, err)
	}
	bad := rows.Next()
	rows.Close()
	if bad {
		return fmt.Errorf("migrate to schema %d (%s): the rebuilt tables break a foreign key; nothing was changed", m.Version, m.Name)
	}
	if _, err := tx.ExecContext(ctx, insertVersion,
		m.Version, m.Name, NewTime(time.Now())); err != nil {
		return fmt.Errorf("migrate to %d: %w", m.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate to %d: %w", m.Version, err)
	}
	return nil
}

// migrationLock is the advisory lock key that serialises migrations across processes.
const migrationLock = 0x6f6e6169 // "onai"

// migratePostgres applies the migrations in one transaction under an advisory lock, so daemons
// starting together on one database never apply a step twice, and a failed step changes nothing.
func (s *Store) migratePostgres(ctx context.Context, ms []Migration, target int) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, migrationLock).Error; err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`).Error; err != nil {
			return fmt.Errorf("create schema_version: %w", err)
		}
		var current int
		if err := tx.Raw(`SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&current).Error; err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("this database is at schema %d, made by a newer onair; this onair knows schema %d: upgrade onair", current, len(ms))
		}
		for _, m := range ms {
			if m.Version <= current || m.Version > target {
				continue
			}
			if err := tx.Exec(m.SQL).Error; err != nil {
				return fmt.Errorf("migrate to schema %d (%s): %w", m.Version, m.Name, err)
			}
			if err := tx.Exec(insertVersion,
				m.Version, m.Name, NewTime(time.Now()).Time.Format(TimeFormat)).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
