-- onair schema 5: ids are never reused. PostgreSQL's identity columns never hand out an id twice
-- already (SQLite's tables are rebuilt with AUTOINCREMENT at this version); nothing to change here.
SELECT 1;
