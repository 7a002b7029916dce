-- The sha256 of the file currently loaded from a source slot.
SELECT source_sha256 FROM source_files WHERE province_code = ? AND slot = ?;
