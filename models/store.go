package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned when a row asked for by id or name does not exist.
var ErrNotFound = errors.New("not found")

// Store is onair's database: every query the rest of the program makes goes through it.
type Store struct {
	db     *gorm.DB
	now    func() time.Time
	engine string    // EngineSQLite or EnginePostgres
	conn   *sql.Conn // PostgreSQL, in a transaction: its connection (COPY goes through it)
	sealer *Sealer   // binds the channel settings the store writes (UseSealer); nil: none
}

// Engines.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Engine is the database engine: EngineSQLite or EnginePostgres.
func (s *Store) Engine() string { return s.engine }

// Options tune Open.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
	// Daemon, when set, names a daemon's PostgreSQL sessions (their application_name), so that
	// `onair status` finds the daemons running on a database (see Daemons).
	Daemon *DaemonInfo
}

// SQLiteDSN turns a file path into the DSN onair opens SQLite with: WAL so readers never block
// the writer, a busy timeout and immediate write transactions so that onair and a CMS writing the
// same file wait for each other instead of failing with "database is locked", full sync so a
// "sent" mark survives power loss, and foreign keys on.
func SQLiteDSN(path string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate&_synchronous=FULL&_foreign_keys=on"
}

// Open opens the database and migrates it to the latest schema: a SQLite file at path (created if
// needed), or, when path is a postgres:// URL, a PostgreSQL database.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	s, err := openAs(path, opts.Daemon)
	if err != nil {
		return nil, err
	}
	s.now = opts.Now
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", redactIf(path), err)
	}
	return s, nil
}

// OpenUnmigrated opens the database without touching its schema (tests of migrations use it).
func OpenUnmigrated(path string) (*Store, error) {
	s, err := open(path)
	if err != nil {
		return nil, err
	}
	s.now = time.Now
	return s, nil
}

func open(path string) (*Store, error) { return openAs(path, nil) }

func openAs(path string, daemon *DaemonInfo) (*Store, error) {
	engine, dial := EngineSQLite, sqlite.New(sqlite.Config{DriverName: SQLiteDriver(), DSN: SQLiteDSN(path)})
	shown := path
	if IsPostgres(path) {
		pool, err := openPostgres(path, daemon)
		if err != nil {
			return nil, err
		}
		engine, dial = EnginePostgres, postgres.New(postgres.Config{Conn: pool})
		shown = Redact(path)
	}
	db, err := gorm.Open(dial, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	if engine == EnginePostgres {
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		if err := sqlDB.Ping(); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", shown, err)
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
	}
	return &Store{db: db, engine: engine}, nil
}

// Close releases the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB exposes the GORM handle for the scheduler's own queries in tests.
func (s *Store) DB() *gorm.DB { return s.db }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Tx runs fn in one write transaction. On PostgreSQL the transaction runs on a connection the
// store keeps, so that bulk writes (COPY) that bypass database/sql join it.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	db, conn := s.db.WithContext(ctx), s.conn
	if s.engine == EnginePostgres && conn == nil {
		sqlDB, err := s.db.DB()
		if err != nil {
			return err
		}
		if conn, err = sqlDB.Conn(ctx); err != nil {
			return err
		}
		defer conn.Close()
		db.Statement.ConnPool = conn
	}
	return db.Transaction(func(db *gorm.DB) error {
		return fn(&Store{db: db, now: s.now, engine: s.engine, conn: conn, sealer: s.sealer})
	})
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

// NewIdempotencyKey returns a fresh key for a post. It never changes afterwards: the networks
// that deduplicate see the same key on every retry of that post. Its first 48 bits are the
// time in milliseconds and the other 80 random (the layout of a UUIDv7), so keys made together
// sort together: the unique index on posts.idempotency_key grows at one end, instead of a
// bulk plan touching a page of it for every post (on SQLite, rewriting most of the index into
// the write-ahead log at each commit).
func NewIdempotencyKey() string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err)
	}
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return "onair-" + hex.EncodeToString(b[:])
}

// --- channels ---

// CreateChannel stores a new channel.
func (s *Store) CreateChannel(ctx context.Context, ch *Channel) error {
	now := NewTime(s.now())
	ch.CreatedAt, ch.UpdatedAt = now, now
	if ch.Status == "" {
		ch.Status = ChannelActive
	}
	if ch.Settings == "" {
		ch.Settings = "{}"
	}
	if err := s.db.WithContext(ctx).Create(ch).Error; err != nil {
		if isUnique(err) {
			return NameTaken("channel", ch.Name)
		}
		return fmt.Errorf("create channel: %w", err)
	}
	seal, err := s.bindSettings(ctx, ch.ID)
	ch.SettingsSeal = seal
	return err
}

