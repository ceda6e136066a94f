-- onair schema 9: live sources (docs/sources.md). A source is one account on a live platform
-- (YouTube Live, Twitch) that a campaign follows: onair imports its scheduled broadcasts, and
-- learns from it when a stream really starts and ends, where its replay is and how many watch.
--
-- sources, like channels, are written by onair only: their settings say where onair sends the
-- account's credentials, so they are bound to onair's key (settings_seal) and the credentials
-- sealed (secrets). broadcast_sources links a broadcast to its platform broadcast and keeps what
-- onair last learned of it; a CMS reads it, only onair writes it.

CREATE TABLE sources (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    platform      TEXT NOT NULL,                 -- youtube | twitch
    settings      TEXT NOT NULL DEFAULT '{}',    -- JSON, no secret: api_url, token_url, channel, client_id
    secrets       TEXT NOT NULL DEFAULT '',      -- sealed:v1:... (client secret, refresh token)
    settings_seal TEXT NOT NULL DEFAULT '',      -- bound:v1:... binds platform and settings to onair's key
    status        TEXT NOT NULL DEFAULT 'active', -- active | paused | needs-auth
    status_reason TEXT NOT NULL DEFAULT '',
    account       TEXT NOT NULL DEFAULT '',      -- the channel's name on the platform
    last_sync_at  TEXT,                          -- the last sync that worked
    last_error    TEXT NOT NULL DEFAULT '',      -- the last sync's error; '' when it worked
    error_kind    TEXT NOT NULL DEFAULT '',      -- auth | quota | unavailable | other
    failing_since TEXT,                          -- the first failed sync since the last good one
    next_poll_at  TEXT,                          -- when onair reads the platform next
    listed_at     TEXT,                          -- the last read of the upcoming broadcasts
    units_day     TEXT NOT NULL DEFAULT '',      -- the UTC day units_used counts (YYYY-MM-DD)
    units_used    INTEGER NOT NULL DEFAULT 0,    -- quota units spent that day
    created_at    TEXT,
    updated_at    TEXT
);

-- Names are compared case-insensitively (`onair source test Brand-YT`).
CREATE UNIQUE INDEX sources_name_lower ON sources (lower(name));

ALTER TABLE campaigns ADD COLUMN source_id INTEGER REFERENCES sources(id);
ALTER TABLE campaigns ADD COLUMN live_grace_minutes INTEGER NOT NULL DEFAULT 30;

CREATE TABLE broadcast_sources (
    broadcast_id INTEGER PRIMARY KEY REFERENCES broadcasts(id) ON DELETE CASCADE,
    source_ref   TEXT NOT NULL UNIQUE,           -- youtube:VIDEO_ID | twitch:SEGMENT_ID
    seen         TEXT NOT NULL DEFAULT '',       -- JSON: the platform's values at the last import
    state        TEXT NOT NULL DEFAULT '',       -- upcoming | testing | live | ended | cancelled
    started_at   TEXT,                           -- the real start, as the platform says
    ended_at     TEXT,                           -- the real end
    replay_url   TEXT NOT NULL DEFAULT '',       -- where the platform says the replay is
    stream_id    TEXT NOT NULL DEFAULT '',       -- the platform's stream, when not the broadcast's own id (Twitch)
    viewers      INTEGER NOT NULL DEFAULT -1,    -- concurrent viewers at the last look (-1: not said)
    acted        TEXT NOT NULL DEFAULT '',       -- the platform state onair last applied to the broadcast
    checked_at   TEXT,                           -- the last look
    sampled_at   TEXT,                           -- the last audience sample
    error        TEXT NOT NULL DEFAULT '',       -- why the platform is not followed now ('' when it is)
    created_at   TEXT,
    updated_at   TEXT
);

-- Rows stay consistent whatever the writer's PRAGMA foreign_keys.
CREATE TRIGGER onair_broadcast_sources_unlink AFTER DELETE ON broadcasts
BEGIN
    DELETE FROM broadcast_sources WHERE broadcast_id = OLD.id;
END;

CREATE TRIGGER onair_sources_keep BEFORE DELETE ON sources
WHEN EXISTS (SELECT 1 FROM campaigns WHERE source_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this source is used by a campaign and cannot be deleted');
END;

-- What only onair writes.
CREATE TRIGGER onair_only_sources_insert BEFORE INSERT ON sources
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: sources are written by onair only (onair source add); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_sources_update BEFORE UPDATE ON sources
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: sources are written by onair only (onair source ...); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_sources_delete BEFORE DELETE ON sources
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: sources are written by onair only (onair source remove); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_broadcast_sources_insert BEFORE INSERT ON broadcast_sources
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: broadcast_sources are written by onair only (onair broadcast edit --source-ref); see docs/cms-integration.md');
END;
CREATE TRIGGER onair_only_broadcast_sources_update BEFORE UPDATE ON broadcast_sources
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: broadcast_sources are written by onair only; see docs/cms-integration.md');
END;
-- Deleting a broadcast takes its link with it (the trigger above); deleting a link on its own is
-- onair's.
CREATE TRIGGER onair_only_broadcast_sources_delete BEFORE DELETE ON broadcast_sources
WHEN EXISTS (SELECT 1 FROM broadcasts WHERE id = OLD.broadcast_id)
 AND NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: broadcast_sources are written by onair only; see docs/cms-integration.md');
END;
