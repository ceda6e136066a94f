package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// levenshtein is the edit distance between a and b, compared case-insensitively by runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// similar lists the candidates a mistyped s may have meant: those within a few edits (more for
// a longer word), or that start with s; only the nearest, at most three.
func similar(s string, candidates []string) []string {
	limit := max(2, len([]rune(s))/3)
	type scored struct {
		name string
		d    int
	}
	var found []scored
	for _, c := range candidates {
		d := levenshtein(s, c)
		if r := []rune(c); len([]rune(s)) >= 4 && len(r) > len([]rune(s)) {
			d = min(d, levenshtein(s, string(r[:len([]rune(s))]))+1) // a mistyped beginning of a long name
		}
		if d <= limit || (len(s) >= 3 && strings.HasPrefix(strings.ToLower(c), strings.ToLower(s))) {
			found = append(found, scored{c, d})
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int { return a.d - b.d })
	out := make([]string, 0, min(len(found), 3))
	for _, f := range found[:min(len(found), 3)] {
		if f.d > found[0].d {
			break // only the nearest
		}
		out = append(out, f.name)
	}
	return out
}

// didYouMean is " (did you mean X?)", or "" when nothing is close.
func didYouMean(s string, candidates []string, quote func(string) string) string {
	found := similar(s, candidates)
	if len(found) == 0 {
		return ""
	}
	for i, f := range found {
		found[i] = quote(f)
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.Join(found, " or "))
}

func quoted(s string) string { return fmt.Sprintf("%q", s) }

// pickName finds what a marketer meant by ref among names: the name itself (in any case), else
// the one name it begins (an unambiguous prefix). An ambiguous or unknown ref is an error that
// lists what it could be; what names the thing ("campaign") and list is the command that lists
// them all.
func pickName(what, ref, list string, names []string) (string, error) {
	ref = strings.TrimSpace(ref)
	for _, n := range names {
		if strings.EqualFold(n, ref) {
			return n, nil
		}
	}
	var starts []string
	for _, n := range names {
		if ref != "" && strings.HasPrefix(strings.ToLower(n), strings.ToLower(ref)) {
			starts = append(starts, n)
		}
	}
	switch {
	case len(starts) == 1:
		return starts[0], nil
	case len(starts) > 1:
		for i, s := range starts {
			starts[i] = quoted(s)
		}
		return "", fmt.Errorf("%s %q could be %s; type more of its name", what, ref, strings.Join(starts, " or "))
	case len(names) == 0:
		return "", fmt.Errorf("%s %q does not exist; there is none yet: create one with `onair %s add`", what, ref, what)
	}
	if hint := didYouMean(ref, names, quoted); hint != "" {
		return "", fmt.Errorf("%s %q does not exist%s; see `%s`", what, ref, hint, list)
	}
	return "", fmt.Errorf("%s %q does not exist; known %ss: %s", what, ref, what, strings.Join(names, ", "))
}

// flagError words a bad flag without the command's whole usage: an unknown flag gets the flags
// it may have meant, and every error the way to the help.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	help := fmt.Sprintf("see `%s --help`", c.CommandPath())
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if hint := didYouMean(name, names, func(s string) string { return "--" + s }); hint != "" {
			return fmt.Errorf("unknown flag --%s%s; %s", name, hint, help)
		}
		return fmt.Errorf("unknown flag --%s; %s for the flags it takes", name, help)
	}
	return fmt.Errorf("%s; %s", msg, help)
}

// zoneNames lists the IANA zone names of the system's zone database (empty where there is none).
var zoneNames = sync.OnceValue(func() []string {
	root := "/usr/share/zoneinfo"
	if dir := os.Getenv("ZONEINFO"); dir != "" {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			root = dir
		}
	}
	var names []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (rel == "posix" || rel == "right" || !unicode.IsUpper([]rune(d.Name())[0])) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.Contains(rel, "/") && unicode.IsUpper([]rune(d.Name())[0]) {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names
})

// zoneSuggestion names the zones a mistyped or partial zone name may mean: "Paris" is
// Europe/Paris, "new york" America/New_York, "Europe/Pariss" Europe/Paris.
func zoneSuggestion(name string) string {
	city := strings.ReplaceAll(strings.TrimSpace(name), " ", "_")
	var exact []string
	for _, z := range zoneNames() {
		if strings.EqualFold(z[strings.LastIndex(z, "/")+1:], city) || strings.EqualFold(z, city) {
			exact = append(exact, z)
		}
	}
	if len(exact) > 0 {
		return fmt.Sprintf(" (did you mean %s?)", strings.Join(exact[:min(len(exact), 3)], " or "))
	}
	var cities []string
	for _, z := range zoneNames() {
		if strings.Contains(city, "/") {
			cities = append(cities, z)
		} else {
			cities = append(cities, z[strings.LastIndex(z, "/")+1:])
		}
	}
	found := similar(city, cities)
	if len(found) == 0 {
		return ""
	}
	var full []string
	for _, f := range found {
		for _, z := range zoneNames() {
			if z == f || strings.HasSuffix(z, "/"+f) {
				full = append(full, z)
				break
			}
		}
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.Join(full, " or "))
}
