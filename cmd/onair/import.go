package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onairhq/onair/models"
)

// importColumns are the columns `broadcast import` reads, named in the file's header.
var importColumns = []string{"title", "start", "duration", "watch_url", "replay_url", "ref", "campaign", "description", "image"}

// importRow is one line of the file, read and checked: what to create, or how to edit the
// broadcast with its ref.
type importRow struct {
	line     int
	title    string
	campaign *models.Campaign
	existing *models.Broadcast // the broadcast with this ref, if any
	create   *models.Broadcast
	edit     models.BroadcastEdit
	start    time.Time
	problems []string
}

// importCounts is the summary of an import.
type importCounts struct{ created, updated, unchanged, bad int }

func (a *app) broadcastImportCmd() *cobra.Command {
	var (
		campaign        string
		dryRun, skipBad bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE.csv [--campaign NAME] [--dry-run] [--skip-bad]",
		Short: "Add or update broadcasts from a CSV file (a row whose ref exists updates that broadcast)",
		Long: `Reads a CSV file whose first line names its columns:
  ` + strings.Join(importColumns, ", ") + `
title and start are needed for a new broadcast; start is read like --at, in the campaign's zone.
A row whose ref is the external ref of a broadcast updates it (its pending posts are re-planned);
any other row adds a broadcast and plans its posts. Nothing is written unless every row is good
(or --skip-bad).`,
		Example: `  onair broadcast import lives.csv --campaign "Spring launch" --dry-run

  title,start,duration,watch_url,ref
  Lancement,30/03 18:00,45m,https://x.com/i/broadcasts/1ABC,cms-101`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("cannot read %s: %w", args[0], err)
			}
			defer f.Close()
			if err := a.openExisting(ctx); err != nil {
				return err
			}
			var def *models.Campaign
			if campaign != "" {
				if def, err = a.findCampaign(ctx, campaign); err != nil {
					return err
				}
			}
			rows, err := a.readImport(ctx, f, filepath.Dir(args[0]), def)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			var n importCounts
			for _, r := range rows {
				if len(r.problems) > 0 {
					n.bad++
					fmt.Fprintf(a.errOut, "line %d: %s\n", r.line, strings.Join(r.problems, "; "))
				}
			}
			if n.bad > 0 && !skipBad && !dryRun {
				return fmt.Errorf("nothing imported: %s to fix (each is named above with its line); fix them and import again, or add --skip-bad to import the good rows only",
					plural(n.bad, "bad row", "bad rows"))
			}
			var planErrs []string
			for _, r := range rows {
				if len(r.problems) > 0 {
					continue
				}
				msg, err := a.applyImport(ctx, r, dryRun, &n)
				if err != nil {
					return fmt.Errorf("line %d: %w (the rows above it are imported)", r.line, err)
				}
				if msg != "" {
					planErrs = append(planErrs, fmt.Sprintf("line %d: %s", r.line, msg))
				}
			}
			verb := "Imported"
			if dryRun {
				verb = "Dry run, nothing written; would import"
			}
			fmt.Fprintf(a.out, "\n%s %s: %d created, %d updated, %d unchanged, %d bad.\n", verb, args[0], n.created, n.updated, n.unchanged, n.bad)
			for _, e := range planErrs {
				fmt.Fprintln(a.errOut, "note:", e)
			}
			if n.bad > 0 && !skipBad {
				return exitCode{code: 1, msg: fmt.Sprintf("%s to fix (named above with their lines)", plural(n.bad, "bad row", "bad rows"))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&campaign, "campaign", "", "the campaign of rows that do not name one")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check every row and say what would change, write nothing")
	cmd.Flags().BoolVar(&skipBad, "skip-bad", false, "import the good rows even when some are bad")
	return cmd
}

// readImport reads and checks every row; a row's problems are worded for the marketer.
func (a *app) readImport(ctx context.Context, in io.Reader, dir string, def *models.Campaign) ([]importRow, error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty; its first line names the columns: " + strings.Join(importColumns, ","))
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
		known := false
		for _, c := range importColumns {
			known = known || c == name
		}
		if !known {
			return nil, fmt.Errorf("line 1: column %q not known%s; the columns are %s", h, didYouMean(name, importColumns, quoted), strings.Join(importColumns, ", "))
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("line 1: column %q appears twice", h)
		}
		col[name] = i
	}
	if _, ok := col["title"]; !ok {
		if _, ok := col["ref"]; !ok {
			return nil, errors.New("line 1: no title column (and no ref column to update broadcasts by); name the columns on the first line: " + strings.Join(importColumns, ","))
		}
	}
	var rows []importRow
	refs := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, importRow{line: pe.Line, problems: []string{"not valid CSV: " + pe.Err.Error() + " (a value with a comma or a quote goes in double quotes, its quotes doubled)"}})
				continue
			}
			return nil, err
		}
		get := func(name string) (string, bool) {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return "", false
			}
			return strings.TrimSpace(rec[i]), true
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // a blank line
		}
		r := a.checkImportRow(ctx, line, get, dir, def)
		if ref, _ := get("ref"); ref != "" {
			if first, dup := refs[ref]; dup {
				r.problems = append(r.problems, fmt.Sprintf("ref %q is also on line %d; each broadcast once", ref, first))
			}
			refs[ref] = line
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errors.New("no rows under the header")
	}
	return rows, nil
}

