-- Reserved: schema 5 is being written on main at the same time as schema 6 (issue 12). This
-- placeholder keeps the versions contiguous on this branch; it is dropped when the two merge.
SELECT 1;
