package youtubetest

import (
	"time"
)

// Broadcast is one scripted YouTube live broadcast: what the channel scheduled, and when each
// step of its life happens on the server's clock (a zero time: never). At time t the broadcast
// is, in order of precedence: gone (t >= DeletedAt), revoked (t >= RevokedAt), complete (t >=
// EndAt; recordingStatus recorded from RecordedAt), live (t >= LiveAt), testing (t >= TestAt),
// else ready. A late start is a LiveAt after ScheduledStart; a broadcast that never starts has
// no LiveAt.
type Broadcast struct {
	ID             string // the video id; New gives one when empty
	Title          string
	Description    string
	ScheduledStart time.Time
	ScheduledEnd   time.Time // zero: none

	TestAt time.Time
	LiveAt time.Time // the actual start
	// Starting is how long the transitions last: testStarting from TestAt, liveStarting up to
	// LiveAt (YouTube: a few seconds). Zero: none.
	Starting   time.Duration
	EndAt      time.Time
	RecordedAt time.Time
	RevokedAt  time.Time
	DeletedAt  time.Time

	// Changes are edits made on YouTube: each applies from its At on (a reschedule, a new
	// title).
	Changes []Change
	// Viewers is the number of concurrent viewers at t while live; nil: 0. HideViewers makes
	// YouTube leave concurrentViewers out (the channel hides the count).
	Viewers     func(t time.Time) int
	HideViewers bool
	// Views is statistics.viewCount at t; nil: 0.
	Views func(t time.Time) int64
	// NoThumbnail leaves the broadcast without thumbnails; MaxRes adds a maxres one (an HD
	// custom thumbnail).
	NoThumbnail, MaxRes bool
	Privacy             string // default "public"
}

// Change is an edit of a broadcast on YouTube, effective from At. Zero fields are unchanged.
type Change struct {
	At                           time.Time
	Title, Description           string
	ScheduledStart, ScheduledEnd time.Time
}

// Analytics are a video's YouTube Analytics figures, per liveOrOnDemand, available from
// AvailableAt (Analytics lags up to 72 hours).
type Analytics struct {
	AvailableAt                                      time.Time
	LiveViews, LiveMinutes, LiveAverageSeconds       int64
	ReplayViews, ReplayMinutes, ReplayAverageSeconds int64
}

// moment is a broadcast as YouTube shows it at one time.
type moment struct {
	gone                         bool
	life, recording              string
	title, description           string
	scheduledStart, scheduledEnd time.Time
	actualStart, actualEnd       time.Time
	viewers                      int
	views                        int64
}

func on(at, t time.Time) bool { return !at.IsZero() && !t.Before(at) }

func (b *Broadcast) at(t time.Time) moment {
	m := moment{title: b.Title, description: b.Description, scheduledStart: b.ScheduledStart, scheduledEnd: b.ScheduledEnd,
		life: "ready", recording: "notRecording"}
	for _, c := range b.Changes {
		if !on(c.At, t) {
			continue
		}
		if c.Title != "" {
			m.title = c.Title
		}
		if c.Description != "" {
			m.description = c.Description
		}
		if !c.ScheduledStart.IsZero() {
			m.scheduledStart = c.ScheduledStart
		}
		if !c.ScheduledEnd.IsZero() {
			m.scheduledEnd = c.ScheduledEnd
		}
	}
	switch {
	case on(b.DeletedAt, t):
		m.gone = true
	case on(b.RevokedAt, t):
		m.life = "revoked"
	case on(b.EndAt, t):
		m.life, m.recording = "complete", "recording"
		if on(b.RecordedAt, t) {
			m.recording = "recorded"
		}
		m.actualStart, m.actualEnd = b.LiveAt, b.EndAt
	case on(b.LiveAt, t):
		m.life, m.recording, m.actualStart = "live", "recording", b.LiveAt
		if b.Viewers != nil {
			m.viewers = b.Viewers(t)
		}
	case b.Starting > 0 && on(b.LiveAt.Add(-b.Starting), t):
		m.life = "liveStarting"
	case b.Starting > 0 && on(b.TestAt, t) && t.Before(b.TestAt.Add(b.Starting)):
		m.life = "testStarting"
	case on(b.TestAt, t):
		m.life = "testing"
	}
	if m.actualStart.IsZero() && m.life == "complete" {
		m.actualStart = b.EndAt
	}
	if b.Views != nil {
		m.views = b.Views(t)
	}
	return m
}