// Channels lists every channel by name.
func (s *Store) Channels(ctx context.Context) ([]Channel, error) {
	var out []Channel
	err := s.db.WithContext(ctx).Order("name").Find(&out).Error
	return out, err
}

// ChannelByName finds a channel.
func (s *Store) ChannelByName(ctx context.Context, name string) (*Channel, error) {
	var ch Channel
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&ch).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("channel %q", name))
	}
	return &ch, nil
}

// ChannelsByID loads channels by id.
func (s *Store) ChannelsByID(ctx context.Context, ids []int64) (map[int64]Channel, error) {
	var list []Channel
	out := map[int64]Channel{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	for _, c := range list {
		out[c.ID] = c
	}
	return out, nil
}

// --- campaigns ---

// linkChannel puts a channel in a campaign.
const linkChannel = `INSERT INTO campaign_channels (campaign_id, channel_id) VALUES (?, ?)`

// CreateCampaign stores a campaign and links it to the named channels.
func (s *Store) CreateCampaign(ctx context.Context, c *Campaign, channelNames []string) error {
	return s.Tx(ctx, func(tx *Store) error {
		var chans []Channel
		for _, n := range channelNames {
			ch, err := tx.ChannelByName(ctx, n)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					return NoSuchChannel(n)
				}
				return err
			}
			chans = append(chans, *ch)
		}
		now := NewTime(tx.now())
		c.CreatedAt, c.UpdatedAt = now, now
		c.Channels = nil
		if err := tx.db.WithContext(ctx).Omit("Channels").Create(c).Error; err != nil {
			if isUnique(err) {
				return NameTaken("campaign", c.Name)
			}
			return fmt.Errorf("create campaign: %w", err)
		}
		for _, ch := range chans {
			if err := tx.db.WithContext(ctx).Exec(linkChannel, c.ID, ch.ID).Error; err != nil {
				return fmt.Errorf("link channel %s: %w", ch.Name, err)
			}
		}
		c.Channels = chans
		return nil
	})
}

// Campaigns lists every campaign with its channels.
func (s *Store) Campaigns(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	err := s.db.WithContext(ctx).Preload("Channels", func(db *gorm.DB) *gorm.DB { return db.Order("name") }).
		Order("name").Find(&out).Error
	return out, err
}

// CampaignByID loads a campaign with its channels.
func (s *Store) CampaignByID(ctx context.Context, id int64) (*Campaign, error) {
	var c Campaign
	err := s.db.WithContext(ctx).Preload("Channels", func(db *gorm.DB) *gorm.DB { return db.Order("name") }).
		Take(&c, id).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("campaign %d", id))
	}
	return &c, nil
}

// CampaignByName loads a campaign with its channels; names compare case-insensitively.
func (s *Store) CampaignByName(ctx context.Context, name string) (*Campaign, error) {
	var c Campaign
	err := s.db.WithContext(ctx).Preload("Channels", func(db *gorm.DB) *gorm.DB { return db.Order("name") }).
		Where("lower(name) = lower(?)", strings.TrimSpace(name)).Take(&c).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("campaign %q", name))
	}
	return &c, nil
}

// CampaignNames lists campaign names, for error messages that suggest what exists.
func (s *Store) CampaignNames(ctx context.Context) ([]string, error) {
	var names []string
	err := s.db.WithContext(ctx).Model(&Campaign{}).Order("name").Pluck("name", &names).Error
	return names, err
}

// --- broadcasts ---

// CreateBroadcast stores a new broadcast; the trigger gives it revision 1, so it gets planned.
func (s *Store) CreateBroadcast(ctx context.Context, b *Broadcast) error {
	now := NewTime(s.now())
	b.CreatedAt, b.UpdatedAt = now, now
	if b.Status == "" {
		b.Status = BroadcastScheduled
	}
	if b.DurationMinutes == 0 {
		b.DurationMinutes = DefaultDurationMinutes // the column's default: unset, not zero
	}
	if err := s.db.WithContext(ctx).Omit("Revision", "PlannedRevision").Create(b).Error; err != nil {
		if isUnique(err) {
			return fmt.Errorf("a broadcast with external ref %q already exists", deref(b.ExternalRef))
		}
		return fmt.Errorf("create broadcast: %w", err)
	}
	return s.db.WithContext(ctx).Take(b, b.ID).Error
}

