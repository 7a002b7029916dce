-- 005: a file is its bytes within its province (renames and moves keep their
-- rows), and the shrink guard (a province that would lose most of its rows
-- keeps its last good data, with the reason).
ALTER TABLE run_files ADD COLUMN other_slot VARCHAR;
ALTER TABLE provinces ADD COLUMN stale_reason VARCHAR;
ALTER TABLE provinces ADD COLUMN stale_reason_it VARCHAR;
