package models

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgKeywords are libpq's connection keywords: a DSN made of "keyword=value" pairs that starts
// with one of them is a PostgreSQL DSN (host=db user=onair password=... dbname=onair), never a
// file name.
var pgKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true,
	"passfile": true, "sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true,
	"connect_timeout": true, "application_name": true, "options": true, "service": true,
	"target_session_attrs": true, "sslpassword": true, "channel_binding": true,
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file: a
// postgres:// or postgresql:// URL, or a libpq keyword DSN (host=... dbname=...).
func IsPostgres(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	return isKeywordDSN(dsn)
}

func isKeywordDSN(dsn string) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(dsn), " ")
	key, _, ok := strings.Cut(first, "=")
	return ok && pgKeywords[strings.ToLower(strings.TrimSpace(key))]
}

// keywordPassword finds password=... in a keyword DSN, quoted ('it”s') or not.
var keywordPassword = regexp.MustCompile(`(?i)(\b(?:password|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// Redact hides a DSN's password, in either PostgreSQL form; text that is not a PostgreSQL DSN is
// shown as it is (a SQLite path).
func Redact(dsn string) string {
	if isKeywordDSN(dsn) {
		return keywordPassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable PostgreSQL URL)"
	}
	return u.Redacted()
}

// redactPGError says what pgx found wrong with a DSN without repeating the DSN (which may
// hold a password).
func redactPGError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return "check its syntax"
}
