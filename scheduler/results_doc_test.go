package scheduler

import (
	"os"
	"regexp"
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
	runDocSQL(t, cms, string(m[1]), nil)
	st, err := e.store.BroadcastStatsOf(e.ctx, b.ID)
	if err != nil || st == nil || *st.Viewers != 1200 || *st.PeakViewers != 1500 || *st.WatchMinutes != 20400 || *st.ReplayViews != 800 {
		t.Fatalf("after the example: %+v, %v", st, err)
	}
}
