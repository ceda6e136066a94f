package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler/source"
)

// CollectPlatformStats asks a live platform for a past broadcast's audience (views, live and
// replay views, watch time) and stores it in platform_stats, replacing the earlier reading: the
// figures keep growing for days as the replay is watched. ref is the broadcast's reference on
// the platform ("youtube:VIDEO_ID"), platform its name.
//
// It is the seam the live-platform sync calls for a broadcast that has ended (its sources are
// being built apart); nothing here changes the broadcast or its posts.
func CollectPlatformStats(ctx context.Context, store *models.Store, broadcastID int64, platform, ref string, r source.StatsReader, now time.Time) error {
	st, err := r.Stats(ctx, ref)
	if err != nil {
		return fmt.Errorf("read the audience of broadcast %d on %s: %w", broadcastID, platform, err)
	}
	return store.SetPlatformStats(ctx, models.PlatformStats{BroadcastID: broadcastID, Platform: platform,
		CollectedAt: models.NewTime(now), Views: known(st.Views), LiveViews: known(st.LiveViews),
		ReplayViews: known(st.ReplayViews), WatchMinutes: known(st.WatchMinutes), AverageViewSeconds: known(st.AverageViewSeconds)})
}
