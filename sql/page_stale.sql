-- The run report page: provinces whose last good data was kept, with since when and why.
SELECT province_code, name, stale_since, coalesce(stale_reason_it, '') AS reason_it,
       coalesce(stale_reason, '') AS reason, coalesce(last_good_run, '') AS last_good_run
FROM provinces
WHERE stale_since IS NOT NULL
ORDER BY province_code;
