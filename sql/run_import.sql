-- A run known only from the history file (it failed before publishing).
INSERT OR IGNORE INTO runs (run_id, started_at, finished_at, status, files_seen, files_failed, files_held,
    rows_read, rows_loaded, rows_quarantined, rows_skipped, message)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
