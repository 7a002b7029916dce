INSERT INTO run_files (run_id, province_code, source, source_file, source_sha256, status,
    rows_read, rows_loaded, rows_quarantined, rows_skipped, issues, sheets, error, other_slot)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
