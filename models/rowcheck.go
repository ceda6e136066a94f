package models

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// A CMS writes broadcasts rows with its own tools, and SQLite keeps whatever type it is given: a
// duration of 'abc', 45.7 or a blob, a revision that is not a number. GORM's Find fails the whole
// query on one such value, which would stop planning (and `broadcast list`) for every broadcast.
// So broadcasts are read column by column into loose values here: a value of the wrong type
// leaves its field at its default and adds a problem to that row (Broadcast.Problems), which the
// planner reports in the row's error. The other rows are read as usual.

// findBroadcasts runs q (a query on broadcasts) and reads each row on its own.
func findBroadcasts(q *gorm.DB) ([]Broadcast, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []Broadcast
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var b Broadcast
		for i, c := range cols {
			b.setColumn(c, vals[i])
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// setColumn stores one column's raw value in b, noting a value of the wrong type.
func (b *Broadcast) setColumn(col string, v any) {
	bad := func(want string) {
		b.Problems = append(b.Problems, fmt.Sprintf("%s %s is not %s", col, showValue(v), want))
	}
	switch col {
	case "id":
		b.ID, _ = looseInt(v)
	case "external_ref":
		b.ExternalRef = looseStringPtr(v)
	case "campaign":
		b.CampaignName = looseStringPtr(v)
	case "campaign_id":
		if v == nil {
			return
		}
		if n, ok := looseInt(v); ok {
			b.CampaignID = &n
		} else {
			bad("a campaign id (an integer)")
		}
	case "title":
		b.Title = looseString(v)
	case "description":
		b.Description = looseString(v)
	case "watch_url":
		b.WatchURL = looseString(v)
	case "replay_url":
		b.ReplayURL = looseString(v)
	case "status":
		b.Status = BroadcastStatus(looseString(v))
	case "error":
		b.Error = looseString(v)
	case "image":
		b.Image = looseString(v)
	case "image_alt":
		b.ImageAlt = looseString(v)
	case "duration_minutes":
		n, ok := looseInt(v)
		if !ok || n > math.MaxInt32 || n < math.MinInt32 {
			bad("a whole number of minutes")
			return
		}
		b.DurationMinutes = int(n)
	case "revision":
		if n, ok := looseInt(v); ok {
			b.Revision = n
		} else {
			bad("an integer (onair writes it; to re-plan: revision = revision + 1)")
		}
	case "planned_revision":
		if n, ok := looseInt(v); ok {
			b.PlannedRevision = n
		} else {
			bad("an integer (onair writes it)")
		}
	case "starts_at":
		b.StartsAt.Scan(v)
	case "started_at":
		b.StartedAt.Scan(v)
	case "ended_at":
		b.EndedAt.Scan(v)
	case "planned_at":
		b.PlannedAt.Scan(v)
	case "created_at":
		b.CreatedAt.Scan(v)
	case "updated_at":
		b.UpdatedAt.Scan(v)
	}
}

// looseInt reads an integer stored as an integer, as digits, or as a float with no fraction.
func looseInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func looseString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func looseStringPtr(v any) *string {
	if v == nil {
		return nil
	}
	s := looseString(v)
	return &s
}

// showValue quotes a raw value for an error message, briefly and printably.
func showValue(v any) string {
	switch x := v.(type) {
	case []byte:
		return fmt.Sprintf("(a %d-byte blob)", len(x))
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		if !utf8.ValidString(x) {
			return "(text that is not UTF-8)"
		}
		return strconv.Quote(x)
	case nil:
		return "NULL"
	}
	return fmt.Sprint(v)
}
