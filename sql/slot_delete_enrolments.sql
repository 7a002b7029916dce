-- Rows of the file previously loaded from a slot, replaced by its new version.
DELETE FROM enrolments WHERE province_code = ? AND source_sha256 = ?;
