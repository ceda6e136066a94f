// Package models owns onair's domain: campaigns, channels, broadcasts, the posts planned around
// them and the attempts made to send them; their states and rules; the database schema (a public
// contract, see docs/cms-integration.md), its migrations, and the queries, gathered in one Store.
//
// It knows nothing of HTTP, networks or templates.
package models

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/onairhq/onair/models/post"
)

// BroadcastStatus is a broadcast's status, as broadcasts.status stores it.
type BroadcastStatus string

// Broadcast statuses. A CMS may write any of them; the planner reads them.
const (
	BroadcastScheduled BroadcastStatus = "scheduled"
	BroadcastLive      BroadcastStatus = "live"
	BroadcastEnded     BroadcastStatus = "ended"
	BroadcastCancelled BroadcastStatus = "cancelled"
)

// BroadcastStatuses lists the statuses a broadcast row may hold.
var BroadcastStatuses = []BroadcastStatus{BroadcastScheduled, BroadcastLive, BroadcastEnded, BroadcastCancelled}

// Kind is a post's kind. It is defined in package post, which the templates and the network
// adapters import too.
type Kind = post.Kind

// Post kinds, in the order they go out.
const (
	KindTeaser   = post.Teaser
	KindReminder = post.Reminder
	KindLive     = post.Live
	KindReplay   = post.Replay
)

// PostStatus is a post's status, as posts.status stores it.
type PostStatus string

// Post statuses (see DESIGN.md for the transitions).
const (
	PostPlanned   PostStatus = "planned"   // waits for its due time
	PostHeld      PostStatus = "held"      // a replay post waiting for its replay URL
	PostInvalid   PostStatus = "invalid"   // cannot go out as it is (text too long...): the error says why
	PostSending   PostStatus = "sending"   // claimed by a dispatcher
	PostSent      PostStatus = "sent"      // the network accepted it
	PostFailed    PostStatus = "failed"    // the network refused it for good
	PostSkipped   PostStatus = "skipped"   // its window passed before it could go out, or a person skipped it
	PostCancelled PostStatus = "cancelled" // its broadcast was cancelled or re-planned without this step
	PostUnknown   PostStatus = "unknown"   // a send was interrupted and the network cannot tell: a person must check
)

// PostStatuses lists every post status.
var PostStatuses = []PostStatus{PostPlanned, PostHeld, PostInvalid, PostSending, PostSent, PostFailed,
	PostSkipped, PostCancelled, PostUnknown}

// Pending reports whether a post in this status has not gone out and may still be re-planned.
func Pending(status PostStatus) bool {
	return status == PostPlanned || status == PostHeld || status == PostInvalid
}

// ChannelStatus is a channel's status, as channels.status stores it.
type ChannelStatus string

// Channel statuses.
const (
	ChannelActive    ChannelStatus = "active"
	ChannelPaused    ChannelStatus = "paused"
	ChannelNeedsAuth ChannelStatus = "needs-auth"
)

// Sentence joins words as a sentence does, last between the last two: "a, b and c" (last "and"),
// "x, mastodon or bluesky" (last "or").
func Sentence(words []string, last string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + last + " " + words[len(words)-1]
}

// Join writes a list of statuses or kinds for a message: "scheduled, live, ended, cancelled".
func Join[S ~string](words []S, sep string) string {
	s := make([]string, len(words))
	for i, w := range words {
		s[i] = string(w)
	}
	return strings.Join(s, sep)
}

// Campaign is a series of broadcasts that share channels, a language, a time zone and a cadence.
type Campaign struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	TimeZone     string    `json:"time_zone" gorm:"column:time_zone"`
	Lang         string    `json:"lang"`
	Teasers      string    `json:"teasers"`      // offsets before the start, e.g. "7d,3d,1d"
	Reminders    string    `json:"reminders"`    // offsets before the start, e.g. "1h,10m"
	ReplayAfter  string    `json:"replay_after"` // offsets after the end, e.g. "30m,1d"
	Hashtags     string    `json:"hashtags"`     // space-separated, each with its '#'
	TemplatesDir string    `json:"templates_dir"`
	Thread       bool      `json:"thread"`      // reminders, live and replay posts reply to the first teaser
	Visibility   string    `json:"visibility"`  // Mastodon audience: public (default), unlisted, private
	Image        string    `json:"image"`       // a picture file for teasers (and Bluesky link cards)
	ImageAlt     string    `json:"image_alt"`   // its description, for networks that take one
	ArchivedAt   Time      `json:"archived_at"` // set: archived (out of lists, no new broadcast)
	CreatedAt    Time      `json:"created_at" gorm:"autoCreateTime:false"`
	UpdatedAt    Time      `json:"updated_at" gorm:"autoUpdateTime:false"`
	Channels     []Channel `json:"channels,omitempty" gorm:"many2many:campaign_channels"`

	// SourceID is the live source the campaign follows (schema 9): its broadcasts are imported
	// from it, and their live and replay posts wait for what it says. nil: none.
	SourceID *int64 `json:"source_id,omitempty" gorm:"column:source_id"`
	// LiveGraceMinutes is how long after the planned start the "we are live" post of a followed
	// broadcast waits for the stream to really start (schema 9; default 30).
	LiveGraceMinutes int `json:"live_grace_minutes" gorm:"column:live_grace_minutes;default:30"`
}

