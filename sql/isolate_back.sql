-- isolate_back: puts back the rows isolate_aside set aside (after isolate_clear).
INSERT INTO enrolments SELECT * FROM isolate_enrolments;
INSERT INTO quarantine SELECT * FROM isolate_quarantine;
INSERT INTO issues SELECT * FROM isolate_issues;
INSERT INTO skipped_rows SELECT * FROM isolate_skipped_rows;
INSERT INTO modules SELECT * FROM isolate_modules;
INSERT INTO source_files SELECT * FROM isolate_source_files;
