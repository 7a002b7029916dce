-- The files whose rows are loaded for a province, one per slot.
SELECT slot, source_file, source_sha256, landed_path, loaded_run_id, loaded_at, coalesce(ingest_version, 0)
FROM source_files WHERE province_code = ? ORDER BY slot;
