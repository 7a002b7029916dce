-- isolate_aside: sets aside every row of the province in isolate_ctx (the
-- rows this run loaded included), while a later stage is retried with the
-- province's last good data. Dropped by isolate_drop before publishing.
CREATE OR REPLACE TABLE isolate_enrolments AS SELECT * FROM enrolments WHERE province_code = (SELECT province FROM isolate_ctx);
CREATE OR REPLACE TABLE isolate_quarantine AS SELECT * FROM quarantine WHERE province_code = (SELECT province FROM isolate_ctx);
CREATE OR REPLACE TABLE isolate_issues AS SELECT * FROM issues WHERE province_code = (SELECT province FROM isolate_ctx);
CREATE OR REPLACE TABLE isolate_skipped_rows AS SELECT * FROM skipped_rows WHERE province_code = (SELECT province FROM isolate_ctx);
CREATE OR REPLACE TABLE isolate_modules AS SELECT * FROM modules WHERE province_code = (SELECT province FROM isolate_ctx) AND from_catalogue;
CREATE OR REPLACE TABLE isolate_source_files AS SELECT * FROM source_files WHERE province_code = (SELECT province FROM isolate_ctx);
