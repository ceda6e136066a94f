-- onair:foreign-keys-off
-- onair schema 5: ids are never reused. Every table a row id of which another row, a CMS or a
-- person may hold (campaigns, channels, broadcasts, posts, attempts) is rebuilt with
-- AUTOINCREMENT: a deleted channel's id never comes back for the next channel, whose posts would
-- otherwise go out through it. The data is copied as it is; indexes and triggers are recreated
-- unchanged. The migration runs with foreign keys off (SQLite's table rebuild) and checks them
-- before it commits.
PRAGMA legacy_alter_table = ON;


-- campaigns
CREATE TABLE campaigns_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    time_zone     TEXT NOT NULL DEFAULT 'UTC',
    lang          TEXT NOT NULL DEFAULT 'en',
    teasers       TEXT NOT NULL DEFAULT '',
    reminders     TEXT NOT NULL DEFAULT '',
    replay_after  TEXT NOT NULL DEFAULT '',
    hashtags      TEXT NOT NULL DEFAULT '',
    templates_dir TEXT NOT NULL DEFAULT '',
    created_at    TEXT,
    updated_at    TEXT
, thread INTEGER NOT NULL DEFAULT 0, visibility TEXT NOT NULL DEFAULT '', image TEXT NOT NULL DEFAULT '', image_alt TEXT NOT NULL DEFAULT '');
INSERT INTO campaigns_new (id, name, time_zone, lang, teasers, reminders, replay_after, hashtags, templates_dir, created_at, updated_at, thread, visibility, image, image_alt)
    SELECT id, name, time_zone, lang, teasers, reminders, replay_after, hashtags, templates_dir, created_at, updated_at, thread, visibility, image, image_alt FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_new RENAME TO campaigns;
CREATE TRIGGER onair_campaigns_keep BEFORE DELETE ON campaigns
WHEN EXISTS (SELECT 1 FROM broadcasts WHERE campaign_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this campaign has broadcasts and cannot be deleted');
END;
CREATE TRIGGER onair_campaigns_unlink AFTER DELETE ON campaigns
BEGIN
    DELETE FROM campaign_channels WHERE campaign_id = OLD.id;
END;
CREATE TRIGGER onair_only_campaigns_insert BEFORE INSERT ON campaigns
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: campaigns are written by onair only (onair campaign add); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_campaigns_update BEFORE UPDATE ON campaigns
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: campaigns are written by onair only (onair campaign edit); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_campaigns_delete BEFORE DELETE ON campaigns
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: campaigns are written by onair only; see docs/cms-integration.md');
END;

-- channels
CREATE TABLE channels_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    network       TEXT NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT NOT NULL DEFAULT '',
    created_at    TEXT,
    updated_at    TEXT
, paused_until TEXT, secrets TEXT NOT NULL DEFAULT '', settings_seal TEXT NOT NULL DEFAULT '');
INSERT INTO channels_new (id, name, network, settings, status, status_reason, created_at, updated_at, paused_until, secrets, settings_seal)
    SELECT id, name, network, settings, status, status_reason, created_at, updated_at, paused_until, secrets, settings_seal FROM channels;
DROP TABLE channels;
ALTER TABLE channels_new RENAME TO channels;
CREATE TRIGGER onair_channels_keep BEFORE DELETE ON channels
WHEN EXISTS (SELECT 1 FROM posts WHERE channel_id = OLD.id)
  OR EXISTS (SELECT 1 FROM campaign_channels WHERE channel_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this channel has posts or campaigns and cannot be deleted');
END;
CREATE TRIGGER onair_only_channels_insert BEFORE INSERT ON channels
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: channels are written by onair only (onair channel add); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_channels_update BEFORE UPDATE ON channels
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: channels are written by onair only (onair channel ...); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_channels_delete BEFORE DELETE ON channels
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: channels are written by onair only; see docs/cms-integration.md');
END;

-- broadcasts
CREATE TABLE broadcasts_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    external_ref     TEXT UNIQUE,
    campaign_id      INTEGER REFERENCES campaigns(id) ON DELETE RESTRICT,
    campaign         TEXT,
    title            TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    starts_at        TEXT,
    duration_minutes INTEGER NOT NULL DEFAULT 60,
    watch_url        TEXT NOT NULL DEFAULT '',
    replay_url       TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'scheduled',
    revision         INTEGER NOT NULL DEFAULT 0,
    planned_revision INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    planned_at       TEXT,
    created_at       TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
, started_at TEXT, ended_at TEXT, image TEXT NOT NULL DEFAULT '', image_alt TEXT NOT NULL DEFAULT '');
INSERT INTO broadcasts_new (id, external_ref, campaign_id, campaign, title, description, starts_at, duration_minutes, watch_url, replay_url, status, revision, planned_revision, error, planned_at, created_at, updated_at, started_at, ended_at, image, image_alt)
    SELECT id, external_ref, campaign_id, campaign, title, description, starts_at, duration_minutes, watch_url, replay_url, status, revision, planned_revision, error, planned_at, created_at, updated_at, started_at, ended_at, image, image_alt FROM broadcasts;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
