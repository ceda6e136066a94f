package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Source statuses: an active source is read on its schedule; a paused or needs-auth one is not
// read until a person fixes it (its broadcasts then follow their planned times).
const (
	SourceActive    = "active"
	SourcePaused    = "paused"
	SourceNeedsAuth = "needs-auth"
)

// Source error kinds, as the last sync met them (sources.error_kind).
const (
	SourceErrAuth        = "auth"        // the platform refused the credentials
	SourceErrQuota       = "quota"       // the platform's quota or rate limit is spent
	SourceErrUnavailable = "unavailable" // network fault, timeout, 5xx
	SourceErrOther       = "other"       // anything else (an answer onair could not read)
)

// Source is one account on a live platform (YouTube Live, Twitch) that campaigns follow (table
// sources, schema 9). Like a channel, it is written by onair only: its settings say where its
// credentials go, and are bound to onair's key.
type Source struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Settings string `json:"settings"` // SourceSettings as JSON (no secret)
	// Secrets are the source's credentials (SourceSecrets), sealed for this source's id.
	Secrets string `json:"-"`
	// SettingsSeal binds Platform and Settings to onair's key (see Sealer.BindSourceSettings).
	SettingsSeal string `json:"-" gorm:"column:settings_seal"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason"`
	Account      string `json:"account"`
	LastSyncAt   Time   `json:"last_sync_at"` // the last sync that worked
	LastError    string `json:"last_error"`   // the last sync's error ("" when it worked)
	ErrorKind    string `json:"error_kind"`
	FailingSince Time   `json:"failing_since"` // first failed sync since the last good one
	NextPollAt   Time   `json:"next_poll_at"`
	ListedAt     Time   `json:"listed_at"` // the last read of the upcoming broadcasts
	UnitsDay     string `json:"units_day"` // the UTC day UnitsUsed counts
	UnitsUsed    int    `json:"units_used"`
	CreatedAt    Time   `json:"created_at" gorm:"autoCreateTime:false"`
	UpdatedAt    Time   `json:"updated_at" gorm:"autoUpdateTime:false"`
}

// SourceSettings are a source's settings as stored in sources.settings.
type SourceSettings struct {
	APIURL   string `json:"api_url,omitempty"`
	TokenURL string `json:"token_url,omitempty"`
	AuthURL  string `json:"auth_url,omitempty"` // the consent page (YouTube login)
	Channel  string `json:"channel,omitempty"`  // the account to read, when the platform needs it named (Twitch login)
	ClientID string `json:"client_id,omitempty"`
}

