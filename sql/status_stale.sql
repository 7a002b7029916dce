SELECT province_code, stale_since FROM provinces WHERE stale_since IS NOT NULL ORDER BY province_code;
