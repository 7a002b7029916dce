DROP TABLE IF EXISTS guard_enrolments;
DROP TABLE IF EXISTS guard_quarantine;
DROP TABLE IF EXISTS guard_issues;
DROP TABLE IF EXISTS guard_skipped_rows;
DROP TABLE IF EXISTS guard_modules;
DROP TABLE IF EXISTS guard_source_files;
DROP TABLE IF EXISTS guard_scope;
