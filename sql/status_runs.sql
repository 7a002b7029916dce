SELECT run_id, started_at, finished_at, status, files_seen, files_failed, coalesce(files_held, 0),
       rows_read, rows_loaded, rows_quarantined, rows_skipped, message
FROM runs ORDER BY started_at DESC LIMIT ?;
