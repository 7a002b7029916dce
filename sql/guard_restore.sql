-- The shrink guard held a province's changes back: its rows and files
-- become those of the snapshot again (guard_save).
DELETE FROM enrolments WHERE province_code = (SELECT province_code FROM guard_scope);
INSERT INTO enrolments SELECT * FROM guard_enrolments;
DELETE FROM quarantine WHERE province_code = (SELECT province_code FROM guard_scope);
INSERT INTO quarantine SELECT * FROM guard_quarantine;
DELETE FROM issues WHERE province_code = (SELECT province_code FROM guard_scope);
INSERT INTO issues SELECT * FROM guard_issues;
DELETE FROM skipped_rows WHERE province_code = (SELECT province_code FROM guard_scope);
INSERT INTO skipped_rows SELECT * FROM guard_skipped_rows;
DELETE FROM modules WHERE from_catalogue AND province_code = (SELECT province_code FROM guard_scope);
INSERT INTO modules SELECT * FROM guard_modules;
DELETE FROM source_files WHERE province_code = (SELECT province_code FROM guard_scope);
INSERT INTO source_files SELECT * FROM guard_source_files;