// Location returns the campaign's time zone.
func (c *Campaign) Location() (*time.Location, error) {
	return LoadLocation(c.TimeZone)
}

// HashtagList splits Hashtags into tags, each starting with '#'.
func (c *Campaign) HashtagList() []string {
	return SplitHashtags(c.Hashtags)
}

// SplitHashtags reads "#a #b", "#a,#b" or "a b" as ["#a", "#b"].
func SplitHashtags(s string) []string {
	var tags []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if !strings.HasPrefix(f, "#") {
			f = "#" + f
		}
		if f != "#" {
			tags = append(tags, f)
		}
	}
	return tags
}

// LoadLocation loads an IANA zone name, with an error a marketer can act on.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q not known; use an IANA name such as Europe/Paris, America/New_York or UTC", name)
	}
	return loc, nil
}

// Channel is one account on one network that posts go out through.
type Channel struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Network      string        `json:"network"`
	Settings     string        `json:"settings"` // JSON object of non-secret settings (API URL, file, limits)
	Status       ChannelStatus `json:"status"`
	StatusReason string        `json:"status_reason"`
	PausedUntil  Time          `json:"paused_until"` // a rate limit holds the channel until then
	// Secrets are the channel's credentials, sealed (see Sealer): never shown, never usable
	// without onair's key.
	Secrets string `json:"-"`
	// SettingsSeal binds Network and Settings to onair's key (see Sealer.BindSettings): settings
	// changed by anything but onair no longer match it.
	SettingsSeal string `json:"-" gorm:"column:settings_seal"`
	CreatedAt    Time   `json:"created_at" gorm:"autoCreateTime:false"`
	UpdatedAt    Time   `json:"updated_at" gorm:"autoUpdateTime:false"`
}

// Broadcast is one live video. Its row is the CMS's way in: see docs/cms-integration.md.
type Broadcast struct {
	ID              int64           `json:"id"`
	ExternalRef     *string         `json:"external_ref"`
	CampaignID      *int64          `json:"campaign_id"`
	CampaignName    *string         `json:"campaign,omitempty" gorm:"column:campaign"`
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	StartsAt        Time            `json:"starts_at"`
	DurationMinutes int             `json:"duration_minutes"`
	WatchURL        string          `json:"watch_url" gorm:"column:watch_url"`
	ReplayURL       string          `json:"replay_url" gorm:"column:replay_url"`
	Status          BroadcastStatus `json:"status"`
	Revision        int64           `json:"revision"`
	PlannedRevision int64           `json:"planned_revision"`
	Error           string          `json:"error"`
	PlannedAt       Time            `json:"planned_at"`
	StartedAt       Time            `json:"started_at"` // when it really went live (onair broadcast live)
	EndedAt         Time            `json:"ended_at"`   // when it really ended (onair broadcast end)
	Image           string          `json:"image"`      // a picture file for its teasers; the campaign's when empty
	ImageAlt        string          `json:"image_alt"`
	CreatedAt       Time            `json:"created_at" gorm:"autoCreateTime:false"`
	UpdatedAt       Time            `json:"updated_at" gorm:"autoUpdateTime:false"`
	// Problems are the row's values of the wrong type (a CMS's 'abc' minutes), found when it
	// was read: the planner reports them in the row's error instead of failing every row.
	Problems []string `json:"-" gorm:"-"`
}

// DefaultDurationMinutes is a broadcast's length when its row does not say (the column's default).
const DefaultDurationMinutes = 60

