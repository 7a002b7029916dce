-- province_marks: every province's marks before a run sets them (restored by
-- province_marks_put when the outputs are written again without a province).
SELECT province_code, stale_since, stale_reason, stale_reason_it, last_good_run FROM provinces;
