-- Is this content loaded for another province? (The same bytes sent to two
-- provinces: the second is refused.) Only a file that brought that province
-- data counts: an empty template (a header, no rows loaded or quarantined,
-- no catalogue) sent by several provinces is nobody's file. $1 sha256, $2
-- province.
SELECT s.province_code FROM source_files s
WHERE s.source_sha256 = $1 AND s.province_code <> $2
  AND (EXISTS (SELECT 1 FROM enrolments e WHERE e.province_code = s.province_code AND e.source_sha256 = s.source_sha256)
    OR EXISTS (SELECT 1 FROM quarantine q WHERE q.province_code = s.province_code AND q.source_sha256 = s.source_sha256)
    OR EXISTS (SELECT 1 FROM modules m WHERE m.province_code = s.province_code AND m.source_sha256 = s.source_sha256 AND m.from_catalogue))
ORDER BY s.province_code LIMIT 1;