CREATE INDEX broadcasts_to_plan ON broadcasts (id) WHERE revision <> planned_revision;
CREATE INDEX broadcasts_campaign ON broadcasts (campaign_id);
CREATE INDEX broadcasts_starts_at ON broadcasts (starts_at);
CREATE TRIGGER broadcasts_revision_insert AFTER INSERT ON broadcasts
BEGIN
    UPDATE broadcasts SET revision = NEW.revision + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER broadcasts_revision_update AFTER UPDATE ON broadcasts
WHEN NEW.revision IS OLD.revision AND (
       NEW.campaign_id IS NOT OLD.campaign_id OR NEW.campaign IS NOT OLD.campaign
    OR NEW.title IS NOT OLD.title OR NEW.description IS NOT OLD.description
    OR NEW.starts_at IS NOT OLD.starts_at OR NEW.duration_minutes IS NOT OLD.duration_minutes
    OR NEW.watch_url IS NOT OLD.watch_url OR NEW.replay_url IS NOT OLD.replay_url
    OR NEW.status IS NOT OLD.status
    OR NEW.started_at IS NOT OLD.started_at OR NEW.ended_at IS NOT OLD.ended_at
    OR NEW.image IS NOT OLD.image OR NEW.image_alt IS NOT OLD.image_alt)
BEGIN
    UPDATE broadcasts
       SET revision = OLD.revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = NEW.id;
END;
CREATE TRIGGER onair_broadcasts_keep BEFORE DELETE ON broadcasts
WHEN EXISTS (SELECT 1 FROM posts WHERE broadcast_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this broadcast has posts and cannot be deleted; set status = ''cancelled'' instead');
END;
CREATE TRIGGER onair_broadcasts_campaign_insert BEFORE INSERT ON broadcasts
WHEN NEW.campaign_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaigns WHERE id = NEW.campaign_id)
BEGIN
    SELECT RAISE(ABORT, 'onair: FOREIGN KEY constraint failed: campaign_id names no campaign');
END;
CREATE TRIGGER onair_broadcasts_campaign_update BEFORE UPDATE OF campaign_id ON broadcasts
WHEN NEW.campaign_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaigns WHERE id = NEW.campaign_id)
BEGIN
    SELECT RAISE(ABORT, 'onair: FOREIGN KEY constraint failed: campaign_id names no campaign');
END;
CREATE TRIGGER onair_only_broadcasts_bookkeeping_insert BEFORE INSERT ON broadcasts
WHEN (NEW.planned_revision IS NOT 0 OR NEW.error IS NOT '' OR NEW.planned_at IS NOT NULL)
 AND NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: planned_revision, error and planned_at are written by onair only');
END;
CREATE TRIGGER onair_only_broadcasts_bookkeeping_update BEFORE UPDATE ON broadcasts
WHEN (NEW.planned_revision IS NOT OLD.planned_revision OR NEW.error IS NOT OLD.error
      OR NEW.planned_at IS NOT OLD.planned_at OR NEW.id IS NOT OLD.id)
 AND NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: id, planned_revision, error and planned_at are written by onair only');
END;

-- posts
CREATE TABLE posts_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE RESTRICT,
    channel_id      INTEGER NOT NULL REFERENCES channels(id) ON DELETE RESTRICT,
    kind            TEXT NOT NULL,
    step            TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    text            TEXT NOT NULL DEFAULT '',
    length          INTEGER NOT NULL DEFAULT 0,
    max_length      INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'planned',
    error           TEXT NOT NULL DEFAULT '',
    edited          INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at         TEXT,
    remote_id       TEXT NOT NULL DEFAULT '',
    remote_url      TEXT NOT NULL DEFAULT '',
    created_at      TEXT,
    updated_at      TEXT, lease_owner TEXT NOT NULL DEFAULT '', lease_expires_at TEXT, expires_at TEXT, options TEXT NOT NULL DEFAULT '', remote_ref TEXT NOT NULL DEFAULT '',
    UNIQUE (broadcast_id, channel_id, kind, step)
);
INSERT INTO posts_new (id, broadcast_id, channel_id, kind, step, due_at, text, length, max_length, status, error, edited, idempotency_key, attempts, next_attempt_at, sent_at, remote_id, remote_url, created_at, updated_at, lease_owner, lease_expires_at, expires_at, options, remote_ref)
    SELECT id, broadcast_id, channel_id, kind, step, due_at, text, length, max_length, status, error, edited, idempotency_key, attempts, next_attempt_at, sent_at, remote_id, remote_url, created_at, updated_at, lease_owner, lease_expires_at, expires_at, options, remote_ref FROM posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
