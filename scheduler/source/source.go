// Package source reads live platforms (YouTube Live, Twitch): what a channel has scheduled, when
// a stream really starts and ends, where its replay is, and how many people watch. Each platform
// is one sub-package (source/youtube, source/twitch) exporting one Descriptor, like the networks
// of package posting; its fake server for tests lives beside it (youtubetest, twitchtest).
//
// A Source only reads: it never changes anything on the platform, and it knows nothing of the
// database. The scheduler's source sync turns what it reads into broadcasts and lifecycle moves
// (GoLive at the actual start, End, SetReplay) and audience samples.
package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// State is where a platform's broadcast is in its life, in onair's words.
type State string

const (
	StateUpcoming  State = "upcoming"  // scheduled, not started (YouTube created/ready)
	StateTesting   State = "testing"   // a YouTube test stream: not live for viewers yet
	StateLive      State = "live"      // viewers can watch it now
	StateEnded     State = "ended"     // over; the replay may not be ready yet (see ReplayURL)
	StateCancelled State = "cancelled" // deleted, revoked or cancelled on the platform
)

// Broadcast is what a platform says about one scheduled, live or past broadcast.
type Broadcast struct {
	// Ref names the broadcast across platforms: "youtube:VIDEO_ID", "twitch:SEGMENT_ID". It is
	// what onair stores in broadcasts.external_ref / source_ref.
	Ref            string
	Title          string
	Description    string
	ScheduledStart time.Time
	ScheduledEnd   time.Time // zero when the platform does not say
	ActualStart    time.Time // zero until the stream really started
	ActualEnd      time.Time // zero until it really ended
	State          State
	WatchURL       string
	ThumbnailURL   string // a picture for its teasers, when the platform has one
	// ReplayURL is where the recording can be watched, set once the platform says it is ready
	// (YouTube recordingStatus "recorded"; Twitch's archive video of the same stream).
	ReplayURL string
	// Viewers is the number of concurrent viewers while live; -1 when the platform did not say.
	Viewers int
	// StreamID is the platform's id of the stream that was (or is) this broadcast live, when
	// it differs from the broadcast's own id (Twitch: the stream tied to a schedule segment);
	// "" otherwise. Look finds it again in the platform's archives, or from what Resume gave.
	StreamID string
}

// Source is one account on one live platform.
type Source interface {
	// Upcoming lists the account's broadcasts scheduled and not yet started.
	Upcoming(ctx context.Context) ([]Broadcast, error)
	// Look returns the current state of the broadcasts named by refs (each with this source's
	// prefix), in any order. A broadcast the platform no longer knows (deleted) is returned with
	// State StateCancelled, so that the caller can tell "gone" from "not asked".
	Look(ctx context.Context, refs []string) ([]Broadcast, error)
	// Check verifies the credentials and settings with one cheap call, and says what the account
	// is and what its budget allows.
	Check(ctx context.Context) (Info, error)
}

// Info is what Check learns about the account.
type Info struct {
	Account string // the channel's name on the platform
	// DailyUnits is the quota the platform grants per day (YouTube: 10,000 units by default);
	// 0 when the platform limits by rate only (Twitch's token bucket).
	DailyUnits int
	// UnitsPerLook is what one Look (or Upcoming) costs in DailyUnits.
	UnitsPerLook int
	// RequestsPerMinute is the platform's rate limit, when it limits by rate (Twitch: the
	// token bucket's size, refilled each minute); 0 when it did not say.
	RequestsPerMinute int
}

// Config is what a source is built from: the settings stored with it and its credentials.
type Config struct {
	APIURL   string // the platform's API base URL (a proxy or a fake in tests); "" = the real one
	TokenURL string // the OAuth token endpoint; "" = the real one
	// AnalyticsURL is YouTube Analytics' base URL (Stats); "" = APIURL when that is set (one
	// fake serves both), else the real one.
	AnalyticsURL string
	// Channel is the account to read when the platform needs it named (Twitch login).
	Channel      string
	ClientID     string
	ClientSecret string
	RefreshToken string // YouTube: the OAuth refresh token from `onair source login`
	HTTPClient   *http.Client
	// OnRefreshToken is called when the platform rotates the refresh token, so that the caller
	// can store the new one; may be nil.
	OnRefreshToken func(token string)
	// Now is the clock (quota resets, matching streams to segments); nil = time.Now.
	Now func() time.Time
}

// Descriptor describes a platform once: the CLI lists descriptors, the scheduler builds sources
// from them.
type Descriptor struct {
	Platform  string // "youtube", "twitch": stored in sources.platform
	Title     string // "YouTube Live"
	RefPrefix string // "youtube:"
	// NeedsChannel reports whether Config.Channel must be set (Twitch).
	NeedsChannel bool
	// NeedsLogin reports whether a refresh token from a browser consent is needed (YouTube).
	NeedsLogin bool
	New        func(Config) (Source, error)
}

// Error kinds a Source returns, so that the sync can act without parsing messages.
var (
	// ErrAuth: the credentials were refused or revoked; the source is paused until someone
	// logs in again.
	ErrAuth = errors.New("the platform refused the credentials")
	// ErrQuota: the platform's quota or rate limit is spent; try again at Error.Until.
	ErrQuota = errors.New("the platform's quota is spent")
	// ErrUnavailable: a network fault, a timeout or a 5xx; try again later.
	ErrUnavailable = errors.New("the platform is unavailable")
)

// Error is a failure of a platform call. Kind is one of ErrAuth, ErrQuota, ErrUnavailable (or
// nil for anything else, such as a malformed answer); errors.Is(err, ErrAuth) works on it.
type Error struct {
	Kind   error
	Until  time.Time // for ErrQuota: when to try again (zero: the platform did not say)
	Status int       // the HTTP status, 0 when no answer came
	Err    error     // what the platform said
}

func (e *Error) Error() string {
	if e.Kind == nil {
		return e.Err.Error()
	}
	if e.Err == nil {
		return e.Kind.Error()
	}
	return fmt.Sprintf("%v: %v", e.Kind, e.Err)
}

func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Stats are a broadcast's audience figures as its platform reports them after the live. A
// figure the platform does not give is -1.
type Stats struct {
	Views        int64 // all views, live and replay
	LiveViews    int64 // views during the live (YouTube Analytics liveOrOnDemand=LIVE)
	ReplayViews  int64 // views of the recording afterwards (ON_DEMAND; Twitch: the archive's view_count)
	WatchMinutes int64 // total time watched, in minutes (YouTube estimatedMinutesWatched)
	// AverageViewSeconds is the average time one view lasted (YouTube averageViewDuration).
	AverageViewSeconds int64
}

// Resumer is implemented by sources whose Look ties what it sees to a broadcast only while it
// watches (Twitch: a stream to a schedule segment). After a restart, the sync calls Resume once
// with what it last knew of the broadcasts it was following (Ref, State, ActualStart, StreamID
// when stored), so that a stream that ended while the daemon was down is seen as ended.
type Resumer interface {
	Resume(known []Broadcast)
}

// StatsReader is implemented by sources that can report a past broadcast's audience (for
// `onair report`). Figures may lag: YouTube Analytics takes up to 72 hours.
type StatsReader interface {
	Stats(ctx context.Context, ref string) (Stats, error)
}
