-- onair schema 10: results (docs/results.md). What each sent post drew on its network at the
-- campaign's checkpoints (post_metrics, onair-written), what a broadcast's live platform reported
-- after the live (platform_stats, onair-written), and the audience figures a person or a CMS gives
-- (broadcast_stats, CMS-writable). A CMS reads all three.

-- When a sent post's engagement is read: offsets after it went out, "" meaning 1h,24h,7d.
ALTER TABLE campaigns ADD COLUMN metrics_after TEXT NOT NULL DEFAULT '';

CREATE TABLE post_metrics (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    checkpoint   TEXT NOT NULL,              -- the campaign's step: 1h, 24h, 7d
    due_at       TEXT NOT NULL,              -- sent_at + checkpoint (UTC, RFC 3339)
    collected_at TEXT NOT NULL,              -- when the network was read
    status       TEXT NOT NULL DEFAULT 'ok', -- ok | gone (deleted on the network) | missed (not readable in time)
    impressions  INTEGER,                    -- NULL: the network does not say
    likes        INTEGER,
    reposts      INTEGER,
    replies      INTEGER,
    quotes       INTEGER,
    bookmarks    INTEGER,
    cost_usd     REAL NOT NULL DEFAULT 0,    -- what the read cost (X pay-per-use)
    error        TEXT NOT NULL DEFAULT '',   -- why a checkpoint was missed
    UNIQUE (post_id, checkpoint)
);
CREATE INDEX post_metrics_collected ON post_metrics (collected_at);

CREATE TABLE platform_stats (
    broadcast_id         INTEGER PRIMARY KEY REFERENCES broadcasts(id) ON DELETE CASCADE,
    platform             TEXT NOT NULL DEFAULT '',
    collected_at         TEXT NOT NULL,
    views                INTEGER,
    live_views           INTEGER,
    replay_views         INTEGER,
    watch_minutes        INTEGER,
    average_view_seconds INTEGER
);

-- Figures a person (onair broadcast stats) or a CMS gives; each overrides what onair measured.
CREATE TABLE broadcast_stats (
    broadcast_id         INTEGER PRIMARY KEY REFERENCES broadcasts(id) ON DELETE CASCADE,
    viewers              INTEGER CHECK (viewers IS NULL OR (typeof(viewers) = 'integer' AND viewers >= 0)),
    peak_viewers         INTEGER CHECK (peak_viewers IS NULL OR (typeof(peak_viewers) = 'integer' AND peak_viewers >= 0)),
    average_viewers      INTEGER CHECK (average_viewers IS NULL OR (typeof(average_viewers) = 'integer' AND average_viewers >= 0)),
    watch_minutes        INTEGER CHECK (watch_minutes IS NULL OR (typeof(watch_minutes) = 'integer' AND watch_minutes >= 0)),
    average_view_seconds INTEGER CHECK (average_view_seconds IS NULL OR (typeof(average_view_seconds) = 'integer' AND average_view_seconds >= 0)),
    replay_views         INTEGER CHECK (replay_views IS NULL OR (typeof(replay_views) = 'integer' AND replay_views >= 0)),
    note                 TEXT NOT NULL DEFAULT '',
    updated_at           TEXT
);

-- Deleting a broadcast or a post takes its results with it, whatever the writer's PRAGMA
-- foreign_keys.
CREATE TRIGGER onair_results_broadcast_unlink AFTER DELETE ON broadcasts
BEGIN
    DELETE FROM platform_stats WHERE broadcast_id = OLD.id;
    DELETE FROM broadcast_stats WHERE broadcast_id = OLD.id;
END;
CREATE TRIGGER onair_post_metrics_unlink AFTER DELETE ON posts
BEGIN
    DELETE FROM post_metrics WHERE post_id = OLD.id;
END;
CREATE TRIGGER onair_broadcast_stats_parent BEFORE INSERT ON broadcast_stats
WHEN NOT EXISTS (SELECT 1 FROM broadcasts WHERE id = NEW.broadcast_id)
BEGIN
    SELECT RAISE(ABORT, 'onair: FOREIGN KEY constraint failed: broadcast_id names no broadcast');
END;

CREATE TRIGGER onair_only_post_metrics_insert BEFORE INSERT ON post_metrics
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: post metrics are written by onair only; see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_post_metrics_update BEFORE UPDATE ON post_metrics
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: post metrics are written by onair only; see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_platform_stats_insert BEFORE INSERT ON platform_stats
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: platform stats are written by onair only; write yours in broadcast_stats (see docs/cms-integration.md)');
END;
CREATE TRIGGER onair_only_platform_stats_update BEFORE UPDATE ON platform_stats
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: platform stats are written by onair only; write yours in broadcast_stats (see docs/cms-integration.md)');
END;
