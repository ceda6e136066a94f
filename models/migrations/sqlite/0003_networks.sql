-- onair schema 3: what posting to X, Mastodon and Bluesky needs.
-- channels.secrets holds the channel's credentials sealed with AES-256-GCM (onair's key is not in
-- the database: a reader of this file sees no usable secret). Campaigns may thread their posts
-- and carry a picture; broadcasts may carry their own picture. posts.options is what the post
-- goes out with besides its text (JSON, resolved when planned); posts.remote_ref is what the
-- network needs to reply to the post (Bluesky: the record's CID).

ALTER TABLE channels ADD COLUMN secrets TEXT NOT NULL DEFAULT '';

ALTER TABLE campaigns ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN visibility TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN image_alt TEXT NOT NULL DEFAULT '';

ALTER TABLE broadcasts ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN image_alt TEXT NOT NULL DEFAULT '';

ALTER TABLE posts ADD COLUMN options TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN remote_ref TEXT NOT NULL DEFAULT '';

-- A thread's replies look up the posts already sent on their broadcast and channel.
CREATE INDEX posts_thread ON posts (broadcast_id, channel_id) WHERE status = 'sent';

DROP TRIGGER broadcasts_revision_update;
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
