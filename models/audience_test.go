package models

import (
	"context"
	"testing"
	"time"

	"github.com/onairhq/onair/models/modelstest"
)

func TestAudienceSamples(t *testing.T) {
	t.Parallel()
	modelstest.Run(t, func(t *testing.T, db modelstest.DB) {
		s, _ := openDB(t, db.DSN)
		ctx := context.Background()
		_, b := seed(t, s)
		at := time.Date(2027, 3, 1, 20, 0, 0, 0, time.UTC)
		for i, v := range []int{120, 340, 310} {
			if err := s.AddAudienceSample(ctx, b.ID, at.Add(time.Duration(2-i)*time.Minute), v, "youtube"); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.AudienceSamples(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Viewers != 310 || got[2].Viewers != 120 || !got[0].SampledAt.Equal(at) {
			t.Fatalf("samples = %+v, want 3, oldest (310 at %v) first", got, at)
		}
		if _, err := s.DeleteBroadcast(ctx, b.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.AudienceSamples(ctx, b.ID); len(got) != 0 {
			t.Fatalf("after deleting the broadcast, %d samples remain", len(got))
		}
	})
}
