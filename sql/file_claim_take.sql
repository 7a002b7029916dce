-- The file writer takes over a claim of the run whose province no longer
-- holds the bytes ($1 run, $2 sha256, $3 province). Two transactions taking
-- it over at once conflict, and the second is tried again.
UPDATE file_claims SET province_code = $3 WHERE run_id = $1 AND source_sha256 = $2;
