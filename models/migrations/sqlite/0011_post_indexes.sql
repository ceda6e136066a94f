-- onair schema 11 (SQLite): fewer indexes on posts, which every send updates twice (claim and
-- outcome); see the PostgreSQL migration of the same number. SQLite rewrites the entry of every
-- index whose columns (or partial predicate) an update changes: posts_status (status, due_at) took
-- a rewrite on each update, and no query needs it. posts_thread gives way to posts_sent, for what
-- reads sent posts by when they went out (engagement reading, the report).
DROP INDEX posts_status;
DROP INDEX posts_thread;
CREATE INDEX posts_sent ON posts (sent_at) WHERE status = 'sent';
