-- onair schema 11 (PostgreSQL): fewer indexes on posts, which every send updates twice (claim and
-- outcome). An update that changes status cannot be HOT, so it writes an entry in every index
-- whose predicate the new row meets: posts_status (status, due_at) took one on each update, and
-- no query needs it (the due, lease, expiry, retry and held indexes are partial on the status
-- they serve; a broadcast's posts, its thread's among them, are found by the unique
-- (broadcast_id, channel_id, kind, step)). posts_thread gives way to posts_sent, for what reads
-- sent posts by when they went out (engagement reading, the report).
DROP INDEX posts_status;
DROP INDEX posts_thread;
CREATE INDEX posts_sent ON posts (sent_at) WHERE status = 'sent';
