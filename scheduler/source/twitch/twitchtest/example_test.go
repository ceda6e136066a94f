package twitchtest_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/onairhq/onair/scheduler/source"
	"github.com/onairhq/onair/scheduler/source/twitch"
	"github.com/onairhq/onair/scheduler/source/twitch/twitchtest"
)

// The demo's way: a fake Twitch on loopback, a scheduled segment and the stream that is it,
// and a source pointed at it as `onair source add twitch --channel brandlogin --api-url URL
// --token-url URL` would.
func ExampleNewServer() {
	fake := twitchtest.NewServer()
	defer fake.Close()
	t0 := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	var clock atomic.Int64 // the demo's clock, read by the server's goroutines
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	fake.Now = now
	seg := fake.AddSegment(twitchtest.Segment{Title: "Live shopping", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)})
	fake.AddStream(twitchtest.Stream{ID: "40952121085", VideoID: "2299466213", Start: t0.Add(68 * time.Minute),
		End: t0.Add(115 * time.Minute), Viewers: func(time.Time) int { return 17 }})

	src, err := twitch.Descriptor.New(source.Config{APIURL: fake.URL, TokenURL: fake.TokenURL(), Channel: "brandlogin",
		ClientID: twitchtest.DefaultClient.ID, ClientSecret: twitchtest.DefaultClient.Secret, Now: now})
	if err != nil {
		panic(err)
	}
	for _, m := range []time.Duration{0, 70 * time.Minute, 120 * time.Minute} {
		clock.Store(t0.Add(m).UnixNano())
		bs, err := src.Look(context.Background(), []string{"twitch:" + seg})
		if err != nil {
			panic(err)
		}
		fmt.Println(strings.TrimSpace(fmt.Sprint(now().Format("15:04"), " ", bs[0].State, " ", bs[0].Viewers, " ", bs[0].ReplayURL)))
	}
	// Output:
	// 18:00 upcoming -1
	// 19:10 live 17
	// 20:00 ended -1 https://www.twitch.tv/videos/2299466213
}
