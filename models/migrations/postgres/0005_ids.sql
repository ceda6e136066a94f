-- onair schema 5: ids are never reused. PostgreSQL's identity columns never hand out an id twice
-- already (SQLite's tables are rebuilt with AUTOINCREMENT at this version).
--
-- Claims walk due posts in (due_at, id) order and stop at their batch size: the index gives that
-- order, so a claim never sorts every due post.
DROP INDEX posts_due;
CREATE INDEX posts_due ON posts (due_at, id) WHERE status = 'planned';

-- The daemon's next wake-up asks for the earliest expiry of a held replay post: an index of held
-- posts alone answers it in one lookup (over the expiry index of every pending post, it walked
-- past each planned one: 170 ms a wake at 1,000,000 posts, the idle cost that grew with them).
CREATE INDEX posts_held ON posts (expires_at) WHERE status = 'held';

-- The clock's moves (scheduled -> live at the start, live -> ended at the end) look for
-- scheduled broadcasts whose start has come and live ones: each in an index of its own, so a
-- reconcile does not scan every broadcast.
CREATE INDEX broadcasts_scheduled ON broadcasts (starts_at) WHERE status = 'scheduled';
CREATE INDEX broadcasts_live ON broadcasts (id) WHERE status = 'live';
