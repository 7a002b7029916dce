-- $1 province, $2 run start, $3 run id
UPDATE provinces SET stale_since = NULL, stale_reason = NULL, stale_reason_it = NULL, last_good_run = $3
WHERE province_code = $1 AND $2 IS NOT NULL;
