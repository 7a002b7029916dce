-- The run report page: the last linkage.
SELECT run_id, records, candidate_pairs, lambda_estimate, match_threshold, review_threshold,
       accepted_pairs, review_pairs, persons, persons_multi, seconds
FROM link_runs
ORDER BY "at" DESC
LIMIT 1;
