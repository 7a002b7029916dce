-- The shrink guard's snapshot of one province (guard_scope) before a run
-- changes it: temporary tables of the guard's connection, never published.
CREATE OR REPLACE TEMP TABLE guard_enrolments AS SELECT * FROM enrolments WHERE province_code = (SELECT province_code FROM guard_scope);
CREATE OR REPLACE TEMP TABLE guard_quarantine AS SELECT * FROM quarantine WHERE province_code = (SELECT province_code FROM guard_scope);
CREATE OR REPLACE TEMP TABLE guard_issues AS SELECT * FROM issues WHERE province_code = (SELECT province_code FROM guard_scope);
CREATE OR REPLACE TEMP TABLE guard_skipped_rows AS SELECT * FROM skipped_rows WHERE province_code = (SELECT province_code FROM guard_scope);
CREATE OR REPLACE TEMP TABLE guard_modules AS SELECT * FROM modules WHERE from_catalogue AND province_code = (SELECT province_code FROM guard_scope);
CREATE OR REPLACE TEMP TABLE guard_source_files AS SELECT * FROM source_files WHERE province_code = (SELECT province_code FROM guard_scope);
