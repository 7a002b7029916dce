-- The province a run loaded these bytes for ($1 run, $2 sha256).
SELECT province_code FROM file_claims WHERE run_id = $1 AND source_sha256 = $2;
