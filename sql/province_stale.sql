-- The province kept its last good data: stale since the first run that could not refresh it,
-- with the reason of this run in English and Italian.
-- $1 province, $2 run start, $3 run id, $4 reason, $5 reason in Italian
UPDATE provinces SET stale_since = coalesce(stale_since, CAST($2 AS TIMESTAMP)),
    stale_reason = $4, stale_reason_it = $5
WHERE province_code = $1 AND $3 IS NOT NULL;
