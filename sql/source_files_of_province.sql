SELECT slot, source_file, source_sha256 FROM source_files WHERE province_code = ?;