// BroadcastByID loads one broadcast.
func (s *Store) BroadcastByID(ctx context.Context, id int64) (*Broadcast, error) {
	list, err := findBroadcasts(s.db.WithContext(ctx).Model(&Broadcast{}).Where("id = ?", id).Limit(1))
	if err != nil {
		return nil, fmt.Errorf("broadcast %d: %w", id, err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("broadcast %d: %w", id, ErrNotFound)
	}
	return &list[0], nil
}

// BroadcastByExternalRef loads the broadcast a CMS (or `--ref`) gave this reference.
func (s *Store) BroadcastByExternalRef(ctx context.Context, ref string) (*Broadcast, error) {
	var b Broadcast
	if err := s.db.WithContext(ctx).Where("external_ref = ?", ref).Take(&b).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("broadcast %q", ref))
	}
	return &b, nil
}

// BroadcastFilter narrows ListBroadcasts.
type BroadcastFilter struct {
	CampaignID int64
	Status     BroadcastStatus
	From, To   time.Time // only broadcasts starting in [From, To) (zero: unbounded)
	Limit      int       // 0: no limit
	Offset     int
}

// CountBroadcasts counts the broadcasts a filter matches (ignoring its limit).
func (s *Store) CountBroadcasts(ctx context.Context, f BroadcastFilter) (int64, error) {
	q := s.db.WithContext(ctx).Model(&Broadcast{})
	if f.CampaignID != 0 {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var n int64
	err := q.Count(&n).Error
	return n, err
}

// ListBroadcasts lists broadcasts by start time.
func (s *Store) ListBroadcasts(ctx context.Context, f BroadcastFilter) ([]Broadcast, error) {
	q := s.db.WithContext(ctx).Model(&Broadcast{})
	if f.CampaignID != 0 {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if !f.From.IsZero() {
		q = q.Where("starts_at >= ?", NewTime(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("starts_at < ?", NewTime(f.To))
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit).Offset(f.Offset)
	}
	return findBroadcasts(q.Order("starts_at, id"))
}

// UpdateBroadcast writes the given columns of a broadcast (the trigger bumps its revision when
// the plan depends on them).
func (s *Store) UpdateBroadcast(ctx context.Context, id int64, cols map[string]any) error {
	cols["updated_at"] = NewTime(s.now())
	res := s.db.WithContext(ctx).Model(&Broadcast{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update broadcast %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("broadcast %d: %w", id, ErrNotFound)
	}
	return nil
}

// BroadcastIDsToPlan returns broadcasts whose revision differs from their planned revision:
// new or changed rows, whoever wrote them.
func (s *Store) BroadcastIDsToPlan(ctx context.Context, limit int) ([]int64, error) {
	return s.BroadcastIDsToPlanAfter(ctx, 0, limit)
}

// BroadcastIDsToPlanAfter is BroadcastIDsToPlan from the id after on: a reconcile pass walks the
// rows to plan while it writes the plans of those before.
func (s *Store) BroadcastIDsToPlanAfter(ctx context.Context, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Broadcast{}).Where("revision <> planned_revision AND id > ?", after).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// AckPlan records that revision was planned, with the plan's error ("" when it went well). It
// does nothing if the row changed again meanwhile: the reconciler will plan it once more.
func (s *Store) AckPlan(ctx context.Context, id, revision int64, planErr string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(
		`UPDATE broadcasts SET planned_revision = ?, error = ?, planned_at = ? WHERE id = ? AND revision = ?`,
		revision, planErr, NewTime(s.now()), id, revision)
	return res.RowsAffected == 1, res.Error
}

// PlanAck is one broadcast's AckPlan, for AckPlans.
type PlanAck struct {
	ID, Revision int64
	Error        string
}

// ackRows is how many acks one statement carries (3 parameters each).
const ackRows = 500

// AckPlans is AckPlan for many broadcasts, a few statements for all of them (a row changed
// again meanwhile is left alone, as AckPlan does).
func (s *Store) AckPlans(ctx context.Context, acks []PlanAck) error {
	now := NewTime(s.now())
	for start := 0; start < len(acks); start += ackRows {
		chunk := acks[start:min(start+ackRows, len(acks))]
		var b strings.Builder
		args := make([]any, 0, 3*len(chunk)+1)
		b.WriteString("WITH v(id, revision, error) AS (VALUES ")
		for i, a := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT))")
			args = append(args, a.ID, a.Revision, a.Error)
		}
		b.WriteString(`) UPDATE broadcasts SET planned_revision = v.revision, error = v.error, planned_at = ?
			FROM v WHERE broadcasts.id = v.id AND broadcasts.revision = v.revision`)
		args = append(args, now)
		if err := s.db.WithContext(ctx).Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("record %d plans: %w", len(chunk), err)
		}
	}
	return nil
}