-- Claims walk due posts in (due_at, id) order and stop at their batch size: the index gives that
-- order, so a claim never sorts every due post (60,000 due at once took 190 ms to sort; 500 claimed).
CREATE INDEX posts_due ON posts (due_at, id) WHERE status = 'planned';
CREATE INDEX posts_status ON posts (status, due_at);
CREATE INDEX posts_leases ON posts (lease_expires_at) WHERE status = 'sending';
CREATE INDEX posts_expiry ON posts (expires_at) WHERE status IN ('planned', 'held');
CREATE INDEX posts_retries ON posts (next_attempt_at) WHERE status = 'planned' AND next_attempt_at IS NOT NULL;
CREATE INDEX posts_thread ON posts (broadcast_id, channel_id) WHERE status = 'sent';
CREATE TRIGGER onair_posts_parents_insert BEFORE INSERT ON posts
WHEN NOT EXISTS (SELECT 1 FROM broadcasts WHERE id = NEW.broadcast_id)
  OR NOT EXISTS (SELECT 1 FROM channels WHERE id = NEW.channel_id)
BEGIN
    SELECT RAISE(ABORT, 'onair: FOREIGN KEY constraint failed: a post needs its broadcast and its channel');
END;
CREATE TRIGGER onair_posts_parents_update BEFORE UPDATE OF broadcast_id, channel_id ON posts
WHEN NOT EXISTS (SELECT 1 FROM broadcasts WHERE id = NEW.broadcast_id)
  OR NOT EXISTS (SELECT 1 FROM channels WHERE id = NEW.channel_id)
BEGIN
    SELECT RAISE(ABORT, 'onair: FOREIGN KEY constraint failed: a post needs its broadcast and its channel');
END;
CREATE TRIGGER onair_only_posts_insert BEFORE INSERT ON posts
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: posts are planned by onair only; a CMS writes broadcasts');
END;
CREATE TRIGGER onair_only_posts_delete BEFORE DELETE ON posts
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: posts are deleted by onair only; skip a post instead (status = ''skipped'')');
END;
CREATE TRIGGER onair_only_posts_update BEFORE UPDATE ON posts
WHEN (NEW.id IS NOT OLD.id OR NEW.broadcast_id IS NOT OLD.broadcast_id OR NEW.channel_id IS NOT OLD.channel_id
      OR NEW.kind IS NOT OLD.kind OR NEW.step IS NOT OLD.step OR NEW.due_at IS NOT OLD.due_at
      OR NEW.length IS NOT OLD.length OR NEW.max_length IS NOT OLD.max_length
      OR NEW.idempotency_key IS NOT OLD.idempotency_key OR NEW.attempts IS NOT OLD.attempts
      OR NEW.next_attempt_at IS NOT OLD.next_attempt_at OR NEW.sent_at IS NOT OLD.sent_at
      OR NEW.remote_id IS NOT OLD.remote_id OR NEW.remote_url IS NOT OLD.remote_url
      OR NEW.remote_ref IS NOT OLD.remote_ref OR NEW.options IS NOT OLD.options
      OR NEW.expires_at IS NOT OLD.expires_at OR NEW.lease_owner IS NOT OLD.lease_owner
      OR NEW.lease_expires_at IS NOT OLD.lease_expires_at OR NEW.created_at IS NOT OLD.created_at
      OR (NEW.status IS NOT OLD.status
          AND NOT (NEW.status = 'skipped' AND OLD.status IN ('planned', 'held', 'invalid')))
      OR ((NEW.text IS NOT OLD.text OR NEW.edited IS NOT OLD.edited)
          AND OLD.status NOT IN ('planned', 'held', 'invalid')))
 AND NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: a CMS may only edit the text of a post not yet sent, or skip it (status = ''skipped''); see docs/cms-integration.md');
END;

-- attempts
CREATE TABLE attempts_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    result      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    worker      TEXT NOT NULL DEFAULT ''
);
INSERT INTO attempts_new (id, post_id, started_at, duration_ms, result, error, worker)
    SELECT id, post_id, started_at, duration_ms, result, error, worker FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_new RENAME TO attempts;
CREATE INDEX attempts_post ON attempts (post_id);
CREATE TRIGGER onair_only_attempts_insert BEFORE INSERT ON attempts
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: attempts are written by onair only');
END;
CREATE TRIGGER onair_only_attempts_update BEFORE UPDATE ON attempts
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: attempts are written by onair only');
END;

PRAGMA legacy_alter_table = OFF;

-- The daemon's next wake-up asks for the earliest expiry of a held replay post: an index of held
-- posts alone answers it in one lookup (over the expiry index of every pending post, it walked
-- past each planned one: 170 ms a wake at 1,000,000 posts, the idle cost that grew with them).
CREATE INDEX posts_held ON posts (expires_at) WHERE status = 'held';

-- The clock's moves (scheduled -> live at the start, live -> ended at the end) look for
-- scheduled broadcasts whose start has come and live ones: each in an index of its own, so a
-- reconcile does not scan every broadcast.
CREATE INDEX broadcasts_scheduled ON broadcasts (starts_at) WHERE status = 'scheduled';
CREATE INDEX broadcasts_live ON broadcasts (id) WHERE status = 'live';
