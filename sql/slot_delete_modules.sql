DELETE FROM modules WHERE from_catalogue AND province_code = ? AND source_sha256 = ?;
