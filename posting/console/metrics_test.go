package console

import (
	"context"
	"testing"
	"time"

	"github.com/onairhq/onair/posting"
)

func TestFiguresGrowAndRepeat(t *testing.T) {
	a, b, c := Figures("onair-1", time.Hour), Figures("onair-1", 24*time.Hour), Figures("onair-1", 7*24*time.Hour)
	if !(a.Likes < b.Likes && b.Likes < c.Likes && a.Impressions < b.Impressions) || a.Bookmarks != -1 {
		t.Errorf("1h %+v, 24h %+v, 7d %+v: want growing counts, no bookmarks", a, b, c)
	}
	if Figures("onair-1", time.Hour) != a {
		t.Error("the same post at the same age drew other figures")
	}
	if Figures("onair-2", time.Hour) == a {
		t.Error("two posts drew the same figures")
	}
	if z := Figures("onair-1", -time.Minute); z.Likes != 0 {
		t.Errorf("before it went out: %+v", z)
	}
	now := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
	m := &Metrics{Now: func() time.Time { return now }, Scale: 3600}
	got, err := m.Metrics(context.Background(), []posting.Sent{{Receipt: posting.Receipt{RemoteID: "onair-1"}, SentAt: now.Add(-24 * time.Second)}})
	if err != nil || got["onair-1"] != b {
		t.Errorf("24 s at 3600x: %+v, %v; want the 24h figures %+v", got, err, b)
	}
}
