package scheduler

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

// TestCMSDocResults runs the results example of docs/cms-integration.md through a plain
// connection, as a CMS would: it may write broadcast_stats and read post_metrics.
func TestCMSDocResults(t *testing.T) {
	doc, err := os.ReadFile("../docs/cms-integration.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- results-example -->\n```sql\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no results example in docs/cms-integration.md")
	}
	e := newEnv(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	c := spring(e)
	b := e.broadcast(c, "Lancement", time.Date(2027, 3, 30, 18, 0, 0, 0, paris))
	ref := "cms-1234"
	if err := e.store.DB().Model(&models.Broadcast{}).Where("id = ?", b.ID).Update("external_ref", ref).Error; err != nil {
		t.Fatal(err)
	}
	cms := cmsConn(t, e.path)
	for _, stmt := range strings.Split(string(m[1]), ";") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		stmt = strings.TrimSpace(strings.Join(lines, "\n"))
		if stmt == "" {
			continue
		}
		if strings.HasPrefix(stmt, "SELECT") {
			rows, err := cms.Query(stmt)
			if err != nil {
				t.Fatalf("%s\n: %v", stmt, err)
			}
			rows.Close()
		} else if _, err := cms.Exec(stmt); err != nil {
			t.Fatalf("%s\n: %v", stmt, err)
		}
	}
	st, err := e.store.BroadcastStatsOf(e.ctx, b.ID)
	if err != nil || st == nil || *st.Viewers != 1200 || *st.PeakViewers != 1500 || *st.WatchMinutes != 20400 || *st.ReplayViews != 800 {
		t.Fatalf("after the example: %+v, %v", st, err)
	}
}
