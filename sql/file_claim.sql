-- The file writer claims a file's bytes for its province in this run
-- ($1 run, $2 sha256, $3 province): a claim the run made already (the same
-- file read again) is kept; file_claim_owner then says whose it is.
INSERT INTO file_claims (run_id, source_sha256, province_code) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;
