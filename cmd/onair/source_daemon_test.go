package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/models/modelstest"
	"github.com/onairhq/onair/posting/webhook/webhooktest"
	"github.com/onairhq/onair/scheduler"
	"github.com/onairhq/onair/scheduler/source/twitch/twitchtest"
	"github.com/onairhq/onair/scheduler/source/youtube/youtubetest"
)

// The daemon binary following a fake YouTube, on the real clock: a campaign's broadcasts are
// imported from the channel, the "we are live" post waits for the stream's real start, the
// replay post goes with the platform's URL, changes on the platform re-plan, a deletion cancels,
// a kill -9 during the live loses nothing and sends nothing twice; a platform that fails or
// refuses leaves the broadcasts on their planned times.

// The daemons of these tests read their sources at syncPace (the hidden --sync-pace): every
// interval of the schedule a tenth as long, so a timeline of hours passes in seconds; every wait
// and bound below is worked out from it (testSync), as the schedule's own would be.
const syncPace = 0.1

var testSync = scheduler.SyncConfig{}.Paced(syncPace)

// liveLagMax is how late the live post may go after the real start: one read at the pace near a
// live (NearEvery), the daemon's look for the sources due a read, and a few seconds to plan and
// send on a loaded machine (at pace 1: 20 s + 5 s + 3 s). It stays under one read at the pace
// while live: a daemon reading that slowly near a live would miss it.
var liveLagMax = testSync.NearEvery + testSync.NearEvery/4 + 3*time.Second

// sourceDaemon starts the daemon binary on db, reading its sources at syncPace, and waits until
// it runs: the timelines of the tests are set from then on, however slow the start.
func sourceDaemon(t *testing.T, db string) *daemonProc {
	t.Helper()
	d := netdDaemon(t, db, "--sync-pace", fmt.Sprint(syncPace))
	waitLog(t, d, "daemon started")
	return d
}

