-- onair schema 6: what makes a send happen once under uncertainty (issue 12).
--
-- posts.send_started_at is written, and committed, just before a claimed post's request leaves
-- for the network, and cleared when the outcome is recorded: a post found "sending" after a
-- crash without it was claimed ahead of its turn and never left (it goes back to planned as it
-- was); one with it may have reached the network (its channel's rule decides).
-- posts.first_tried_at is when the post's first request left: networks that are searched for an
-- earlier try (X, Mastodon) are searched back to it.
-- posts.remote_key is the identity the network deduplicates on when onair chooses it (Bluesky's
-- record key), fixed at the first try: a reschedule or a CMS edit never sends the post again
-- under another one.
-- Only onair writes them.

ALTER TABLE posts ADD COLUMN send_started_at TEXT;
ALTER TABLE posts ADD COLUMN first_tried_at TEXT;
ALTER TABLE posts ADD COLUMN remote_key TEXT NOT NULL DEFAULT '';

CREATE TRIGGER onair_only_posts_send_marks BEFORE UPDATE OF send_started_at, first_tried_at, remote_key ON posts
WHEN (NEW.send_started_at IS NOT OLD.send_started_at OR NEW.first_tried_at IS NOT OLD.first_tried_at
      OR NEW.remote_key IS NOT OLD.remote_key)
 AND NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: send_started_at, first_tried_at and remote_key are written by onair only; see docs/cms-integration.md');
END;
