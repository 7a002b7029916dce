-- The file currently loaded from a source slot, and the ingest version that loaded it.
SELECT source_sha256, coalesce(ingest_version, 0) FROM source_files WHERE province_code = ? AND slot = ?;
