-- onair schema 2 (PostgreSQL): leases, expiry, channel holds, real start and end.

ALTER TABLE posts ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN lease_expires_at TIMESTAMPTZ;
ALTER TABLE posts ADD COLUMN expires_at TIMESTAMPTZ;
CREATE INDEX posts_leases ON posts (lease_expires_at) WHERE status = 'sending';
CREATE INDEX posts_expiry ON posts (expires_at) WHERE status IN ('planned', 'held');
CREATE INDEX posts_retries ON posts (next_attempt_at) WHERE status = 'planned' AND next_attempt_at IS NOT NULL;

ALTER TABLE channels ADD COLUMN paused_until TIMESTAMPTZ;

ALTER TABLE broadcasts ADD COLUMN started_at TIMESTAMPTZ;
ALTER TABLE broadcasts ADD COLUMN ended_at TIMESTAMPTZ;

CREATE OR REPLACE FUNCTION onair_broadcast_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.revision := NEW.revision + 1;
    ELSIF NEW.revision IS NOT DISTINCT FROM OLD.revision AND (
           NEW.campaign_id IS DISTINCT FROM OLD.campaign_id OR NEW.campaign IS DISTINCT FROM OLD.campaign
        OR NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description
        OR NEW.starts_at IS DISTINCT FROM OLD.starts_at OR NEW.duration_minutes IS DISTINCT FROM OLD.duration_minutes
        OR NEW.watch_url IS DISTINCT FROM OLD.watch_url OR NEW.replay_url IS DISTINCT FROM OLD.replay_url
        OR NEW.status IS DISTINCT FROM OLD.status
        OR NEW.started_at IS DISTINCT FROM OLD.started_at OR NEW.ended_at IS DISTINCT FROM OLD.ended_at) THEN
        NEW.revision := OLD.revision + 1;
        NEW.updated_at := now();
    END IF;
    IF NEW.revision IS DISTINCT FROM NEW.planned_revision THEN
        PERFORM pg_notify('onair_broadcasts', NEW.id::text);
    END IF;
    RETURN NEW;
END $$;
