-- onair schema 3 (PostgreSQL): sealed channel credentials, threads, pictures, post options and
-- remote references. See the SQLite migration of the same number for what each column is.

ALTER TABLE channels ADD COLUMN secrets TEXT NOT NULL DEFAULT '';

ALTER TABLE campaigns ADD COLUMN thread BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE campaigns ADD COLUMN visibility TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN image_alt TEXT NOT NULL DEFAULT '';

ALTER TABLE broadcasts ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN image_alt TEXT NOT NULL DEFAULT '';

ALTER TABLE posts ADD COLUMN options TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN remote_ref TEXT NOT NULL DEFAULT '';

CREATE INDEX posts_thread ON posts (broadcast_id, channel_id) WHERE status = 'sent';

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
        OR NEW.started_at IS DISTINCT FROM OLD.started_at OR NEW.ended_at IS DISTINCT FROM OLD.ended_at
        OR NEW.image IS DISTINCT FROM OLD.image OR NEW.image_alt IS DISTINCT FROM OLD.image_alt) THEN
        NEW.revision := OLD.revision + 1;
        NEW.updated_at := now();
    END IF;
    IF NEW.revision IS DISTINCT FROM NEW.planned_revision THEN
        PERFORM pg_notify('onair_broadcasts', NEW.id::text);
    END IF;
    RETURN NEW;
END $$;
