-- The run report page: the last 30 published runs, newest first.
SELECT run_id, started_at, finished_at, status, files_seen, files_failed, coalesce(files_held, 0) AS files_held,
       rows_read, rows_loaded, rows_quarantined, rows_skipped, coalesce(message, '') AS message
FROM runs
WHERE status IN ('success', 'partial')
ORDER BY started_at DESC
LIMIT 30;
