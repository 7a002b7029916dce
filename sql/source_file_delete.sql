DELETE FROM source_files WHERE province_code = ? AND slot = ?;
