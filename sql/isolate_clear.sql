-- isolate_clear: removes every row of the province in isolate_ctx.
DELETE FROM enrolments WHERE province_code = (SELECT province FROM isolate_ctx);
DELETE FROM quarantine WHERE province_code = (SELECT province FROM isolate_ctx);
DELETE FROM issues WHERE province_code = (SELECT province FROM isolate_ctx);
DELETE FROM skipped_rows WHERE province_code = (SELECT province FROM isolate_ctx);
DELETE FROM modules WHERE province_code = (SELECT province FROM isolate_ctx);
DELETE FROM source_files WHERE province_code = (SELECT province FROM isolate_ctx);
