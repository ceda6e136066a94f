-- onair schema 2: what the dispatcher needs to send each post once across crashes and restarts:
-- a lease on posts being sent, and a pause on channels (rate limits, credentials to renew).

ALTER TABLE posts ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN lease_expires_at TEXT;
CREATE INDEX posts_leases ON posts (lease_expires_at) WHERE status = 'sending';

ALTER TABLE channels ADD COLUMN paused_until TEXT;
