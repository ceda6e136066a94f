-- onair schema 4: the CMS trust boundary (docs/cms-integration.md, "What a CMS may write").
--
-- channels.settings_seal binds a channel's network and settings to onair's secret key (an
-- HMAC-SHA256 written by the CLI): a channel whose settings were changed by anything but onair
-- no longer matches it, and is paused before any credential is used.
--
-- Guard triggers: a writer that is not onair (its connection lacks the onair_writer() function
-- that onair registers on each of its own) may write broadcasts, edit a post's text and skip a
-- post not yet sent; nothing else of posts, and nothing of campaigns, channels, their links or
-- attempts. Consistency triggers, for every writer whatever its PRAGMA foreign_keys says: a
-- broadcast, channel or campaign that others rows point to cannot be deleted, and a row cannot
-- point to one that does not exist.

ALTER TABLE channels ADD COLUMN settings_seal TEXT NOT NULL DEFAULT '';

-- Rows are consistent whatever the writer's PRAGMA foreign_keys.
CREATE TRIGGER onair_broadcasts_keep BEFORE DELETE ON broadcasts
WHEN EXISTS (SELECT 1 FROM posts WHERE broadcast_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this broadcast has posts and cannot be deleted; set status = ''cancelled'' instead');
END;

CREATE TRIGGER onair_channels_keep BEFORE DELETE ON channels
WHEN EXISTS (SELECT 1 FROM posts WHERE channel_id = OLD.id)
  OR EXISTS (SELECT 1 FROM campaign_channels WHERE channel_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this channel has posts or campaigns and cannot be deleted');
END;

CREATE TRIGGER onair_campaigns_keep BEFORE DELETE ON campaigns
WHEN EXISTS (SELECT 1 FROM broadcasts WHERE campaign_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'onair: this campaign has broadcasts and cannot be deleted');
END;

CREATE TRIGGER onair_campaigns_unlink AFTER DELETE ON campaigns
BEGIN
    DELETE FROM campaign_channels WHERE campaign_id = OLD.id;
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

CREATE TRIGGER onair_campaign_channels_parents BEFORE INSERT ON campaign_channels
WHEN NOT EXISTS (SELECT 1 FROM campaigns WHERE id = NEW.campaign_id)
  OR NOT EXISTS (SELECT 1 FROM channels WHERE id = NEW.channel_id)
BEGIN
    SELECT RAISE(ABORT, 'onair: FOREIGN KEY constraint failed: a link needs its campaign and its channel');
END;

-- What only onair writes.
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
CREATE TRIGGER onair_only_links_insert BEFORE INSERT ON campaign_channels
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: campaign channels are written by onair only (onair campaign edit --channels)');
END;
CREATE TRIGGER onair_only_links_update BEFORE UPDATE ON campaign_channels
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: campaign channels are written by onair only (onair campaign edit --channels)');
END;
CREATE TRIGGER onair_only_links_delete BEFORE DELETE ON campaign_channels
WHEN NOT EXISTS (SELECT 1 FROM pragma_collation_list WHERE name = 'onair_writer')
BEGIN
    SELECT RAISE(ABORT, 'onair: campaign channels are written by onair only (onair campaign edit --channels)');
END;
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

-- broadcasts: a CMS writes the plan columns; onair's bookkeeping is onair's.
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

-- posts: onair plans and sends them; a CMS may edit a post's text (text, edited) and skip a post
-- not yet sent (status planned, held or invalid -> skipped). Only onair moves a post back to
-- planned (a retry, `onair broadcast reopen`, `onair post resolve --resend`).
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
