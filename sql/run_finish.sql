-- $11 stale provinces (comma-separated) or NULL; $13 files held by the shrink guard
UPDATE runs SET finished_at = $1, status = $2, files_seen = $3, files_loaded = $4, files_unchanged = $5,
    files_failed = $6, rows_read = $7, rows_loaded = $8, rows_quarantined = $9, rows_skipped = $10,
    message = CASE WHEN $11 IS NULL THEN NULL ELSE 'stale: ' || $11 END,
    files_held = $13
WHERE run_id = $12;
