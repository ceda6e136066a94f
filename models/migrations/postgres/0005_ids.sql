-- onair schema 5: ids are never reused. PostgreSQL's identity columns never hand out an id twice
-- already (SQLite's tables are rebuilt with AUTOINCREMENT at this version).
--
-- Claims walk due posts in (due_at, id) order and stop at their batch size: the index gives that
-- order, so a claim never sorts every due post.
DROP INDEX posts_due;
CREATE INDEX posts_due ON posts (due_at, id) WHERE status = 'planned';
