-- Is this content already loaded from another slot (a copy under another name)?
SELECT count(*) FROM source_files WHERE source_sha256 = ? AND NOT (province_code = ? AND slot = ?);
