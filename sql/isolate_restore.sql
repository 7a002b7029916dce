-- isolate_restore: the province's last good data, from the published
-- warehouse attached as isolate_pub (after isolate_clear). BY NAME: a column
-- a migration of this run added takes its default.
INSERT INTO enrolments BY NAME SELECT * FROM isolate_pub.enrolments WHERE province_code = (SELECT province FROM isolate_ctx);
INSERT INTO quarantine BY NAME SELECT * FROM isolate_pub.quarantine WHERE province_code = (SELECT province FROM isolate_ctx);
INSERT INTO issues BY NAME SELECT * FROM isolate_pub.issues WHERE province_code = (SELECT province FROM isolate_ctx);
INSERT INTO skipped_rows BY NAME SELECT * FROM isolate_pub.skipped_rows WHERE province_code = (SELECT province FROM isolate_ctx);
INSERT INTO modules BY NAME SELECT * FROM isolate_pub.modules WHERE province_code = (SELECT province FROM isolate_ctx) AND from_catalogue;
INSERT INTO source_files BY NAME SELECT * FROM isolate_pub.source_files WHERE province_code = (SELECT province FROM isolate_ctx);
