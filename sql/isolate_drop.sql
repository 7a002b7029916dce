-- isolate_drop: the scratch tables of a retried stage, never published.
DROP TABLE IF EXISTS isolate_enrolments;
DROP TABLE IF EXISTS isolate_quarantine;
DROP TABLE IF EXISTS isolate_issues;
DROP TABLE IF EXISTS isolate_skipped_rows;
DROP TABLE IF EXISTS isolate_modules;
DROP TABLE IF EXISTS isolate_source_files;
DROP TABLE IF EXISTS isolate_ctx;
