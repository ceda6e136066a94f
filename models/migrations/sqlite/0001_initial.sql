-- onair schema 1: campaigns, channels, broadcasts (written by the CLI or a CMS), posts, attempts.
-- Times are TEXT: onair writes RFC 3339 UTC ("2027-03-30T16:00:00.000Z"); see docs/cms-integration.md.

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
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
);

CREATE TABLE channels (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    network       TEXT NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT NOT NULL DEFAULT '',
    created_at    TEXT,
    updated_at    TEXT
);

CREATE TABLE campaign_channels (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE RESTRICT,
    PRIMARY KEY (campaign_id, channel_id)
);

CREATE TABLE broadcasts (
    id               INTEGER PRIMARY KEY,
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
);

CREATE INDEX broadcasts_to_plan ON broadcasts (id) WHERE revision <> planned_revision;
CREATE INDEX broadcasts_campaign ON broadcasts (campaign_id);
CREATE INDEX broadcasts_starts_at ON broadcasts (starts_at);

-- Any writer (onair, a CMS, a person at the sqlite3 prompt) that inserts a broadcast, or changes a
-- column the plan depends on, bumps its revision; the reconciler plans rows whose revision differs
-- from planned_revision. onair's own bookkeeping (planned_revision, error, planned_at) does not bump.
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
    OR NEW.status IS NOT OLD.status)
BEGIN
    UPDATE broadcasts
       SET revision = OLD.revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = NEW.id;
END;

CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
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
    updated_at      TEXT,
    UNIQUE (broadcast_id, channel_id, kind, step)
);

CREATE INDEX posts_due ON posts (due_at) WHERE status = 'planned';
CREATE INDEX posts_status ON posts (status, due_at);

CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    result      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    worker      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX attempts_post ON attempts (post_id);
