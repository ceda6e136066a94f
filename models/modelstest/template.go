package modelstest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Template is a SQLite database built once per test binary and copied for each test that wants
// one: the migrations run once instead of once a test. A package declares one as a variable with
// its Build; Main removes the built file when the tests are done.
type Template struct {
	// Build makes the database at path and closes it (a migrated, empty schema, say).
	Build func(path string) error

	once sync.Once
	path string
	err  error
}

// templateDirs are the directories the templates were built in, for Main to remove.
var (
	templateMu   sync.Mutex
	templateDirs []string
)

// CopyTo writes the template to path, a file that does not exist yet.
func (tp *Template) CopyTo(t testing.TB, path string) {
	t.Helper()
	tp.once.Do(tp.build)
	if tp.err != nil {
		t.Fatalf("build the SQLite template: %v", tp.err)
	}
	// The database closed cleanly leaves no -wal file; one left over holds pages not yet in
	// the main file, so it goes with it.
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(tp.path+suffix, path+suffix); err != nil && (suffix == "" || !os.IsNotExist(err)) {
			t.Fatalf("copy the SQLite template: %v", err)
		}
	}
}

func (tp *Template) build() {
	dir, err := os.MkdirTemp("", "onair-template-")
	if err != nil {
		tp.err = err
		return
	}
	templateMu.Lock()
	templateDirs = append(templateDirs, dir)
	templateMu.Unlock()
	tp.path = filepath.Join(dir, "onair.db")
	if err := tp.Build(tp.path); err != nil {
		tp.err = fmt.Errorf("%s: %w", tp.path, err)
	}
}

// RemoveTemplates removes the files the templates were built in; Main calls it, a TestMain
// that does not use Main calls it after m.Run.
func RemoveTemplates() {
	templateMu.Lock()
	defer templateMu.Unlock()
	for _, dir := range templateDirs {
		os.RemoveAll(dir)
	}
	templateDirs = nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
