-- Does the province ($1) still hold these bytes ($2 sha256) in source_files?
-- A claim of the run stands only while it does (the shrink guard or an
-- isolated province may have put its older files back since).
SELECT count(*) FROM source_files WHERE province_code = $1 AND source_sha256 = $2;
