package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
)

// keyFile is where onair's secret key is kept when ONAIR_SECRET_KEY is not set: --key-file or
// ONAIR_KEY_FILE, else beside the SQLite database (onair.db.key), else ./onair.key.
func (a *app) keyFile() string {
	if a.cfg.KeyFile != "" {
		return a.cfg.KeyFile
	}
	if models.IsPostgres(a.cfg.DB) {
		return "onair.key"
	}
	return a.cfg.DB + ".key"
}

// vault returns what seals and opens channel credentials. With create, a missing key file is
// made (0600, a fresh random key), as `onair init` does; without, a missing key leaves a vault
// that says how to provide one when a channel needs it.
func (a *app) vault(create bool) (*scheduler.Vault, error) {
	if a.sealer != nil {
		return a.sealer, nil
	}
	path := a.keyFile()
	hint := fmt.Sprintf("set ONAIR_SECRET_KEY, or put the key file at %s (--key-file, ONAIR_KEY_FILE)", path)
	if env := getenv("ONAIR_SECRET_KEY"); env != "" {
		key, err := models.ParseKey(env)
		if err != nil {
			return nil, fmt.Errorf("ONAIR_SECRET_KEY: %w", err)
		}
		s, err := models.NewSealer(key)
		if err != nil {
			return nil, err
		}
		a.sealer = &scheduler.Vault{Sealer: s, KeyHint: hint}
		a.bindWith(s)
		return a.sealer, nil
	}
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return &scheduler.Vault{KeyHint: hint}, nil
		}
		if key, err = makeKeyFile(path); err != nil {
			return nil, err
		}
		fmt.Fprintf(a.errOut, "Made the secret key that seals channel credentials: %s (mode 0600).\n"+
			"Keep it with the database and back it up: without it the stored credentials cannot be opened.\n", path)
	}
	if err != nil {
		return nil, err
	}
	s, err := models.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	a.sealer = &scheduler.Vault{Sealer: s, KeyHint: hint}
	a.bindWith(s)
	return a.sealer, nil
}

// bindWith makes the store bind the channel settings it writes with the key.
func (a *app) bindWith(s *models.Sealer) {
	if a.store != nil {
		a.store.UseSealer(s)
	}
}

// readKeyFile reads a key file, refusing one that other users may read.
func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s can be read by other users (mode %04o); run `chmod 600 %s`", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	key, err := models.ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}

// makeKeyFile writes a new random key, readable by its owner only; it never overwrites a key.
func makeKeyFile(path string) ([]byte, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("make key file: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("make key file: %w", err)
	}
	key := models.NewKey()
	_, err = fmt.Fprintln(f, base64.StdEncoding.EncodeToString(key))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("make key file: %w", err)
	}
	return key, nil
}
