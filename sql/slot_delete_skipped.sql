DELETE FROM skipped_rows WHERE province_code = ? AND source_sha256 = ?;