// SourceSecrets are a source's credentials, sealed in sources.secrets.
type SourceSecrets struct {
	ClientSecret string `json:"client_secret,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// ParseSettings reads the source's settings.
func (s *Source) ParseSettings() (SourceSettings, error) {
	var out SourceSettings
	if strings.TrimSpace(s.Settings) == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s.Settings), &out); err != nil {
		return out, fmt.Errorf("source %q settings are not valid JSON: %v", s.Name, err)
	}
	return out, nil
}

// Encode returns the settings as stored.
func (s SourceSettings) Encode() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// FallbackAfter is how long a platform may keep failing with a network fault, a 5xx or a short
// rate limit before its broadcasts fall back to their planned times. A spent daily quota or
// refused credentials, which do not go away in minutes, make them fall back at once.
const FallbackAfter = 2 * time.Minute

// Following reports whether onair follows what the platform says at now: the source is active
// and its last sync worked (or failed only briefly, with a fault that passes). When it does not,
// its broadcasts go by their planned times.
func (s *Source) Following(now time.Time) bool {
	if s.Status != SourceActive || s.LastSyncAt.IsZero() {
		return false
	}
	switch s.ErrorKind {
	case "":
		return true
	case SourceErrUnavailable, SourceErrOther:
		return !s.FailingSince.IsZero() && now.Sub(s.FailingSince.Time) < FallbackAfter
	case SourceErrQuota:
		// A rate limit that ends within FallbackAfter (Twitch's bucket refills each minute) is a
		// pause; a spent daily quota (YouTube: until midnight Pacific) is not.
		return !s.FailingSince.IsZero() && !s.NextPollAt.IsZero() && s.NextPollAt.Sub(s.FailingSince.Time) <= FallbackAfter &&
			now.Sub(s.FailingSince.Time) < FallbackAfter
	}
	return false
}

// Why says, when the source is not followed, why (for `source list` and `broadcast show`).
func (s *Source) Why(now time.Time) string {
	switch {
	case s.Status != SourceActive:
		if s.StatusReason != "" {
			return s.Status + ": " + s.StatusReason
		}
		return s.Status
	case s.LastError != "":
		return s.LastError
	case s.LastSyncAt.IsZero():
		return "not read yet (the daemon reads it when it starts)"
	}
	return ""
}

// --- store ---

// CreateSource stores a new source, bound to the store's key.
func (s *Store) CreateSource(ctx context.Context, src *Source) error {
	now := NewTime(s.now())
	src.CreatedAt, src.UpdatedAt = now, now
	if src.Status == "" {
		src.Status = SourceActive
	}
	if src.Settings == "" {
		src.Settings = "{}"
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.db.WithContext(ctx).Create(src).Error; err != nil {
			if isUnique(err) {
				return NameTaken("source", src.Name)
			}
			return fmt.Errorf("create source: %w", err)
		}
		seal, err := tx.bindSource(ctx, src.ID)
		src.SettingsSeal = seal
		return err
	})
}

// Sources lists every source by name.
func (s *Store) Sources(ctx context.Context) ([]Source, error) {
	var out []Source
	if err := s.db.WithContext(ctx).Order("name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}

// SourceByName finds a source; names compare case-insensitively.
func (s *Store) SourceByName(ctx context.Context, name string) (*Source, error) {
	var src Source
	err := s.db.WithContext(ctx).Where("lower(name) = lower(?)", strings.TrimSpace(name)).Take(&src).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("source %q", name))
	}
	return &src, nil
}

// SourceByID loads a source.
func (s *Store) SourceByID(ctx context.Context, id int64) (*Source, error) {
	var src Source
	if err := s.db.WithContext(ctx).Take(&src, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("source %d", id))
	}
	return &src, nil
}

// SourcesDue lists the active sources whose next read has come.
func (s *Store) SourcesDue(ctx context.Context, now time.Time) ([]Source, error) {
	var out []Source
	err := s.db.WithContext(ctx).Where("status = ? AND (next_poll_at IS NULL OR next_poll_at <= ?)", SourceActive, NewTime(now)).
		Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("sources due: %w", err)
	}
	return out, nil
}

// SourceSecretsSealed reads a source's sealed credentials as stored now.
func (s *Store) SourceSecretsSealed(ctx context.Context, id int64) (string, error) {
	var sealed []string
	if err := s.db.WithContext(ctx).Model(&Source{}).Where("id = ?", id).Pluck("secrets", &sealed).Error; err != nil {
		return "", fmt.Errorf("read credentials of source %d: %w", id, err)
	}
	if len(sealed) == 0 {
		return "", fmt.Errorf("source %d: %w", id, ErrNotFound)
	}
	return sealed[0], nil
}

// SetSourceSecrets replaces a source's sealed credentials, only if they are still prev (a
// compare-and-swap: two processes storing a rotated token cannot overwrite each other).
func (s *Store) SetSourceSecrets(ctx context.Context, id int64, prev, next string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Source{}).Where("id = ? AND secrets = ?", id, prev).
		Updates(map[string]any{"secrets": next, "updated_at": NewTime(s.now())})
	if res.Error != nil {
		return false, fmt.Errorf("store credentials of source %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// UpdateSourceSettings replaces a source's settings and binds them again to the store's key.
func (s *Store) UpdateSourceSettings(ctx context.Context, id int64, settings string) error {
	return s.Tx(ctx, func(tx *Store) error {
		err := tx.db.WithContext(ctx).Model(&Source{}).Where("id = ?", id).
			Updates(map[string]any{"settings": settings, "updated_at": NewTime(tx.now())}).Error
		if err != nil {
			return fmt.Errorf("update source %d: %w", id, err)
		}
		_, err = tx.bindSource(ctx, id)
		return err
	})
}

// SetSourceStatus sets a source's status and its reason. Making it active again clears the last
// error, so that its next read decides afresh, and makes it due now.
func (s *Store) SetSourceStatus(ctx context.Context, id int64, status, reason string) error {
	cols := map[string]any{"status": status, "status_reason": reason, "updated_at": NewTime(s.now())}
	if status == SourceActive {
		cols["last_error"], cols["error_kind"], cols["failing_since"], cols["next_poll_at"] = "", "", Time{}, Time{}
	}
	res := s.db.WithContext(ctx).Model(&Source{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("set status of source %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("source %d: %w", id, ErrNotFound)
	}
	return nil
}

// SyncOutcome is what one read of a source ends with.
type SyncOutcome struct {
	Err      string // "" when the read worked
	Kind     string // SourceErr*, with Err
	Account  string // when learnt
	NextPoll time.Time
	Listed   bool // the upcoming broadcasts were read
	Units    int  // quota units spent
	// Status, when set, is the source's new status (needs-auth after refused credentials).
	Status, StatusReason string
}

// RecordSync writes the outcome of one read of a source: when it worked (or since when it
// fails, and why), its next read, and the quota spent today.
func (s *Store) RecordSync(ctx context.Context, id int64, o SyncOutcome) error {
	now := s.now()
	return s.Tx(ctx, func(tx *Store) error {
		src, err := tx.SourceByID(ctx, id)
		if err != nil {
			return err
		}
		day := now.UTC().Format("2006-01-02")
		used := o.Units
		if src.UnitsDay == day {
			used += src.UnitsUsed
		}
		cols := map[string]any{"next_poll_at": NewTime(o.NextPoll), "units_day": day, "units_used": used,
			"last_error": o.Err, "error_kind": o.Kind, "updated_at": NewTime(now)}
		if o.Err == "" {
			cols["last_sync_at"], cols["failing_since"] = NewTime(now), Time{}
		} else if src.FailingSince.IsZero() {
			cols["failing_since"] = NewTime(now)
		}
		if o.Account != "" {
			cols["account"] = o.Account
		}
		if o.Listed {
			cols["listed_at"] = NewTime(now)
		}
		if o.Status != "" {
			cols["status"], cols["status_reason"] = o.Status, o.StatusReason
		}
		return tx.db.WithContext(ctx).Model(&Source{}).Where("id = ?", id).Updates(cols).Error
	})
}

// PollSourceNow makes a source due now (a new campaign follows it, or `source add` wants it read).
func (s *Store) PollSourceNow(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Model(&Source{}).Where("id = ?", id).Update("next_poll_at", Time{}).Error
}

// CampaignsOfSource lists the campaigns that follow a source, oldest first.
func (s *Store) CampaignsOfSource(ctx context.Context, id int64) ([]Campaign, error) {
	var out []Campaign
	err := s.db.WithContext(ctx).Preload("Channels", func(db *gorm.DB) *gorm.DB { return db.Order("name") }).
		Where("source_id = ?", id).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns of source %d: %w", id, err)
	}
	return out, nil
}

// DeleteSource removes a source no campaign follows (ErrInUse otherwise). Its broadcasts' links
// stay: they name platform broadcasts, and a source of the same platform added again follows
// them.
func (s *Store) DeleteSource(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.db.WithContext(ctx).Model(&Campaign{}).Where("source_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("source %d: %d campaign(s) follow it: %w", id, n, ErrInUse)
		}
		res := tx.db.WithContext(ctx).Delete(&Source{}, id)
		if res.Error != nil {
			return fmt.Errorf("delete source %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("source %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// SetCampaignSource makes a campaign follow a source (nil: none) with a live grace in minutes,
// and asks for its broadcasts to be planned again (their live posts wait, or no longer wait, for
// the platform).
func (s *Store) SetCampaignSource(ctx context.Context, campaignID int64, sourceID *int64, graceMinutes int) error {
	return s.Tx(ctx, func(tx *Store) error {
		err := tx.db.WithContext(ctx).Model(&Campaign{}).Where("id = ?", campaignID).Updates(map[string]any{
			"source_id": sourceID, "live_grace_minutes": graceMinutes, "updated_at": NewTime(tx.now())}).Error
		if err != nil {
			return fmt.Errorf("set the source of campaign %d: %w", campaignID, err)
		}
		if err := tx.db.WithContext(ctx).Exec(`UPDATE broadcasts SET revision = revision + 1 WHERE campaign_id = ? AND status <> ?`,
			campaignID, BroadcastCancelled).Error; err != nil {
			return err
		}
		if sourceID != nil {
			return tx.PollSourceNow(ctx, *sourceID)
		}
		return nil
	})
}

// LiveGrace is how long a followed broadcast's live post waits for the stream after the planned
// start.
func (c *Campaign) LiveGrace() time.Duration {
	if c.LiveGraceMinutes < 0 {
		return 0
	}
	return time.Duration(c.LiveGraceMinutes) * time.Minute
}

// --- sealing ---

// SealSource encrypts plaintext for the source with id: the id (and that it is a source) is
// authenticated with it, so a sealed value copied onto another row does not open.
func (s *Sealer) SealSource(id int64, plaintext []byte) string {
	return s.sealAAD(sourceAAD(id), plaintext)
}

// OpenSource decrypts a value SealSource made for the same source.
func (s *Sealer) OpenSource(id int64, sealed string) ([]byte, error) {
	plain, err := s.openAAD(sourceAAD(id), sealed)
	if err != nil {
		return nil, fmt.Errorf("source credentials: %w", err)
	}
	return plain, nil
}

func sourceAAD(id int64) []byte { return []byte("onair source " + strconv.FormatInt(id, 10)) }

// What openAAD found wrong with a sealed value; Open and OpenSource word it for their rows.
var (
	errNotSealed = errors.New("not sealed by onair (edited by hand?)")
	errDamaged   = errors.New("damaged")
	errWrongKey  = errors.New("they do not open with this secret key (check ONAIR_SECRET_KEY or the key file)")
)

// sealAAD encrypts plaintext with aad (what the row is) authenticated with it.
func (s *Sealer) sealAAD(aad, plaintext []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := s.aead.Seal(nonce, nonce, plaintext, aad)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// openAAD decrypts a value sealAAD made with the same aad.
func (s *Sealer) openAAD(aad []byte, sealed string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return nil, errNotSealed
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errDamaged
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], aad)
	if err != nil {
		return nil, errWrongKey
	}
	return plain, nil
}

// BindSourceSettings returns the seal that binds a source's platform and settings (where its
// credentials are sent) to onair's key; a CMS that changes them leaves a seal that no longer
// matches, and onair pauses the source before any credential is used.
func (s *Sealer) BindSourceSettings(id int64, platform, settings string) string {
	return s.bind("source", strconv.FormatInt(id, 10), platform, settings)
}

// SourceBound reports whether the source's seal is BindSourceSettings of its platform and settings.
func (s *Sealer) SourceBound(src Source) bool {
	return sealMatches(src.SettingsSeal, s.BindSourceSettings(src.ID, src.Platform, src.Settings))
}

// bindSource writes the seal of a source's settings as stored now, when the store has a key.
func (s *Store) bindSource(ctx context.Context, id int64) (string, error) {
	if s.sealer == nil {
		return "", nil
	}
	var src Source
	if err := s.db.WithContext(ctx).Select("id", "platform", "settings").Take(&src, id).Error; err != nil {
		return "", fmt.Errorf("bind settings of source %d: %w", id, err)
	}
	seal := s.sealer.BindSourceSettings(src.ID, src.Platform, src.Settings)
	if err := s.db.WithContext(ctx).Model(&Source{}).Where("id = ?", id).Update("settings_seal", seal).Error; err != nil {
		return "", fmt.Errorf("bind settings of source %d: %w", id, err)
	}
	return seal, nil
}
