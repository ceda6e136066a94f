-- onair schema 2: what the dispatcher needs to send each post once, on time, across crashes and
-- restarts: a lease on posts being sent, the moment a post stops being useful, a pause on
-- channels (rate limits, credentials to renew), and the real start and end of a broadcast.

ALTER TABLE posts ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN lease_expires_at TEXT;
ALTER TABLE posts ADD COLUMN expires_at TEXT;
CREATE INDEX posts_leases ON posts (lease_expires_at) WHERE status = 'sending';
CREATE INDEX posts_expiry ON posts (expires_at) WHERE status IN ('planned', 'held');
CREATE INDEX posts_retries ON posts (next_attempt_at) WHERE status = 'planned' AND next_attempt_at IS NOT NULL;

ALTER TABLE channels ADD COLUMN paused_until TEXT;

ALTER TABLE broadcasts ADD COLUMN started_at TEXT;
ALTER TABLE broadcasts ADD COLUMN ended_at TEXT;

DROP TRIGGER broadcasts_revision_update;
CREATE TRIGGER broadcasts_revision_update AFTER UPDATE ON broadcasts
WHEN NEW.revision IS OLD.revision AND (
       NEW.campaign_id IS NOT OLD.campaign_id OR NEW.campaign IS NOT OLD.campaign
    OR NEW.title IS NOT OLD.title OR NEW.description IS NOT OLD.description
    OR NEW.starts_at IS NOT OLD.starts_at OR NEW.duration_minutes IS NOT OLD.duration_minutes
    OR NEW.watch_url IS NOT OLD.watch_url OR NEW.replay_url IS NOT OLD.replay_url
    OR NEW.status IS NOT OLD.status
    OR NEW.started_at IS NOT OLD.started_at OR NEW.ended_at IS NOT OLD.ended_at)
BEGIN
    UPDATE broadcasts
       SET revision = OLD.revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = NEW.id;
END;
