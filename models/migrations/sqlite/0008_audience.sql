-- onair schema 8: audience samples. While a broadcast is live, onair reads its live platform
-- (YouTube, Twitch; see docs/sources.md) about once a minute and keeps how many people were
-- watching at that moment. A CMS reads them; only onair writes them.
CREATE TABLE audience_samples (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    sampled_at   TEXT NOT NULL,              -- when the platform was read (UTC, RFC 3339)
    viewers      INTEGER NOT NULL,           -- concurrent viewers at that moment
    platform     TEXT NOT NULL DEFAULT ''    -- youtube | twitch
);
CREATE INDEX audience_samples_broadcast ON audience_samples (broadcast_id, sampled_at);

-- Deleting a broadcast (onair broadcast delete) takes its samples with it, whatever the
-- writer's PRAGMA foreign_keys.
CREATE TRIGGER onair_audience_samples_unlink AFTER DELETE ON broadcasts
BEGIN
    DELETE FROM audience_samples WHERE broadcast_id = OLD.id;
END;

CREATE TRIGGER onair_only_audience_insert BEFORE INSERT ON audience_samples
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: audience samples are written by onair only; see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_audience_update BEFORE UPDATE ON audience_samples
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: audience samples are written by onair only; see docs/cms-integration.md');
END;
