-- A slot no longer holds these bytes (renamed, moved, replaced or removed).
DELETE FROM source_files WHERE province_code = ? AND slot = ? AND source_sha256 = ?;
