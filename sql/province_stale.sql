-- The province kept its last good data: stale since the first run that could not refresh it.
-- $1 province, $2 run start, $3 run id
UPDATE provinces SET stale_since = coalesce(stale_since, CAST($2 AS TIMESTAMP)) WHERE province_code = $1 AND $3 IS NOT NULL;
