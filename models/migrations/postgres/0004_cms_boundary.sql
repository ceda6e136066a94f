-- onair schema 4 (PostgreSQL): the CMS trust boundary; see the SQLite migration of the same
-- number. PostgreSQL always enforces foreign keys and never reuses identity ids, so only the
-- settings seal and the guard triggers are new here. onair's own sessions set onair.writer = 'on'
-- when they connect; any other session is held to what docs/cms-integration.md lets a CMS write.

ALTER TABLE channels ADD COLUMN settings_seal TEXT NOT NULL DEFAULT '';

CREATE FUNCTION onair_is_writer() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('onair.writer', true), '') = 'on'
$$;

-- Tables only onair writes.
CREATE FUNCTION onair_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT onair_is_writer() THEN
        RAISE EXCEPTION 'onair: % are written by onair only; see docs/cms-integration.md', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER onair_only_channels BEFORE INSERT OR UPDATE OR DELETE ON channels
    FOR EACH ROW EXECUTE FUNCTION onair_only();
CREATE TRIGGER onair_only_campaigns BEFORE INSERT OR UPDATE OR DELETE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION onair_only();
CREATE TRIGGER onair_only_links BEFORE INSERT OR UPDATE OR DELETE ON campaign_channels
    FOR EACH ROW EXECUTE FUNCTION onair_only();
CREATE TRIGGER onair_only_attempts BEFORE INSERT OR UPDATE ON attempts
    FOR EACH ROW EXECUTE FUNCTION onair_only();

-- broadcasts: a CMS writes the plan columns; onair's bookkeeping is onair's.
CREATE FUNCTION onair_broadcasts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF onair_is_writer() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.planned_revision IS DISTINCT FROM 0 OR NEW.error IS DISTINCT FROM '' OR NEW.planned_at IS NOT NULL THEN
            RAISE EXCEPTION 'onair: planned_revision, error and planned_at are written by onair only'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.planned_revision IS DISTINCT FROM OLD.planned_revision OR NEW.error IS DISTINCT FROM OLD.error
       OR NEW.planned_at IS DISTINCT FROM OLD.planned_at OR NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'onair: id, planned_revision, error and planned_at are written by onair only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

-- Runs before broadcasts_revision (triggers fire in name order).
CREATE TRIGGER broadcasts_guard BEFORE INSERT OR UPDATE ON broadcasts
    FOR EACH ROW EXECUTE FUNCTION onair_broadcasts_guard();

-- posts: a CMS may edit the text of a post not yet sent (text, edited) and skip it (planned,
-- held or invalid -> skipped); only onair inserts, deletes, or moves a post back to planned.
CREATE FUNCTION onair_posts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF onair_is_writer() THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'onair: posts are planned by onair only; a CMS writes broadcasts'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.broadcast_id IS DISTINCT FROM OLD.broadcast_id
       OR NEW.channel_id IS DISTINCT FROM OLD.channel_id OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.step IS DISTINCT FROM OLD.step OR NEW.due_at IS DISTINCT FROM OLD.due_at
       OR NEW.length IS DISTINCT FROM OLD.length OR NEW.max_length IS DISTINCT FROM OLD.max_length
       OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key OR NEW.attempts IS DISTINCT FROM OLD.attempts
       OR NEW.next_attempt_at IS DISTINCT FROM OLD.next_attempt_at OR NEW.sent_at IS DISTINCT FROM OLD.sent_at
       OR NEW.remote_id IS DISTINCT FROM OLD.remote_id OR NEW.remote_url IS DISTINCT FROM OLD.remote_url
       OR NEW.remote_ref IS DISTINCT FROM OLD.remote_ref OR NEW.options IS DISTINCT FROM OLD.options
       OR NEW.expires_at IS DISTINCT FROM OLD.expires_at OR NEW.lease_owner IS DISTINCT FROM OLD.lease_owner
       OR NEW.lease_expires_at IS DISTINCT FROM OLD.lease_expires_at OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (NEW.status IS DISTINCT FROM OLD.status
           AND NOT (NEW.status = 'skipped' AND OLD.status IN ('planned', 'held', 'invalid')))
       OR ((NEW.text IS DISTINCT FROM OLD.text OR NEW.edited IS DISTINCT FROM OLD.edited)
           AND OLD.status NOT IN ('planned', 'held', 'invalid')) THEN
        RAISE EXCEPTION 'onair: a CMS may only edit the text of a post not yet sent, or skip it (status = ''skipped''); see docs/cms-integration.md'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER onair_posts_guard BEFORE INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION onair_posts_guard();