// --- posts ---

// PostsOfBroadcast lists a broadcast's posts in due order.
func (s *Store) PostsOfBroadcast(ctx context.Context, broadcastID int64) ([]Post, error) {
	var out []Post
	err := s.db.WithContext(ctx).Where("broadcast_id = ?", broadcastID).
		Order("due_at, channel_id, id").Find(&out).Error
	return out, err
}

// PostsOfBroadcasts loads the posts of several broadcasts, grouped by broadcast, in due order.
func (s *Store) PostsOfBroadcasts(ctx context.Context, ids []int64) (map[int64][]Post, error) {
	out := map[int64][]Post{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []Post
	if err := s.db.WithContext(ctx).Where("broadcast_id IN ?", ids).Order("due_at, channel_id, id").Find(&list).Error; err != nil {
		return nil, err
	}
	for _, p := range list {
		out[p.BroadcastID] = append(out[p.BroadcastID], p)
	}
	return out, nil
}

// PostFilter narrows ListPosts.
type PostFilter struct {
	BroadcastID int64
	ChannelID   int64
	Status      PostStatus
	Statuses    []PostStatus // or any of these
	Since       time.Time    // only posts changed (updated_at) at or after this
	From, To    time.Time    // only posts due in [From, To) (zero: unbounded)
	Limit       int
}

// ListPosts lists posts in due order.
func (s *Store) ListPosts(ctx context.Context, f PostFilter) ([]Post, error) {
	q := s.db.WithContext(ctx).Model(&Post{})
	if f.BroadcastID != 0 {
		q = q.Where("broadcast_id = ?", f.BroadcastID)
	}
	if f.ChannelID != 0 {
		q = q.Where("channel_id = ?", f.ChannelID)
	}
	// Statuses go in as literals (each one of PostStatuses), so that SQLite can use the partial
	// index of a status (posts_due for planned posts), which a bound value never matches.
	var statuses []string
	for _, st := range append([]PostStatus{f.Status}, f.Statuses...) {
		if st == "" {
			continue
		}
		if !slices.Contains(PostStatuses, st) {
			return nil, fmt.Errorf("post status %q not known; use one of %s", st, Join(PostStatuses, ", "))
		}
		statuses = append(statuses, "'"+string(st)+"'")
	}
	switch {
	case f.Status != "":
		q = q.Where("status = " + statuses[0])
		if len(statuses) > 1 {
			q = q.Where("status IN (" + strings.Join(statuses[1:], ", ") + ")")
		}
	case len(statuses) > 0:
		q = q.Where("status IN (" + strings.Join(statuses, ", ") + ")")
	}
	if !f.Since.IsZero() {
		q = q.Where("updated_at >= ?", NewTime(f.Since))
	}
	if !f.From.IsZero() {
		q = q.Where("due_at >= ?", NewTime(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("due_at < ?", NewTime(f.To))
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var out []Post
	err := q.Order("due_at, channel_id, id").Find(&out).Error
	return out, err
}

// PostByID loads one post.
func (s *Store) PostByID(ctx context.Context, id int64) (*Post, error) {
	var p Post
	if err := s.db.WithContext(ctx).Take(&p, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("post %d", id))
	}
	return &p, nil
}

// UpdatePost writes the given columns of a post, only while the post is still in one of the
// statuses given (so a re-plan never overwrites a post a dispatcher has just claimed). It
// reports whether the post was updated.
func (s *Store) UpdatePost(ctx context.Context, id int64, whileIn []PostStatus, cols map[string]any) (bool, error) {
	cols["updated_at"] = NewTime(s.now())
	q := s.db.WithContext(ctx).Model(&Post{}).Where("id = ?", id)
	if len(whileIn) > 0 {
		q = q.Where("status IN ?", whileIn)
	}
	res := q.Updates(cols)
	return res.RowsAffected == 1, res.Error
}

// CountPostsByStatus counts a broadcast's posts in each status.
func (s *Store) CountPostsByStatus(ctx context.Context, broadcastIDs []int64) (map[int64]map[PostStatus]int, error) {
	type row struct {
		BroadcastID int64
		Status      PostStatus
		N           int
	}
	var rows []row
	out := map[int64]map[PostStatus]int{}
	if len(broadcastIDs) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Model(&Post{}).Select("broadcast_id, status, count(*) AS n").
		Where("broadcast_id IN ?", broadcastIDs).Group("broadcast_id, status").Scan(&rows).Error
	for _, r := range rows {
		if out[r.BroadcastID] == nil {
			out[r.BroadcastID] = map[PostStatus]int{}
		}
		out[r.BroadcastID][r.Status] = r.N
	}
	return out, err
}

// IsConflict reports whether err is a unique-constraint violation: another writer got there first.
func IsConflict(err error) bool { return isUnique(err) }

func isUnique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		strings.Contains(err.Error(), "duplicate key value violates unique constraint"))
}

func redactIf(path string) string {
	if IsPostgres(path) {
		return Redact(path)
	}
	return path
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ValidWatchURL checks a watch or replay URL: absolute http(s).
func ValidWatchURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL %q is not a full web address; write it like https://x.com/i/broadcasts/1ABC", s)
	}
	return nil
}

