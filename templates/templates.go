// Package templates owns the text of onair's posts: the default templates, embedded, in English and
// French for each kind of post; a campaign's own templates from a directory; rendering; and the
// helpers templates use (the broadcast's date in the campaign's zone and language, "in 3 days").
//
// It knows nothing of the database: it takes plain values.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/onairhq/onair/models/post"
	"github.com/onairhq/onair/posting"
)

// Languages lists the languages the default templates are written in.
var Languages = []string{"en", "fr"}

//go:embed default
var defaults embed.FS

// Set is the parsed templates for one language: the defaults, with a directory's files over them.
// It is parsed once and safe for concurrent Render calls.
type Set struct {
	lang  string
	byKey map[string]*template.Template // "teaser" or "teaser.x"
}

var funcs = template.FuncMap{
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"trim":  strings.TrimSpace,
}

// Load parses the default templates for lang and, when dir is not empty, the files in dir (or in
// dir/<lang>/ when it exists), which replace the defaults kind by kind.
func Load(lang, dir string) (*Set, error) {
	if !knownLang(lang) {
		return nil, fmt.Errorf("language %q has no templates; use one of %s", lang, strings.Join(Languages, ", "))
	}
	s := &Set{lang: lang, byKey: map[string]*template.Template{}}
	sub, err := fs.Sub(defaults, "default/"+lang)
	if err != nil {
		return nil, err
	}
	if err := s.parseDir(sub, "", "default "+lang); err != nil {
		return nil, err
	}
	if dir == "" {
		return s, nil
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return nil, fmt.Errorf("templates directory %s not found; give a directory holding files such as teaser.tmpl", dir)
	}
	if info, err := os.Stat(filepath.Join(dir, lang)); err == nil && info.IsDir() {
		dir = filepath.Join(dir, lang)
	}
	if err := s.parseDir(os.DirFS(dir), dir, dir); err != nil {
		return nil, err
	}
	return s, nil
}

func knownLang(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// parseDir parses every .tmpl file of fsys. Files that are not templates of a known kind are
// refused: a typo (teasr.tmpl) would otherwise be silently ignored.
func (s *Set) parseDir(fsys fs.FS, osDir, label string) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("read templates %s: %w", label, err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		key, ok := strings.CutSuffix(name, ".tmpl")
		if !ok {
			continue // README.md and the like
		}
		if !validKey(key) {
			return fmt.Errorf("template file %s in %s: not a known name; use %s, optionally with a network (teaser.x.tmpl)",
				name, label, strings.Join(kindFiles(), ", "))
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		shown := name
		if osDir != "" {
			shown = filepath.Join(osDir, name)
		}
		t, err := template.New(shown).Funcs(funcs).Option("missingkey=error").Parse(string(body))
		if err != nil {
			return fmt.Errorf("template %s: %v; fix the file or remove it to use the default", shown, cleanErr(err))
		}
		s.byKey[key] = t
	}
	return nil
}

func kindFiles() []string {
	out := make([]string, len(post.Kinds))
	for i, k := range post.Kinds {
		out[i] = string(k) + ".tmpl"
	}
	return out
}

func validKey(key string) bool {
	kind, network, hasNetwork := strings.Cut(key, ".")
	if !slices.Contains(post.Kinds, post.Kind(kind)) {
		return false
	}
	if !hasNetwork {
		return true
	}
	return posting.KnownNetwork(network) // each network may have its own variant (teaser.x.tmpl)
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// Render writes the post for d: the template for d.Kind on d.Network if there is one, else the
// kind's template. Surrounding white space is trimmed and runs of blank lines collapse to one.
func (s *Set) Render(d Data) (string, error) {
	t := s.byKey[string(d.Kind)+"."+d.Network]
	if t == nil {
		t = s.byKey[string(d.Kind)]
	}
	if t == nil {
		return "", fmt.Errorf("no template for %s posts", d.Kind)
	}
	if d.Lang == "" {
		d.Lang = s.lang
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("template %s: %v", t.Name(), cleanErr(err))
	}
	out := strings.TrimSpace(b.String())
	if strings.Contains(out, "\n\n\n") {
		out = blankLines.ReplaceAllString(out, "\n\n")
	}
	return out, nil
}

// cleanErr drops text/template's "template: name:" prefix, which repeats what we say.
func cleanErr(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	return msg
}

// Validate parses lang's templates with dir over them and renders every kind, on every network,
// with sample data, so that a campaign is refused at once rather than failing at plan time.
func Validate(lang, dir string) error {
	s, err := Load(lang, dir)
	if err != nil {
		return err
	}
	loc, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2027, 3, 30, 18, 0, 0, 0, loc)
	var errs []error
	keys := make([]string, 0, len(s.byKey))
	for k := range s.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		kind, network, _ := strings.Cut(key, ".")
		d := Data{Kind: post.Kind(kind), Step: "1d", Title: "Sample broadcast", Description: "A sample description",
			Campaign: "Sample", Start: start, End: start.Add(45 * time.Minute), Due: start.Add(-24 * time.Hour),
			Location: loc, Lang: lang, WatchURL: "https://example.com/live", ReplayURL: "https://example.com/replay",
			Hashtags: []string{"#Sample"}, Network: network}
		if _, err := s.Render(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
