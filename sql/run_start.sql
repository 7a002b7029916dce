INSERT INTO runs (run_id, started_at, status, version) VALUES (?, ?, ?, ?);
