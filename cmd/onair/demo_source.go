package main

import (
	"context"
	"fmt"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/scheduler"
	"github.com/onairhq/onair/scheduler/source/youtube/youtubetest"
)

// demoLate is how late the demo's stream starts after its planned time.
func demoLate(cad demoCadence) time.Duration {
	if cad.startIn < time.Minute {
		return 6 * time.Second
	}
	return 40 * time.Second
}

// demoSource starts a fake YouTube on loopback with one scripted live (it starts late, ends,
// and its recording is ready soon after), adds a source for it, makes the demo's campaign follow
// it and reads it: the broadcast is imported, as from a real channel. stop stops the fake.
func (a *app) demoSource(ctx context.Context, c *models.Campaign, cad demoCadence, start time.Time) (b *models.Broadcast, stop func(), err error) {
	yt := youtubetest.NewServer()
	yt.Now = a.now
	late := demoLate(cad)
	live := start.Add(late)
	id := yt.AddBroadcast(youtubetest.Broadcast{ID: "onairDemo01", Title: "Spring collection launch",
		Description: "Live from the shop", ScheduledStart: start, ScheduledEnd: start.Add(cad.duration),
		TestAt: start.Add(-cad.startIn / 3), LiveAt: live, EndAt: live.Add(cad.duration), RecordedAt: live.Add(cad.duration + 2*time.Second),
		Viewers: func(t time.Time) int { return 120 + int(t.Sub(live)/time.Second) }, NoThumbnail: true})
	defer func() {
		if err != nil {
			yt.Close()
		}
	}()
	// The demo reads its fake YouTube every few seconds (a real source: every 20 s near a live).
	a.syncCfg = scheduler.SyncConfig{NearEvery: 2 * time.Second, LiveEvery: 3 * time.Second, ReplayEvery: 2 * time.Second}
	vault, err := a.vault(true)
	if err != nil {
		return nil, nil, err
	}
	creds := yt.Credentials()
	set := models.SourceSettings{APIURL: yt.URL, TokenURL: yt.TokenURL(), ClientID: creds.ClientID}
	src := &models.Source{Name: "demo-yt", Platform: "youtube", Settings: set.Encode(), Account: youtubetest.DefaultChannel.Title}
	if err := a.store.CreateSource(ctx, src); err != nil {
		return nil, nil, err
	}
	if err := vault.UpdateSourceSecrets(ctx, a.store, src.ID, func(s *models.SourceSecrets) {
		s.ClientSecret, s.RefreshToken = creds.ClientSecret, creds.RefreshToken
	}); err != nil {
		return nil, nil, err
	}
	if err := a.store.SetCampaignSource(ctx, c.ID, &src.ID, 30); err != nil {
		return nil, nil, err
	}
	s, err := a.syncer()
	if err != nil {
		return nil, nil, err
	}
	if res, err := s.Sync(ctx, src.ID, true); err != nil || res.Error != "" || res.Imported != 1 {
		return nil, nil, fmt.Errorf("the demo's YouTube could not be read: %v %s", err, res.Error)
	}
	if b, err = a.store.BroadcastByExternalRef(ctx, "youtube:"+id); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(a.out, "A fake YouTube channel runs on %s (no account needed): source %q, which the campaign follows.\n", yt.URL, src.Name)
	fmt.Fprintf(a.out, "It has one live scheduled in %s, imported as broadcast %d (%s). The stream will start %s late:\n",
		models.Offset{Duration: cad.startIn}, b.ID, *b.ExternalRef, models.Offset{Duration: late})
	fmt.Fprintf(a.out, "onair holds the \"we are live\" post until YouTube says it is live, and sends the replay once YouTube has the recording.\n\n")
	return b, yt.Close, nil
}

// demoStory is what the demo has told of its followed broadcast.
type demoStory struct{ live, ended, replay bool }

// demoNarrate says, once each, when the platform's word moved the broadcast on.
func (a *app) demoNarrate(ctx context.Context, id int64, st *demoStory) {
	l, err := a.store.BroadcastLink(ctx, id)
	if err != nil || l == nil {
		return
	}
	b, err := a.store.BroadcastByID(ctx, id)
	if err != nil {
		return
	}
	if !st.live && !b.StartedAt.IsZero() {
		st.live = true
		fmt.Fprintf(a.out, "(YouTube says the stream went live at %s, %s after its planned start: the live post goes now)\n\n",
			b.StartedAt.Local().Format("15:04:05"), b.StartedAt.Sub(b.StartsAt.Time).Round(time.Second))
	}
	if st.live && !st.ended && !b.EndedAt.IsZero() {
		st.ended = true
		fmt.Fprintf(a.out, "(YouTube says the stream ended at %s; %d audience samples taken while it was live)\n\n",
			b.EndedAt.Local().Format("15:04:05"), a.samples(ctx, id))
	}
	if st.ended && !st.replay && b.ReplayURL != "" {
		st.replay = true
		fmt.Fprintf(a.out, "(YouTube has the recording: %s; the replay posts follow)\n\n", b.ReplayURL)
	}
}

func (a *app) samples(ctx context.Context, id int64) int {
	s, _ := a.store.AudienceSamples(ctx, id)
	return len(s)
}
