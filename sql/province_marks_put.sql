-- province_marks_put: puts back a province's marks read by province_marks.
-- $1 province, $2 stale since, $3 reason, $4 reason in Italian, $5 last good run
UPDATE provinces SET stale_since = $2, stale_reason = $3, stale_reason_it = $4, last_good_run = $5
WHERE province_code = $1;
