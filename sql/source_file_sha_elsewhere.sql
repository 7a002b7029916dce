-- Is this content loaded for another province? (The same bytes sent to two
-- provinces: the second is refused.) $1 sha256, $2 province.
SELECT province_code FROM source_files WHERE source_sha256 = $1 AND province_code <> $2
ORDER BY province_code LIMIT 1;