// checkImportRow reads one row into what to create or edit.
func (a *app) checkImportRow(ctx context.Context, line int, get func(string) (string, bool), dir string, def *models.Campaign) importRow {
	r := importRow{line: line}
	bad := func(format string, args ...any) { r.problems = append(r.problems, fmt.Sprintf(format, args...)) }
	ref, _ := get("ref")
	if ref != "" {
		b, err := a.store.BroadcastByExternalRef(ctx, ref)
		switch {
		case err == nil:
			r.existing = b
		case !errors.Is(err, models.ErrNotFound):
			bad("ref %q: %v", ref, err)
		}
	}
	c := def
	if name, _ := get("campaign"); name != "" {
		found, err := a.findCampaign(ctx, name)
		if err != nil {
			bad("%v", err)
			return r
		}
		c = found
	}
	if c != nil && !c.ArchivedAt.IsZero() && r.existing == nil {
		bad("campaign %q is archived; bring it back first: onair campaign unarchive %q", c.Name, c.Name)
		return r
	}
	if r.existing != nil {
		if existing := a.campaignOf(ctx, r.existing); c == nil {
			c = existing
		} else if existing == nil || existing.ID != c.ID {
			bad("ref %q is broadcast %d, of another campaign; import does not move broadcasts between campaigns", ref, r.existing.ID)
			return r
		}
	}
	if c == nil {
		bad("which campaign? fill its campaign column, or give --campaign NAME")
		return r
	}
	r.campaign = c
	loc, err := c.Location()
	if err != nil {
		bad("campaign %q: %v", c.Name, err)
		return r
	}
	str := func(v string) *string { return &v }
	title, hasTitle := get("title")
	r.title = title
	if r.existing == nil && title == "" {
		bad("no title; a new broadcast needs one")
	}
	var start *time.Time
	if s, _ := get("start"); s != "" {
		t, err := parseWhenIn(s, loc, c.Lang, a.now())
		if err != nil {
			bad("start %v", err)
		} else {
			start = &t
		}
	} else if r.existing == nil {
		bad(`no start; give it like "2027-03-30 18:00", "30/03 18:00" or "fri 18:00" (read in %s)`, loc)
	}
	if start != nil && !start.After(a.now()) && (r.existing == nil || !r.existing.StartsAt.Equal(*start)) {
		bad("start %s is in the past (%s); give a time to come", showTime(*start, loc), until(a.now(), *start))
	}
	minutes := models.DefaultDurationMinutes
	d, hasDuration := get("duration")
	if d != "" {
		if minutes, err = parseDuration(d); err != nil {
			bad("%v", err)
		}
	}
	urls := map[string]string{}
	for _, name := range []string{"watch_url", "replay_url"} {
		u, _ := get(name)
		if err := models.ValidWatchURL(u); err != nil {
			bad("%s: %v", name, err)
		}
		urls[name] = u
	}
	image, hasImage := get("image")
	if image != "" {
		if !filepath.IsAbs(image) {
			image = filepath.Join(dir, image)
		}
		if image, err = imagePath(image); err == nil {
			err = a.checkImage(ctx, image, channelNames(c))
		}
		if err != nil {
			bad("image: %v", err)
		}
	}
	description, hasDescription := get("description")
	if len(r.problems) > 0 {
		return r
	}
	if start != nil {
		r.start = *start
	}
	if r.existing == nil {
		b := &models.Broadcast{CampaignID: &c.ID, Title: title, Description: description, StartsAt: models.NewTime(r.start),
			DurationMinutes: minutes, WatchURL: urls["watch_url"], ReplayURL: urls["replay_url"], Image: image}
		if ref != "" {
			b.ExternalRef = &ref
		}
		r.create = b
		return r
	}
	// An update writes what differs; an empty cell leaves the field as it is.
	b := r.existing
	if hasTitle && title != "" && title != b.Title {
		r.edit.Title = str(title)
	}
	if hasDescription && description != "" && description != b.Description {
		r.edit.Description = str(description)
	}
	if start != nil && !b.StartsAt.Equal(*start) {
		t := models.NewTime(*start)
		r.edit.StartsAt = &t
	}
	if hasDuration && d != "" && minutes != b.DurationMinutes {
		r.edit.DurationMinutes = &minutes
	}
	if u := urls["watch_url"]; u != "" && u != b.WatchURL {
		r.edit.WatchURL = str(u)
	}
	if u := urls["replay_url"]; u != "" && u != b.ReplayURL {
		r.edit.ReplayURL = str(u)
	}
	if hasImage && image != "" && image != b.Image {
		r.edit.Image = str(image)
	}
	if r.title == "" {
		r.title = b.Title
	}
	return r
}

