package scheduler

import (
	"testing"
	"time"

	"github.com/onairhq/onair/models"
)

func TestThreadHold(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 30, 17, 0, 0, 0, time.UTC)
	at := func(d time.Duration) models.Time { return models.NewTime(now.Add(d)) }
	thread := models.PostOptions{Thread: true}.Encode()
	reply := models.Post{ID: 9, Kind: models.KindReminder, DueAt: at(0), ExpiresAt: at(15 * time.Minute), Options: thread}
	root := &models.Post{ID: 2, Kind: models.KindTeaser, DueAt: at(-2 * time.Hour), Status: models.PostSent}
	tests := []struct {
		name    string
		waiting models.Post
		root    *models.Post
		want    time.Duration // 0: no wait
	}{
		{"first teaser being sent, no root yet", models.Post{Kind: models.KindTeaser, Status: models.PostSending}, nil, time.Second},
		{"first teaser waiting for its retry", models.Post{Kind: models.KindTeaser, Status: models.PostPlanned, Attempts: 1, NextAttemptAt: at(20 * time.Second)}, nil, 21 * time.Second},
		{"teaser earlier than the root found", models.Post{Kind: models.KindTeaser, Status: models.PostSending, DueAt: at(-3 * time.Hour)}, root, time.Second},
		{"a later teaser does not matter", models.Post{Kind: models.KindTeaser, Status: models.PostSending, DueAt: at(-time.Hour)}, root, 0},
		{"previous reply being sent", models.Post{Kind: models.KindReminder, Status: models.PostSending, Options: thread}, root, time.Second},
		{"a post outside the thread does not matter", models.Post{Kind: models.KindReminder, Status: models.PostSending}, root, 0},
		{"a retry too far off: go without it", models.Post{Kind: models.KindReminder, Status: models.PostPlanned, NextAttemptAt: at(10 * time.Minute), Options: thread}, root, 0},
		{"a failed post does not hold", models.Post{Kind: models.KindReminder, Status: models.PostFailed, Options: thread}, root, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.waiting
			got := threadHold([]*models.Post{&w}, tt.root, reply, now)
			if tt.want == 0 && !got.IsZero() || tt.want != 0 && !got.Equal(now.Add(tt.want)) {
				t.Errorf("hold until %v, want now+%v", got, tt.want)
			}
		})
	}
	t.Run("never past the reply's own window", func(t *testing.T) {
		short := reply
		short.ExpiresAt = at(10 * time.Second)
		w := models.Post{Kind: models.KindTeaser, Status: models.PostPlanned, NextAttemptAt: at(20 * time.Second)}
		if got := threadHold([]*models.Post{&w}, nil, short, now); !got.IsZero() {
			t.Errorf("held until %v, past the reply's window", got)
		}
	})
}