// UpdateCampaign saves a campaign's settings and, when channelNames is not nil, replaces its
// channels; then it bumps the revision of the campaign's broadcasts that are not cancelled, so
// they are re-planned. It returns how many broadcasts were bumped.
func (s *Store) UpdateCampaign(ctx context.Context, c *Campaign, channelNames []string) (int, error) {
	var n int
	err := s.Tx(ctx, func(tx *Store) error {
		c.UpdatedAt = NewTime(tx.now())
		err := tx.db.WithContext(ctx).Model(&Campaign{}).Where("id = ?", c.ID).Updates(map[string]any{
			"time_zone": c.TimeZone, "lang": c.Lang, "teasers": c.Teasers, "reminders": c.Reminders,
			"replay_after": c.ReplayAfter, "hashtags": c.Hashtags, "templates_dir": c.TemplatesDir,
			"thread": c.Thread, "visibility": c.Visibility, "image": c.Image, "image_alt": c.ImageAlt,
			"updated_at": c.UpdatedAt,
		}).Error
		if err != nil {
			return fmt.Errorf("update campaign: %w", err)
		}
		if channelNames != nil {
			var ids []int64
			for _, name := range channelNames {
				ch, err := tx.ChannelByName(ctx, name)
				if errors.Is(err, ErrNotFound) {
					return NoSuchChannel(name)
				} else if err != nil {
					return err
				}
				ids = append(ids, ch.ID)
			}
			if err := tx.db.WithContext(ctx).Exec(`DELETE FROM campaign_channels WHERE campaign_id = ?`, c.ID).Error; err != nil {
				return err
			}
			for _, id := range ids {
				if err := tx.db.WithContext(ctx).Exec(linkChannel, c.ID, id).Error; err != nil {
					return err
				}
			}
		}
		res := tx.db.WithContext(ctx).Exec(`UPDATE broadcasts SET revision = revision + 1 WHERE campaign_id = ? AND status <> ?`,
			c.ID, BroadcastCancelled)
		n = int(res.RowsAffected)
		return res.Error
	})
	return n, err
}

func gormExpr(sql string) any { return gorm.Expr(sql) }

// BroadcastsByID loads broadcasts by id.
func (s *Store) BroadcastsByID(ctx context.Context, ids []int64) (map[int64]Broadcast, error) {
	out := map[int64]Broadcast{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := findBroadcasts(s.db.WithContext(ctx).Model(&Broadcast{}).Where("id IN ?", ids))
	if err != nil {
		return nil, err
	}
	for _, b := range list {
		out[b.ID] = b
	}
	return out, nil
}

// Optimize refreshes the table statistics, without which SQLite's query planner scans every
// planned post for queries a partial index answers in one lookup, and PostgreSQL (whose
// autovacuum analyses a table only after a share of it changed) still believes, right after a
// large plan pass, that posts is tiny.
func (s *Store) Optimize(ctx context.Context) error {
	return s.db.WithContext(ctx).Exec("ANALYZE").Error
}

// Checkpoint folds the write-ahead log back into the database file, so it does not grow.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.engine == EnginePostgres {
		return nil // PostgreSQL's own checkpointer does this
	}
	return s.db.WithContext(ctx).Exec("PRAGMA wal_checkpoint(PASSIVE)").Error
}

// SQLDB returns the underlying connection pool (the PostgreSQL elector pins a connection of it).
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// UpdateChannelSettings replaces a channel's settings (JSON).
func (s *Store) UpdateChannelSettings(ctx context.Context, id int64, settings string) error {
	err := s.db.WithContext(ctx).Model(&Channel{}).Where("id = ?", id).
		Updates(map[string]any{"settings": settings, "updated_at": NewTime(s.now())}).Error
	if err != nil {
		return fmt.Errorf("update channel %d: %w", id, err)
	}
	_, err = s.bindSettings(ctx, id)
	return err
}