// applyImport creates or updates one checked row (or, dry, says what it would do). It returns
// the planner's error for the row, if its posts cannot all go out.
func (a *app) applyImport(ctx context.Context, r importRow, dry bool, n *importCounts) (string, error) {
	loc := campaignLoc(r.campaign)
	switch {
	case r.create != nil:
		n.created++
		if dry {
			fmt.Fprintf(a.out, "line %d: would add %q, %s\n", r.line, r.title, showTime(r.start, loc))
			return "", nil
		}
		if err := a.store.CreateBroadcast(ctx, r.create); err != nil {
			return "", err
		}
		fmt.Fprintf(a.out, "line %d: added broadcast %d %q, %s\n", r.line, r.create.ID, r.title, showTime(r.start, loc))
		res, err := a.planner.Plan(ctx, r.create.ID)
		if err != nil {
			return "", err
		}
		return res.Error, nil
	case r.edit.Empty():
		n.unchanged++
		fmt.Fprintf(a.out, "line %d: broadcast %d %q unchanged\n", r.line, r.existing.ID, r.title)
		return "", nil
	default:
		n.updated++
		what := editedFields(r.edit)
		if dry {
			fmt.Fprintf(a.out, "line %d: would update broadcast %d %q: %s\n", r.line, r.existing.ID, r.title, what)
			return "", nil
		}
		res, err := a.life.Edit(ctx, r.existing.ID, r.edit)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(a.out, "line %d: updated broadcast %d %q: %s\n", r.line, r.existing.ID, r.title, what)
		return res.Error, nil
	}
}

// editedFields names the fields an edit sets, as the file's columns do.
func editedFields(e models.BroadcastEdit) string {
	var f []string
	for _, c := range []struct {
		name string
		set  bool
	}{{"title", e.Title != nil}, {"start", e.StartsAt != nil}, {"duration", e.DurationMinutes != nil},
		{"watch_url", e.WatchURL != nil}, {"replay_url", e.ReplayURL != nil}, {"description", e.Description != nil},
		{"image", e.Image != nil}} {
		if c.set {
			f = append(f, c.name)
		}
	}
	return strings.Join(f, ", ")
}
