package twitchtest

import "time"

// Segment is one scripted segment of the channel's stream schedule (one occurrence: Twitch
// gives each week of a recurring segment its own id). From DeletedAt on it is gone; from
// CanceledAt on it is canceled (canceled_until set to its end). Changes are edits made on
// Twitch, each effective from its At.
type Segment struct {
	ID         string // New gives one when empty
	Title      string
	Start, End time.Time // End zero: no end time
	Category   string    // "" = none
	Recurring  bool

	CanceledAt, DeletedAt time.Time
	Changes               []SegmentChange
}

// SegmentChange is an edit of a segment, effective from At; zero fields are unchanged.
type SegmentChange struct {
	At         time.Time
	Title      string
	Start, End time.Time
}

// Stream is one scripted stream of the channel: live from Start to End (End zero: still live),
// with an archive video (the replay) from Start on unless NoArchive (the channel does not store
// past broadcasts).
type Stream struct {
	ID, VideoID string // New gives them when empty
	Title       string
	Start, End  time.Time
	// Viewers is viewer_count at t while live; nil: 0. Views is the archive's view_count at t.
	Viewers   func(t time.Time) int
	Views     func(t time.Time) int64
	NoArchive bool
	// ArchiveDelay is how long after Start the archive video appears (Twitch: a few seconds).
	ArchiveDelay time.Duration
}

func on(at, t time.Time) bool { return !at.IsZero() && !t.Before(at) }

type segmentView struct {
	gone, canceled bool
	title          string
	start, end     time.Time
}

func (g *Segment) at(t time.Time) segmentView {
	v := segmentView{title: g.Title, start: g.Start, end: g.End, gone: on(g.DeletedAt, t), canceled: on(g.CanceledAt, t)}
	for _, c := range g.Changes {
		if !on(c.At, t) {
			continue
		}
		if c.Title != "" {
			v.title = c.Title
		}
		if !c.Start.IsZero() {
			v.start = c.Start
		}
		if !c.End.IsZero() {
			v.end = c.End
		}
	}
	return v
}

func (st *Stream) live(t time.Time) bool {
	return !t.Before(st.Start) && (st.End.IsZero() || t.Before(st.End))
}

func (st *Stream) archived(t time.Time) bool {
	return !st.NoArchive && !t.Before(st.Start.Add(st.ArchiveDelay))
}
