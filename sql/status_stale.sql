SELECT province_code, stale_since, coalesce(stale_reason, '') FROM provinces WHERE stale_since IS NOT NULL ORDER BY province_code;