// after is the later of a and b.
func after(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sourceDB is the database of an end-to-end source test on each engine.
func sourceDBs(t *testing.T) []string {
	t.Helper()
	dbs := []string{t.TempDir() + "/onair.db"}
	if dsn := modelstest.Postgres(t); dsn != "" {
		useKeyFile(t, dsn)
		dbs = append(dbs, dsn)
	}
	return dbs
}

func engineName(db string) string {
	if models.IsPostgres(db) {
		return "postgres"
	}
	return "sqlite"
}

// ytE2E sets up a webhook channel, a YouTube source on yt and a campaign following it.
func ytE2E(t *testing.T, db string, yt *youtubetest.Server, recv *webhooktest.Receiver) (*session, *models.Store) {
	t.Helper()
	s := &session{t: t, db: db, now: time.Now()}
	creds := yt.Credentials()
	s.ok("init")
	s.ok("channel", "add", "webhook", "--name", "hook", "--url", recv.URL, "--secret-env", "HOOK_SECRET", "--timeout", "2s")
	s.now = time.Now()
	s.ok("source", "add", "youtube", "--name", "brand-yt", "--client-id", creds.ClientID, "--client-secret", creds.ClientSecret,
		"--refresh-token", creds.RefreshToken, "--api-url", yt.URL, "--token-url", yt.TokenURL())
	s.now = time.Now()
	s.ok("campaign", "add", "Live shopping", "--tz", "UTC", "--lang", "en", "--channels", "hook",
		"--teasers", "", "--reminders", "", "--replay-after", "2s", "--source", "brand-yt")
	return s, netdStore(t, db)
}

func byRef(t *testing.T, store *models.Store, ref string) *models.Broadcast {
	t.Helper()
	b, err := store.BroadcastByExternalRef(context.Background(), ref)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	b, err = store.BroadcastByID(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func deliveredKinds(recv *webhooktest.Receiver, broadcast int64) map[models.Kind][]webhooktest.Delivery {
	out := map[models.Kind][]webhooktest.Delivery{}
	for _, d := range recv.Deliveries() {
		if d.Payload.BroadcastID == broadcast {
			k := models.Kind(d.Payload.Kind)
			out[k] = append(out[k], d)
		}
	}
	return out
}

// TestSourceYouTubeEndToEnd: import and plan; a reschedule and a deletion on YouTube; a start
// later than planned holds the live post, which goes within liveLagMax of the real start;
// kill -9 during the live; the end and the recording found after the restart send the replay
// post with YouTube's URL; every post went out once.
func TestSourceYouTubeEndToEnd(t *testing.T) {
	endToEnd(t)
	for _, db := range sourceDBs(t) {
		t.Run(engineName(db), func(t *testing.T) {
			t.Parallel()
			yt := youtubetest.New(t)
			recv := webhooktest.New(t, hookSecret, nil)
			// The planned start is imported at the setup; if the setup is slow and it passes
			// first, nothing changes: the live post is held for the stream, which YouTube only
			// starts once the daemon runs (below).
			t0 := time.Now()
			planned := t0.Add(6 * time.Second)
			late := yt.AddBroadcast(youtubetest.Broadcast{Title: "Spring collection", ScheduledStart: planned,
				ScheduledEnd: planned.Add(30 * time.Minute), Viewers: func(time.Time) int { return 42 }})
			moved := yt.AddBroadcast(youtubetest.Broadcast{Title: "Summer preview", ScheduledStart: t0.Add(72 * time.Hour)})
			gone := yt.AddBroadcast(youtubetest.Broadcast{Title: "Autumn", ScheduledStart: t0.Add(100 * time.Hour)})

			s, store := ytE2E(t, db, yt, recv)
			lateB := byRef(t, store, "youtube:"+late)
			if p := netdSelect(netdPosts(t, store), lateB.ID, "hook"); len(p) != 2 || p[0].Kind != models.KindLive || p[0].Status != models.PostHeld {
				t.Fatalf("the imported broadcast's posts: %v; want its live post held, and its replay post", p)
			}
			if b := byRef(t, store, "youtube:"+moved); b.Title != "Summer preview" {
				t.Fatalf("moved = %+v", b)
			}

			// One broadcast is moved on YouTube, another deleted: `source sync` follows.
			changed := time.Now()
			yt.Update(moved, func(b *youtubetest.Broadcast) {
				b.Changes = []youtubetest.Change{{At: changed, Title: "Summer preview (new date)", ScheduledStart: t0.Add(96 * time.Hour)}}
			})
			yt.Update(gone, func(b *youtubetest.Broadcast) { b.DeletedAt = changed })
			s.now = time.Now()
			out := s.ok("source", "sync", "brand-yt")
			if !strings.Contains(out, "1 updated, 1 cancelled") {
				t.Errorf("source sync after the changes on YouTube: %s", out)
			}
			if b := byRef(t, store, "youtube:"+moved); b.Title != "Summer preview (new date)" || !b.StartsAt.Equal(t0.Add(96*time.Hour).Truncate(time.Second)) &&
				b.StartsAt.Sub(t0.Add(96*time.Hour)).Abs() > time.Second {
				t.Errorf("rescheduled on YouTube: %q at %v, want the new title at %v", b.Title, b.StartsAt, t0.Add(96*time.Hour))
			}
			if b := byRef(t, store, "youtube:"+gone); b.Status != models.BroadcastCancelled {
				t.Errorf("deleted on YouTube: %s", b.Status)
			}

			// The stream starts three near reads after the planned start (or after the daemon
			// started, if later); it ends soon after the live post, while onair is down.
			d := sourceDaemon(t, db)
			live := after(planned, time.Now()).Add(3 * testSync.NearEvery).Truncate(time.Second)
			end := live.Add(liveLagMax + 2*time.Second)
			yt.Update(late, func(b *youtubetest.Broadcast) { b.LiveAt, b.EndAt, b.RecordedAt = live, end, end })

			// The planned start passes with no stream: no "we are live".
			time.Sleep(time.Until(live.Add(-testSync.NearEvery / 2)))
			if got := deliveredKinds(recv, lateB.ID)[models.KindLive]; len(got) != 0 {
				t.Fatalf("the live post went at %v, before the stream started (planned %v, live %v)", got[0].At, planned, live)
			}
			if !netdWait(time.Until(live.Add(3*liveLagMax)), func() bool { return len(deliveredKinds(recv, lateB.ID)[models.KindLive]) == 1 }) {
				t.Fatalf("no live post after the real start:\n%v\n%s", netdPosts(t, store), d.stderr.String())
			}
			sent := deliveredKinds(recv, lateB.ID)[models.KindLive][0]
			if lag := sent.At.Sub(live); lag < 0 || lag > liveLagMax {
				t.Errorf("the live post went %v after the real start, want within %v", lag, liveLagMax)
			}
			b := byRef(t, store, "youtube:"+late)
			if b.Status != models.BroadcastLive || b.StartedAt.Sub(live).Abs() > time.Second {
				t.Errorf("broadcast after the start: %s since %v, want live since %v", b.Status, b.StartedAt, live)
			}

			// kill -9 in the middle of the live; the stream ends while onair is down.
			d.kill9()
			time.Sleep(time.Until(end.Add(time.Second)))
			d = sourceDaemon(t, db)
			if !netdWait(10*time.Second+testSync.ReplayEvery, func() bool { return len(deliveredKinds(recv, lateB.ID)[models.KindReplay]) == 1 }) {
				t.Fatalf("no replay post after the end:\n%v\n%s", netdPosts(t, store), d.stderr.String())
			}
			replay := deliveredKinds(recv, lateB.ID)[models.KindReplay][0]
			if !strings.Contains(replay.Payload.Text, "https://www.youtube.com/watch?v="+late) || replay.Payload.ReplayURL != "https://www.youtube.com/watch?v="+late {
				t.Errorf("replay post: %q (replay URL %q)", replay.Payload.Text, replay.Payload.ReplayURL)
			}
			b = byRef(t, store, "youtube:"+late)
			if b.Status != models.BroadcastEnded || b.EndedAt.Sub(end).Abs() > time.Second {
				t.Errorf("broadcast after the end: %s at %v, want ended at %v", b.Status, b.EndedAt, end)
			}
			d.stop(t)
			for key, n := range recv.Requests() {
				if n != 1 {
					t.Errorf("post %s was sent %d times", key, n)
				}
			}
			if n := len(recv.Deliveries()); n != 2 {
				t.Errorf("%d posts delivered, want the live and the replay posts", n)
			}
			if samples, _ := store.AudienceSamples(context.Background(), b.ID); len(samples) == 0 || samples[0].Viewers != 42 {
				t.Errorf("audience samples = %+v", samples)
			}
			show := s.ok("broadcast", "show", fmt.Sprint(b.ID))
			if !strings.Contains(show, "ended at") || !strings.Contains(show, "replay https://www.youtube.com/watch?v="+late) {
				t.Errorf("broadcast show:\n%s", show)
			}
		})
	}
}

// TestSourceFailuresFallBack: YouTube's quota spent, or the access revoked: the live post goes at
// the planned start all the same, `source list` says why and what fixes it.
func TestSourceFailuresFallBack(t *testing.T) {
	endToEnd(t)
	for _, c := range []struct {
		name, status, fix string
		fail              func(yt *youtubetest.Server)
	}{
		{"quota", "failing (quota)", "quota resets", func(yt *youtubetest.Server) {
			for _, e := range []string{youtubetest.EndpointChannels, youtubetest.EndpointLiveBroadcasts, youtubetest.EndpointVideos} {
				yt.FailNext(e, slices.Repeat([]youtubetest.Fault{youtubetest.QuotaExceeded}, 100)...)
			}
		}},
		{"auth", "needs-auth", "onair source login brand-yt", func(yt *youtubetest.Server) { yt.Revoke() }},
	} {
		for _, db := range sourceDBs(t) {
			t.Run(c.name+"/"+engineName(db), func(t *testing.T) {
				t.Parallel()
				yt := youtubetest.New(t)
				recv := webhooktest.New(t, hookSecret, nil)
				// Imported an hour ahead, then moved on YouTube to a few seconds after the setup,
				// however long that took: the daemon is up before the planned start.
				id := yt.AddBroadcast(youtubetest.Broadcast{Title: "Never starts", ScheduledStart: time.Now().Add(time.Hour)})
				s, store := ytE2E(t, db, yt, recv)
				b := byRef(t, store, "youtube:"+id)
				planned := time.Now().Add(8 * time.Second).Truncate(time.Second)
				yt.Update(id, func(b *youtubetest.Broadcast) { b.ScheduledStart = planned })
				s.now = time.Now()
				if out := s.ok("source", "sync", "brand-yt"); !strings.Contains(out, "1 updated") {
					t.Fatalf("source sync after the move on YouTube: %s", out)
				}
				c.fail(yt)
				d := sourceDaemon(t, db)
				if !netdWait(time.Until(planned.Add(15*time.Second)), func() bool { return len(deliveredKinds(recv, b.ID)[models.KindLive]) == 1 }) {
					t.Fatalf("no live post with YouTube failing:\n%v\n%s", netdPosts(t, store), d.stderr.String())
				}
				sent := deliveredKinds(recv, b.ID)[models.KindLive][0]
				if lag := sent.At.Sub(planned); lag < -time.Second || lag > 5*time.Second {
					t.Errorf("the live post went %v after the planned start, want at it\n%s", lag, d.stderr.String())
				}
				d.stop(t)
				s.now = time.Now()
				out := s.ok("source", "list")
				if !strings.Contains(out, c.status) || !strings.Contains(out, "planned times") || !strings.Contains(out, c.fix) {
					t.Errorf("source list:\n%s\nwant %q and %q", out, c.status, c.fix)
				}
				var views []sourceView
				if err := json.Unmarshal([]byte(s.ok("source", "list", "--json")), &views); err != nil || len(views) != 1 || views[0].Following {
					t.Errorf("source list --json = %+v, %v", views, err)
				}
				if show := s.ok("broadcast", "show", fmt.Sprint(b.ID)); !strings.Contains(show, "NOT followed") {
					t.Errorf("broadcast show:\n%s", show)
				}
			})
		}
	}
}

// TestSourceTwitchEndToEnd: a Twitch schedule segment is imported; its stream starts late: the
// live post waits for it and goes within liveLagMax; the stream ends and its archive video is the
// replay, sent with its URL.
func TestSourceTwitchEndToEnd(t *testing.T) {
	endToEnd(t)
	for _, db := range sourceDBs(t) {
		t.Run(engineName(db), func(t *testing.T) {
			t.Parallel()
			tw := twitchtest.New(t)
			recv := webhooktest.New(t, hookSecret, nil)
			planned := time.Now().Add(6 * time.Second) // passing during a slow setup changes nothing: see the YouTube test
			seg := tw.AddSegment(twitchtest.Segment{Title: "Spring drop", Start: planned, End: planned.Add(time.Hour)})
			s := &session{t: t, db: db, now: time.Now()}
			s.ok("init")
			s.ok("channel", "add", "webhook", "--name", "hook", "--url", recv.URL, "--secret-env", "HOOK_SECRET", "--timeout", "2s")
			s.ok("source", "add", "twitch", "--name", "brand-tw", "--channel", twitchtest.DefaultUser.Login,
				"--client-id", twitchtest.DefaultClient.ID, "--client-secret", twitchtest.DefaultClient.Secret,
				"--api-url", tw.URL, "--token-url", tw.TokenURL())
			s.now = time.Now()
			s.ok("campaign", "add", "Drops", "--tz", "UTC", "--lang", "en", "--channels", "hook",
				"--teasers", "", "--reminders", "", "--replay-after", "1s", "--source", "brand-tw")
			store := netdStore(t, db)
			b := byRef(t, store, "twitch:"+seg)
			if b.Title != "Spring drop" || b.StartsAt.Sub(planned).Abs() > time.Second || b.DurationMinutes != 60 {
				t.Fatalf("imported segment = %+v", b)
			}
			// The stream starts three near reads after the planned start (or after the daemon
			// started, if later), and ends once the live post went.
			d := sourceDaemon(t, db)
			live := after(planned, time.Now()).Add(3 * testSync.NearEvery).Truncate(time.Second)
			end := live.Add(liveLagMax + time.Second)
			tw.AddStream(twitchtest.Stream{Title: "Spring drop", Start: live, End: end, Viewers: func(time.Time) int { return 7 }})
			time.Sleep(time.Until(live.Add(-testSync.NearEvery / 2)))
			if got := deliveredKinds(recv, b.ID)[models.KindLive]; len(got) != 0 {
				t.Fatalf("the live post went before the stream started")
			}
			if !netdWait(time.Until(live.Add(3*liveLagMax)), func() bool { return len(deliveredKinds(recv, b.ID)[models.KindLive]) == 1 }) {
				t.Fatalf("no live post after the stream started:\n%v\n%s", netdPosts(t, store), d.stderr.String())
			}
			if lag := deliveredKinds(recv, b.ID)[models.KindLive][0].At.Sub(live); lag < 0 || lag > liveLagMax {
				t.Errorf("the live post went %v after the real start, want within %v", lag, liveLagMax)
			}
			// The end is seen at the next read while live; the archive at most a replay read later.
			if !netdWait(time.Until(end.Add(testSync.LiveEvery+2*testSync.ReplayEvery+liveLagMax)), func() bool { return len(deliveredKinds(recv, b.ID)[models.KindReplay]) == 1 }) {
				t.Fatalf("no replay post after the stream ended:\n%v\n%s", netdPosts(t, store), d.stderr.String())
			}
			replay := deliveredKinds(recv, b.ID)[models.KindReplay][0]
			if !strings.HasPrefix(replay.Payload.ReplayURL, "https://www.twitch.tv/videos/") {
				t.Errorf("replay URL %q, want the archive video's", replay.Payload.ReplayURL)
			}
			d.stop(t)
			b = byRef(t, store, "twitch:"+seg)
			if b.StartedAt.Sub(live).Abs() > time.Second || b.EndedAt.IsZero() {
				t.Errorf("broadcast: live since %v (want %v), ended %v", b.StartedAt, live, b.EndedAt)
			}
		})
	}
}

// TestDemoSource: `onair demo --fast --source` follows a fake YouTube on loopback: the live post
// goes once YouTube says the stream is live (late), the replay once it has the recording.
func TestDemoSource(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	cmd := exec.Command(binary, "demo", "--fast", "--source")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ONAIR_DB=", "ONAIR_SECRET_KEY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo --fast --source: %v\n%s", err, out)
	}
	text := string(out)
	sending := text[strings.Index(text, "Sending,"):]
	pos := 0
	// The narration of the start and the live post may come in either order.
	if i, j := strings.Index(sending, "· live 0 ·"), strings.Index(sending, "YouTube says the stream went live"); i < 0 || j < 0 ||
		i > strings.Index(sending, "· replay 3s ·") {
		t.Fatalf("demo output lacks the live post or the narration of the start, before the replay:\n%s", text)
	}
	for _, w := range []string{"· reminder 4s ·", "· live 0 ·", "· replay 3s ·", "Done: 5 posts went out"} {
		i := strings.Index(sending[pos:], w)
		if i < 0 {
			t.Fatalf("demo output lacks %q after position %d:\n%s", w, pos, text)
		}
		pos += i
	}
	if strings.Contains(text, "level=ERROR") {
		t.Errorf("the demo logged an error:\n%s", text)
	}
}

// TestSourcePostgresOneReader: two daemons share a PostgreSQL database; only the elected one
// reads the source (one GoLive, from one daemon), and the live post goes once.
func TestSourcePostgresOneReader(t *testing.T) {
	endToEnd(t)
	dsn := modelstest.Postgres(t)
	if dsn == "" {
		t.Skip("PostgreSQL only")
	}
	useKeyFile(t, dsn)
	yt := youtubetest.New(t)
	recv := webhooktest.New(t, hookSecret, nil)
	planned := time.Now().Add(6 * time.Second)
	id := yt.AddBroadcast(youtubetest.Broadcast{Title: "Shared", ScheduledStart: planned})
	_, store := ytE2E(t, dsn, yt, recv)
	b := byRef(t, store, "youtube:"+id)
	d1, d2 := sourceDaemon(t, dsn), sourceDaemon(t, dsn)
	live := after(planned, time.Now()).Add(2 * testSync.NearEvery)
	yt.Update(id, func(b *youtubetest.Broadcast) { b.LiveAt = live })
	if !netdWait(time.Until(live.Add(3*liveLagMax)), func() bool { return len(deliveredKinds(recv, b.ID)[models.KindLive]) == 1 }) {
		t.Fatalf("no live post:\n%s\n---\n%s", d1.stderr.String(), d2.stderr.String())
	}
	time.Sleep(testSync.NearEvery + testSync.NearEvery/4) // a second reader would have read the live by now
	d1.stop(t)
	d2.stop(t)
	said := 0
	for _, d := range []*daemonProc{d1, d2} {
		if strings.Contains(d.stderr.String(), "broadcast is live on its platform") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("%d daemons marked the broadcast live from YouTube, want the elected one only", said)
	}
	if n := len(recv.Deliveries()); n != 1 {
		t.Errorf("%d posts delivered, want the live post once", n)
	}
}
