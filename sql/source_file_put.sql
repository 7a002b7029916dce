INSERT OR REPLACE INTO source_files (province_code, slot, source_file, source_sha256, landed_path, loaded_run_id, loaded_at, ingest_version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);
