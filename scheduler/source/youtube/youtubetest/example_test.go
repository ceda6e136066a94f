package youtubetest_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/onairhq/onair/scheduler/source"
	"github.com/onairhq/onair/scheduler/source/youtube"
	"github.com/onairhq/onair/scheduler/source/youtube/youtubetest"
)

// The demo's way: a fake YouTube on loopback, a broadcast that starts 12 minutes late, and a
// source pointed at it as `onair source add youtube --api-url URL --token-url URL
// --refresh-token T` would.
func ExampleNewServer() {
	fake := youtubetest.NewServer()
	defer fake.Close()
	t0 := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	var clock atomic.Int64 // the demo's clock, read by the server's goroutines
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	fake.Now = now
	fake.AddBroadcast(youtubetest.Broadcast{ID: "dQw4w9WgXcQ", Title: "Live shopping",
		ScheduledStart: t0.Add(time.Hour), LiveAt: t0.Add(72 * time.Minute), EndAt: t0.Add(2 * time.Hour),
		RecordedAt: t0.Add(2*time.Hour + 5*time.Minute), Viewers: func(time.Time) int { return 42 }})
	creds := fake.Credentials()

	src, err := youtube.Descriptor.New(source.Config{APIURL: fake.URL, TokenURL: fake.TokenURL(),
		ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: creds.RefreshToken,
		Now: now})
	if err != nil {
		panic(err)
	}
	for _, m := range []time.Duration{0, 61 * time.Minute, 80 * time.Minute, 130 * time.Minute} {
		clock.Store(t0.Add(m).UnixNano())
		bs, err := src.Look(context.Background(), []string{"youtube:dQw4w9WgXcQ"})
		if err != nil {
			panic(err)
		}
		fmt.Println(strings.TrimSpace(fmt.Sprint(now().Format("15:04"), " ", bs[0].State, " ", bs[0].Viewers, " ", bs[0].ReplayURL)))
	}
	// Output:
	// 18:00 upcoming -1
	// 19:01 upcoming -1
	// 19:20 live 42
	// 20:10 ended -1 https://www.youtube.com/watch?v=dQw4w9WgXcQ
}
