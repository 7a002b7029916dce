SELECT province_code, coalesce(source_file, source), status, rows_read, rows_loaded, rows_quarantined, rows_skipped, error
FROM run_files WHERE run_id = ? ORDER BY province_code, source_file;