// Duration is how long the broadcast lasts (one hour when the row does not say).
func (b *Broadcast) Duration() time.Duration {
	if b.DurationMinutes <= 0 {
		return time.Hour
	}
	return time.Duration(b.DurationMinutes) * time.Minute
}

// Start is when the broadcast went live, or is expected to.
func (b *Broadcast) Start() time.Time {
	if !b.StartedAt.IsZero() {
		return b.StartedAt.Time
	}
	return b.StartsAt.Time
}

// EndsAt is when the broadcast ended, or is expected to end.
func (b *Broadcast) EndsAt() time.Time {
	if !b.EndedAt.IsZero() {
		return b.EndedAt.Time
	}
	return b.Start().Add(b.Duration())
}

// Post is one message, on one channel, at one step of a broadcast's cadence.
type Post struct {
	ID             int64      `json:"id"`
	BroadcastID    int64      `json:"broadcast_id"`
	ChannelID      int64      `json:"channel_id"`
	Kind           Kind       `json:"kind"`
	Step           string     `json:"step"` // the cadence step: "7d", "1h", "0" (live), "30m" (replay)
	DueAt          Time       `json:"due_at"`
	Text           string     `json:"text"`
	Length         int        `json:"length"`
	MaxLength      int        `json:"max_length"`
	Status         PostStatus `json:"status"`
	Error          string     `json:"error"`
	Edited         bool       `json:"edited"`
	IdempotencyKey string     `json:"idempotency_key"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  Time       `json:"next_attempt_at"`
	SentAt         Time       `json:"sent_at"`
	RemoteID       string     `json:"remote_id" gorm:"column:remote_id"`
	RemoteURL      string     `json:"remote_url" gorm:"column:remote_url"`
	RemoteRef      string     `json:"remote_ref,omitempty" gorm:"column:remote_ref"` // what replying to it takes besides its id
	Options        string     `json:"options,omitempty"`                             // PostOptions as JSON, resolved when planned
	ExpiresAt      Time       `json:"expires_at"`                                    // past this, the post is useless: it is skipped, never sent stale
	LeaseOwner     string     `json:"lease_owner,omitempty"`
	LeaseExpiresAt Time       `json:"lease_expires_at"`
	// SendStartedAt is set, and committed, just before the current claim's request leaves (and
	// cleared with its outcome): a "sending" post without it never reached the network.
	SendStartedAt Time `json:"send_started_at"`
	// FirstTriedAt is when the post's first request left (zero: never tried).
	FirstTriedAt Time `json:"first_tried_at"`
	// RemoteKey is the identity the network deduplicates on when onair chooses it (Bluesky's
	// record key), fixed at the first try; empty when the network's adapter derives none.
	RemoteKey string `json:"remote_key,omitempty" gorm:"column:remote_key"`
	CreatedAt Time   `json:"created_at" gorm:"autoCreateTime:false"`
	UpdatedAt Time   `json:"updated_at" gorm:"autoUpdateTime:false"`
}

// PostOptions is what a post goes out with besides its text, resolved from its campaign and
// broadcast when it is planned (so a CMS reading posts sees it, and a re-plan updates it).
type PostOptions struct {
	Lang       string `json:"lang,omitempty"`
	Visibility string `json:"visibility,omitempty"`
	Thread     bool   `json:"thread,omitempty"` // reply in the broadcast's thread on its channel
	Image      string `json:"image,omitempty"`
	ImageAlt   string `json:"image_alt,omitempty"`
}

// Encode returns o as stored in posts.options ("" when empty).
func (o PostOptions) Encode() string {
	if o == (PostOptions{}) {
		return ""
	}
	b, _ := json.Marshal(o)
	return string(b)
}

// ParseOptions reads posts.options. Unreadable JSON (a CMS's hand edit) is an error naming it.
func (p *Post) ParseOptions() (PostOptions, error) {
	var o PostOptions
	if strings.TrimSpace(p.Options) == "" {
		return o, nil
	}
	if err := json.Unmarshal([]byte(p.Options), &o); err != nil {
		return o, fmt.Errorf("post %d options %q are not valid JSON: %v", p.ID, p.Options, err)
	}
	return o, nil
}

// Attempt is one try at sending a post.
type Attempt struct {
	ID         int64  `json:"id"`
	PostID     int64  `json:"post_id"`
	StartedAt  Time   `json:"started_at"`
	DurationMS int64  `json:"duration_ms" gorm:"column:duration_ms"`
	Result     string `json:"result"`
	Error      string `json:"error"`
	Worker     string `json:"worker"`
}
